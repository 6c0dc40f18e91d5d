/**
 * The journal contract against a live ScyllaDB. Needs only SCYLLA_CONTACT_POINTS (comma
 * separated host[:port]); SCYLLA_DC names the local data centre (default datacenter1). Each
 * subtest gets its own keyspace, dropped afterwards. Without the variable the test is skipped
 * with a message saying how to run it (docs/persistence.md, ops/compose/docker-compose.yml).
 */
import t from 'tap';
import { Client } from 'cassandra-driver';
import { EventJournal } from '../../src/persistence/event-journal.ts';
import { ScyllaStore } from '../../src/persistence/scylla-store.ts';
import { schemaStatements } from '../../src/persistence/scylla-schema.ts';
import { journalContract } from './fixtures/journal-contract.ts';
import { FakeCql } from './fixtures/fake-cql.ts';
import { isJournalUnavailable } from '../../src/persistence/errors.ts';

const fakeOptions = { contactPoints: [], localDataCenter: 'fake', keyspace: 'aloft', pollMs: 5 };

t.test('ScyllaStore logic against an in-memory CQL fake, with tiny buckets so every boundary is crossed', async (t) => {
  journalContract(t, async (options) => {
    const store = await ScyllaStore.open({ ...fakeOptions, eventsBucket: 3, feedBucket: 5, chunkEvents: 4 }, new FakeCql());
    const journal = await EventJournal.open(store, options);
    return { journal, store, cleanup: () => journal.close() };
  });
});

t.test('an append committed by its head LWT but not written further is repaired by the next replay', async (t) => {
  const cql = new FakeCql();
  const store = await ScyllaStore.open({ ...fakeOptions, eventsBucket: 3, feedBucket: 5 }, cql);
  const journal = await EventJournal.open(store);
  await journal.append('rot', 0, [{ _tag: 'E', n: 1 }]);
  // The writer dies between step 1 (head LWT) and step 2 (feed chunk).
  cql.fail = (q) => (q.startsWith('INSERT INTO feed') ? new Error('node crashed') : undefined);
  const err = await journal.append('rot', 1, [{ _tag: 'E', n: 2 }, { _tag: 'E', n: 3 }]).catch((e: unknown) => e);
  t.ok(isJournalUnavailable(err), 'the appender was not acknowledged');
  cql.fail = undefined;
  // A new owner recovers: the committed events are completed from heads.pending.
  const recovered = await EventJournal.open(await ScyllaStore.open({ ...fakeOptions, eventsBucket: 3, feedBucket: 5 }, cql));
  t.equal(await recovered.highestSeq('rot'), 3);
  const seqs: number[] = [];
  for await (const e of recovered.replay('rot')) seqs.push(Number(e.event.n));
  t.same(seqs, [1, 2, 3]);
  t.same((await recovered.read(1, 10)).map((e) => e.seq), [1, 2, 3], 'and they are in the feed, after offset 1');
  t.match(await recovered.append('rot', 1, [{ _tag: 'E' }]).catch((e: unknown) => e), { _tag: 'JournalConflict', actualSeq: 3 });
  await recovered.close();
  await journal.close();
});

t.test('two nodes appending to one feed get contiguous offsets', async (t) => {
  const cql = new FakeCql();
  const a = await EventJournal.open(await ScyllaStore.open({ ...fakeOptions, feedBucket: 4 }, cql));
  const b = await EventJournal.open(await ScyllaStore.open({ ...fakeOptions, feedBucket: 4 }, cql));
  for (let i = 0; i < 10; i++) {
    await Promise.all([a.append(`a-${i}`, 0, [{ _tag: 'E' }, { _tag: 'E' }]), b.append(`b-${i}`, 0, [{ _tag: 'E' }])]);
  }
  const feed = await a.read(1, 100);
  t.equal(feed.length, 30);
  t.ok(feed.every((e, i) => e.offset === i + 1), 'offsets 1..30, no gap, none twice');
  t.equal(await b.headOffset(), 30, 'the other node sees the same head');
  await a.close();
  await b.close();
});

t.test('the schema is created with IF NOT EXISTS and bounded partitions', async (t) => {
  const cql = schemaStatements({ keyspace: 'aloft', replication: "{'class': 'SimpleStrategy', 'replication_factor': 1}" });
  t.ok(cql.every((s) => /IF NOT EXISTS/.test(s)), 'idempotent on start');
  t.match(cql.join('\n'), /PRIMARY KEY \(\(persistence_id, bucket\), seq\)/, 'events partitioned by (id, bucket)');
  t.match(cql.join('\n'), /PRIMARY KEY \(bucket, start\)/, 'feed partitioned by offset bucket');
  t.throws(() => schemaStatements({ keyspace: 'x; DROP', replication: '{}' }), /identifier/);
});

const contactPoints = process.env.SCYLLA_CONTACT_POINTS;
if (!contactPoints) {
  t.comment('SCYLLA_CONTACT_POINTS is not set: the ScyllaDB contract run is skipped (see docs/persistence.md)');
  t.test('ScyllaDB journal contract', { skip: 'SCYLLA_CONTACT_POINTS is not set; start ops/compose/docker-compose.yml and set SCYLLA_CONTACT_POINTS=127.0.0.1:9042' }, () => undefined);
} else {
  const points = contactPoints.split(',').map((s) => s.trim()).filter(Boolean);
  const localDataCenter = process.env.SCYLLA_DC ?? 'datacenter1';
  let n = 0;
  journalContract(t, async (options) => {
    const keyspace = `aloft_test_${process.pid}_${Date.now() % 100000}_${n++}`;
    const store = await ScyllaStore.open({
      contactPoints: points,
      localDataCenter,
      keyspace,
      replication: "{'class': 'SimpleStrategy', 'replication_factor': 1}",
      pollMs: 50,
    });
    const journal = await EventJournal.open(store, options);
    return {
      journal,
      store,
      cleanup: async () => {
        await journal.close();
        const admin = new Client({ contactPoints: points, localDataCenter });
        await admin.execute(`DROP KEYSPACE IF EXISTS ${keyspace}`).finally(() => admin.shutdown());
      },
    };
  });
}
