/**
 * The read side of the HTTP API that does not need the views: an aggregate's current state from
 * its entity, health, readiness and metrics. (The checks come with the schedule views.)
 */
import type { Journal } from '../persistence/index.ts';
import { iso } from '../domain/index.ts';
import type { CommandGateway } from '../app/gateway.ts';
import type { Metrics } from './metrics.ts';
import { command, journalRead, notFound, problem } from './problem.ts';
import { API } from './api.ts';
import { openApi } from './openapi.ts';
import { serve } from './route-spec.ts';
import type { HttpServer } from './server.ts';

export interface ReadDeps {
  readonly gateway: CommandGateway;
  readonly journal: Journal;
  readonly metrics: Metrics;
  readonly views: { ready(): boolean; lag(): readonly { name: string; state: string; offset: number; head: number; lag: number }[] };
  /** The journal and the background jobs on this member (publisher, graph projection), each connected or down with a reason. */
  readonly backends?: () => readonly { name: string; state: string; reason?: string; position?: number; lag?: number }[];
  /** A cluster member: why it cannot take commands yet (not up in the membership, no shard
   * table), or undefined once it can. */
  readonly membership?: () => string | undefined;
}

export function readRoutes(server: HttpServer, deps: ReadDeps): void {
  const { gateway, journal, metrics, views } = deps;

  serve(server, API.getRotation, async (_req, { params: { id } }) => {
    const { state, seq } = await command(() => gateway.rotationState(id));
    if (state.status !== 'active') throw notFound(state.status === 'removed' ? `rotation ${id} was removed` : `no rotation ${id}`);
    return {
      status: 200,
      body: {
        id,
        version: seq,
        airplane: state.claim?.registration ?? null,
        legs: state.legs.map((l) => ({ ...l, departure: iso(l.departureUtc), arrival: iso(l.arrivalUtc) })),
      },
    };
  });

  serve(server, API.getAirplane, async (_req, { params: { id } }) => {
    const { state, seq } = await command(() => gateway.airplaneState(id));
    if (state.status !== 'active') throw notFound(`no airplane ${id}`);
    return {
      status: 200,
      body: {
        id,
        version: seq,
        registration: state.registration,
        aircraftType: state.aircraftType,
        minGroundTimeMinutes: state.minimumGroundTimeMin,
        rotationId: state.assignment?.rotationId ?? null,
      },
    };
  });

  // The global feed, for clients that keep their own copy of the schedule (the planner page):
  // events in offset order from `from`, at most `limit`; `next` is where to continue.
  serve(server, API.feed, async (_req, { query }) => {
    const from = query.from ?? 1;
    const limit = query.limit ?? 10_000;
    const events = await journalRead(() => journal.read(from, limit));
    const last = events[events.length - 1];
    return {
      status: 200,
      body: {
        events: events.map((e) => ({ offset: e.offset, persistenceId: e.persistenceId, seq: e.seq, type: e.type, event: e.event })),
        next: last ? last.offset + 1 : from,
        head: await journalRead(() => journal.headOffset()),
      },
    };
  });

  serve(server, API.openApi, () => ({ status: 200, body: openApi }));
  // GET /api/live is the WebSocket (live.ts): uWS gives an upgrade to the socket's handler first,
  // whatever the order they were registered in, and a plain GET, which it yields, comes here.
  serve(server, API.live, () => {
    throw problem(426, 'upgrade-required', 'GET /api/live is a WebSocket: send it with Upgrade: websocket', {}, { upgrade: 'websocket' });
  });
  serve(server, API.healthz, () => ({ status: 200, body: { status: 'ok' } }));
  // Ready once every view replica has caught up with the journal as it stood at start, and while
  // the journal and this member's background jobs reach their servers.
  serve(server, API.readyz, async () => {
    const backends = deps.backends?.() ?? [];
    const down = backends.filter((b) => b.state === 'down');
    if (down.length > 0) {
      throw problem(
        503,
        'backend-unavailable',
        `not ready: ${down.map((b) => `${b.name} is down (${b.reason ?? 'no reason given'})`).join('; ')}`,
        { state: 'backend-down', backends, replicas: views.lag() },
      );
    }
    let offset: number;
    try {
      offset = await journal.headOffset();
    } catch (error) {
      // Between two probes of the journal's health: this request is the first to find it gone.
      const name = backends.find((b) => b.name.startsWith('journal'))?.name ?? 'journal';
      throw problem(503, 'backend-unavailable', `not ready: ${name} is down (${error instanceof Error ? error.message : String(error)})`, {
        state: 'backend-down',
        backends,
        replicas: views.lag(),
      });
    }
    const body = { status: views.ready() ? 'ready' : 'catching-up', offset, replicas: views.lag(), backends };
    // A member that has not joined yet refuses every command as not applied: not ready either.
    const joining = deps.membership?.();
    if (joining !== undefined) throw problem(503, 'not-ready', `not ready: ${joining}`, { ...body, state: 'joining' });
    if (!views.ready())
      throw problem(
        503,
        'not-ready',
        `the views are catching up with the journal: ${views
          .lag()
          .map((l) => `${l.name} at ${l.offset}/${l.head}`)
          .join(', ')}`,
        { ...body, state: body.status },
      );
    return { status: 200, body };
  });
  server.route('get', '/metrics', async () => ({ status: 200, body: await metrics.render(), contentType: metrics.contentType }));
}
