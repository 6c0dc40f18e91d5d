/**
 * The ScyllaDB backend (cassandra-driver, prepared statements). Schema and design: see
 * scylla-schema.ts and docs/persistence.md. Tested against a live CQL server (the one-node Apache
 * Cassandra of `npm run backends -- up`) by test/persistence/scylla.test.ts and
 * test/faults/cql.fault.ts when SCYLLA_CONTACT_POINTS is set, and against an in-memory fake always.
 *
 * An append goes through three steps:
 *   1. LWT on the aggregate's head row, `IF seq = expectedSeq`, storing the events as
 *      "pending": the commit point and the stale-writer check. Appends to different aggregates
 *      run in parallel; to one aggregate, in order.
 *   2. One feed chunk per group commit: every append that passed step 1 in this batch gets
 *      consecutive offsets in a single `INSERT ... IF NOT EXISTS` at the feed's end. One LWT per
 *      batch, not per event: that is the group commit, and the feed's serialisation point.
 *   3. The events rows (with their offsets), one single-partition batch per events partition,
 *      partitions in seq order.
 * A crash after 1 leaves the events committed but not yet in the feed/events table; the next
 * replay or highestSeq of that aggregate (its new owner recovering) repairs it from "pending".
 * A crash between 2 and 3 makes that repair chunk the events a second time: the feed is then
 * at-least-once for that append (consumers dedup by persistenceId/seq anyway). Documented.
 */
import { Client, policies, types } from 'cassandra-driver';
import { decodeRecord, encodeRecord, encodeValue, decodePayload } from './codec.ts';
import { CorruptEvent, JournalConflict, JournalError, JournalUnavailable } from './errors.ts';
import { systemClock, type Clock } from './clock.ts';
import { schemaStatements, validIdentifier } from './scylla-schema.ts';
import type { AppendRequest, EncodedEvent, JournalStore, StoredAppend, StoredEvent, StoredSnapshot } from './store.ts';

/** Where the ScyllaDB (or Cassandra) journal lives and how it is laid out. */
export interface ScyllaStoreOptions {
  readonly contactPoints: readonly string[];
  readonly localDataCenter: string;
  /** Created, with its tables, when missing. */
  readonly keyspace: string;
  /** CQL replication map for a keyspace this store creates (default NetworkTopologyStrategy, factor 3). */
  readonly replication?: string;
  /** Events per (persistence_id, bucket) partition (default 10,000). */
  readonly eventsBucket?: number;
  /** Feed offsets per feed partition (default 100,000). */
  readonly feedBucket?: number;
  /** How often to look for other nodes' appends while someone follows the feed (default 250 ms). */
  readonly pollMs?: number;
  readonly maxBatch?: number;
  /** Most events in one feed chunk, i.e. one LWT mutation (default 2,000). */
  readonly chunkEvents?: number;
  /** How long to wait for a TCP connection to a node (default 5,000 ms). */
  readonly connectTimeoutMs?: number;
  /**
   * How long one request may go unanswered before it fails with JournalUnavailable (default
   * 12,000 ms, the driver's). Keep it above the server's own timeouts (Cassandra: 2 s writes, 1 s
   * LWT contention; ScyllaDB similar) so that the server reports its timeouts itself.
   */
  readonly readTimeoutMs?: number;
  /** Longest wait between attempts to reconnect to a node that went down (default 2,000 ms). */
  readonly maxReconnectDelayMs?: number;
  readonly clock?: Clock;
}

/** A row of a `CqlResult`. */
export interface CqlRow {
  /** The value of a column, as cassandra-driver returns it. */
  get(column: string): unknown;
}
/** The result of one CQL statement, as much of it as the store reads. */
export interface CqlResult {
  readonly rows: CqlRow[];
  /** The first row, or null. */
  first(): CqlRow | null;
  /** For a lightweight transaction: whether its condition held and it was applied. */
  wasApplied(): boolean;
}
/** The part of cassandra-driver's Client this store uses; tests pass an in-memory fake
 * (test/persistence/fixtures/fake-cql.ts) to run the contract without a server. */
export interface CqlClient {
  /** Connects to the contact points. */
  connect(): Promise<void>;
  /** Runs one statement. */
  execute(query: string, params?: unknown[], options?: object): Promise<CqlResult>;
  /** Runs statements as one batch. */
  batch(queries: { query: string; params: unknown[] }[], options?: object): Promise<unknown>;
  /** Closes every connection. */
  shutdown(): Promise<void>;
}

interface Pending {
  readonly request: AppendRequest;
  readonly resolve: (r: StoredAppend) => void;
  readonly reject: (e: unknown) => void;
}

interface Committed {
  readonly persistenceId: string;
  readonly firstSeq: number;
  readonly timestamp: number;
  readonly events: readonly EncodedEvent[];
}

const Q = { prepare: true, consistency: types.consistencies.localQuorum, serialConsistency: types.consistencies.localSerial };
const num = (v: unknown): number => (v === null || v === undefined ? 0 : typeof v === 'number' ? v : Number(String(v)));

/** The `JournalStore` on ScyllaDB or Cassandra (see the module comment); open it with `ScyllaStore.open`. */
export class ScyllaStore implements JournalStore {
  readonly kind = 'scylla';
  private readonly ks: string;
  private readonly eventsBucket: number;
  private readonly feedBucket: number;
  private readonly clock: Clock;
  private readonly listeners = new Set<(head: number) => void>();
  private queue: Pending[] = [];
  private draining: Promise<void> | undefined;
  private nextStart = 1;
  private hintBucket = 0;
  private knownHead = 0;
  private pollHandle: unknown;
  private closed = false;
  /**
   * Aggregates whose last append this node committed (head LWT) but could not finish writing
   * (feed or events rows failed: server down, timeout). `heads.pending` holds only the latest
   * append, so another append on top would lose these events: the next append to such an
   * aggregate repairs it first.
   */
  private readonly incomplete = new Set<string>();

  private constructor(
    private readonly client: CqlClient,
    private readonly options: ScyllaStoreOptions,
  ) {
    this.ks = validIdentifier(options.keyspace);
    this.eventsBucket = options.eventsBucket ?? 10_000;
    this.feedBucket = options.feedBucket ?? 100_000;
    this.clock = options.clock ?? systemClock;
  }

  /** cassandra-driver's client with bounded timeouts and reconnection, and a fix for a leak of it. */
  private static driverClient(options: ScyllaStoreOptions): Client {
    const client = new Client({
      contactPoints: [...options.contactPoints],
      localDataCenter: options.localDataCenter,
      socketOptions: { connectTimeout: options.connectTimeoutMs ?? 5_000, readTimeout: options.readTimeoutMs ?? 12_000 },
      // The driver's default backoff grows to 10 minutes: after an outage of a minute the journal
      // would stay unavailable for minutes after the server is back. Capped, it returns within
      // a couple of seconds.
      policies: { reconnection: new policies.reconnection.ExponentialReconnectionPolicy(100, options.maxReconnectDelayMs ?? 2_000, false) },
    });
    // Found live: after an outage of every host, cassandra-driver 4.10's control connection
    // re-initialises and replaces each Host object with a new one; the client only unhooks the old
    // Host, whose connection pool goes on reconnecting for ever, holding connections that
    // shutdown() never closes (a closed store kept its process alive). Drain and close it.
    client.on('hostRemove', (host: unknown) => {
      const pool = host as { shutdown?: (waitForPending: boolean) => Promise<void> };
      pool.shutdown?.(true).catch(() => undefined);
    });
    return client;
  }

  /** Connects, creates keyspace and tables if missing, finds the feed's head. */
  static async open(options: ScyllaStoreOptions, cql?: CqlClient): Promise<ScyllaStore> {
    const client: CqlClient = cql ?? ScyllaStore.driverClient(options);
    try {
      await client.connect();
      const replication = options.replication ?? "{'class': 'NetworkTopologyStrategy', 'replication_factor': 3}";
      for (const cql of schemaStatements({ keyspace: options.keyspace, replication })) await client.execute(cql);
    } catch (e) {
      await client.shutdown().catch(() => undefined);
      throw new JournalUnavailable(`scylla: cannot open keyspace ${options.keyspace}: ${(e as Error).message}`, e);
    }
    const store = new ScyllaStore(client, options);
    await store.refreshHead();
    return store;
  }

  append(request: AppendRequest): Promise<StoredAppend> {
    if (this.closed) return Promise.reject(new JournalUnavailable('scylla store is closed'));
    return new Promise((resolve, reject) => {
      this.queue.push({ request, resolve, reject });
      this.draining ??= this.drain();
    });
  }

  private async drain(): Promise<void> {
    await new Promise<void>((r) => setImmediate(r));
    try {
      while (this.queue.length > 0) await this.commitBatch(this.queue.splice(0, this.options.maxBatch ?? 2000));
    } finally {
      this.draining = undefined;
    }
  }

  private async commitBatch(batch: Pending[]): Promise<void> {
    // Step 1, per aggregate in order, aggregates in parallel.
    const byId = new Map<string, Pending[]>();
    for (const p of batch) byId.set(p.request.persistenceId, [...(byId.get(p.request.persistenceId) ?? []), p]);
    const passed: Pending[] = [];
    await Promise.all(
      [...byId.values()].map(async (appends) => {
        for (const p of appends) {
          try {
            const id = p.request.persistenceId;
            if (this.incomplete.has(id)) {
              await this.repair(id);
              this.incomplete.delete(id);
            }
            await this.claim(p.request);
            passed.push(p);
          } catch (e) {
            p.reject(e instanceof JournalError ? e : new JournalUnavailable(`scylla head LWT: ${(e as Error).message}`, e));
          }
        }
      }),
    );
    const withEvents = passed.filter((p) => p.request.events.length > 0);
    for (const p of passed) {
      if (p.request.events.length === 0)
        p.resolve({
          firstSeq: p.request.expectedSeq + 1,
          lastSeq: p.request.expectedSeq,
          firstOffset: this.knownHead + 1,
          lastOffset: this.knownHead,
        });
    }
    // One chunk per at most `chunkEvents` events: an LWT insert is one mutation, and a mutation
    // far past a megabyte is slow or refused.
    const max = this.options.chunkEvents ?? 2000;
    for (let i = 0; i < withEvents.length; ) {
      const group: Pending[] = [];
      for (let n = 0; i < withEvents.length && (group.length === 0 || n + withEvents[i]!.request.events.length <= max); i++) {
        n += withEvents[i]!.request.events.length;
        group.push(withEvents[i]!);
      }
      await this.commitChunk(group);
    }
  }

  private async commitChunk(group: readonly Pending[]): Promise<void> {
    try {
      const committed = group.map((p) => ({
        persistenceId: p.request.persistenceId,
        firstSeq: p.request.expectedSeq + 1,
        timestamp: p.request.timestamp,
        events: p.request.events,
      }));
      const offsets = await this.writeFeedAndEvents(committed);
      group.forEach((p, i) => {
        const first = offsets[i] as number;
        const n = p.request.events.length;
        p.resolve({
          firstSeq: p.request.expectedSeq + 1,
          lastSeq: p.request.expectedSeq + n,
          firstOffset: first,
          lastOffset: first + n - 1,
        });
      });
    } catch (e) {
      // Committed per aggregate (step 1) but not acknowledged: the owner's next replay repairs.
      const err = new JournalUnavailable(`scylla feed write: ${(e as Error).message}`, e);
      for (const p of group) {
        this.incomplete.add(p.request.persistenceId);
        p.reject(err);
      }
    }
  }

  /** Step 1: the conditional head update. */
  private async claim(r: AppendRequest): Promise<void> {
    if (r.events.length === 0) {
      // Only a check: a linearizable (SERIAL) read, so no empty head row is ever created.
      const rs = await this.client.execute(`SELECT seq FROM ${this.ks}.heads WHERE persistence_id = ?`, [r.persistenceId], {
        ...Q,
        consistency: types.consistencies.localSerial,
      });
      const actual = num(rs.first()?.get('seq'));
      if (actual !== r.expectedSeq) throw new JournalConflict(r.persistenceId, r.expectedSeq, actual);
      return;
    }
    const newSeq = r.expectedSeq + r.events.length;
    const pending = encodeValue(r.events.map((e) => [e.type, e.version, e.payload, r.timestamp]));
    const rs =
      r.expectedSeq === 0
        ? await this.client.execute(
            `INSERT INTO ${this.ks}.heads (persistence_id, seq, pending_first, pending) VALUES (?, ?, ?, ?) IF NOT EXISTS`,
            [r.persistenceId, newSeq, 1, Buffer.from(pending)],
            Q,
          )
        : await this.client.execute(
            `UPDATE ${this.ks}.heads SET seq = ?, pending_first = ?, pending = ? WHERE persistence_id = ? IF seq = ?`,
            [newSeq, r.expectedSeq + 1, Buffer.from(pending), r.persistenceId, r.expectedSeq],
            Q,
          );
    if (!rs.wasApplied()) throw new JournalConflict(r.persistenceId, r.expectedSeq, num(rs.first()?.get('seq')));
  }

  /** Steps 2 and 3 for a group of committed appends; returns each append's first offset. */
  private async writeFeedAndEvents(appends: readonly Committed[]): Promise<number[]> {
    const count = appends.reduce((n, a) => n + a.events.length, 0);
    for (;;) {
      const start = this.nextStart;
      const firsts: number[] = [];
      const records: Uint8Array[] = [];
      let offset = start;
      for (const a of appends) {
        firsts.push(offset);
        for (const [i, e] of a.events.entries()) {
          records.push(
            encodeRecord({
              type: e.type,
              version: e.version,
              payload: e.payload,
              persistenceId: a.persistenceId,
              seq: a.firstSeq + i,
              offset: offset + i,
              timestamp: a.timestamp,
            }),
          );
        }
        offset += a.events.length;
      }
      const bucket = Math.floor(start / this.feedBucket);
      const rs = await this.client.execute(
        `INSERT INTO ${this.ks}.feed (bucket, start, count, records) VALUES (?, ?, ?, ?) IF NOT EXISTS`,
        [bucket, start, count, Buffer.from(encodeValue(records))],
        Q,
      );
      if (!rs.wasApplied()) {
        // Someone else took this start: move past their chunk and try again.
        this.nextStart = Math.max(this.nextStart, start + num(rs.first()?.get('count')));
        await this.refreshHead();
        continue;
      }
      // max: a concurrent repair may already have moved past a later chunk.
      this.nextStart = Math.max(this.nextStart, start + count);
      if (bucket > this.hintBucket) {
        // A plain write: racing nodes may leave an older bucket here, which only makes the
        // next start walk a little further. The hint always names a bucket holding a chunk.
        this.hintBucket = bucket;
        await this.client.execute(`UPDATE ${this.ks}.feed_hint SET bucket = ? WHERE id = 0`, [bucket], Q).catch(() => undefined);
      }
      // Step 3: each aggregate's rows, one batch per events partition, the partitions of one
      // append in seq order. A batch within one partition is atomic and exempt from the server's
      // batch size limit (Cassandra refuses a multi-partition batch over 50 KiB, ScyllaDB over
      // 1 MiB); in seq order, an append is completely written exactly when its last row is,
      // which is what repair() checks.
      const rows = Promise.all(
        appends.map(async (a, k) => {
          const last = a.firstSeq + a.events.length - 1;
          for (let b = Math.floor(a.firstSeq / this.eventsBucket); b <= Math.floor(last / this.eventsBucket); b++) {
            const from = Math.max(a.firstSeq, b * this.eventsBucket);
            const to = Math.min(last, (b + 1) * this.eventsBucket - 1);
            const queries: { query: string; params: unknown[] }[] = [];
            for (let seq = from; seq <= to; seq++) {
              queries.push({
                query: `INSERT INTO ${this.ks}.events (persistence_id, bucket, seq, record) VALUES (?, ?, ?, ?)`,
                params: [a.persistenceId, b, seq, Buffer.from(records[firsts[k]! - start + (seq - a.firstSeq)]!)],
              });
            }
            await this.client.batch(queries, { ...Q, logged: false });
          }
        }),
      );
      try {
        await rows;
      } catch (e) {
        // The server failed right after acknowledging the chunk: it may have crashed and lost it
        // (found live: Cassandra with a periodic commit log loses its last acknowledged writes
        // when killed). The next chunk must not be built on one that may not exist, or the feed
        // gets a hole no reader can pass: start over from here, and the LWT's answer (taken, or
        // free) decides.
        this.nextStart = Math.min(this.nextStart, start);
        throw e;
      }
      this.raiseHead(start + count - 1);
      return firsts;
    }
  }

  /** Finds the end of the feed, starting from what this node knows (or the hint). */
  private async refreshHead(): Promise<void> {
    if (this.nextStart === 1) {
      const hint = await this.client.execute(`SELECT bucket FROM ${this.ks}.feed_hint WHERE id = 0`, [], Q);
      const b = num(hint.first()?.get('bucket'));
      this.hintBucket = b;
      const last = await this.client.execute(
        `SELECT start, count FROM ${this.ks}.feed WHERE bucket = ? ORDER BY start DESC LIMIT 1`,
        [b],
        Q,
      );
      const row = last.first();
      if (row) this.nextStart = num(row.get('start')) + num(row.get('count'));
    }
    for (;;) {
      const rs = await this.client.execute(
        `SELECT start, count FROM ${this.ks}.feed WHERE bucket = ? AND start >= ? LIMIT 1000`,
        [Math.floor(this.nextStart / this.feedBucket), this.nextStart],
        Q,
      );
      if (rs.rows.length === 0) break;
      for (const row of rs.rows) if (num(row.get('start')) === this.nextStart) this.nextStart += num(row.get('count'));
    }
    this.raiseHead(this.nextStart - 1);
  }

  private raiseHead(head: number): void {
    if (head <= this.knownHead) return;
    this.knownHead = head;
    for (const l of this.listeners) l(head);
  }

  /**
   * Completes an append whose head LWT committed but whose rows were not (all) written: the
   * writer crashed or lost the server between the steps. Returns the aggregate's seq.
   */
  private async repair(persistenceId: string): Promise<number> {
    const head = (
      await this.client.execute(`SELECT seq, pending_first, pending FROM ${this.ks}.heads WHERE persistence_id = ?`, [persistenceId], {
        ...Q,
        consistency: types.consistencies.localSerial,
      })
    ).first();
    if (!head) return 0;
    const seq = num(head.get('seq'));
    // Rows are written in seq order, so the last one is there exactly when the append is complete.
    if (await this.hasRow(persistenceId, seq)) return seq;
    const first = num(head.get('pending_first'));
    // The rows before the pending append must all be there (only the latest append is pending):
    // its predecessor's last row proves it. Rows of the pending append itself may be partly
    // written; they are written again (same seqs, so upserts).
    if (first > 1 && !(await this.hasRow(persistenceId, first - 1))) {
      throw new CorruptEvent(persistenceId, first - 1, undefined, `events before ${first} are missing and not pending`);
    }
    let events: EncodedEvent[];
    let timestamp = this.clock.now();
    try {
      const raw = decodePayload(head.get('pending') as Buffer) as [string, number, Uint8Array, number][];
      events = raw.map(([type, version, payload, ts]) => {
        timestamp = ts;
        return { type, version, payload };
      });
    } catch (e) {
      throw new CorruptEvent(persistenceId, first, undefined, `undecodable pending append: ${(e as Error).message}`);
    }
    if (first + events.length - 1 !== seq)
      throw new CorruptEvent(persistenceId, first, undefined, `pending append holds ${events.length} events, head says ${seq - first + 1}`);
    await this.writeFeedAndEvents([{ persistenceId, firstSeq: first, timestamp, events }]);
    return seq;
  }

  private async hasRow(persistenceId: string, seq: number): Promise<boolean> {
    const rs = await this.client.execute(
      `SELECT seq FROM ${this.ks}.events WHERE persistence_id = ? AND bucket = ? AND seq = ?`,
      [persistenceId, Math.floor(seq / this.eventsBucket), seq],
      Q,
    );
    return rs.first() !== null;
  }

  async replay(persistenceId: string, fromSeq: number, toSeq: number, limit: number): Promise<StoredEvent[]> {
    const head = await this.repair(persistenceId);
    const last = Math.min(toSeq, head, fromSeq + limit - 1);
    const out: StoredEvent[] = [];
    for (let b = Math.floor(fromSeq / this.eventsBucket); b <= Math.floor(last / this.eventsBucket) && fromSeq <= last; b++) {
      const rs = await this.client.execute(
        `SELECT seq, record FROM ${this.ks}.events WHERE persistence_id = ? AND bucket = ? AND seq >= ? AND seq <= ?`,
        [persistenceId, b, fromSeq, last],
        { ...Q, fetchSize: limit },
      );
      for (const row of rs.rows) {
        const seq = num(row.get('seq'));
        out.push(decodeRecord(row.get('record') as Buffer, { persistenceId, seq }));
      }
    }
    return out;
  }

  highestSeq(persistenceId: string): Promise<number> {
    return this.repair(persistenceId);
  }

  async read(fromOffset: number, limit: number): Promise<StoredEvent[]> {
    const out: StoredEvent[] = [];
    if (fromOffset > this.knownHead) await this.refreshHead();
    // The chunk holding fromOffset starts in its bucket or an earlier one (a chunk can be
    // longer than a bucket): look back until one starts at or before it.
    let cursor = fromOffset;
    for (let b = Math.floor(fromOffset / this.feedBucket); b >= 0; b--) {
      const rs = await this.client.execute(
        `SELECT start FROM ${this.ks}.feed WHERE bucket = ? AND start <= ? ORDER BY start DESC LIMIT 1`,
        [b, fromOffset],
        Q,
      );
      const row = rs.first();
      if (row) {
        cursor = num(row.get('start'));
        break;
      }
    }
    while (out.length < limit && cursor <= this.knownHead) {
      const rs = await this.client.execute(
        `SELECT start, count, records FROM ${this.ks}.feed WHERE bucket = ? AND start >= ? LIMIT 100`,
        [Math.floor(cursor / this.feedBucket), cursor],
        Q,
      );
      let progressed = false;
      for (const row of rs.rows) {
        const start = num(row.get('start'));
        if (start !== cursor) break; // a chunk not written yet would be a gap: stop here
        const records = decodePayload(row.get('records') as Buffer) as Uint8Array[];
        for (const [i, bytes] of records.entries()) {
          const offset = start + i;
          if (offset >= fromOffset && out.length < limit) out.push(decodeRecord(bytes, { offset }));
        }
        cursor = start + num(row.get('count'));
        progressed = true;
      }
      if (!progressed) break;
    }
    return out;
  }

  async headOffset(): Promise<number> {
    await this.refreshHead();
    return this.knownHead;
  }

  onDurable(listener: (head: number) => void): () => void {
    this.listeners.add(listener);
    this.schedulePoll();
    return () => this.listeners.delete(listener);
  }

  /** Other nodes append too: while anyone listens, look for new chunks now and then. */
  private schedulePoll(): void {
    if (this.pollHandle !== undefined || this.closed) return;
    this.pollHandle = this.clock.setTimeout(() => {
      this.pollHandle = undefined;
      if (this.closed || this.listeners.size === 0) return;
      this.refreshHead()
        .catch(() => undefined)
        .finally(() => this.schedulePoll());
    }, this.options.pollMs ?? 250);
  }

  async saveSnapshot(s: StoredSnapshot): Promise<void> {
    await this.client.execute(
      `INSERT INTO ${this.ks}.snapshots (persistence_id, seq, ts, state) VALUES (?, ?, ?, ?)`,
      [s.persistenceId, s.seq, s.timestamp, Buffer.from(s.state)],
      Q,
    );
  }

  async loadSnapshot(persistenceId: string, maxSeq: number): Promise<StoredSnapshot | undefined> {
    const rs = await this.client.execute(
      `SELECT seq, ts, state FROM ${this.ks}.snapshots WHERE persistence_id = ? AND seq <= ? LIMIT 1`,
      [persistenceId, Math.min(maxSeq, Number.MAX_SAFE_INTEGER)],
      Q,
    );
    const row = rs.first();
    return row ? { persistenceId, seq: num(row.get('seq')), timestamp: num(row.get('ts')), state: row.get('state') as Buffer } : undefined;
  }

  async deleteSnapshots(persistenceId: string, beforeSeq: number): Promise<number> {
    const rs = await this.client.execute(
      `SELECT seq FROM ${this.ks}.snapshots WHERE persistence_id = ? AND seq < ?`,
      [persistenceId, beforeSeq],
      Q,
    );
    if (rs.rows.length === 0) return 0;
    await this.client.execute(`DELETE FROM ${this.ks}.snapshots WHERE persistence_id = ? AND seq < ?`, [persistenceId, beforeSeq], Q);
    return rs.rows.length;
  }

  async loadCheckpoint(name: string): Promise<number> {
    const rs = await this.client.execute(`SELECT value FROM ${this.ks}.checkpoints WHERE name = ?`, [name], Q);
    return num(rs.first()?.get('value'));
  }

  async saveCheckpoint(name: string, offset: number): Promise<void> {
    await this.client.execute(`INSERT INTO ${this.ks}.checkpoints (name, value) VALUES (?, ?)`, [name, offset], Q);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.pollHandle !== undefined) this.clock.clearTimeout(this.pollHandle);
    while (this.draining) await this.draining;
    this.listeners.clear();
    await this.client.shutdown();
  }
}
