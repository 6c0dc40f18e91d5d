/**
 * Journal benchmarks (ISSUE 3): `npm run bench -- journal [--scale=0.3]`.
 *
 * - durable appends/s with 1, 100 and 1,000 concurrent writers on LMDB (flush durability: an
 *   append is acknowledged after fsync), one ~120-byte event per append, each writer a loop of
 *   append-await; baseline: raw lmdb-js putting the same record bytes, one put per event (the
 *   naive journal layout), one transaction per group of N, fsync awaited, none of our code;
 * - p50/p99 latency of one append under the 1,000-writer load;
 * - recovery of a 10,000-event aggregate: replay from seq 1, and snapshot + replay of the tail;
 * - global feed read rate: journal.read pages of 1,000 decoded, upcast-ready envelopes;
 *   baseline: raw lmdb-js getRange over the same feed records (bytes only).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { open } from 'lmdb';
import { EventJournal } from '../../src/persistence/event-journal.ts';
import { LmdbStore } from '../../src/persistence/lmdb-store.ts';
import { encodeEvent, encodeRecord } from '../../src/persistence/codec.ts';
import { percentile, type Row, type Suite, type SuiteOptions } from './harness.ts';

export const leg = (w: number, i: number) => ({
  _tag: 'LegAdded',
  version: 1,
  rotation: `rot-${w}`,
  flight: 'LH400',
  suffix: '',
  from: 'FRA',
  to: 'JFK',
  dep: 1700000000000 + i * 60_000,
  arr: 1700000030000 + i * 60_000,
});

function tempDir(): string {
  return mkdtempSync(path.join(os.tmpdir(), 'aloft-bench-journal-'));
}

/** Our journal: `writers` loops of append-await for `ms`; returns events/s and latencies. */
export async function ourAppends(
  journal: EventJournal,
  writers: number,
  ms: number,
  prefix: string,
): Promise<{ rate: number; latencies: number[] }> {
  const latencies: number[] = [];
  let n = 0;
  const start = performance.now();
  const deadline = start + ms;
  await Promise.all(
    Array.from({ length: writers }, async (_, w) => {
      let seq = 0;
      while (performance.now() < deadline) {
        const t0 = performance.now();
        await journal.append(`${prefix}-${w}`, seq, [leg(w, seq)]);
        latencies.push(performance.now() - t0);
        seq++;
        n++;
      }
    }),
  );
  return { rate: n / ((performance.now() - start) / 1000), latencies };
}

/** Raw lmdb-js: the same record bytes, one put per event, one transaction per `group`. */
async function rawAppends(dir: string, group: number, ms: number): Promise<number> {
  const root = open({ path: dir, overlappingSync: true, maxDbs: 8 });
  const feed = root.openDB<Uint8Array, number>({ name: 'feed', encoding: 'binary' });
  const e = encodeEvent(leg(0, 0));
  let offset = 0;
  let n = 0;
  const start = performance.now();
  while (performance.now() - start < ms) {
    await root.transaction(() => {
      for (let w = 0; w < group; w++) {
        offset++;
        const record = encodeRecord({
          type: e.type,
          version: e.version,
          payload: e.payload,
          persistenceId: `raw-${w}`,
          seq: n + 1,
          offset,
          timestamp: 0,
        });
        feed.putSync(offset, record, { append: true });
      }
    });
    await root.flushed;
    n += group;
  }
  const rate = n / ((performance.now() - start) / 1000);
  await root.close();
  return rate;
}

async function appendRows(o: SuiteOptions): Promise<{ rows: Row[]; dir: string; journal: EventJournal; store: LmdbStore }> {
  const rows: Row[] = [];
  const ms = Math.max(500, 3000 * o.scale);
  const dir = tempDir();
  const store = new LmdbStore({ path: dir, durability: 'flush' });
  const journal = await EventJournal.open(store);
  // Warm the JIT on the heaviest shape first, so the 1-writer row is not paying for it either.
  await ourAppends(journal, 1000, Math.max(500, 1000 * o.scale), 'warmup');
  for (const writers of [1, 100, 1000]) {
    const before = { ...store.stats };
    const ours = await ourAppends(journal, writers, ms, `w${writers}`);
    const perTxn = (store.stats.appends - before.appends) / Math.max(1, store.stats.transactions - before.transactions);
    const rawDir = tempDir();
    const raw = await rawAppends(rawDir, writers, ms);
    rmSync(rawDir, { recursive: true, force: true });
    o.log(
      `${writers} writers: ${Math.round(ours.rate)} events/s, ${perTxn.toFixed(1)} appends per transaction; raw lmdb ${Math.round(raw)}`,
    );
    const target = writers === 1000 ? 50_000 : undefined;
    rows.push({
      name: `durable appends, ${writers} writer${writers > 1 ? 's' : ''} (${perTxn.toFixed(0)}/txn)`,
      value: ours.rate,
      unit: 'events/s',
      baseline: { name: `raw lmdb put/event, ${writers}/txn`, value: raw },
      ...(target ? { target: '>= 50,000', met: ours.rate >= target } : {}),
    });
    if (writers === 1000) {
      rows.push({ name: 'append latency p50, 1000 writers', value: percentile(ours.latencies, 50), unit: 'ms' });
      rows.push({ name: 'append latency p99, 1000 writers', value: percentile(ours.latencies, 99), unit: 'ms' });
    }
  }
  return { rows, dir, journal, store };
}

async function replayRows(journal: EventJournal, o: SuiteOptions): Promise<Row[]> {
  const total = 10_000;
  for (let seq = 0; seq < total; seq += 100) {
    await journal.append(
      'big-rotation',
      seq,
      Array.from({ length: 100 }, (_, i) => leg(1, seq + i)),
    );
  }
  const state = { legs: Array.from({ length: 200 }, (_, i) => ({ flight: `LH${i}`, dep: i })) };
  await journal.saveSnapshot('big-rotation', total - 100, state);
  const rounds = Math.max(2, Math.round(5 * o.scale));
  let full = Infinity;
  let snap = Infinity;
  for (let r = 0; r < rounds; r++) {
    let t0 = performance.now();
    let n = 0;
    for await (const _ of journal.replay('big-rotation')) n++;
    if (n !== total) throw new Error(`replayed ${n} of ${total}`);
    full = Math.min(full, performance.now() - t0);
    t0 = performance.now();
    const s = await journal.loadSnapshot('big-rotation');
    let tail = 0;
    for await (const _ of journal.replay('big-rotation', (s?.seq ?? 0) + 1)) tail++;
    if (tail !== 100) throw new Error(`tail of ${tail}`);
    snap = Math.min(snap, performance.now() - t0);
  }
  o.log(`recover 10k events: ${full.toFixed(1)} ms from seq 1, ${snap.toFixed(2)} ms from a snapshot`);
  return [
    { name: 'recover 10k-event aggregate, replay from seq 1', value: total / (full / 1000), unit: 'events/s' },
    { name: 'recover 10k-event aggregate, same, in ms', value: full, unit: 'ms' },
    {
      name: 'recover 10k-event aggregate, snapshot + 100-event tail',
      value: total / (snap / 1000),
      unit: 'events/s (effective)',
      baseline: { name: 'replay from seq 1', value: total / (full / 1000) },
    },
  ];
}

async function feedRows(journal: EventJournal, store: LmdbStore, o: SuiteOptions): Promise<Row[]> {
  const head = await journal.headOffset();
  const rounds = Math.max(2, Math.round(4 * o.scale));
  const copyOf: Uint8Array[] = [];
  for (let from = 1; from <= head; from += 1000) {
    for (const e of await store.read(from, 1000)) copyOf.push(encodeRecord(e));
  }
  let decoded = 0;
  let stored = 0;
  for (let r = 0; r < rounds; r++) {
    let t0 = performance.now();
    for (let from = 1; from <= head; from += 1000) await journal.read(from, 1000);
    decoded = Math.max(decoded, head / ((performance.now() - t0) / 1000));
    t0 = performance.now();
    for (let from = 1; from <= head; from += 1000) await store.read(from, 1000);
    stored = Math.max(stored, head / ((performance.now() - t0) / 1000));
  }
  // Raw: the same records, one per key as the naive layout stores them, read by getRange as bytes.
  const rawDir = tempDir();
  const rawRoot = open({ path: rawDir, maxDbs: 8 });
  const raw = rawRoot.openDB<Uint8Array, number>({ name: 'feed', encoding: 'binary' });
  await rawRoot.transaction(() => {
    for (const [i, e] of copyOf.entries()) raw.putSync(i + 1, e, { append: true });
  });
  let rawRate = 0;
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    let n = 0;
    for (const { value } of raw.getRange({ start: 1 })) n += value.length > 0 ? 1 : 0;
    rawRate = Math.max(rawRate, n / ((performance.now() - t0) / 1000));
  }
  await rawRoot.close();
  rmSync(rawDir, { recursive: true, force: true });
  o.log(`feed of ${head} events: ${Math.round(decoded)}/s decoded, ${Math.round(stored)}/s stored records, raw ${Math.round(rawRate)}/s`);
  return [
    {
      name: `feed read, decoded envelopes (${head.toLocaleString('en-US')} events)`,
      value: decoded,
      unit: 'events/s',
      baseline: { name: 'raw lmdb getRange, record bytes', value: rawRate },
      target: '>= 500,000',
      met: decoded >= 500_000,
    },
    {
      name: 'feed read, store records (payload decoded, no envelope)',
      value: stored,
      unit: 'events/s',
      baseline: { name: 'raw lmdb getRange, record bytes', value: rawRate },
    },
  ];
}

const suite: Suite = {
  name: 'journal',
  description: 'LMDB journal: durable group-commit appends, append latency, aggregate recovery, feed read rate',
  async run(o) {
    const { rows, dir, journal, store } = await appendRows(o);
    try {
      rows.push(...(await replayRows(journal, o)));
      rows.push(...(await feedRows(journal, store, o)));
    } finally {
      await journal.close();
      rmSync(dir, { recursive: true, force: true });
    }
    return rows;
  },
};

export default suite;
