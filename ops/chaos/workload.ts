/**
 * The write workload of a chaos run: the shape of ops/load/write.ts (planners creating a
 * rotation, adding legs one by one, creating an airplane and assigning the rotation to it), sent
 * round-robin over every node's HTTP port, with two differences that the checks need:
 *
 * - every command is identifiable in the journal: rotation names and registrations are unique
 *   per run, and a leg's designator (hence its leg id) is unique within its rotation, so an
 *   acknowledged command maps to exactly the events it must have produced (`Ack.expect`);
 * - nothing is retried: a 503/504/refused/timed-out command is simply not acknowledged. A 504
 *   may still have been applied; it may appear in the journal, but only once.
 *
 * A seeded share of legs breaks continuity, turns too fast, or reuses a designator, so that all
 * three checks have violations for the view comparison to compare.
 */
import { Pool } from 'undici';
import { legId } from '../../src/domain/index.ts';
import { seeded, type Random } from '../../src/domain/season/random.ts';
import { eventKey } from './checker.ts';

/** One acknowledged (2xx) command and the events it must have put in the journal. */
export interface Ack {
  readonly command: string;
  /** The node that answered. */
  readonly node: string;
  /** The reply's `offset`: the global offset of the last event the command produced. */
  readonly offset: number;
  /** When the reply came, in ms since the load started. */
  readonly at: number;
  /** eventKey()s of the events the command produced; the last one is at `offset` (or, with
   * `atOrAfter`, an assignment saga's answer: none is after it). */
  readonly expect: readonly string[];
  readonly atOrAfter?: boolean;
}

export interface WorkloadOptions {
  readonly urls: () => readonly string[];
  readonly planners: number;
  readonly legsPerRotation: number;
  readonly durationMs: number;
  readonly timeoutMs: number;
  readonly runId: string;
  readonly seed: number;
}

export interface WorkloadResult {
  readonly acks: Ack[];
  readonly sent: number;
  /** Not acknowledged, by kind: HTTP status or client error code. */
  readonly failures: Map<string, number>;
  readonly seconds: number;
}

export const AIRPORTS: ReadonlyArray<readonly [string, number]> = [
  ['FRA', 45],
  ['MUC', 40],
  ['JFK', 60],
  ['LHR', 50],
  ['CDG', 45],
  ['BOS', 35],
  ['ORD', 55],
  ['DXB', 60],
  ['SIN', 50],
  ['HND', 40],
];
const HOUR = 3_600_000;

class Client {
  private readonly pools = new Map<string, Pool>();
  private turn = 0;
  readonly acks: Ack[] = [];
  readonly failures = new Map<string, number>();
  sent = 0;

  constructor(
    private readonly urls: () => readonly string[],
    private readonly timeoutMs: number,
    private readonly started: number,
  ) {}

  private pool(url: string): Pool {
    let p = this.pools.get(url);
    if (!p) this.pools.set(url, (p = new Pool(url, { connections: 8, pipelining: 1, keepAliveTimeout: 10_000 })));
    return p;
  }

  private fail(kind: string): undefined {
    this.failures.set(kind, (this.failures.get(kind) ?? 0) + 1);
    return undefined;
  }

  /** Sends to the next node in turn; records an Ack on 2xx. */
  async send(
    method: 'POST' | 'PUT',
    path: string,
    body: unknown,
    command: string,
    expect: readonly string[],
    atOrAfter = false,
  ): Promise<Record<string, unknown> | undefined> {
    const urls = this.urls();
    const url = urls[this.turn++ % urls.length] as string;
    this.sent++;
    try {
      const res = await this.pool(url).request({
        method,
        path,
        body: JSON.stringify(body),
        headers: { 'content-type': 'application/json' },
        headersTimeout: this.timeoutMs,
        bodyTimeout: this.timeoutMs,
      });
      const text = await res.body.text();
      if (res.statusCode < 200 || res.statusCode >= 300) return this.fail(String(res.statusCode));
      const json = JSON.parse(text) as Record<string, unknown>;
      if (typeof json.offset !== 'number') return this.fail('2xx-without-offset');
      this.acks.push({
        command,
        node: url,
        offset: json.offset,
        at: performance.now() - this.started,
        expect,
        ...(atOrAfter ? { atOrAfter } : {}),
      });
      return json;
    } catch (error) {
      // Not even an HTTP answer (refused, reset, timed out): back off a little, as a client
      // would, instead of spinning on a dead node.
      await new Promise((r) => setTimeout(r, 100));
      return this.fail((error as { code?: string }).code ?? 'error');
    }
  }

  async close(): Promise<void> {
    await Promise.all([...this.pools.values()].map((p) => p.destroy()));
  }
}

interface PlannedLeg {
  readonly body: Record<string, unknown>;
  readonly id: string;
}

function planLeg(rnd: Random, planner: number, n: number, at: number, from: string): PlannedLeg {
  const duplicate = rnd.next() < 0.05;
  // Unique designators: carrier per planner, flight number per leg; a few share one on purpose.
  const carrier = duplicate
    ? 'DP'
    : `Q${String.fromCharCode(65 + (planner % 26))}${String.fromCharCode(65 + (Math.floor(planner / 26) % 26))}`;
  const flightNumber = duplicate ? rnd.int(1, 10) : 1 + (n % 9999);
  const departureAirport = rnd.next() < 0.08 ? rnd.pick(AIRPORTS)[0] : from;
  let arrivalAirport = rnd.pick(AIRPORTS)[0];
  if (arrivalAirport === departureAirport) arrivalAirport = departureAirport === 'FRA' ? 'MUC' : 'FRA';
  const departure = new Date(at).toISOString();
  const dateOfOrigin = duplicate ? '2026-06-01' : departure.slice(0, 10);
  const body = {
    carrier,
    flightNumber,
    dateOfOrigin,
    departureAirport,
    arrivalAirport,
    departure,
    arrival: new Date(at + 2 * HOUR).toISOString(),
  };
  return { body, id: legId({ carrier, flightNumber, suffix: '', departureAirport, dateOfOrigin }) };
}

/** Airplanes and rotations assigned by the planners: what the dispatchers fight over. */
interface Fleet {
  readonly registrations: string[];
  readonly rotations: string[];
}

async function planner(client: Client, o: WorkloadOptions, id: number, until: number, fleet: Fleet): Promise<void> {
  const rnd = seeded(o.seed * 7919 + id);
  let n = 0;
  for (let round = 0; performance.now() < until; round++) {
    const name = `${o.runId}-p${id}-r${round}`;
    const pid = `rotation-${name}`;
    if (!(await client.send('POST', '/api/rotations', { name }, 'CreateRotation', [eventKey(pid, 'RotationCreated', {})]))) continue;
    let at = Date.UTC(2026, 5, 1) + ((id * 7 + round) % 150) * 86_400_000;
    let from = (AIRPORTS[id % AIRPORTS.length] as readonly [string, number])[0];
    for (let k = 0; k < o.legsPerRotation && performance.now() < until; k++) {
      const leg = planLeg(rnd, id, n++, at, from);
      // A 2 h leg, then 1-3 h on the ground (above every minimum), or 20 min (below all of them).
      at += 2 * HOUR + (rnd.next() < 0.1 ? 20 * 60_000 : rnd.int(1, 3) * HOUR);
      from = leg.body.arrivalAirport as string;
      await client.send('POST', `/api/rotations/${name}/legs`, leg.body, 'AddLeg', [eventKey(pid, 'LegAdded', { leg: { id: leg.id } })]);
    }
    const registration = `${o.runId.slice(-3)}-${id.toString(36)}${round.toString(36)}`.toUpperCase().slice(0, 10);
    const created = await client.send(
      'POST',
      '/api/airplanes',
      { registration, aircraftType: '320', minGroundTimeMinutes: 30 },
      'CreateAirplane',
      [eventKey(`airplane-${registration}`, 'AirplaneCreated', {})],
    );
    if (created) {
      // The saga claims the rotation, then assigns the airplane (it held nothing: no release);
      // its reply carries the airplane's offset. Named, so its events are known before the reply.
      const assignmentId = `${name}-a`;
      const assigned = await client.send(
        'PUT',
        `/api/airplanes/${registration}/rotation`,
        { rotationId: name, assignmentId },
        'AssignRotation',
        [
          eventKey(pid, 'RotationClaimed', { registration, assignmentId }),
          eventKey(`airplane-${registration}`, 'RotationAssigned', { rotationId: name, assignmentId }),
        ],
      );
      if (assigned) {
        fleet.registrations.push(registration);
        fleet.rotations.push(name);
      }
    }
  }
}

/**
 * Contention: dispatchers reassign the planners' airplanes and rotations at random (a fifth of the
 * time they unassign), several at once on the same ones. An answered assignment must have its claim
 * and its airplane event in the journal; the invariant check (checkAssignments) covers the rest.
 */
async function dispatcher(client: Client, o: WorkloadOptions, id: number, until: number, fleet: Fleet): Promise<void> {
  const rnd = seeded(o.seed * 104_729 + id);
  for (let n = 0; performance.now() < until; n++) {
    await new Promise((r) => setTimeout(r, rnd.int(20, 120)));
    if (fleet.registrations.length === 0) continue;
    // The first few of each: the dispatchers keep running into each other.
    const registration = fleet.registrations[rnd.int(0, Math.min(fleet.registrations.length, 6) - 1)] as string;
    const assignmentId = `${o.runId}-d${id}-${n}`;
    if (rnd.next() < 0.2) {
      await client.send('PUT', `/api/airplanes/${registration}/rotation`, { assignmentId }, 'UnassignRotation', [], true);
      continue;
    }
    const rotationId = fleet.rotations[rnd.int(0, Math.min(fleet.rotations.length, 8) - 1)] as string;
    await client.send(
      'PUT',
      `/api/airplanes/${registration}/rotation`,
      { rotationId, assignmentId },
      'Reassign',
      [
        eventKey(`rotation-${rotationId}`, 'RotationClaimed', { registration, assignmentId }),
        eventKey(`airplane-${registration}`, 'RotationAssigned', { rotationId, assignmentId }),
      ],
      true,
    );
  }
}

/** Sets every airport's minimum ground time once; these acknowledgements are checked like the rest. */
async function airports(client: Client): Promise<void> {
  for (const [code, minutes] of AIRPORTS) {
    await client.send('POST', '/api/airports', { code, minGroundTimeMinutes: minutes }, 'SetAirportMinimumGroundTime', [
      eventKey(`airport-${code}`, 'AirportMinimumGroundTimeSet', { minimumGroundTimeMin: minutes }),
    ]);
  }
}

export async function writeWorkload(o: WorkloadOptions): Promise<WorkloadResult> {
  const started = performance.now();
  const client = new Client(o.urls, o.timeoutMs, started);
  try {
    await airports(client);
    const until = started + o.durationMs;
    const fleet: Fleet = { registrations: [], rotations: [] };
    await Promise.all([
      ...Array.from({ length: o.planners }, (_, id) => planner(client, o, id, until, fleet)),
      ...Array.from({ length: Math.max(2, Math.floor(o.planners / 4)) }, (_, id) => dispatcher(client, o, id, until, fleet)),
    ]);
    return { acks: client.acks, sent: client.sent, failures: client.failures, seconds: (performance.now() - started) / 1000 };
  } finally {
    await client.close();
  }
}
