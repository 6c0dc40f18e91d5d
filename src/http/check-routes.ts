/**
 * The four validation checks over HTTP, answered by the schedule view replicas:
 * GET /api/checks/{continuity,ground-time,designators,equipment}?rotation&from&to&limit&cursor&minOffset.
 * The answer is serialised to JSON in the replica's thread and passed through as is.
 *
 * `from`/`to` take a date (YYYY-MM-DD: `to` includes that whole day) or a UTC instant (`to`
 * exclusive). `minOffset` is the offset a command reply carried: the query waits (up to
 * `timeoutMs`, default 5 s, at most 30 s) until its replica has applied it, else 504.
 */
import { isViewError, type CheckFilters, type ViewPool, type ViewQuery } from '../views/index.ts';
import { badRequest, problem } from './problem.ts';
import type { HttpServer, Request } from './server.ts';
import { queryInt } from './validate.ts';

const DAY = 86_400_000;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

function time(value: string | null, name: 'from' | 'to'): number | undefined {
  if (value === null || value === '') return undefined;
  const ms = Date.parse(DATE.test(value) ? `${value}T00:00:00Z` : value);
  if (Number.isNaN(ms) || !(DATE.test(value) || /Z$|[+-]00:?00$/.test(value)))
    throw badRequest(`query parameter "${name}" must be a date YYYY-MM-DD or a UTC instant, got "${value}"`, name);
  return DATE.test(value) && name === 'to' ? ms + DAY : ms;
}

function filters(req: Request): CheckFilters {
  const allowed = new Set(['rotation', 'from', 'to', 'limit', 'cursor', 'minOffset', 'timeoutMs']);
  for (const key of req.query.keys())
    if (!allowed.has(key)) throw badRequest(`unknown query parameter "${key}"; allowed: ${[...allowed].join(', ')}`, key);
  const rotationId = req.query.get('rotation') ?? undefined;
  const from = time(req.query.get('from'), 'from');
  const to = time(req.query.get('to'), 'to');
  if (from !== undefined && to !== undefined && to <= from) throw badRequest('"to" must be after "from"', 'to');
  const limit = queryInt(req.query.get('limit') ?? undefined, 'limit', 1, 1000);
  const cursor = req.query.get('cursor') ?? undefined;
  return {
    ...(rotationId ? { rotationId } : {}),
    ...(from !== undefined ? { from } : {}),
    ...(to !== undefined ? { to } : {}),
    ...(limit !== undefined ? { limit } : {}),
    ...(cursor ? { cursor } : {}),
  };
}

export function viewProblem(error: unknown): never {
  if (isViewError(error)) {
    switch (error._tag) {
      case 'ViewLagTimeout':
        throw problem(504, 'view-lag-timeout', error.message, { retriable: true });
      case 'InvalidViewQuery':
        throw problem(400, 'invalid-view-query', error.message);
      default:
        throw problem(503, 'view-unavailable', error.message, { retriable: error.retriable });
    }
  }
  throw error;
}

export function checkRoutes(server: HttpServer, pool: Pick<ViewPool, 'queryJson'>): void {
  const routes: Array<[string, ViewQuery['_tag']]> = [
    ['continuity', 'Continuity'],
    ['ground-time', 'GroundTime'],
    ['designators', 'Designators'],
    ['equipment', 'Equipment'],
  ];
  for (const [path, tag] of routes) {
    server.route('get', `/api/checks/${path}`, async (req) => {
      const f = filters(req);
      const minOffset = queryInt(req.query.get('minOffset') ?? undefined, 'minOffset', 0, Number.MAX_SAFE_INTEGER) ?? 0;
      const timeoutMs = queryInt(req.query.get('timeoutMs') ?? undefined, 'timeoutMs', 1, 30_000) ?? 5_000;
      try {
        const r = await pool.queryJson({ _tag: tag, filters: f } as ViewQuery, { minOffset, timeoutMs });
        return { status: 200, body: r.answer, raw: true };
      } catch (error) {
        return viewProblem(error);
      }
    });
  }
}
