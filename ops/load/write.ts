/**
 * The paper's write workload: simulated planners, ramped in (the paper added 50 every 5 s), each
 * creating a rotation, adding legs one by one, creating an airplane and assigning the rotation to
 * it, then starting over with a new rotation until the run ends. Every command is timed.
 */
import type { Pool } from 'undici';
import { Recorder } from './report.ts';

export interface WriteOptions {
  readonly planners: number;
  readonly rampEvery: number;
  readonly rampStepMs: number;
  readonly legsPerRotation: number;
  readonly durationMs: number;
  readonly timeoutMs: number;
  readonly runId: string;
}

async function send(pool: Pool, rec: Recorder, method: 'POST' | 'PUT', path: string, body: unknown, timeoutMs: number): Promise<Record<string, unknown> | undefined> {
  const started = performance.now();
  try {
    const res = await pool.request({ method, path, body: JSON.stringify(body), headers: { 'content-type': 'application/json' }, headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
    const json = (await res.body.json()) as Record<string, unknown>;
    if (res.statusCode >= 400) {
      rec.error(`${res.statusCode} ${String(json.type ?? '').split('/').pop()}`);
      return undefined;
    }
    rec.record((performance.now() - started) * 1000);
    return json;
  } catch (error) {
    const code = (error as { code?: string }).code ?? 'error';
    if (code.includes('TIMEOUT')) rec.timeouts++;
    rec.error(code);
    return undefined;
  }
}

const AIRPORTS = ['FRA', 'MUC', 'JFK', 'LHR', 'CDG', 'BOS', 'ORD', 'DXB', 'SIN', 'HND'];

async function planner(pool: Pool, rec: Recorder, o: WriteOptions, id: number, until: number): Promise<void> {
  for (let round = 0; performance.now() < until; round++) {
    const name = `${o.runId}-p${id}-r${round}`;
    const rotation = await send(pool, rec, 'POST', '/api/rotations', { name }, o.timeoutMs);
    if (!rotation) continue;
    let at = Date.UTC(2026, 5, 1) + ((id * 7 + round) % 150) * 86_400_000;
    for (let k = 0; k < o.legsPerRotation && performance.now() < until; k++) {
      const dep = AIRPORTS[(id + k) % AIRPORTS.length] as string;
      const arr = AIRPORTS[(id + k + 1) % AIRPORTS.length] as string;
      const departure = new Date(at).toISOString();
      const arrival = new Date(at + 2 * 3_600_000).toISOString();
      at += 3 * 3_600_000;
      await send(pool, rec, 'POST', `/api/rotations/${name}/legs`, { carrier: 'LT', flightNumber: 1 + ((id * 97 + round * 13 + k) % 9999), dateOfOrigin: departure.slice(0, 10), departureAirport: dep, arrivalAirport: arr, departure, arrival }, o.timeoutMs);
    }
    const registration = `LT-${id.toString(36).toUpperCase()}${round.toString(36).toUpperCase()}`.slice(0, 10);
    if (await send(pool, rec, 'POST', '/api/airplanes', { registration, aircraftType: '320', minGroundTimeMinutes: 30 }, o.timeoutMs)) {
      await send(pool, rec, 'PUT', `/api/airplanes/${registration}/rotation`, { rotationId: name }, o.timeoutMs);
    }
  }
}

export async function writeWorkload(pool: Pool, o: WriteOptions, log: (line: string) => void): Promise<{ rec: Recorder; seconds: number }> {
  const rec = new Recorder();
  const started = performance.now();
  const until = started + o.durationMs;
  const running: Promise<void>[] = [];
  for (let started2 = 0; started2 < o.planners && performance.now() < until; ) {
    const batch = Math.min(o.rampEvery, o.planners - started2);
    for (let i = 0; i < batch; i++) running.push(planner(pool, rec, o, started2 + i, until));
    started2 += batch;
    log(`  ${started2} planners at ${((performance.now() - started) / 1000).toFixed(1)} s, ${rec.ok} commands so far`);
    if (started2 < o.planners) await new Promise((r) => setTimeout(r, o.rampStepMs));
  }
  await Promise.all(running);
  return { rec, seconds: (performance.now() - started) / 1000 };
}
