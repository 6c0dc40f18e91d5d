/**
 * The topic verifier (ops/consume/verify.ts) without Kafka: records with re-published
 * duplicates pass and are counted; a gap, a reordering and a conflict (two events at one seq)
 * are each reported as what they are; the comparison with the journal's feed finds an event
 * missing from the topic, one the journal does not have, and stops at `upTo`. Also the real
 * encoding: a record made by the publisher's toBusRecord decodes into the verifier's fields.
 */
import t from 'tap';
import { compareWithFeed, verifyRecords, type TopicRecord } from '../../ops/consume/verify.ts';
import { decode } from '../../ops/consume/topic.ts';
import { toBusRecord } from '../../src/persistence/event-bus.ts';
import type { EventEnvelope } from '../../src/persistence/index.ts';

let kafkaOffset = 0;
/** A record of aggregate `pid` at `seq`; the feed offset is derived so copies of one event agree. */
function rec(pid: string, seq: number, partition = 0, type = 'LegAdded', feedOffset = feedOf(pid, seq), digest?: string): TopicRecord {
  return {
    partition,
    kafkaOffset: String(kafkaOffset++),
    persistenceId: pid,
    seq,
    feedOffset,
    type,
    ...(digest === undefined ? {} : { digest }),
  };
}
function feedOf(pid: string, seq: number): number {
  return (pid === 'a' ? 0 : 100) + seq;
}

t.test('in order, with re-published duplicates: ok, duplicates dropped and counted', async (t) => {
  const { report } = verifyRecords([
    rec('a', 1),
    rec('a', 2),
    rec('b', 1, 1),
    rec('a', 2),
    rec('a', 3),
    rec('b', 2, 1),
    rec('a', 1),
    rec('a', 2),
    rec('a', 3),
    rec('b', 2, 1),
  ]);
  t.same(
    { records: report.records, duplicates: report.duplicates, distinct: report.distinct, aggregates: report.aggregates, ok: report.ok },
    { records: 10, duplicates: 5, distinct: 5, aggregates: 2, ok: true },
  );
  t.same(report.anomalies, []);
});

t.test('a gap: a seq more than one past the last applied', async (t) => {
  const { report } = verifyRecords([rec('a', 1), rec('a', 2), rec('a', 5), rec('a', 6), rec('b', 2, 1)]);
  t.notOk(report.ok);
  t.same(
    report.anomalies.map((a) => [a.kind, a.persistenceId, a.expected, a.got]),
    [
      ['gap', 'a', 3, 5],
      ['gap', 'b', 1, 2],
    ],
  );
  t.match(report.anomalies[0]?.detail, /seq 3\.\.4 missing/);
  t.equal(report.distinct, 5, 'events after a gap are still events');
});

t.test('a reordering: a seq never seen before arriving after a later one (DedupFilter alone would drop it as a duplicate)', async (t) => {
  const { report } = verifyRecords([rec('a', 1), rec('a', 3), rec('a', 2), rec('a', 4)]);
  t.notOk(report.ok);
  t.same(
    report.anomalies.map((a) => [a.kind, a.expected, a.got]),
    [
      ['gap', 2, 3],
      ['reorder', 4, 2],
    ],
  );
  t.equal(report.duplicates, 0, 'the late seq 2 is not counted as a duplicate');
  t.equal(report.distinct, 4);
});

t.test('a conflict: a second, different event at one seq', async (t) => {
  const { report } = verifyRecords([rec('a', 1), rec('a', 2), rec('a', 2, 0, 'LegRemoved', 7)]);
  t.notOk(report.ok);
  t.same(
    report.anomalies.map((a) => a.kind),
    ['conflict'],
  );
  t.equal(report.duplicates, 1);
  t.equal(report.distinct, 2);
  const content = verifyRecords([rec('a', 1, 0, 'LegAdded', 1, '{"leg":"L1"}'), rec('a', 1, 0, 'LegAdded', 1, '{"leg":"L2"}')]).report;
  t.same(
    content.anomalies.map((a) => a.kind),
    ['conflict'],
    'same type, other content',
  );
});

t.test('the same event at another feed offset (the CQL feed repeating a repaired append) is a duplicate', async (t) => {
  const { report } = verifyRecords([
    rec('a', 1, 0, 'LegAdded', 1, '{"leg":"L1"}'),
    rec('a', 2),
    rec('a', 1, 0, 'LegAdded', 9, '{"leg":"L1"}'),
  ]);
  t.ok(report.ok);
  t.equal(report.duplicates, 1);
});

t.test('compared with the journal feed: missing, foreign, differing, and only up to the publisher', async (t) => {
  const feed = [
    { persistenceId: 'a', seq: 1, offset: 1, type: 'LegAdded' },
    { persistenceId: 'b', seq: 1, offset: 101, type: 'LegAdded' },
    { persistenceId: 'a', seq: 2, offset: 2, type: 'LegAdded' },
    { persistenceId: 'a', seq: 3, offset: 3, type: 'LegAdded' },
  ];
  const whole = verifyRecords([rec('a', 1), rec('a', 2), rec('a', 3), rec('b', 1, 1)]).verifier;
  t.same(compareWithFeed(whole, feed), { missing: 0, foreign: 0, examples: [] }, 'every journal event once, nothing else');

  const short = verifyRecords([rec('a', 1), rec('a', 2), rec('b', 1, 1), rec('c', 1, 2, 'RotationCreated', 200)]).verifier;
  const c = compareWithFeed(short, feed);
  t.equal(c.missing, 1, 'a seq 3 is not on the topic');
  t.equal(c.foreign, 1, 'c seq 1 is not in the journal');
  t.match(c.examples.join('\n'), /missing: a seq 3[\s\S]*not in the journal: c seq 1/);
  t.same(
    compareWithFeed(short, feed.slice(0, 3), 101),
    { missing: 0, foreign: 0, examples: [] },
    'past upTo nothing is expected (and c at 200 is past it too)',
  );

  const other = verifyRecords([rec('a', 1), rec('a', 2, 0, 'LegRemoved'), rec('a', 3), rec('b', 1, 1)]).verifier;
  const d = compareWithFeed(other, feed);
  t.equal(d.foreign, 1, 'another event at a journal seq');
  t.match(d.examples[0], /differs: a seq 2/);

  const events = [
    { persistenceId: 'a', seq: 1, offset: 1, type: 'LegAdded', event: { leg: 'L1' } },
    { persistenceId: 'a', seq: 1, offset: 5, type: 'LegAdded', event: { leg: 'L1' } },
  ];
  const copy = verifyRecords([rec('a', 1, 0, 'LegAdded', 1, '{"leg":"L1"}')]).verifier;
  t.same(compareWithFeed(copy, events), { missing: 0, foreign: 0, examples: [] }, "the journal's own repeat is not a topic difference");
  const changed = verifyRecords([rec('a', 1, 0, 'LegAdded', 1, '{"leg":"L9"}')]).verifier;
  t.equal(compareWithFeed(changed, events).foreign, 1, 'other content under one type differs');
});

t.test('a publisher record decodes into the verifier fields; garbage does not', async (t) => {
  const e: EventEnvelope = {
    persistenceId: 'rotation-R1',
    seq: 4,
    offset: 77,
    type: 'RotationCreated',
    version: 1,
    timestamp: 1,
    event: { _tag: 'RotationCreated', name: 'R1' } as EventEnvelope['event'],
  };
  const bus = toBusRecord(e);
  const d = decode({ partition: 3, kafkaOffset: '12', key: bus.key, value: bus.value });
  t.ok(d.ok);
  if (d.ok)
    t.same(d.record, {
      partition: 3,
      kafkaOffset: '12',
      persistenceId: 'rotation-R1',
      seq: 4,
      feedOffset: 77,
      type: 'RotationCreated',
      digest: '{"_tag":"RotationCreated","name":"R1"}',
    });
  const bad = decode({ partition: 0, kafkaOffset: '0', key: 'x', value: new Uint8Array([0xc1]) });
  t.notOk(bad.ok);
});
