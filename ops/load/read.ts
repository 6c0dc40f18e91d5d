/**
 * The paper's read workload: check queries at a constant rate, spread evenly over the three
 * checks (each a page over the whole schedule, or one rotation's), ramped up to the target rate
 * and then held. Requests are sent on schedule whether or not earlier ones returned (an open
 * model), so a slow server shows up as latency, not as a politely lower rate.
 */
import type { Pool } from 'undici';
import { Recorder } from './report.ts';

export interface ReadOptions {
  readonly rate: number;
  readonly rampMs: number;
  readonly durationMs: number;
  readonly timeoutMs: number;
  readonly rotations: readonly string[];
}

const CHECKS = ['continuity', 'ground-time', 'designators'];

export async function readWorkload(pool: Pool, o: ReadOptions, log: (line: string) => void): Promise<{ rec: Recorder; seconds: number }> {
  const rec = new Recorder();
  const started = performance.now();
  const end = started + o.rampMs + o.durationMs;
  let sent = 0;
  const inflight = new Set<Promise<void>>();
  let lastLog = started;
  let budget = 0;
  let lastTick = started;
  while (performance.now() < end) {
    const now = performance.now();
    const elapsed = now - started;
    const rate = elapsed < o.rampMs ? Math.max(1, o.rate * (elapsed / o.rampMs)) : o.rate;
    // Send what the schedule owes since the last tick, whatever the timer's real delay was.
    budget += (rate * (now - lastTick)) / 1000;
    lastTick = now;
    const due = Math.min(2000, Math.floor(budget));
    budget -= due;
    for (let i = 0; i < due; i++) {
      const n = sent++;
      const check = CHECKS[n % 3] as string;
      const rotation =
        o.rotations.length > 0 && n % 2 === 1 ? `&rotation=${encodeURIComponent(o.rotations[n % o.rotations.length] as string)}` : '';
      const t0 = performance.now();
      const p: Promise<void> = pool
        .request({ method: 'GET', path: `/api/checks/${check}?limit=20${rotation}`, headersTimeout: o.timeoutMs, bodyTimeout: o.timeoutMs })
        .then(async (res) => {
          await res.body.text();
          if (res.statusCode >= 400) rec.error(String(res.statusCode));
          else if (t0 - started > o.rampMs) rec.record((performance.now() - t0) * 1000);
        })
        .catch((error: unknown) => {
          const code = (error as { code?: string }).code ?? 'error';
          if (code.includes('TIMEOUT')) rec.timeouts++;
          rec.error(code);
        })
        .finally(() => inflight.delete(p));
      inflight.add(p);
    }
    if (now - lastLog > 2000) {
      lastLog = now;
      log(`  ${(elapsed / 1000).toFixed(1)} s: target ${Math.round(rate)}/s, ${inflight.size} in flight, ${rec.ok} measured`);
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  await Promise.all(inflight);
  return { rec, seconds: o.durationMs / 1000 };
}
