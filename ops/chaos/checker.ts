/**
 * The journal checks of a chaos run, as pure functions over the whole feed (in offset order) and
 * the acknowledged commands:
 *
 * 1. acknowledged: every event an acknowledged command produced is in the journal exactly once;
 * 2. sequences: each aggregate's events, in feed order, are seq 1..n with no hole, and the feed's
 *    offsets are 1..head with no hole;
 * 3. single writer: no two events at one (persistenceId, seq); no event twice (two writers both
 *    deciding the same command, e.g. one leg added twice); no two acknowledgements claiming one
 *    offset; and each acknowledgement's offset is where its own event is (a reply from a writer
 *    whose journal is not this one points elsewhere).
 *
 * "The same event" is `eventKey`: the aggregate, the event type and what makes that event unique
 * in the chaos workload (a leg's id, the registration that claims a rotation, ...).
 *
 * The ScyllaDB feed is at least once by design (docs/persistence.md: a crash between writing an
 * append's feed rows and its events rows makes the repair put the append in the feed again), so
 * in production mode the checks take `repeatsAllowed`: an event at a (persistenceId, seq) already
 * seen, *identical* to the first copy, is what every consumer drops with DedupFilter; it is
 * counted as `repeated` and skipped by the per-aggregate checks. A different event at that seq is
 * still two writers. Offsets stay checked over the whole feed.
 */
import type { EventEnvelope } from '../../src/persistence/index.ts';
import { emptyRecord, evolveRecord, SAGA_PREFIX, type AssignmentSagaEvent, type SagaRecord } from '../../src/app/assignment.ts';

export type CheckName = 'acknowledged' | 'sequences' | 'single-writer';

export interface Finding {
  readonly check: CheckName;
  readonly message: string;
}

/** What checkJournal needs of an acknowledged command (workload.ts's Ack has more). */
export interface AckedCommand {
  readonly command: string;
  readonly offset: number;
  readonly expect: readonly string[];
  /** An assignment saga's answer: its offset is the highest of its events' (at or after each
   * expected one), not the last expected one's. */
  readonly atOrAfter?: boolean;
}

export interface JournalReport {
  readonly events: number;
  readonly aggregates: number;
  readonly head: number;
  readonly acked: number;
  /** Acknowledged commands with at least one of their events missing from the journal. */
  readonly lost: number;
  /** Event keys present more than once (acknowledged or not). */
  readonly duplicated: number;
  /** Events no acknowledgement accounts for: commands that timed out or failed after storing. */
  readonly unacknowledged: number;
  /** Identical second copies of an event in the feed (only with repeatsAllowed; the feed's own at-least-once). */
  readonly repeated: number;
  readonly passed: Readonly<Record<CheckName, boolean>>;
  readonly findings: readonly Finding[];
}

/** What identifies an event in the chaos workload: aggregate, type, and its distinguishing field. */
export function eventKey(persistenceId: string, type: string, event: Readonly<Record<string, unknown>>): string {
  let id: unknown;
  switch (type) {
    case 'RotationCreated':
    case 'RotationRemoved':
    case 'AirplaneCreated':
      id = '';
      break;
    case 'LegAdded':
      id = (event.leg as { id?: unknown } | undefined)?.id;
      break;
    case 'LegRemoved':
      id = event.legId;
      break;
    // One claim, release, assignment or unassignment per assignment (saga) id; the same airplane
    // may claim one rotation again under another.
    case 'RotationClaimed':
    case 'RotationReleased':
      id = `${String(event.registration)}/${String(event.assignmentId)}`;
      break;
    case 'RotationAssigned':
    case 'RotationUnassigned':
      id = `${String(event.rotationId)}/${String(event.assignmentId)}`;
      break;
    case 'AirportMinimumGroundTimeSet':
    case 'AirplaneMinimumGroundTimeSet':
      id = event.minimumGroundTimeMin;
      break;
    default:
      // Unknown to the workload: only an identical event counts as the same.
      id = JSON.stringify(event);
  }
  return `${persistenceId}|${type}|${String(id)}`;
}

export function keyOf(e: EventEnvelope): string {
  return eventKey(e.persistenceId, e.type, e.event);
}

/** The same event: type, and the event itself (key order aside). */
function sameEvent(a: EventEnvelope, b: EventEnvelope): boolean {
  const sorted = (x: unknown) =>
    JSON.stringify(x, (_k, v: unknown) =>
      v !== null && typeof v === 'object' && !Array.isArray(v)
        ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([p], [q]) => (p < q ? -1 : 1)))
        : v,
    );
  return a.type === b.type && sorted(a.event) === sorted(b.event);
}

export function checkJournal(
  feed: readonly EventEnvelope[],
  acks: readonly AckedCommand[],
  options: { readonly repeatsAllowed?: boolean } = {},
): JournalReport {
  const findings: Finding[] = [];
  const find = (check: CheckName, message: string) => findings.push({ check, message });

  // Feed offsets 1..head, and per aggregate seq 1..n in feed order.
  const lastSeq = new Map<string, number>();
  const atSeq = new Map<string, EventEnvelope>();
  const byKey = new Map<string, EventEnvelope[]>();
  let expectedOffset = 1;
  let repeated = 0;
  for (const e of feed) {
    if (e.offset !== expectedOffset)
      find(
        'sequences',
        `feed: offset ${e.offset} where ${expectedOffset} was next (${e.offset > expectedOffset ? 'a hole' : 'out of order or repeated'})`,
      );
    expectedOffset = Math.max(expectedOffset, e.offset) + 1;
    const first = atSeq.get(`${e.persistenceId}#${e.seq}`);
    if (options.repeatsAllowed && first && sameEvent(first, e)) {
      repeated++;
      continue;
    }
    const prev = lastSeq.get(e.persistenceId) ?? 0;
    if (e.seq !== prev + 1) find('sequences', `${e.persistenceId}: seq ${e.seq} at offset ${e.offset} follows seq ${prev}`);
    lastSeq.set(e.persistenceId, Math.max(prev, e.seq));
    const slot = `${e.persistenceId}#${e.seq}`;
    const other = atSeq.get(slot);
    if (other)
      find(
        'single-writer',
        `${e.persistenceId} seq ${e.seq}: two events, ${other.type} at offset ${other.offset} and ${e.type} at offset ${e.offset}`,
      );
    else atSeq.set(slot, e);
    const key = keyOf(e);
    const same = byKey.get(key);
    if (same) same.push(e);
    else byKey.set(key, [e]);
  }

  let duplicated = 0;
  for (const [key, events] of byKey) {
    if (events.length < 2) continue;
    duplicated++;
    find('single-writer', `${key}: ${events.length} times, at offsets ${events.map((e) => e.offset).join(', ')}`);
  }

  let lost = 0;
  const accounted = new Set<string>();
  const claimedOffsets = new Map<number, AckedCommand>();
  for (const ack of acks) {
    let missing = false;
    for (const key of ack.expect) {
      accounted.add(key);
      const n = byKey.get(key)?.length ?? 0;
      if (n === 0) {
        missing = true;
        find('acknowledged', `${ack.command} acknowledged at offset ${ack.offset}, but ${key} is not in the journal`);
      } else if (n > 1) find('acknowledged', `${ack.command} acknowledged at offset ${ack.offset}: ${key} is in the journal ${n} times`);
    }
    if (missing) lost++;
    if (ack.atOrAfter) {
      for (const key of ack.expect) {
        const e = byKey.get(key)?.[0];
        if (e && e.offset > ack.offset)
          find(
            'single-writer',
            `${ack.command} acknowledged at offset ${ack.offset}, but its event ${key} is at offset ${e.offset}, after it`,
          );
      }
      continue;
    }
    const last = ack.expect[ack.expect.length - 1];
    const at = last === undefined ? undefined : byKey.get(last)?.[0];
    if (at && at.offset !== ack.offset)
      find('single-writer', `${ack.command} acknowledged at offset ${ack.offset}, but its event ${last} is at offset ${at.offset}`);
    const twin = claimedOffsets.get(ack.offset);
    if (twin && ack.offset > 0)
      find(
        'single-writer',
        `offset ${ack.offset} acknowledged twice: ${twin.command} (${twin.expect.join(' ')}) and ${ack.command} (${ack.expect.join(' ')})`,
      );
    else claimedOffsets.set(ack.offset, ack);
  }

  let unacknowledged = 0;
  for (const key of byKey.keys()) if (!accounted.has(key)) unacknowledged++;

  const failed = new Set(findings.map((f) => f.check));
  return {
    events: feed.length,
    aggregates: lastSeq.size,
    head: feed.length === 0 ? 0 : (feed[feed.length - 1] as EventEnvelope).offset,
    acked: acks.length,
    lost,
    duplicated,
    unacknowledged,
    repeated,
    passed: {
      acknowledged: !failed.has('acknowledged'),
      sequences: !failed.has('sequences'),
      'single-writer': !failed.has('single-writer'),
    },
    findings,
  };
}

export interface AssignmentsReport {
  /** Assignment sagas in the journal, and those not completed. */
  readonly sagas: number;
  readonly unfinished: number;
  /** Rotations claimed and airplanes holding a rotation, at the end. */
  readonly claims: number;
  readonly assigned: number;
  readonly passed: boolean;
  readonly findings: readonly string[];
}

/**
 * The assignment invariant over the whole feed: every assignment saga has finished, and then every
 * rotation claimed by an airplane is that airplane's rotation (the same assignment id) and every
 * airplane's rotation is claimed by it. Repeats of an event at a (persistenceId, seq) are folded once.
 */
export function checkAssignments(feed: readonly EventEnvelope[]): AssignmentsReport {
  const findings: string[] = [];
  const claims = new Map<string, { registration: string; assignmentId: string }>();
  const planes = new Map<string, { rotationId: string; assignmentId: string }>();
  const sagas = new Map<string, SagaRecord>();
  const seen = new Set<string>();
  for (const env of feed) {
    const slot = `${env.persistenceId}#${env.seq}`;
    if (seen.has(slot)) continue;
    seen.add(slot);
    const e = env.event as Readonly<Record<string, unknown>>;
    const str = (k: string) => String(e[k]);
    switch (env.type) {
      case 'RotationClaimed':
        claims.set(str('rotationId'), { registration: str('registration'), assignmentId: str('assignmentId') });
        break;
      case 'RotationReleased':
        if (claims.get(str('rotationId'))?.assignmentId === str('assignmentId')) claims.delete(str('rotationId'));
        break;
      case 'RotationRemoved':
        if (claims.has(str('rotationId'))) findings.push(`rotation ${str('rotationId')} was removed while claimed`);
        claims.delete(str('rotationId'));
        break;
      case 'RotationAssigned':
        planes.set(str('registration'), { rotationId: str('rotationId'), assignmentId: str('assignmentId') });
        break;
      case 'RotationUnassigned':
        planes.delete(str('registration'));
        break;
      default:
        if (env.persistenceId.startsWith(SAGA_PREFIX)) {
          const id = env.persistenceId.slice(SAGA_PREFIX.length);
          sagas.set(id, evolveRecord(sagas.get(id) ?? emptyRecord, env.event as unknown as AssignmentSagaEvent));
        }
    }
  }
  const unfinished = [...sagas].filter(([, r]) => r.saga.phase !== 'completed');
  for (const [id, r] of unfinished.slice(0, 20)) findings.push(`saga ${id} has not finished (phase ${r.saga.phase})`);
  if (unfinished.length === 0) {
    for (const [registration, a] of planes) {
      const c = claims.get(a.rotationId);
      if (c?.registration !== registration || c.assignmentId !== a.assignmentId)
        findings.push(
          `airplane ${registration} holds rotation ${a.rotationId} (${a.assignmentId}), whose claim is ${c ? `${c.registration} (${c.assignmentId})` : 'none'}`,
        );
    }
    for (const [rotationId, c] of claims) {
      const a = planes.get(c.registration);
      if (a?.rotationId !== rotationId || a.assignmentId !== c.assignmentId)
        findings.push(
          `rotation ${rotationId} is claimed by ${c.registration} (${c.assignmentId}), which holds ${a ? `${a.rotationId} (${a.assignmentId})` : 'nothing'}`,
        );
    }
  }
  return {
    sagas: sagas.size,
    unfinished: unfinished.length,
    claims: claims.size,
    assigned: planes.size,
    passed: findings.length === 0,
    findings,
  };
}

/** Reads the whole feed of a journal, in offset order. */
export async function readFeed(
  journal: { read(from: number, limit: number): Promise<EventEnvelope[]> },
  pageSize = 5_000,
): Promise<EventEnvelope[]> {
  const feed: EventEnvelope[] = [];
  for (let from = 1; ; ) {
    const page = await journal.read(from, pageSize);
    if (page.length === 0) return feed;
    feed.push(...page);
    from = (page[page.length - 1] as EventEnvelope).offset + 1;
  }
}
