/**
 * The parameters that name a planner's window (GET /api/window, and window subscriptions on
 * the WebSocket): each checked and named in a 400 problem when wrong, unknown ones refused.
 */
import {
  CHECK_KINDS,
  DAY_MS,
  MAX_WINDOW_DAYS,
  MAX_WINDOW_ROWS,
  WINDOW_SORTS,
  type CheckKind,
  type WindowQuery,
  type WindowSort,
} from '../views/window.ts';
import { badRequest } from './problem.ts';
import { queryInt } from './validate.ts';

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]00:?00)$/;
export const WINDOW_PARAMS = [
  'by',
  'from',
  'to',
  'start',
  'limit',
  'rotation',
  'airplane',
  'violations',
  'check',
  'sort',
  'focus',
] as const;
export const WAIT_PARAMS = ['minOffset', 'timeoutMs'] as const;

/** A date (its midnight UTC), a UTC instant, or epoch milliseconds. */
function instant(value: string | null, name: 'from' | 'to'): number | undefined {
  if (value === null || value === '') return undefined;
  const ms = /^\d{1,15}$/.test(value)
    ? Number(value)
    : DATE.test(value)
      ? Date.parse(`${value}T00:00:00Z`)
      : INSTANT.test(value)
        ? Date.parse(value)
        : NaN;
  if (Number.isNaN(ms))
    throw badRequest(
      `query parameter "${name}" must be a date YYYY-MM-DD, a UTC instant like 2026-03-29T06:00:00Z or epoch milliseconds, got "${value}"`,
      name,
    );
  return ms;
}

function oneOf<T extends string>(value: string | null, name: string, allowed: readonly T[]): T | undefined {
  if (value === null || value === '') return undefined;
  if (!(allowed as readonly string[]).includes(value))
    throw badRequest(`query parameter "${name}" must be one of ${allowed.join(', ')}, got "${value}"`, name);
  return value as T;
}

function text(value: string | null, name: string): string | undefined {
  if (value === null || value === '') return undefined;
  if (value.length > 100) throw badRequest(`query parameter "${name}" is longer than 100 characters`, name);
  return value;
}

/** The window a query string names; every parameter checked, unknown ones refused. */
export function parseWindow(q: URLSearchParams, extra: readonly string[] = WAIT_PARAMS): WindowQuery {
  const allowed = new Set<string>([...WINDOW_PARAMS, ...extra]);
  for (const key of q.keys())
    if (!allowed.has(key)) throw badRequest(`unknown query parameter "${key}"; allowed: ${[...allowed].join(', ')}`, key);
  const by = oneOf(q.get('by'), 'by', ['rotation', 'airplane'] as const) ?? 'rotation';
  const from = instant(q.get('from'), 'from');
  const to = instant(q.get('to'), 'to');
  if (from !== undefined && to !== undefined) {
    if (to <= from) throw badRequest('"to" must be after "from"', 'to');
    if (to - from > MAX_WINDOW_DAYS * DAY_MS) throw badRequest(`a window spans at most ${MAX_WINDOW_DAYS} days`, 'to');
  }
  const start = queryInt(q.get('start') ?? undefined, 'start', 0, 10_000_000);
  const limit = queryInt(q.get('limit') ?? undefined, 'limit', 1, MAX_WINDOW_ROWS);
  const violations = oneOf(q.get('violations'), 'violations', ['true', 'false', '1', '0'] as const);
  const check = oneOf<CheckKind>(q.get('check'), 'check', CHECK_KINDS);
  const sort = oneOf<WindowSort>(q.get('sort'), 'sort', WINDOW_SORTS);
  const rotation = text(q.get('rotation'), 'rotation');
  const airplane = text(q.get('airplane'), 'airplane');
  const focus = text(q.get('focus'), 'focus');
  return {
    by,
    ...(from !== undefined ? { from } : {}),
    ...(to !== undefined ? { to } : {}),
    ...(start !== undefined ? { start } : {}),
    ...(limit !== undefined ? { limit } : {}),
    ...(rotation !== undefined ? { rotation } : {}),
    ...(airplane !== undefined ? { airplane } : {}),
    ...(violations === 'true' || violations === '1' ? { violations: true } : {}),
    ...(check !== undefined ? { check } : {}),
    ...(sort !== undefined ? { sort } : {}),
    ...(focus !== undefined ? { focus } : {}),
  };
}
