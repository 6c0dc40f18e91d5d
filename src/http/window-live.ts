/**
 * Live updates of a planner's window: each connection subscribes the window it shows (the same
 * parameters as GET /api/window) and the offset of the answer it holds, and is sent only what
 * changed inside that window.
 *
 *   → {"subscribe": "window", "window": {"by": "rotation", "from": 1774742400000, "to": …,
 *      "start": 40, "limit": 40}, "offset": 812, "id": "w3"}
 *   ← {"type": "subscribed", "topic": "window", "id": "w3"}
 *   ← {"type": "window", "id": "w3", "offset": 815, "total": 301, "start": 40, "airplaneRows": 0,
 *      "rows": [changed or new rows], "order": [row keys, only when rows came, went or moved],
 *      "counts": {…}, "totals": {…}, "extent": {…}}
 *
 * A row key is `kind:id`. The server keeps, per subscription, the rows as the client has them
 * (the answer at the client's offset; if the view had moved on by the time of the subscription,
 * it sends the whole window first, with "full": true) and, after each batch of the feed that
 * could change the window, asks a replica for the window again (at that batch's offset) and
 * sends the rows whose content changed, and the new order if it changed. A change outside the
 * window's rows and time range sends nothing (a row's leg count and first and last times, which
 * such changes move, go out only along with a change inside it). Batches arriving while the
 * replicas answer are merged, so a burst of writes costs each subscriber one query per round, not
 * one per batch.
 */
import type { EventEnvelope } from '../persistence/index.ts';
import type { ViewPool } from '../views/index.ts';
import type { WindowAnswer, WindowQuery, WindowRow } from '../views/window.ts';
import type { Live, LiveChannel, LiveClient } from './live.ts';
import { parseWindow } from './window-params.ts';

interface Subscription {
  readonly client: LiveClient;
  readonly id: unknown;
  readonly query: WindowQuery;
  /** Row key -> what the client shows of the row, as JSON. */
  rows: Map<string, string>;
  order: readonly string[];
  total: number;
  start: number;
  airplaneRows: number;
  rotations: Set<string>;
  registrations: Set<string>;
  /** Waiting to be asked again at this offset (null: not waiting). */
  due: number | null;
  /** No answer taken yet: the first one is compared with the client's offset. */
  fresh: boolean;
  clientOffset: number;
}

interface Touched {
  readonly rotations: Set<string>;
  readonly registrations: Set<string>;
  /** Events that can add, remove or move rows anywhere, or change violations anywhere. */
  structural: boolean;
  offset: number;
}

const STRUCTURAL = new Set([
  'RotationCreated',
  'RotationRemoved',
  'AirplaneCreated',
  'RotationAssigned',
  'RotationUnassigned',
  'AirportMinimumGroundTimeSet',
]);
const key = (r: WindowRow) => `${r.kind}:${r.id}`;

function touchedBy(batch: readonly EventEnvelope[]): Touched {
  const t: Touched = { rotations: new Set(), registrations: new Set(), structural: false, offset: 0 };
  for (const { event, type, offset } of batch) {
    if (offset > t.offset) t.offset = offset;
    if (type === 'RotationClaimed' || type === 'RotationReleased') continue; // the schedule follows the airplane side
    if (STRUCTURAL.has(type)) t.structural = true;
    if (typeof event.rotationId === 'string') t.rotations.add(event.rotationId);
    if (typeof event.registration === 'string') t.registrations.add(event.registration);
  }
  return t;
}

/** Whether a change can alter what a subscription shows (the query then tells whether it did). */
function concerns(s: Subscription, t: Touched): boolean {
  if (t.structural) return true;
  for (const r of t.rotations) if (s.rotations.has(r)) return true;
  for (const r of t.registrations) if (s.registrations.has(r)) return true;
  // Rows ordered by first departure or by violations, or kept for their violations, can move in
  // or out of the page when any rotation changes.
  const q = s.query;
  const reorders = (q.sort ?? 'start') !== 'id' || q.violations === true;
  return reorders && (t.rotations.size > 0 || t.registrations.size > 0);
}

function windowOf(message: Record<string, unknown>): URLSearchParams {
  const w = message.window;
  if (typeof w !== 'object' || w === null || Array.isArray(w))
    throw new Error('a window subscription needs "window": an object with the parameters of GET /api/window');
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(w)) {
    if (v === undefined || v === null) continue;
    if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean')
      throw new Error(`window parameter "${k}" must be a string, a number or a boolean`);
    params.set(k, String(v));
  }
  return params;
}

/** Registers the "window" channel on `live` and follows the view pool's live batches for it. */
export function followWindows(
  pool: Pick<ViewPool, 'query' | 'onLiveBatch'>,
  live: Live,
  log: (line: string) => void = () => undefined,
): void {
  const subs = new Map<number, Subscription>();
  let running: Promise<void> | undefined;
  let closed = false;

  /** Records `a` as what the client has; sends what differs from the previous record (all of it when `full`). */
  const send = (s: Subscription, a: WindowAnswer, full: boolean, quiet = false) => {
    const rows = new Map<string, string>();
    const changed: WindowRow[] = [];
    for (const r of a.rows) {
      // What the chart shows of the row; its rotation's leg count and first and last times
      // change with legs outside the window and are sent only along with a change inside it.
      const json = JSON.stringify([r.kind, r.rotationId, r.registration, r.aircraftType, r.violationCount, r.legs, r.violations]);
      rows.set(key(r), json);
      if (full || s.rows.get(key(r)) !== json) changed.push(r);
    }
    const order = a.rows.map(key);
    const moved = order.length !== s.order.length || order.some((k, i) => k !== s.order[i]);
    const same = !full && changed.length === 0 && !moved && a.total === s.total && a.start === s.start && a.airplaneRows === s.airplaneRows;
    Object.assign(s, { rows, order, total: a.total, start: a.start, airplaneRows: a.airplaneRows });
    s.rotations = new Set(a.rows.flatMap((r) => (r.rotationId === null ? [] : [r.rotationId])));
    s.registrations = new Set(a.rows.flatMap((r) => (r.registration === null ? [] : [r.registration])));
    if (same || quiet) return;
    s.client.send({
      type: 'window',
      id: s.id,
      offset: a.offset,
      ...(full ? { full: true } : {}),
      total: a.total,
      start: a.start,
      airplaneRows: a.airplaneRows,
      from: a.from,
      to: a.to,
      rows: changed,
      ...(full || moved ? { order } : {}),
      counts: a.counts,
      totals: a.totals,
      extent: a.extent,
    });
  };

  async function refresh(s: Subscription): Promise<void> {
    const minOffset = s.due ?? 0;
    s.due = null;
    try {
      const a = await pool.query({ _tag: 'Window', window: s.query }, { minOffset, timeoutMs: 10_000 });
      if (closed || subs.get(s.client.id) !== s) return;
      if (s.fresh) {
        s.fresh = false;
        // The client holds the answer at its offset: the same one, unless the view moved on since.
        const same = a.offset === s.clientOffset;
        send(s, a, !same, same);
      } else send(s, a, false);
    } catch (error) {
      // The next change asks again; a client that reconnects re-reads over HTTP.
      log(`window of client ${s.client.id} at offset ${minOffset}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  async function drain(): Promise<void> {
    for (;;) {
      const due = [...subs.values()].filter((s) => s.due !== null);
      if (due.length === 0 || closed) break;
      await Promise.all(due.map(refresh));
    }
    running = undefined;
  }
  const kick = () => void (running ??= drain());

  const channel: LiveChannel = {
    subscribe(client, message) {
      const query = parseWindow(windowOf(message), []);
      const offset = message.offset;
      if (offset !== undefined && !(typeof offset === 'number' && Number.isInteger(offset) && offset >= 0))
        throw new Error('"offset" must be the offset of the window answer the client holds (an integer >= 0)');
      const clientOffset = (offset as number | undefined) ?? -1;
      subs.set(client.id, {
        client,
        id: message.id ?? null,
        query,
        rows: new Map(),
        order: [],
        total: -1,
        start: -1,
        airplaneRows: -1,
        rotations: new Set(),
        registrations: new Set(),
        due: Math.max(0, clientOffset),
        fresh: true,
        clientOffset,
      });
      kick();
    },
    unsubscribe(client) {
      subs.delete(client.id);
    },
    close() {
      closed = true;
      unlisten();
      subs.clear();
    },
  };
  live.channel('window', channel);

  const unlisten = pool.onLiveBatch((batch) => {
    if (batch.length === 0 || closed || subs.size === 0) return;
    const t = touchedBy(batch);
    let any = false;
    for (const s of subs.values()) {
      if (!s.fresh && !concerns(s, t)) continue;
      s.due = Math.max(s.due ?? 0, t.offset);
      any = true;
    }
    if (any) kick();
  });
}
