/**
 * Violation changes for the WebSocket. The main thread takes the live feed batches the view pool
 * already decoded; for each change it works out which rotations the events touched and, once the
 * view replicas have applied it, publishes:
 *   - to "violations": {type, offset, rotationIds, totals} — what changed, and the new totals
 *     of the four checks (continuity, groundTime, designators, equipment);
 *   - to "violations/<rotationId>", for rotations someone follows: that rotation's violations of
 *     each check as of that offset.
 * An airport's new minimum ground time touches every rotation landing there; it is announced on
 * "violations" with `airports` instead of enumerating rotations.
 */
import type { EventEnvelope } from '../persistence/index.ts';
import type { ViewPool } from '../views/index.ts';

/** Where the changes go: the WebSocket hub (src/http/live.ts `Live`) satisfies it. */
export interface LivePublisher {
  publish(topic: string, message: { readonly type: string; readonly offset: number; readonly [k: string]: unknown }): void;
}

interface Touched {
  readonly rotations: Set<string>;
  readonly airports: Set<string>;
  offset: number;
}

function addTouched(into: Touched, events: readonly EventEnvelope[]): void {
  for (const { event } of events) {
    if (typeof event.rotationId === 'string') into.rotations.add(event.rotationId);
    // An airplane reassigned leaves its previous rotation without it: that one's violations change too.
    const previous = event.previous as { rotationId?: unknown } | null | undefined;
    if (event._tag === 'RotationAssigned' && typeof previous?.rotationId === 'string') into.rotations.add(previous.rotationId);
    if (event._tag === 'AirportMinimumGroundTimeSet' && typeof event.iata === 'string') into.airports.add(event.iata);
  }
  into.offset = Math.max(into.offset, (events[events.length - 1] as EventEnvelope).offset);
}

/**
 * Rides on the view pool's live batches (the feed is decoded once per node, for the replicas).
 * Batches that arrive while the previous change is still being published are merged into one
 * change (their rotations together, the latest offset), so a slow view or a burst of writes
 * never queues more than one pending publication.
 */
export function followViolations(
  pool: ViewPool,
  live: LivePublisher,
  hasSubscribers: (topic: string) => boolean,
  log: (line: string) => void,
): { close(): Promise<void> } {
  let pending: Touched | undefined;
  let running: Promise<void> | undefined;
  let closed = false;

  async function publish(t: Touched): Promise<void> {
    const offset = t.offset;
    const wants = hasSubscribers('violations');
    const followed = [...t.rotations].filter((r) => hasSubscribers(`violations/${r}`));
    if (!wants && followed.length === 0) return;
    try {
      const opts = { minOffset: offset, timeoutMs: 10_000 };
      if (wants) {
        const [c, g, d, e] = await Promise.all([
          pool.query({ _tag: 'Continuity', filters: { limit: 1 } }, opts),
          pool.query({ _tag: 'GroundTime', filters: { limit: 1 } }, opts),
          pool.query({ _tag: 'Designators', filters: { limit: 1 } }, opts),
          pool.query({ _tag: 'Equipment', filters: { limit: 1 } }, opts),
        ]);
        live.publish('violations', {
          type: 'violations',
          offset,
          rotationIds: [...t.rotations],
          airports: [...t.airports],
          totals: { continuity: c.total, groundTime: g.total, designators: d.total, equipment: e.total },
        });
      }
      for (const rotationId of followed) {
        const filters = { rotationId, limit: 1000 };
        const [c, g, d, e] = await Promise.all([
          pool.query({ _tag: 'Continuity', filters }, opts),
          pool.query({ _tag: 'GroundTime', filters }, opts),
          pool.query({ _tag: 'Designators', filters }, opts),
          pool.query({ _tag: 'Equipment', filters }, opts),
        ]);
        live.publish(`violations/${rotationId}`, {
          type: 'violations',
          offset,
          rotationId,
          continuity: c.violations,
          groundTime: g.violations,
          designators: d.violations,
          equipment: e.violations,
        });
      }
    } catch (error) {
      // A slow view must not stop the following; the next change publishes fresh state.
      log(`live violations at offset ${offset}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  async function drain(): Promise<void> {
    while (pending !== undefined && !closed) {
      const t = pending;
      pending = undefined;
      await publish(t);
    }
    running = undefined;
  }

  const unsubscribe = pool.onLiveBatch((batch) => {
    if (batch.length === 0 || closed) return;
    if (hasSubscribers('feed')) live.publish('feed', { type: 'feed', offset: (batch[batch.length - 1] as EventEnvelope).offset });
    pending ??= { rotations: new Set(), airports: new Set(), offset: 0 };
    addTouched(pending, batch);
    if (pending.rotations.size === 0 && pending.airports.size === 0) {
      pending = undefined;
      return;
    }
    running ??= drain();
  });

  return {
    close: async () => {
      closed = true;
      unsubscribe();
      await running;
    },
  };
}
