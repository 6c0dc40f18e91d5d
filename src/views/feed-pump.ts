/**
 * The feed pump: the one place the journal's feed meets the replicas. It runs on the thread that
 * opened the journal (the main thread: LMDB's group commit and durable head are in-process), and
 * moves batches to each replica as actor messages, so replicas can live in any worker.
 *
 * Per replica it keeps a position (next offset to send) and a window: at most `inFlight` batches
 * unacknowledged. A replica acks each batch with the offset it reached; a slow replica therefore
 * stops being fed instead of growing a mailbox, and a new or restarted replica catches up by
 * reading the journal from its own offset, at its own pace, while the others follow live.
 *
 * Live batches come from one journal subscription and are kept in a small cache; a replica whose
 * position falls inside a cached batch takes the rest of it, so once caught up it is aligned with
 * the live batches and shares them instead of re-reading (and re-decoding) the journal.
 */
import type { ActorRef } from '../actors/index.ts';
import type { EventEnvelope, Journal, Subscription } from '../persistence/index.ts';
import type { FeedAck, ReplicaMsg } from './replica.ts';

/** A wakeup that cannot be lost: waiters take the current promise, `notify` settles it and makes the next. */
export class Signal {
  private resolve: () => void = () => undefined;
  private promise: Promise<void> = this.renew();
  private renew(): Promise<void> {
    return (this.promise = new Promise<void>((r) => (this.resolve = r)));
  }
  wait(): Promise<void> {
    return this.promise;
  }
  notify(): void {
    const r = this.resolve;
    this.renew();
    r();
  }
}

export interface PumpTarget {
  readonly name: string;
  /** Replaced (with `generation` bumped) when the replica is respawned after its thread died. */
  ref: ActorRef<ReplicaMsg>;
  generation: number;
  /** Next offset to send. */
  position: number;
  /** Highest offset the replica acknowledged. */
  acked: number;
  inFlight: number;
  failure: unknown;
}

export interface PumpOptions {
  readonly batchSize: number;
  readonly inFlight: number;
  readonly ackTimeoutMs: number;
  /** Called after every ack (the pool wakes queries and readiness waiters). */
  readonly onAck: (t: PumpTarget) => void;
}

export class FeedPump {
  private head = 0;
  private tailFailure: unknown = undefined;
  private stopped = false;
  private subscription: Subscription | undefined;
  /** Recent live batches, oldest first, contiguous. */
  private readonly cache: (readonly EventEnvelope[])[] = [];
  private readonly changed = new Signal();
  private readonly loops: Promise<void>[] = [];
  private readonly listeners = new Set<(batch: readonly EventEnvelope[]) => void>();

  constructor(
    private readonly journal: Journal,
    private readonly options: PumpOptions,
  ) {}

  knownHead(): number {
    return this.head;
  }

  async start(): Promise<number> {
    this.head = await this.journal.headOffset();
    this.subscription = this.journal.subscribe(
      this.head + 1,
      (batch) => {
        const first = batch[0];
        const last = batch[batch.length - 1];
        if (!first || !last) return;
        this.cache.push(batch);
        // Enough for every caught-up replica's window; older batches are read from the journal.
        if (this.cache.length > 64) this.cache.shift();
        this.head = last.offset;
        this.changed.notify();
        for (const l of this.listeners) {
          try {
            l(batch);
          } catch {
            // A listener's failure is its own: the replicas' feed goes on.
          }
        }
      },
      { batchSize: this.options.batchSize },
    );
    // The live tail ends with the journal (or a corrupt event): replicas then stop advancing and
    // their lag shows it; an unobserved rejection here would take the process down instead.
    this.subscription.done.catch((e: unknown) => {
      this.tailFailure = e;
      this.changed.notify();
    });
    return this.head;
  }

  /**
   * Calls `listener` with every live batch, as decoded once for the replicas (the node's other
   * feed consumers ride on this instead of decoding the feed again). It must not block: it is
   * called inside the pump's subscription. Returns the unsubscribe function.
   */
  onBatch(listener: (batch: readonly EventEnvelope[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  add(target: PumpTarget): void {
    this.loops.push(
      this.run(target).catch((e: unknown) => {
        // A journal read failed (closed, unavailable): this replica is reported failed, not lost silently.
        target.failure = e;
        this.options.onAck(target);
      }),
    );
  }

  private cached(position: number): readonly EventEnvelope[] | undefined {
    for (let i = this.cache.length - 1; i >= 0; i--) {
      const b = this.cache[i] as readonly EventEnvelope[];
      const first = (b[0] as EventEnvelope).offset;
      if (position < first) continue;
      if (position > first + b.length - 1) return undefined; // newer than the cache: not yet read
      return position === first ? b : b.slice(position - first);
    }
    return undefined;
  }

  /** Why the live tail stopped, if it did. */
  failure(): unknown {
    return this.tailFailure;
  }

  private async run(t: PumpTarget): Promise<void> {
    while (!this.stopped) {
      if (t.inFlight >= this.options.inFlight || t.position > this.head || t.failure !== undefined) {
        await this.changed.wait();
        continue;
      }
      const batch = this.cached(t.position) ?? (await this.readRetrying(t.position));
      const last = batch[batch.length - 1];
      if (this.stopped) return;
      if (!last) {
        await this.changed.wait();
        continue;
      }
      t.position = last.offset + 1;
      t.inFlight++;
      const generation = t.generation;
      t.ref
        .ask<FeedAck>((replyTo) => ({ _tag: 'Feed', batch, replyTo }), this.options.ackTimeoutMs)
        .then(
          (ack) => {
            if (generation !== t.generation) return; // an ack from a replica since replaced
            t.inFlight--;
            if (ack.offset > t.acked) t.acked = ack.offset;
            this.options.onAck(t);
            this.changed.notify();
          },
          (e: unknown) => {
            if (generation !== t.generation) return;
            // The replica is gone or stuck: stop feeding it; the pool reports it and may replace it.
            t.inFlight--;
            t.failure = e;
            this.options.onAck(t);
            this.changed.notify();
          },
        );
    }
  }

  /**
   * A journal read, retried while the failure is retriable (a remote journal member restarting,
   * a link dropped): a replica must not die of a short outage. Anything else stops the replica.
   */
  private async readRetrying(position: number): Promise<EventEnvelope[]> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.journal.read(position, this.options.batchSize);
      } catch (error) {
        const retriable = (error as { retriable?: unknown }).retriable === true;
        if (!retriable || this.stopped) throw error;
        await new Promise((r) => setTimeout(r, Math.min(2_000, 50 * 2 ** Math.min(attempt, 6))));
      }
    }
  }

  /** Wakes the loops: a target was reset (respawned replica). */
  poke(): void {
    this.changed.notify();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.changed.notify();
    await this.subscription?.close();
    await Promise.allSettled(this.loops);
  }
}
