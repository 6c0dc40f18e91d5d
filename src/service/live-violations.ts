/**
 * Violation changes for the WebSocket. The main thread follows the journal's feed; for each batch
 * it works out which rotations the events touched and, once the view replicas have applied the
 * batch, publishes:
 *   - to "violations": {type, offset, rotationIds, totals} — what changed, and the new totals;
 *   - to "violations/<rotationId>", for rotations someone follows: that rotation's violations of
 *     each check as of that offset.
 * An airport's new minimum ground time touches every rotation landing there; it is announced on
 * "violations" with `airports` instead of enumerating rotations.
 */
import type { Journal, Subscription } from '../persistence/index.ts';
import type { Live } from '../http/live.ts';
import type { ViewPool } from '../views/index.ts';

interface Touched {
  readonly rotations: Set<string>;
  readonly airports: Set<string>;
}

function touched(events: readonly { readonly event: { readonly _tag: string; readonly [k: string]: unknown } }[]): Touched {
  const rotations = new Set<string>();
  const airports = new Set<string>();
  for (const { event } of events) {
    if (typeof event.rotationId === 'string') rotations.add(event.rotationId);
    if (event._tag === 'AirportMinimumGroundTimeSet' && typeof event.iata === 'string') airports.add(event.iata);
  }
  return { rotations, airports };
}

export async function followViolations(journal: Journal, pool: ViewPool, live: Live, hasSubscribers: (topic: string) => boolean, log: (line: string) => void): Promise<Subscription> {
  const from = (await journal.headOffset()) + 1;
  return journal.subscribe(from, async (batch) => {
    if (batch.length === 0) return;
    const offset = (batch[batch.length - 1] as { offset: number }).offset;
    if (hasSubscribers('feed')) live.publish('feed', { type: 'feed', offset });
    const t = touched(batch);
    if (t.rotations.size === 0 && t.airports.size === 0) return;
    const wants = hasSubscribers('violations');
    const followed = [...t.rotations].filter((r) => hasSubscribers(`violations/${r}`));
    if (!wants && followed.length === 0) return;
    try {
      const opts = { minOffset: offset, timeoutMs: 10_000 };
      if (wants) {
        const [c, g, d] = await Promise.all([
          pool.query({ _tag: 'Continuity', filters: { limit: 1 } }, opts),
          pool.query({ _tag: 'GroundTime', filters: { limit: 1 } }, opts),
          pool.query({ _tag: 'Designators', filters: { limit: 1 } }, opts),
        ]);
        live.publish('violations', { type: 'violations', offset, rotationIds: [...t.rotations], airports: [...t.airports], totals: { continuity: c.total, groundTime: g.total, designators: d.total } });
      }
      for (const rotationId of followed) {
        const filters = { rotationId, limit: 1000 };
        const [c, g, d] = await Promise.all([
          pool.query({ _tag: 'Continuity', filters }, opts),
          pool.query({ _tag: 'GroundTime', filters }, opts),
          pool.query({ _tag: 'Designators', filters }, opts),
        ]);
        live.publish(`violations/${rotationId}`, { type: 'violations', offset, rotationId, continuity: c.violations, groundTime: g.violations, designators: d.violations });
      }
    } catch (error) {
      // A slow view must not stop the feed subscription; the next change publishes fresh state.
      log(`live violations at offset ${offset}: ${error instanceof Error ? error.message : String(error)}`);
    }
  });
}
