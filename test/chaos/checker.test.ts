/**
 * The chaos checks must catch real loss: each is fed a fabricated journal with exactly one thing
 * wrong (an acknowledged event missing, one event twice, a seq hole, two writers at one seq, an
 * acknowledgement pointing at someone else's event) and must fail on it and only on it. A clean
 * journal passes. The view comparison must tell a replica missing one violation from a rebuild.
 */
import t from 'tap';
import { checkAssignments, checkJournal, eventKey, type AckedCommand } from '../../ops/chaos/checker.ts';
import { compareViews, rebuild } from '../../ops/chaos/views.ts';
import type { EventEnvelope } from '../../src/persistence/index.ts';

const H = 3_600_000;
const T0 = Date.UTC(2026, 5, 1);

function leg(id: string, from: string, to: string, dep: number) {
  return {
    id,
    carrier: 'QA',
    flightNumber: Number(id.slice(1)),
    suffix: '',
    departureAirport: from,
    dateOfOrigin: '2026-06-01',
    arrivalAirport: to,
    departureUtc: dep,
    arrivalUtc: dep + 2 * H,
  };
}

type Ev = { readonly _tag: string; readonly [k: string]: unknown };

/** Envelopes with offsets 1..n and per-aggregate seqs in order, unless an entry gives its own. */
function feed(entries: ReadonlyArray<readonly [string, Ev, { seq?: number; offset?: number }?]>): EventEnvelope[] {
  const seqs = new Map<string, number>();
  return entries.map(([persistenceId, event, at], i) => {
    const seq = at?.seq ?? (seqs.get(persistenceId) ?? 0) + 1;
    seqs.set(persistenceId, seq);
    return { persistenceId, seq, offset: at?.offset ?? i + 1, type: event._tag, version: 1, timestamp: 0, event: { version: 1, ...event } };
  });
}

const R = 'rotation-R1';
const created: Ev = { _tag: 'RotationCreated', rotationId: 'R1' };
const leg1: Ev = { _tag: 'LegAdded', rotationId: 'R1', leg: leg('L1', 'FRA', 'JFK', T0) };
const leg2: Ev = { _tag: 'LegAdded', rotationId: 'R1', leg: leg('L2', 'BOS', 'FRA', T0 + 4 * H) };

const acks: AckedCommand[] = [
  { command: 'CreateRotation', offset: 1, expect: [eventKey(R, 'RotationCreated', {})] },
  { command: 'AddLeg', offset: 2, expect: [eventKey(R, 'LegAdded', { leg: { id: 'L1' } })] },
  { command: 'AddLeg', offset: 3, expect: [eventKey(R, 'LegAdded', { leg: { id: 'L2' } })] },
];

const failed = (r: ReturnType<typeof checkJournal>) =>
  Object.entries(r.passed)
    .filter(([, ok]) => !ok)
    .map(([name]) => name)
    .sort();

t.test('a clean journal passes every check', async (t) => {
  const r = checkJournal(
    feed([
      [R, created],
      [R, leg1],
      [R, leg2],
    ]),
    acks,
  );
  t.same(failed(r), []);
  t.same(
    { lost: r.lost, duplicated: r.duplicated, events: r.events, aggregates: r.aggregates, head: r.head },
    { lost: 0, duplicated: 0, events: 3, aggregates: 1, head: 3 },
  );
});

t.test('an acknowledged event missing from the journal is lost', async (t) => {
  const r = checkJournal(
    feed([
      [R, created],
      [R, leg1],
    ]),
    acks,
  );
  t.equal(r.lost, 1);
  t.same(failed(r), ['acknowledged']);
  t.match(r.findings[0]?.message, /L2 is not in the journal/);
});

t.test('an event twice fails "exactly once" and "one writer"', async (t) => {
  const r = checkJournal(
    feed([
      [R, created],
      [R, leg1],
      [R, leg1],
      [R, leg2],
    ]),
    [acks[0]!, acks[1]!, { ...acks[2]!, offset: 4 }],
  );
  t.equal(r.lost, 0);
  t.equal(r.duplicated, 1);
  t.same(failed(r), ['acknowledged', 'single-writer']);
});

t.test("a hole in an aggregate's seq fails the sequence check", async (t) => {
  const r = checkJournal(
    feed([
      [R, created],
      [R, leg1],
      [R, leg2, { seq: 4 }],
    ]),
    acks,
  );
  t.same(failed(r), ['sequences']);
  t.match(r.findings[0]?.message, /seq 4 at offset 3 follows seq 2/);
});

t.test("a hole in the feed's offsets fails the sequence check", async (t) => {
  const r = checkJournal(
    feed([
      [R, created],
      [R, leg1],
      [R, leg2, { offset: 5 }],
    ]),
    [acks[0]!, acks[1]!, { ...acks[2]!, offset: 5 }],
  );
  t.same(failed(r), ['sequences']);
});

t.test('two events at one (persistenceId, seq) are two writers', async (t) => {
  const r = checkJournal(
    feed([
      [R, created],
      [R, leg1],
      [R, leg2, { seq: 2 }],
    ]),
    acks,
  );
  t.same(failed(r), ['sequences', 'single-writer']);
  t.match(r.findings.map((f) => f.message).join('\n'), /seq 2: two events/);
});

t.test("an acknowledgement at another event's offset, or two at one offset, are two writers", async (t) => {
  const journal = feed([
    [R, created],
    [R, leg1],
    [R, leg2],
  ]);
  const elsewhere = checkJournal(journal, [acks[0]!, acks[1]!, { ...acks[2]!, offset: 2 }]);
  t.same(failed(elsewhere), ['single-writer']);
  t.match(elsewhere.findings.map((f) => f.message).join('\n'), /L2 is at offset 3/);
  t.match(elsewhere.findings.map((f) => f.message).join('\n'), /offset 2 acknowledged twice/);
});

t.test('events nobody acknowledged are counted, not failed (a timed-out command may have been stored)', async (t) => {
  const r = checkJournal(
    feed([
      [R, created],
      [R, leg1],
      [R, leg2],
    ]),
    acks.slice(0, 2),
  );
  t.same(failed(r), []);
  t.equal(r.unacknowledged, 1);
});

t.test(
  'with repeatsAllowed (the CQL feed), an identical repeat is counted, a different event at the seq is still two writers',
  async (t) => {
    const repeated = feed([
      [R, created],
      [R, leg1],
      [R, leg1, { seq: 2 }],
      [R, leg2, { seq: 3 }],
    ]);
    const ok = checkJournal(repeated, [acks[0]!, acks[1]!, { ...acks[2]!, offset: 4 }], { repeatsAllowed: true });
    t.same(failed(ok), []);
    t.equal(ok.repeated, 1);
    t.same(
      failed(checkJournal(repeated, [acks[0]!, acks[1]!, { ...acks[2]!, offset: 4 }])),
      ['acknowledged', 'sequences', 'single-writer'],
      'without it, the repeat fails',
    );
    const other = checkJournal(
      feed([
        [R, created],
        [R, leg1],
        [R, leg2, { seq: 2 }],
      ]),
      acks,
      { repeatsAllowed: true },
    );
    t.same(failed(other), ['sequences', 'single-writer']);
    t.equal(other.repeated, 0);
  },
);

t.test('a replica missing one violation differs from the rebuild; the rebuild itself is equal', async (t) => {
  const journal = feed([
    [R, created],
    [R, leg1],
    [R, leg2],
  ]);
  const fresh = await rebuild(journal, 3);
  t.equal(fresh.continuity.length, 1, 'JFK then BOS breaks continuity');
  const [good, bad] = await compareViews(
    [
      { node: 'a', check: 'continuity', offset: 3, violations: fresh.continuity },
      { node: 'b', check: 'continuity', offset: 3, violations: [] },
    ],
    journal,
  );
  t.equal(good?.equal, true);
  t.equal(bad?.equal, false);
  t.match(bad?.detail, /1 missing/);
  const [behind] = await compareViews([{ node: 'c', check: 'continuity', offset: 2, violations: [] }], journal);
  t.equal(behind?.equal, true, 'a replica is compared at the offset it reports');
  const [silent] = await compareViews([{ node: 'd', check: 'designators', offset: undefined, violations: [], error: 'refused' }], journal);
  t.equal(silent?.equal, false, 'a node that did not answer fails');
});

t.test('check 7, assignments: claims and airplanes agree once every saga finished', async (t) => {
  const claim = (rot: string, reg: string, id: string): [string, Ev] => [
    `rotation-${rot}`,
    { _tag: 'RotationClaimed', rotationId: rot, registration: reg, assignmentId: id },
  ];
  const release = (rot: string, reg: string, id: string): [string, Ev] => [
    `rotation-${rot}`,
    { _tag: 'RotationReleased', rotationId: rot, registration: reg, assignmentId: id },
  ];
  const assign = (reg: string, rot: string, id: string, previous: unknown = null): [string, Ev] => [
    `airplane-${reg}`,
    { _tag: 'RotationAssigned', registration: reg, rotationId: rot, assignmentId: id, previous },
  ];
  const saga = (id: string, steps: number, done: boolean): Array<[string, Ev]> => {
    const input = { _tag: 'StartUnassignment', sagaId: id, registration: 'D-X' };
    const out: Array<[string, Ev]> = [[`assignment-${id}`, { _tag: 'AssignmentSagaStarted', sagaId: id, input, at: 0 }]];
    // An unassignment of an airplane that does not exist: one read, and it is completed.
    if (done && steps > 0)
      out.push([
        `assignment-${id}`,
        {
          _tag: 'AssignmentSagaStepped',
          sagaId: id,
          step: 1,
          input: { _tag: 'AirplaneRead', reading: { exists: false, assignment: null, version: 0 } },
          offset: 0,
          at: 0,
        },
      ]);
    return out;
  };
  const good = feed([
    claim('R1', 'D-A', 's1'),
    assign('D-A', 'R1', 's1'),
    claim('R2', 'D-A', 's2'),
    assign('D-A', 'R2', 's2', { rotationId: 'R1', assignmentId: 's1' }),
    release('R1', 'D-A', 's1'),
    ...saga('u1', 1, true),
  ]);
  t.match(
    checkAssignments(good),
    { passed: true, sagas: 1, unfinished: 0, claims: 1, assigned: 1 },
    'a reassignment, its release, a finished saga',
  );
  const dangling = checkAssignments(
    feed([
      claim('R1', 'D-A', 's1'),
      assign('D-A', 'R1', 's1'),
      claim('R2', 'D-A', 's2'),
      assign('D-A', 'R2', 's2', { rotationId: 'R1', assignmentId: 's1' }),
    ]),
  );
  t.equal(dangling.passed, false, 'the previous rotation never released');
  t.match(dangling.findings, [/rotation R1 is claimed by D-A \(s1\), which holds R2 \(s2\)/]);
  const crossed = checkAssignments(feed([claim('R1', 'D-A', 's1'), assign('D-A', 'R1', 's2')]));
  t.match(
    crossed.findings,
    [/airplane D-A holds rotation R1 \(s2\), whose claim is D-A \(s1\)/, /rotation R1 is claimed by D-A \(s1\)/],
    'assignment ids crossed',
  );
  const running = checkAssignments(feed([claim('R1', 'D-A', 's1'), ...saga('s1', 0, false)]));
  t.match(
    running,
    { passed: false, unfinished: 1, findings: [/saga s1 has not finished/] },
    'an unfinished saga fails the check (and the claim is not judged yet)',
  );
  t.not(
    eventKey('rotation-R1', 'RotationClaimed', { registration: 'D-A', assignmentId: 's1' }),
    eventKey('rotation-R1', 'RotationClaimed', { registration: 'D-A', assignmentId: 's2' }),
    'one airplane claiming a rotation again, under another assignment, is another event',
  );
});

t.test('a saga acknowledgement is at or after each of its events', async (t) => {
  const j = feed([
    [R, created],
    ['rotation-R9', { _tag: 'RotationClaimed', rotationId: 'R9', registration: 'D-A', assignmentId: 'a1' }],
    ['airplane-D-A', { _tag: 'RotationAssigned', registration: 'D-A', rotationId: 'R9', assignmentId: 'a1', previous: null }],
  ]);
  const expect = [
    eventKey('rotation-R9', 'RotationClaimed', { registration: 'D-A', assignmentId: 'a1' }),
    eventKey('airplane-D-A', 'RotationAssigned', { rotationId: 'R9', assignmentId: 'a1' }),
  ];
  t.same(failed(checkJournal(j, [acks[0]!, { command: 'Reassign', offset: 3, expect, atOrAfter: true }])), [], 'at its last event');
  t.same(
    failed(checkJournal(j, [acks[0]!, { command: 'Reassign', offset: 2, expect, atOrAfter: true }])),
    ['single-writer'],
    'before one of its events',
  );
});
