/**
 * ScyllaStore, twice: against the in-memory CQL fake (always), and against a live CQL server
 * (ScyllaDB, or the Apache Cassandra that `npm run backends -- up` starts) when
 * SCYLLA_CONTACT_POINTS is set (comma separated host[:port]; SCYLLA_DC names the local data
 * centre, default datacenter1). Both runs use tiny buckets so that every partition boundary is
 * crossed: a live run with the production bucket sizes would never leave the first partition.
 * Live, each subtest gets its own keyspace (SimpleStrategy, RF 1), dropped afterwards.
 */
import t, { type Test } from 'tap';
import { Client } from 'cassandra-driver';
import { EventJournal } from '../../src/persistence/event-journal.ts';
import { ScyllaStore, type CqlClient, type CqlResult, type ScyllaStoreOptions } from '../../src/persistence/scylla-store.ts';
import { schemaStatements } from '../../src/persistence/scylla-schema.ts';
import { journalContract } from './fixtures/journal-contract.ts';
import { FakeCql } from './fixtures/fake-cql.ts';
import { isJournalUnavailable } from '../../src/persistence/errors.ts';
import { liveEnv } from '../fixtures/live.ts';

/** Buckets small enough that the tests cross events partitions, feed partitions and chunk limits. */
const tiny = { eventsBucket: 3, feedBucket: 5, chunkEvents: 4 } as const;

/**
 * A client that fails chosen statements before they reach the server: the writer "crashes"
 * between two steps of an append. `fail` sees the statement with its keyspace stripped.
 */
class FailingCql implements CqlClient {
  fail: ((query: string) => Error | undefined) | undefined;
  constructor(private readonly inner: CqlClient) {}
  private check(query: string): void {
    const err = this.fail?.(
      query
        .replace(/\s+/g, ' ')
        .replace(/ \w+\.(\w+)/g, ' $1')
        .trim(),
    );
    if (err) throw err;
  }
  connect(): Promise<void> {
    return this.inner.connect();
  }
  async execute(query: string, params?: unknown[], options?: object): Promise<CqlResult> {
    this.check(query);
    return this.inner.execute(query, params, options);
  }
  async batch(queries: { query: string; params: unknown[] }[], options?: object): Promise<unknown> {
    for (const q of queries) this.check(q.query);
    return this.inner.batch(queries, options);
  }
  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }
}

/** Where a group of tests keeps its data: one fake, or one live keyspace. */
interface Place {
  /** A new client on the same data (each store shuts its own client down on close). */
  client(): FailingCql;
  readonly options: ScyllaStoreOptions;
  cleanup(): Promise<void>;
}

type MakePlace = () => Promise<Place>;

function fakePlace(): Promise<Place> {
  const fake = new FakeCql();
  return Promise.resolve({
    client: () => new FailingCql(fake),
    options: { contactPoints: [], localDataCenter: 'fake', keyspace: 'aloft', pollMs: 5 },
    cleanup: async () => undefined,
  });
}

function livePlaces(points: string[], localDataCenter: string): MakePlace {
  let n = 0;
  const connect = () => new Client({ contactPoints: points, localDataCenter });
  return async () => {
    const keyspace = `aloft_test_${process.pid}_${Date.now() % 100000}_${n++}`;
    return {
      client: () => new FailingCql(connect()),
      options: {
        contactPoints: points,
        localDataCenter,
        keyspace,
        replication: "{'class': 'SimpleStrategy', 'replication_factor': 1}",
        pollMs: 50,
      },
      cleanup: async () => {
        const admin = connect();
        await admin.execute(`DROP KEYSPACE IF EXISTS ${keyspace}`).finally(() => admin.shutdown());
      },
    };
  };
}

function storeTests(t: Test, makePlace: MakePlace): void {
  journalContract(t, async (options) => {
    const place = await makePlace();
    const store = await ScyllaStore.open({ ...place.options, ...tiny }, place.client());
    const journal = await EventJournal.open(store, options);
    return { journal, store, cleanup: () => journal.close().finally(() => place.cleanup()) };
  });

  t.test('an append committed by its head LWT but not written further is repaired by the next replay', async (t) => {
    const place = await makePlace();
    t.teardown(() => place.cleanup());
    const cql = place.client();
    const journal = await EventJournal.open(await ScyllaStore.open({ ...place.options, ...tiny }, cql));
    await journal.append('rot', 0, [{ _tag: 'E', n: 1 }]);
    // The writer dies between step 1 (head LWT) and step 2 (feed chunk).
    cql.fail = (q) => (q.startsWith('INSERT INTO feed') ? new Error('node crashed') : undefined);
    const err = await journal
      .append('rot', 1, [
        { _tag: 'E', n: 2 },
        { _tag: 'E', n: 3 },
      ])
      .catch((e: unknown) => e);
    t.ok(isJournalUnavailable(err), 'the appender was not acknowledged');
    cql.fail = undefined;
    // A new owner recovers: the committed events are completed from heads.pending.
    const recovered = await EventJournal.open(await ScyllaStore.open({ ...place.options, ...tiny }, place.client()));
    t.equal(await recovered.highestSeq('rot'), 3);
    const seqs: number[] = [];
    for await (const e of recovered.replay('rot')) seqs.push(Number(e.event.n));
    t.same(seqs, [1, 2, 3]);
    t.same(
      (await recovered.read(1, 10)).map((e) => e.seq),
      [1, 2, 3],
      'and they are in the feed, after offset 1',
    );
    t.match(await recovered.append('rot', 1, [{ _tag: 'E' }]).catch((e: unknown) => e), { _tag: 'JournalConflict', actualSeq: 3 });
    await recovered.close();
    await journal.close();
  });

  t.test('an append whose rows were partly written (one partition of two) is completed, not declared corrupt', async (t) => {
    const place = await makePlace();
    t.teardown(() => place.cleanup());
    const cql = place.client();
    const journal = await EventJournal.open(await ScyllaStore.open({ ...place.options, ...tiny }, cql));
    await journal.append('rot', 0, [{ _tag: 'E', n: 1 }]);
    // Seqs 2..4 span events partitions 0 (seq 2) and 1 (seqs 3, 4): the second batch fails.
    let batches = 0;
    cql.fail = (q) => (q.startsWith('INSERT INTO events') && ++batches > 1 ? new Error('connection lost') : undefined);
    const err = await journal
      .append(
        'rot',
        1,
        [2, 3, 4].map((n) => ({ _tag: 'E', n })),
      )
      .catch((e: unknown) => e);
    t.ok(isJournalUnavailable(err), 'the appender was not acknowledged');
    cql.fail = undefined;
    // The same node appends on top: it must complete 2..4 first, or heads.pending (which holds
    // only the latest append) would lose them.
    const next = await journal.append('rot', 4, [{ _tag: 'E', n: 5 }]);
    t.equal(next.lastSeq, 5);
    const seqs: number[] = [];
    for await (const e of journal.replay('rot')) seqs.push(Number(e.event.n));
    t.same(seqs, [1, 2, 3, 4, 5], 'every seq once, in order');
    await journal.close();
  });

  t.test('an append of 100 KB over several events partitions is accepted (no multi-partition batch)', async (t) => {
    const place = await makePlace();
    t.teardown(() => place.cleanup());
    const journal = await EventJournal.open(await ScyllaStore.open({ ...place.options, ...tiny, chunkEvents: 100 }, place.client()));
    const big = 'x'.repeat(5000);
    const r = await journal.append(
      'big',
      0,
      Array.from({ length: 20 }, (_, n) => ({ _tag: 'Big', n, big })),
    );
    t.same([r.firstSeq, r.lastSeq], [1, 20]);
    let count = 0;
    for await (const e of journal.replay('big')) t.equal(e.event.n, count++);
    t.equal(count, 20);
    t.equal((await journal.read(1, 100)).length, 20);
    await journal.close();
  });

  t.test('two nodes appending to one feed get contiguous offsets', async (t) => {
    const place = await makePlace();
    t.teardown(() => place.cleanup());
    const a = await EventJournal.open(await ScyllaStore.open({ ...place.options, feedBucket: 4 }, place.client()));
    const b = await EventJournal.open(await ScyllaStore.open({ ...place.options, feedBucket: 4 }, place.client()));
    for (let i = 0; i < 10; i++) {
      await Promise.all([a.append(`a-${i}`, 0, [{ _tag: 'E' }, { _tag: 'E' }]), b.append(`b-${i}`, 0, [{ _tag: 'E' }])]);
    }
    const feed = await a.read(1, 100);
    t.equal(feed.length, 30);
    t.ok(
      feed.every((e, i) => e.offset === i + 1),
      'offsets 1..30, no gap, none twice',
    );
    t.equal(await b.headOffset(), 30, 'the other node sees the same head');
    await a.close();
    await b.close();
  });
}

t.test('the schema is created with IF NOT EXISTS and bounded partitions', async (t) => {
  const cql = schemaStatements({ keyspace: 'aloft', replication: "{'class': 'SimpleStrategy', 'replication_factor': 1}" });
  t.ok(
    cql.every((s) => /IF NOT EXISTS/.test(s)),
    'idempotent on start',
  );
  t.match(cql.join('\n'), /PRIMARY KEY \(\(persistence_id, bucket\), seq\)/, 'events partitioned by (id, bucket)');
  t.match(cql.join('\n'), /PRIMARY KEY \(bucket, start\)/, 'feed partitioned by offset bucket');
  t.throws(() => schemaStatements({ keyspace: 'x; DROP', replication: '{}' }), /identifier/);
});

t.test('ScyllaStore logic against an in-memory CQL fake', async (t) => storeTests(t, fakePlace));

const contactPoints = liveEnv(t, 'SCYLLA_CONTACT_POINTS', 'ScyllaStore against a live CQL server');
if (contactPoints) {
  const points = contactPoints
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  t.test(`ScyllaStore against the live CQL server at ${points.join(',')}`, async (t) =>
    storeTests(t, livePlaces(points, process.env.SCYLLA_DC ?? 'datacenter1')),
  );
}
