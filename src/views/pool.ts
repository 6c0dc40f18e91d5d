/**
 * ViewPool: the query side's front door, called by the HTTP layer on the main thread. It spawns N
 * schedule-view replicas (in workers, or on the main thread in single-thread mode), feeds them
 * through one FeedPump, and balances queries over them round-robin.
 *
 * Replica lifecycle:  rebuilding --(acked >= head seen when it started)--> ready
 *                     rebuilding | ready --(feed ask failed: thread died, stuck)--> failed
 * Only ready replicas take queries, so a new replica builds itself from the feed before it joins
 * the pool; events that arrive meanwhile are simply more feed, not lost (the paper's start-up).
 *
 * Read your writes: a query may name `minOffset` (the offset a command reply carried). The pool
 * prefers a ready replica that has already acked it; otherwise the replica parks the query until
 * it gets there, and fails it with ViewLagTimeout after `timeoutMs`. An offset past the journal's
 * head, which no write has produced, is refused at once with InvalidViewQuery.
 */
import { mkdir } from 'node:fs/promises';
import type { ActorSystem, AloftNode, TimerHandle, WorkerEvent } from '../actors/index.ts';
import type { EventEnvelope, Journal } from '../persistence/index.ts';
import type { AnswerOf, ViewCounters, ViewQuery } from './contract.ts';
import { fromErrorData, InvalidViewQuery, NoReplicaReady, ViewUnavailable } from './errors.ts';
import { FeedPump, Signal, type PumpTarget } from './feed-pump.ts';
import { defineViewKinds, localReplica, scheduleReplicaKind, type QueryReply, type ReplicaMsg, type ReplicaStatus } from './replica.ts';
import type { ActorRef } from '../actors/index.ts';

export interface ViewPoolOptions {
  readonly journal: Journal;
  /** The main thread's system (AloftNode.system, or a plain ActorSystem in single-thread mode). */
  readonly system: ActorSystem;
  /** One entry per replica: the thread it runs in (0 = the main thread). Default: one replica
   * per worker of `node`, or [0] (single-thread mode) without a node or with no workers. */
  readonly threads?: readonly number[];
  /** Replica i keeps `${snapshotDir}/schedule-view-${i}.snap`; none: replicas rebuild from offset 0. */
  readonly snapshotDir?: string;
  readonly snapshotEvery?: number;
  /** Feed batch size (default 512) and unacknowledged batches per replica (default 4). */
  readonly batchSize?: number;
  readonly inFlight?: number;
  /** Default wait of a query for its minimum offset (default 5,000 ms). */
  readonly queryTimeoutMs?: number;
  /** Prefix of replica actor names, so two pools can share a thread. */
  readonly name?: string;
  /** The node whose workers host replicas: a replica whose worker dies is marked failed at once
   * and spawned again (from its snapshot, else from offset 0) when the worker restarts. */
  readonly node?: Pick<AloftNode, 'onWorkerEvent' | 'threads'>;
}

export interface QueryOptions {
  /** Answer only from a replica that has applied the feed up to this offset. */
  readonly minOffset?: number;
  readonly timeoutMs?: number;
}

export interface QueryResult<A> {
  readonly answer: A;
  /** The replica that answered, and the feed offset its view had reached. */
  readonly replica: string;
  readonly offset: number;
}

export type ReplicaState = 'rebuilding' | 'ready' | 'failed';

export interface ReplicaLag {
  readonly name: string;
  readonly thread: number;
  readonly state: ReplicaState;
  /** Highest offset the replica acknowledged. */
  readonly offset: number;
  /** The pump's known head of the feed. */
  readonly head: number;
  readonly lag: number;
}

interface Replica extends PumpTarget {
  readonly thread: number;
  state: ReplicaState;
  /** Head of the feed when the replica started: reaching it makes the replica ready. */
  joinAt: number;
}

export class ViewPool {
  private readonly replicas: Replica[] = [];
  private stopped = false;
  private next = 0;
  private readonly changed = new Signal();
  /** Resolves once every replica has caught up with the head it saw at start. */
  readonly ready: Promise<void>;
  private markReady: () => void = () => undefined;
  private unlisten: () => void = () => undefined;

  private constructor(
    private readonly options: ViewPoolOptions,
    private readonly pump: FeedPump,
  ) {
    this.ready = new Promise((r) => (this.markReady = r));
  }

  static async start(options: ViewPoolOptions): Promise<ViewPool> {
    const workers = options.node?.threads.filter((t) => t !== 0) ?? [];
    const threads = options.threads ?? (workers.length > 0 ? workers : [0]);
    if (threads.length === 0) throw new RangeError('a view pool needs at least one replica');
    if (threads.includes(options.system.thread)) defineViewKinds(options.system);
    if (options.snapshotDir !== undefined) await mkdir(options.snapshotDir, { recursive: true });
    let pool: ViewPool | undefined;
    const pump = new FeedPump(options.journal, {
      batchSize: options.batchSize ?? 512,
      inFlight: options.inFlight ?? 4,
      ackTimeoutMs: 60_000,
      onAck: (t) => pool?.onAck(t as Replica),
    });
    pool = new ViewPool(options, pump);
    const head = await pump.start();
    const prefix = options.name ?? 'schedule-view';
    const spawned = await Promise.all(
      threads.map(async (thread, i) => {
        const name = `${prefix}-${i}`;
        const { ref, offset } = await pool.spawn(thread, name);
        return {
          name,
          ref,
          generation: 0,
          thread,
          position: offset + 1,
          acked: offset,
          inFlight: 0,
          failure: undefined,
          state: 'rebuilding',
          joinAt: head,
        } satisfies Replica;
      }),
    );
    for (const r of spawned) {
      pool.replicas.push(r);
      pool.onAck(r);
      pump.add(r);
    }
    if (options.node) pool.unlisten = options.node.onWorkerEvent((e) => pool.onWorkerEvent(e));
    return pool;
  }

  /** Starts a replica and asks where it stands (its snapshot's offset, or 0): its feed starts there. */
  private async spawn(thread: number, name: string): Promise<{ ref: ActorRef<ReplicaMsg>; offset: number }> {
    const o = this.options;
    const ref = await o.system.spawnAt(
      thread,
      scheduleReplicaKind,
      {
        name,
        ...(o.snapshotDir === undefined ? {} : { snapshotFile: `${o.snapshotDir}/${name}.snap` }),
        ...(o.snapshotEvery === undefined ? {} : { snapshotEvery: o.snapshotEvery }),
      },
      { name, mailboxCapacity: 1_000_000 },
    );
    const status = await ref.ask<ReplicaStatus>((replyTo) => ({ _tag: 'Status', replyTo }), 120_000);
    return { ref, offset: status.offset };
  }

  private onWorkerEvent(e: WorkerEvent): void {
    for (const r of this.replicas) {
      if (r.thread !== e.thread) continue;
      if (e._tag === 'WorkerExited' || e._tag === 'WorkerAbandoned') {
        // Out of the query rotation now, not when a feed ask times out a minute later.
        r.generation++;
        r.state = 'failed';
        r.failure = e;
        this.changed.notify();
      } else if (e._tag === 'WorkerRestarted' && !this.stopped) {
        void this.respawn(r);
      }
    }
  }

  private async respawn(r: Replica): Promise<void> {
    try {
      const { ref, offset } = await this.spawn(r.thread, r.name);
      Object.assign(r, {
        ref,
        generation: r.generation + 1,
        position: offset + 1,
        acked: offset,
        inFlight: 0,
        failure: undefined,
        state: 'rebuilding',
        joinAt: this.pump.knownHead(),
      });
      this.onAck(r);
      this.pump.poke();
    } catch (e) {
      r.failure = e;
      r.state = 'failed';
    }
  }

  private onAck(r: Replica): void {
    if (r.failure !== undefined) r.state = 'failed';
    else if (r.state === 'rebuilding' && r.acked >= r.joinAt) r.state = 'ready';
    if (this.replicas.every((x) => x.state !== 'rebuilding')) this.markReady();
    this.changed.notify();
  }

  /** Per replica: where it is, how far behind the feed's head. */
  /** Every live batch of the feed, as the pump decoded it for the replicas (see FeedPump.onBatch). */
  onLiveBatch(listener: (batch: readonly EventEnvelope[]) => void): () => void {
    return this.pump.onBatch(listener);
  }

  lag(): ReplicaLag[] {
    const head = this.pump.knownHead();
    return this.replicas.map((r) => ({
      name: r.name,
      thread: r.thread,
      state: r.state,
      offset: r.acked,
      head,
      lag: Math.max(0, head - r.acked),
    }));
  }

  /** Counters of each replica (applied, duplicates dropped, gaps), asked of the replica itself. */
  async counters(timeoutMs = 5_000): Promise<{ name: string; offset: number; counters: ViewCounters; snapshotOffset: number }[]> {
    return Promise.all(
      this.replicas.map(async (r) => {
        const s = await r.ref.ask<ReplicaStatus>((replyTo) => ({ _tag: 'Status', replyTo }), timeoutMs);
        return { name: r.name, offset: s.offset, counters: s.counters, snapshotOffset: s.snapshotOffset };
      }),
    );
  }

  /** Makes every replica write its snapshot now; resolves with the offsets written. */
  async snapshot(timeoutMs = 60_000): Promise<{ name: string; snapshotOffset: number }[]> {
    return Promise.all(
      this.replicas.map(async (r) => {
        const s = await r.ref.ask<ReplicaStatus>((replyTo) => ({ _tag: 'SaveSnapshot', replyTo }), timeoutMs);
        return { name: r.name, snapshotOffset: s.snapshotOffset };
      }),
    );
  }

  private pick(minOffset: number): Replica | undefined {
    const n = this.replicas.length;
    let fallback: Replica | undefined;
    for (let k = 0; k < n; k++) {
      const r = this.replicas[(this.next + k) % n] as Replica;
      if (r.state !== 'ready') continue;
      if (r.acked >= minOffset) {
        this.next = (this.next + k + 1) % n;
        return r;
      }
      fallback ??= r;
    }
    if (fallback) this.next = (this.replicas.indexOf(fallback) + 1) % n;
    return fallback;
  }

  /** The answer alone; see `queryWithSource` for which replica gave it at which offset. */
  async query<Q extends ViewQuery>(query: Q, options: QueryOptions = {}): Promise<AnswerOf[Q['_tag']]> {
    return (await this.queryWithSource(query, options)).answer;
  }

  async queryWithSource<Q extends ViewQuery>(query: Q, options: QueryOptions = {}): Promise<QueryResult<AnswerOf[Q['_tag']]>> {
    const r = await this.ask(query, options, false);
    if (r.reply._tag !== 'Answer') throw new ViewUnavailable(`replica ${r.replica} replied ${r.reply._tag} to an object query`);
    return { answer: r.reply.answer as AnswerOf[Q['_tag']], replica: r.replica, offset: r.reply.offset };
  }

  /**
   * The answer as a JSON string, serialised in the replica's thread (and cached there until the
   * view changes): the main thread only passes the string on, whatever the size of the answer.
   * This is the call for the HTTP layer; `JSON.parse(json)` gives exactly `query`'s answer.
   */
  async queryJson(query: ViewQuery, options: QueryOptions = {}): Promise<QueryResult<string>> {
    const r = await this.ask(query, options, true);
    if (r.reply._tag !== 'AnswerJson') throw new ViewUnavailable(`replica ${r.replica} replied ${r.reply._tag} to a JSON query`);
    return { answer: r.reply.json, replica: r.replica, offset: r.reply.offset };
  }

  private async ask(
    query: ViewQuery,
    options: QueryOptions,
    json: boolean,
  ): Promise<{ reply: Exclude<QueryReply, { _tag: 'Failed' }>; replica: string }> {
    const clock = this.options.system.clock;
    const minOffset = options.minOffset ?? 0;
    const timeoutMs = options.timeoutMs ?? this.options.queryTimeoutMs ?? 5_000;
    const deadline = clock.now() + timeoutMs;
    if (minOffset > this.pump.knownHead()) await this.refuseUnproduced(minOffset);
    let r = this.pick(minOffset);
    while (r === undefined) {
      if (this.replicas.every((x) => x.state === 'failed')) throw new ViewUnavailable('every replica of the schedule view has failed');
      const left = deadline - clock.now();
      if (left <= 0)
        throw new NoReplicaReady(
          `no replica of the schedule view was ready within ${timeoutMs} ms (${this.lag()
            .map((l) => `${l.name} ${l.state} at ${l.offset}/${l.head}`)
            .join(', ')})`,
        );
      let timer: TimerHandle | undefined;
      await Promise.race([this.changed.wait(), new Promise<void>((res) => (timer = clock.setTimeout(res, left)))]);
      if (timer !== undefined) clock.clearTimeout(timer);
      r = this.pick(minOffset);
    }
    // A replica on this thread answers at once when it has applied every batch sent to it (so
    // the answer is the one its mailbox order would give) and reached minOffset.
    const here =
      r.ref.address.node === this.options.system.node && r.ref.address.thread === this.options.system.thread
        ? localReplica(this.options.system, r.ref.address.path)
        : undefined;
    const now = here?.answerNow(query, Math.max(minOffset, r.position - 1), json);
    if (now !== undefined) {
      if (now._tag === 'Failed') throw fromErrorData(now.error);
      return { reply: now, replica: r.name };
    }
    const wait = Math.max(0, deadline - clock.now());
    let reply: QueryReply;
    try {
      // The replica answers its own ViewLagTimeout at `wait`; the ask's margin only covers a dead replica.
      reply = await r.ref.ask<QueryReply>(
        (replyTo) => ({ _tag: 'Query', query, minOffset, timeoutMs: wait, json, replyTo }) satisfies ReplicaMsg,
        wait + 2_000,
      );
    } catch (e) {
      throw new ViewUnavailable(`replica ${r.name} did not answer: ${e instanceof Error ? e.message : String(e)}`);
    }
    if (reply._tag === 'Failed') throw fromErrorData(reply.error);
    return { reply, replica: r.name };
  }

  /**
   * A query may wait only for an offset some write has produced (the `offset` of a command's
   * answer, which the journal holds before the answer is sent). One past the journal's head names
   * no write: it is refused at once (InvalidViewQuery, a 400) instead of parking the query until
   * its timeout (ViewLagTimeout, a 504, which is left for a view that really lags). The journal is
   * asked only when the feed pump has not seen the offset yet; if it cannot answer, the query waits.
   */
  private async refuseUnproduced(minOffset: number): Promise<void> {
    const head = await this.options.journal.headOffset().catch(() => undefined);
    if (head !== undefined && minOffset > head)
      throw new InvalidViewQuery(
        `minOffset ${minOffset} is past the journal's head (${head}): no write has produced it (use the offset a command answered)`,
      );
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.unlisten();
    await this.pump.stop();
    this.markReady();
    for (const r of this.replicas) this.options.system.stop(r.ref);
  }
}
