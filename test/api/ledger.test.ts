/**
 * The fuzz run's journal check (ledger.ts) on hand-made exchanges and journals: it passes when
 * the journal holds exactly what was acknowledged, and names each way it can differ.
 */
import t from 'tap';
import { exchangesOfHar, ledger, reconcile, type Exchange, type JournalEntry } from './ledger.ts';

const x = (method: string, path: string, status: number, body?: unknown): Exchange => ({
  method,
  segments: path.split('/').filter((s) => s !== ''),
  status,
  body,
});
const ev = (offset: number, persistenceId: string, seq: number, type: string, event: Record<string, unknown> = {}): JournalEntry => ({
  offset,
  persistenceId,
  seq,
  type,
  event: { _tag: type, ...event },
});

const exchanges = [
  x('POST', '/api/airports', 201, { code: 'FRA', offset: 1, version: 1 }),
  x('POST', '/api/airports', 201, { code: 'FRA', offset: 1, version: 1 }), // an idempotent repeat names the same event
  x('POST', '/api/rotations', 201, { id: 'R1', offset: 2, version: 1 }),
  x('POST', '/api/rotations/R1/legs', 201, { legId: 'L1', offset: 3, version: 2 }),
  x('POST', '/api/airplanes', 201, { id: 'D-ABC', offset: 4, version: 1 }),
  // A completed saga answers the highest offset of the aggregate events it produced.
  x('PUT', '/api/airplanes/D-ABC/rotation', 200, { _tag: 'Assigned', assignmentId: 'a1', offset: 7 }),
  x('POST', '/api/imports', 202, { importId: 'i1' }),
  x('DELETE', '/api/rotations/R1/legs/L9', 404, { status: 404 }),
  x('GET', '/api/rotations/R1', 200, { id: 'R1', version: 2 }),
  x('PUT', '/api/airports/MUC', 404, { status: 404 }),
];
const journal = [
  ev(1, 'airport-FRA', 1, 'AirportMinimumGroundTimeSet'),
  ev(2, 'rotation-R1', 1, 'RotationCreated'),
  ev(3, 'rotation-R1', 2, 'LegAdded'),
  ev(4, 'airplane-D-ABC', 1, 'AirplaneCreated'),
  ev(5, 'assignment-a1', 1, 'AssignmentStarted'),
  ev(6, 'rotation-R1', 3, 'RotationClaimed', { assignmentId: 'a1' }),
  ev(7, 'airplane-D-ABC', 2, 'RotationAssigned', { assignmentId: 'a1' }),
  ev(8, 'assignment-a1', 2, 'AssignmentCompleted'),
  ev(9, 'import-i1', 1, 'ImportAccepted'),
  ev(10, 'rotation-IMP1', 1, 'RotationCreated'),
];

t.test('a journal of exactly the acknowledged writes passes', async (t) => {
  const acks = ledger(exchanges);
  t.equal(acks.commands.size, 4, 'four command offsets');
  t.same([...acks.assignments], ['a1']);
  t.same([...acks.sagaOffsets.keys()], [7], 'the completed saga named its last offset');
  t.same([...acks.imports], ['i1']);
  t.same(reconcile(acks, journal, 1), []);
});

t.test('each difference is named', async (t) => {
  const acks = ledger(exchanges);
  // [what differs, the journal, commands the import applied, the problem expected first]
  const cases: Array<[string, JournalEntry[], number, RegExp]> = [
    [
      'an acknowledged command missing',
      journal.filter((e) => e.offset !== 3),
      1,
      /^lost: POST \/api\/rotations\/R1\/legs → 201 acknowledged offset 3/,
    ],
    [
      'another aggregate at an acknowledged offset',
      journal.map((e) => (e.offset === 2 ? { ...e, persistenceId: 'rotation-R2' } : e)),
      1,
      /acknowledged rotation-R1#1 at offset 2; the journal has rotation-R2#1/,
    ],
    [
      'an event nobody acknowledged',
      [...journal, ev(11, 'rotation-R1', 4, 'LegRemoved')],
      1,
      /^unacknowledged: LegRemoved of rotation-R1#4 at offset 11/,
    ],
    ['more import events than the import applied', journal, 0, /^unacknowledged: RotationCreated of rotation-IMP1#1 at offset 10/],
    [
      'a saga step of an unknown assignment',
      [...journal, ev(11, 'airplane-D-ABC', 3, 'RotationAssigned', { assignmentId: 'a2' })],
      1,
      /RotationAssigned of airplane-D-ABC#3/,
    ],
    ['an unknown saga', [...journal, ev(11, 'assignment-a2', 1, 'AssignmentStarted')], 1, /no request was answered with that assignmentId/],
    ['an unknown import', [...journal, ev(11, 'import-i2', 1, 'ImportAccepted')], 1, /no request was answered 202 with that importId/],
    ['an accepted import missing', journal.filter((e) => e.persistenceId !== 'import-i1'), 1, /^lost: import i1 was accepted/],
    [
      'an acknowledged saga missing',
      journal.filter((e) => e.persistenceId !== 'assignment-a1'),
      1,
      /^lost: assignment a1 was acknowledged/,
    ],
    [
      'the offset a saga answered missing',
      journal.filter((e) => e.offset !== 7),
      1,
      /^lost: PUT \/api\/airplanes\/D-ABC\/rotation → 200 acknowledged offset 7/,
    ],
  ];
  for (const [name, entries, importCommands, expected] of cases) {
    const problems = reconcile(acks, entries, importCommands);
    t.match(problems[0], expected, name);
    // The event that took another aggregate's place is also one no answer named.
    t.equal(problems.length, name.startsWith('another aggregate') ? 2 : 1, `${name}: nothing else`);
  }
});

t.test('an acknowledgement it cannot place is a problem, not ignored', async (t) => {
  const acks = ledger([x('POST', '/api/weather', 201, { offset: 1, version: 1 }), x('POST', '/api/imports', 202, {})]);
  t.equal(acks.unknown.length, 2);
  t.match(acks.unknown[0], /POST \/api\/weather → 201: a successful write the ledger cannot place/);
  t.match(acks.unknown[1], /an accepted import without an importId/);
  const clash = ledger([
    x('POST', '/api/airports', 201, { code: 'FRA', offset: 1, version: 1 }),
    x('POST', '/api/rotations', 201, { id: 'R1', offset: 1, version: 1 }),
  ]);
  t.match(clash.unknown, [/offset 1 was acknowledged before for airport-FRA#1/]);
});

t.test('a HAR log becomes exchanges: decoded path segments, JSON bodies, 0 for no answer', async (t) => {
  const har = {
    log: {
      entries: [
        {
          request: { method: 'post', url: 'http://127.0.0.1:1/api/rotations/R%2D1/legs?x=1' },
          response: { status: 201, content: { text: '{"legId":"L","offset":3,"version":2}' } },
        },
        {
          request: { method: 'GET', url: 'http://127.0.0.1:1/api/rotations/%E0%A4%A' },
          response: { status: 404, content: { text: Buffer.from('{"status":404}').toString('base64'), encoding: 'base64' } },
        },
        { request: { method: 'GET', url: 'http://127.0.0.1:1/metrics' }, response: { status: 0, content: {} } },
      ],
    },
  };
  t.same(exchangesOfHar(har), [
    { method: 'POST', segments: ['api', 'rotations', 'R-1', 'legs'], status: 201, body: { legId: 'L', offset: 3, version: 2 } },
    { method: 'GET', segments: ['api', 'rotations', '%E0%A4%A'], status: 404, body: { status: 404 } },
    { method: 'GET', segments: ['metrics'], status: 0, body: undefined },
  ]);
  t.throws(() => exchangesOfHar({ nothing: true }), /not a HAR log/);
});
