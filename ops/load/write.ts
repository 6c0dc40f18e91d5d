/**
 * The paper's write workload: simulated planners, ramped in (the paper added 50 every 5 s), each
 * creating a rotation, adding legs one by one, creating an airplane and assigning the rotation to
 * it, then starting over with a new rotation until the run ends. Every command is timed.
 *
 * A planner sends its next command when the previous one is answered (no think time), through
 * the dispatcher `Connections` gives it: by default its own connection, as each of the paper's
 * planners was a browser (see run.ts for why that is the default).
 */
import { randomInt } from 'node:crypto';
import type { Dispatcher } from 'undici';
import { call, type Connections } from './http.ts';
import { Recorder } from './report.ts';

export interface WriteOptions {
  readonly planners: number;
  readonly rampEvery: number;
  readonly rampStepMs: number;
  readonly legsPerRotation: number;
  readonly durationMs: number;
  readonly timeoutMs: number;
  /** Prefixes every rotation name: unique per run (and per phase of a run). */
  readonly runId: string;
  /** The run's airplane registrations (see `registrations`); shared by all its phases. */
  readonly registration: () => string;
  /** Commands sent before this instant (performance.now()) are sent but not recorded: a warm-up. */
  readonly recordFrom?: number;
}

/**
 * Airplane registrations for one run: a random 4-character tag, a dash, a 5-digit base-36
 * counter, which is exactly the 10 characters the domain allows (src/domain/airplane.ts:
 * 2-10 capitals, digits or dashes). Unique within the run (36^5, 60 million, airplanes) and
 * across runs against the same node unless two runs draw the same tag (1 in 36^4). Deriving it
 * from planner and round instead collided once either passed 36: planner 1 round 36 and planner
 * 37 round 0 were both LT-110.
 */
export function registrations(
  tag = randomInt(36 ** 4)
    .toString(36)
    .toUpperCase()
    .padStart(4, '0'),
): () => string {
  if (!/^[A-Z0-9]{4}$/.test(tag)) throw new Error(`a registration tag is 4 capitals or digits, got "${tag}"`);
  let n = 0;
  return () => {
    if (n >= 36 ** 5) throw new Error(`run ${tag} has used all its ${36 ** 5} registrations`);
    return `${tag}-${(n++).toString(36).toUpperCase().padStart(5, '0')}`;
  };
}

async function send(d: Dispatcher, rec: Recorder, o: WriteOptions, method: 'POST' | 'PUT', path: string, body: unknown): Promise<boolean> {
  const started = performance.now();
  const recorded = o.recordFrom === undefined || started >= o.recordFrom;
  try {
    const res = await call(d, method, path, JSON.stringify(body), o.timeoutMs);
    if (res.status >= 400) {
      if (recorded) rec.error(`${res.status} ${problemType(res.body)}`);
      return false;
    }
    if (recorded) rec.record((performance.now() - started) * 1000);
    return true;
  } catch (error) {
    const code = (error as { code?: string }).code ?? 'error';
    if (recorded) {
      if (code.includes('TIMEOUT')) rec.timeouts++;
      rec.error(code);
    }
    return false;
  }
}

function problemType(body: string): string {
  try {
    return (
      String((JSON.parse(body) as { type?: unknown }).type ?? '')
        .split('/')
        .pop() ?? ''
    );
  } catch {
    return '';
  }
}

const AIRPORTS = ['FRA', 'MUC', 'JFK', 'LHR', 'CDG', 'BOS', 'ORD', 'DXB', 'SIN', 'HND'];

/** One planner's loop until `until`: rotation, legs, airplane, assignment, and again. */
export async function planner(d: Dispatcher, rec: Recorder, o: WriteOptions, id: number, until: number): Promise<void> {
  for (let round = 0; performance.now() < until; round++) {
    const name = `${o.runId}-p${id}-r${round}`;
    if (!(await send(d, rec, o, 'POST', '/api/rotations', { name }))) continue;
    let at = Date.UTC(2026, 5, 1) + ((id * 7 + round) % 150) * 86_400_000;
    for (let k = 0; k < o.legsPerRotation && performance.now() < until; k++) {
      const dep = AIRPORTS[(id + k) % AIRPORTS.length] as string;
      const arr = AIRPORTS[(id + k + 1) % AIRPORTS.length] as string;
      const departure = new Date(at).toISOString();
      const arrival = new Date(at + 2 * 3_600_000).toISOString();
      at += 3 * 3_600_000;
      await send(d, rec, o, 'POST', `/api/rotations/${name}/legs`, {
        carrier: 'LT',
        flightNumber: 1 + ((id * 97 + round * 13 + k) % 9999),
        dateOfOrigin: departure.slice(0, 10),
        departureAirport: dep,
        arrivalAirport: arr,
        departure,
        arrival,
      });
    }
    if (performance.now() >= until) break;
    const registration = o.registration();
    if (await send(d, rec, o, 'POST', '/api/airplanes', { registration, aircraftType: '320', minGroundTimeMinutes: 30 })) {
      await send(d, rec, o, 'PUT', `/api/airplanes/${registration}/rotation`, { rotationId: name });
    }
  }
}

export async function writeWorkload(
  conns: Connections,
  o: WriteOptions,
  log: (line: string) => void,
): Promise<{ rec: Recorder; seconds: number }> {
  const rec = new Recorder();
  const started = performance.now();
  const until = started + o.durationMs;
  const running: Promise<void>[] = [];
  for (let n = 0; n < o.planners && performance.now() < until; ) {
    const batch = Math.min(o.rampEvery, o.planners - n);
    for (let i = 0; i < batch; i++) running.push(planner(conns.of(n + i), rec, o, n + i, until));
    n += batch;
    log(`  ${n} planners at ${((performance.now() - started) / 1000).toFixed(1)} s, ${rec.ok} commands so far`);
    if (n < o.planners) await new Promise((r) => setTimeout(r, o.rampStepMs));
  }
  await Promise.all(running);
  return { rec, seconds: (performance.now() - started) / 1000 };
}
