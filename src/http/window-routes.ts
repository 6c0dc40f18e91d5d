/**
 * The planner's windowed read model over HTTP, answered by the schedule view replicas like the
 * checks: GET /api/window?by&from&to&start&limit&rotation&airplane&violations&check&sort&focus
 * &minOffset&timeoutMs. One page of rows (rotations, or airplanes then the unassigned rotations),
 * each with its legs inside [from, to) and the violations touching them, the total row count,
 * and the schedule's extent and totals (src/views/window.ts). `minOffset` waits for the replica
 * to have applied a write (read your writes), as the checks do.
 *
 * The same parameters name a window on the WebSocket ({"subscribe": "window", ...}: window-live.ts).
 */
import type { ViewPool } from '../views/index.ts';
import { viewProblem } from './check-routes.ts';
import type { Live } from './live.ts';
import { API } from './api.ts';
import { serve } from './route-spec.ts';
import type { HttpServer } from './server.ts';
import { followWindows } from './window-live.ts';
import { toWindow } from './window-params.ts';

/**
 * GET /api/window, and window subscriptions on `live` (changes inside each client's window).
 * Wired by the service beside the other routes: windowRoutes(http, views, live, log).
 */
export function windowRoutes(
  server: HttpServer,
  pool: Pick<ViewPool, 'queryJson' | 'query' | 'onLiveBatch'>,
  live?: Live,
  log?: (line: string) => void,
): void {
  serve(server, API.window, async (_req, { query }) => {
    const window = toWindow(query);
    const minOffset = query.minOffset ?? 0;
    const timeoutMs = query.timeoutMs ?? 5_000;
    try {
      const r = await pool.queryJson({ _tag: 'Window', window }, { minOffset, timeoutMs });
      return { status: 200, body: r.answer, raw: true };
    } catch (error) {
      return viewProblem(error);
    }
  });
  if (live) followWindows(pool, live, log);
}
