/**
 * Load for the views benchmark: a live writer appending to the journal while queries run, and a
 * closed-loop query generator with latency percentiles.
 */
import type { DomainEvent, Leg } from '../../src/domain/index.ts';
import type { EventEnvelope, Journal } from '../../src/persistence/index.ts';
import type { ViewPool, ViewQuery } from '../../src/views/index.ts';
import { percentile } from './harness.ts';

/** Appends `perSecond` events: a leg added after a rotation's last leg, removed by the next visit
 * to that rotation; one added leg in ten makes violations (see below). */
export function liveWriter(journal: Journal, feed: readonly EventEnvelope[], perSecond: number): { stop: () => Promise<number> } {
  const seqs = new Map<string, number>();
  const lastLeg = new Map<string, Leg>();
  for (const e of feed) {
    seqs.set(e.persistenceId, e.seq);
    const ev = e.event as unknown as DomainEvent;
    if (ev._tag === 'LegAdded') lastLeg.set(ev.rotationId, ev.leg);
  }
  const rotations = [...lastLeg.keys()];
  const added = new Map<string, string>();
  let stopped = false;
  let written = 0;
  const loop = (async () => {
    const start = performance.now();
    let i = 0;
    while (!stopped) {
      const due = Math.floor(((performance.now() - start) / 1000) * perSecond);
      for (; written < due && !stopped; i++) {
        const rotationId = rotations[(i * 7919) % rotations.length] as string;
        const pid = `rotation-${rotationId}`;
        const seq = seqs.get(pid) ?? 0;
        const extra = added.get(rotationId);
        const last = lastLeg.get(rotationId) as Leg;
        // Nine edits in ten continue the rotation cleanly (back to where the last leg came from,
        // after a long turn, a designator of its own); the tenth copies the last leg's designator
        // and airports, which breaks continuity and duplicates a designator: violations come and go.
        const clean = i % 10 !== 0;
        const leg: Leg = clean
          ? {
              ...last,
              id: `${last.id}~live`,
              flightNumber: 9000 + (i % 999),
              suffix: 'L',
              departureAirport: last.arrivalAirport,
              arrivalAirport: last.departureAirport,
              departureUtc: last.arrivalUtc + 3 * 3_600_000,
              arrivalUtc: last.arrivalUtc + 5 * 3_600_000,
            }
          : { ...last, id: `${last.id}~live`, departureUtc: last.arrivalUtc + 3_600_000, arrivalUtc: last.arrivalUtc + 7_200_000 };
        const event =
          extra !== undefined
            ? { _tag: 'LegRemoved', version: 1, rotationId, legId: extra }
            : { _tag: 'LegAdded', version: 1, rotationId, leg };
        await journal.append(pid, seq, [event]);
        seqs.set(pid, seq + 1);
        if (extra !== undefined) added.delete(rotationId);
        else added.set(rotationId, `${last.id}~live`);
        written++;
      }
      await new Promise((r) => setTimeout(r, 2));
    }
  })();
  return {
    stop: async () => {
      stopped = true;
      await loop;
      return written;
    },
  };
}

export async function queryLoad(
  pool: ViewPool,
  feed: readonly EventEnvelope[],
  o: { concurrency: number; durationMs: number; json: boolean },
): Promise<{ count: number; qps: number; p50: number; p99: number; errors: number }> {
  const rotations = [
    ...new Set(
      feed.flatMap((e) => (e.event._tag === 'RotationCreated' ? [(e.event as unknown as { rotationId: string }).rotationId] : [])),
    ),
  ];
  const first = feed.reduce(
    (t, e) => (e.event._tag === 'LegAdded' ? Math.min(t, (e.event as unknown as { leg: Leg }).leg.departureUtc) : t),
    Infinity,
  );
  const kinds = ['Continuity', 'GroundTime', 'Designators'] as const;
  const latencies: number[] = [];
  let errors = 0;
  const deadline = performance.now() + o.durationMs;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: o.concurrency }, async (_, w) => {
      for (let i = w; performance.now() < deadline; i += o.concurrency) {
        const kind = kinds[i % 3] as (typeof kinds)[number];
        const rotationId = rotations[(i * 31) % rotations.length] as string;
        const q: ViewQuery =
          i % 10 === 9
            ? { _tag: 'Rotation', rotationId }
            : i % 10 >= 6
              ? { _tag: kind, filters: { from: first + (i % 150) * 86_400_000, to: first + ((i % 150) + 7) * 86_400_000, limit: 100 } }
              : i % 10 >= 3
                ? { _tag: kind, filters: { rotationId, limit: 100 } }
                : { _tag: kind, filters: { limit: 100 } };
        const t0 = performance.now();
        try {
          if (o.json) await pool.queryJson(q);
          else await pool.query(q);
          latencies.push(performance.now() - t0);
        } catch {
          errors++;
        }
      }
    }),
  );
  const secs = (performance.now() - start) / 1000;
  return { count: latencies.length, qps: latencies.length / secs, p50: percentile(latencies, 50), p99: percentile(latencies, 99), errors };
}
