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
import type { Static } from '@sinclair/typebox';
import { API } from './api.ts';
import { serve } from './route-spec.ts';
import type { CheckQuery } from './schemas.ts';
import type { HttpServer } from './server.ts';
import { utcMs } from './validate.ts';

const DAY = 86_400_000;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** The schema checked the form; the calendar is checked here (2026-02-30 has the form). */
function time(value: string | undefined, name: 'from' | 'to'): number | undefined {
  if (value === undefined) return undefined;
  const ms = utcMs(value);
  if (Number.isNaN(ms)) throw badRequest(`query parameter "${name}" must be a date YYYY-MM-DD or a UTC instant, got "${value}"`, name);
  return DATE.test(value) && name === 'to' ? ms + DAY : ms;
}

function filters(q: Static<typeof CheckQuery>): CheckFilters {
  const { rotation: rotationId, limit, cursor } = q;
  const from = time(q.from, 'from');
  const to = time(q.to, 'to');
  if (from !== undefined && to !== undefined && to <= from) throw badRequest('"to" must be after "from"', 'to');
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
  const routes = [
    [API.checkContinuity, 'Continuity'],
    [API.checkGroundTime, 'GroundTime'],
    [API.checkDesignators, 'Designators'],
    [API.checkEquipment, 'Equipment'],
  ] as const satisfies ReadonlyArray<readonly [unknown, ViewQuery['_tag']]>;
  for (const [spec, tag] of routes) {
    serve(server, spec, async (_req, { query }) => {
      const f = filters(query);
      const minOffset = query.minOffset ?? 0;
      const timeoutMs = query.timeoutMs ?? 5_000;
      try {
        const r = await pool.queryJson({ _tag: tag, filters: f } as ViewQuery, { minOffset, timeoutMs });
        return { status: 200, body: r.answer, raw: true };
      } catch (error) {
        return viewProblem(error);
      }
    });
  }
}
