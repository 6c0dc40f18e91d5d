/**
 * The parameters that name a planner's window (GET /api/window, and window subscriptions on
 * the WebSocket): each checked and named in a 400 problem when wrong, unknown ones refused.
 */
import type { Static } from '@sinclair/typebox';
import { DAY_MS, MAX_WINDOW_DAYS, type WindowQuery } from '../views/window.ts';
import { badRequest } from './problem.ts';
import { WindowQuery as WindowQuerySchema, WindowSubscription } from './schemas.ts';
import { queryValidator, utcMs } from './validate.ts';

export const WINDOW_PARAMS = Object.keys(WindowSubscription.properties);
export const WAIT_PARAMS = ['minOffset', 'timeoutMs'] as const;

const withWait = queryValidator(WindowQuerySchema);
const withoutWait = queryValidator(WindowSubscription);

/** A date (its midnight UTC), a UTC instant, or epoch milliseconds: the schema checked the form, the calendar is checked here. */
function instant(value: string | undefined, name: 'from' | 'to'): number | undefined {
  if (value === undefined) return undefined;
  const ms = /^\d{1,15}$/.test(value) ? Number(value) : utcMs(value);
  if (Number.isNaN(ms))
    throw badRequest(
      `query parameter "${name}" must be a date YYYY-MM-DD, a UTC instant like 2026-03-29T06:00:00Z or epoch milliseconds, got "${value}"`,
      name,
    );
  return ms;
}

/** The window a query string names; every parameter checked, unknown ones refused (the wait
 * parameters too, unless `extra` names them: a WebSocket subscription has none). */
export function parseWindow(q: URLSearchParams, extra: readonly string[] = WAIT_PARAMS): WindowQuery {
  return toWindow(extra.length > 0 ? withWait(q) : withoutWait(q));
}

/** The window that validated parameters name. */
export function toWindow(p: Static<typeof WindowSubscription>): WindowQuery {
  const from = instant(p.from, 'from');
  const to = instant(p.to, 'to');
  if (from !== undefined && to !== undefined) {
    if (to <= from) throw badRequest('"to" must be after "from"', 'to');
    if (to - from > MAX_WINDOW_DAYS * DAY_MS) throw badRequest(`a window spans at most ${MAX_WINDOW_DAYS} days`, 'to');
  }
  const { start, limit, rotation, airplane, check, sort, focus } = p;
  return {
    by: p.by ?? 'rotation',
    ...(from !== undefined ? { from } : {}),
    ...(to !== undefined ? { to } : {}),
    ...(start !== undefined ? { start } : {}),
    ...(limit !== undefined ? { limit } : {}),
    ...(rotation !== undefined ? { rotation } : {}),
    ...(airplane !== undefined ? { airplane } : {}),
    ...(p.violations === 'true' || p.violations === '1' ? { violations: true } : {}),
    ...(check !== undefined ? { check } : {}),
    ...(sort !== undefined ? { sort } : {}),
    ...(focus !== undefined ? { focus } : {}),
  };
}
