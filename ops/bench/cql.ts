/**
 * The ScyllaDB journal (ScyllaStore) on a live CQL server against the LMDB journal, in the same
 * run: `npm run bench -- cql [--scale=0.3]`, with SCYLLA_CONTACT_POINTS set (e.g. by
 * `eval "$(npm run -s backends -- up --only cql)"`, a one-node Apache Cassandra on loopback whose
 * commit log is synced before a write is acknowledged, as LMDB's flush mode fsyncs).
 *
 * - acknowledged appends/s and p99 latency with 1, 100 and 1,000 concurrent writers, one
 *   ~120-byte event per append, each writer a loop of append-await on its own aggregate;
 *   baseline: the LMDB journal (flush durability) doing the same;
 * - feed read: journal.read pages of 1,000 decoded envelopes over everything appended;
 *   baseline: the same on LMDB.
 *
 * On one node, every append costs two lightweight transactions (head, feed chunk, the second
 * shared by a whole group commit) and one write, each a Paxos round with synced commit-log writes;
 * the figures are what that costs on this machine, not a ScyllaDB cluster's.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'cassandra-driver';
import { EventJournal } from '../../src/persistence/event-journal.ts';
import { LmdbStore } from '../../src/persistence/lmdb-store.ts';
import { ScyllaStore } from '../../src/persistence/scylla-store.ts';
import { percentile, type Row, type Suite, type SuiteOptions } from './harness.ts';
import { ourAppends as appends } from './journal.ts';

/** Reads the whole feed in pages of 1,000 decoded envelopes, best of `rounds`. */
async function feedRate(journal: EventJournal, rounds: number): Promise<{ rate: number; head: number }> {
  const head = await journal.headOffset();
  let best = 0;
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    let n = 0;
    for (let from = 1; from <= head; from += 1000) n += (await journal.read(from, 1000)).length;
    if (n !== head) throw new Error(`read ${n} of ${head} feed events`);
    best = Math.max(best, head / ((performance.now() - t0) / 1000));
  }
  return { rate: best, head };
}

async function serverVersion(points: string[], localDataCenter: string): Promise<string> {
  const client = new Client({ contactPoints: points, localDataCenter });
  try {
    const row = (await client.execute('SELECT release_version FROM system.local')).first();
    return String(row?.get('release_version') ?? 'unknown');
  } finally {
    await client.shutdown();
  }
}

const suite: Suite = {
  name: 'cql',
  description: 'ScyllaDB journal on a live CQL server vs the LMDB journal: appends/s and p99 at 1/100/1,000 writers, feed read rate',
  async run(o: SuiteOptions): Promise<Row[]> {
    const contactPoints = process.env.SCYLLA_CONTACT_POINTS?.trim();
    if (!contactPoints) {
      o.log('bench cql: SCYLLA_CONTACT_POINTS is not set, so there is no CQL server to measure and no row is reported.');
      o.log(
        '  Start one with `eval "$(npm run -s backends -- up --only cql)"` (SCYLLA_DC defaults to datacenter1), then run `npm run bench -- cql` again.',
      );
      return [];
    }
    const points = contactPoints
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    const localDataCenter = process.env.SCYLLA_DC ?? 'datacenter1';
    o.log(`CQL server at ${points.join(',')} (${localDataCenter}): release_version ${await serverVersion(points, localDataCenter)}`);
    const keyspace = `aloft_bench_${process.pid}_${Date.now() % 100000}`;
    const cql = await EventJournal.open(
      await ScyllaStore.open({
        contactPoints: points,
        localDataCenter,
        keyspace,
        replication: "{'class': 'SimpleStrategy', 'replication_factor': 1}",
      }),
    );
    const dir = mkdtempSync(path.join(os.tmpdir(), 'aloft-bench-cql-'));
    const lmdb = await EventJournal.open(new LmdbStore({ path: dir, durability: 'flush' }));
    const rows: Row[] = [];
    try {
      const ms = Math.max(1000, 5000 * o.scale);
      // Warm both (JIT, prepared statements, the server's caches) on a short mixed load first.
      await appends(cql, 100, Math.max(500, 1000 * o.scale), 'warmup');
      await appends(lmdb, 100, Math.max(500, 1000 * o.scale), 'warmup');
      for (const writers of [1, 100, 1000]) {
        const ours = await appends(cql, writers, ms, `w${writers}`);
        const base = await appends(lmdb, writers, ms, `w${writers}`);
        const p99 = percentile(ours.latencies, 99);
        const baseP99 = percentile(base.latencies, 99);
        o.log(
          `${writers} writers: CQL ${Math.round(ours.rate)} events/s (p99 ${p99.toFixed(1)} ms), LMDB ${Math.round(base.rate)} events/s (p99 ${baseP99.toFixed(1)} ms)`,
        );
        const s = writers > 1 ? 's' : '';
        rows.push({
          name: `CQL journal appends, ${writers} writer${s}`,
          value: ours.rate,
          unit: 'events/s',
          baseline: { name: `LMDB journal (flush), ${writers} writer${s}`, value: base.rate },
        });
        rows.push({
          name: `CQL journal append p99, ${writers} writer${s}`,
          value: p99,
          unit: 'ms',
          baseline: { name: 'LMDB p99', value: baseP99 },
        });
      }
      const rounds = Math.max(2, Math.round(3 * o.scale));
      const ours = await feedRate(cql, rounds);
      const base = await feedRate(lmdb, rounds);
      o.log(
        `feed read: CQL ${Math.round(ours.rate)} events/s over ${ours.head} events, LMDB ${Math.round(base.rate)} events/s over ${base.head}`,
      );
      rows.push({
        name: `CQL feed read, decoded envelopes (${ours.head.toLocaleString('en-US')} events)`,
        value: ours.rate,
        unit: 'events/s',
        baseline: { name: `LMDB feed read (${base.head.toLocaleString('en-US')} events)`, value: base.rate },
      });
    } finally {
      await cql.close();
      await lmdb.close();
      rmSync(dir, { recursive: true, force: true });
      const admin = new Client({ contactPoints: points, localDataCenter });
      await admin.execute(`DROP KEYSPACE IF EXISTS ${keyspace}`).catch(() => undefined);
      await admin.shutdown();
    }
    return rows;
  },
};

export default suite;
