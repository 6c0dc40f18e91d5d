/**
 * Publishes the journal's global feed to the event bus, closing the paper's crash window.
 *
 * The paper stored events in Cassandra and then pushed them to Kafka; a crash between the two
 * lost the publish. Here the journal is the source of truth and publishing is a projection of
 * its feed: the publisher follows the feed from a checkpoint (the last offset it knows Kafka
 * has), publishes in batches (kafkajs does not batch on its own), and advances the checkpoint
 * only after the bus acknowledged the batch. After any crash it resumes from the checkpoint, so
 * an event is published at least once; the window between "bus has it" and "checkpoint saved"
 * can publish a batch twice, which consumers drop with DedupFilter by (persistenceId, seq).
 *
 * A failing bus is retried with capped exponential backoff on the injected clock; the
 * publisher never skips ahead.
 */
import { systemClock, type Clock } from './clock.ts';
import { toBusRecord, type EventBus } from './event-bus.ts';
import type { EventEnvelope, Journal, Subscription } from './journal.ts';

/** Options of `FeedPublisher`. */
export interface PublisherOptions {
  readonly topic: string;
  /** Checkpoint name in the journal (default `publisher:<topic>`). */
  readonly checkpoint?: string;
  /** Most events per bus send (default 500). */
  readonly batchSize?: number;
  readonly clock?: Clock;
  /** Backoff bounds for a failing bus, in ms (default 100 .. 10,000). */
  readonly minBackoffMs?: number;
  readonly maxBackoffMs?: number;
  /** Called with each bus failure before the retry (logging, metrics). */
  readonly onError?: (error: unknown, attempt: number) => void;
}

/** Publishes the journal's feed to an `EventBus`, at least once, from a checkpoint (see the module comment). */
export class FeedPublisher {
  private subscription: Subscription | undefined;
  private stopped = false;
  private wakeBackoff: (() => void) | undefined;
  private published = 0;
  private signalStop: () => void = () => undefined;
  /** Resolves on stop(): an in-flight bus send is raced against it. */
  private readonly stopping = new Promise<void>((resolve) => (this.signalStop = resolve));

  constructor(
    private readonly journal: Journal,
    private readonly bus: EventBus,
    private readonly options: PublisherOptions,
  ) {}

  /** The checkpoint it keeps in the journal. */
  get checkpointName(): string {
    return this.options.checkpoint ?? `publisher:${this.options.topic}`;
  }

  /** Events published by this instance (re-publishes after a restart count again). */
  get publishedCount(): number {
    return this.published;
  }

  /** Loads the checkpoint and starts following the feed from just after it. */
  async start(): Promise<void> {
    const from = (await this.journal.loadCheckpoint(this.checkpointName)) + 1;
    this.subscription = this.journal.subscribe(from, (batch) => this.publish(batch), { batchSize: this.options.batchSize ?? 500 });
  }

  /** Resolves when the subscription ends; rejects with what stopped it. */
  get done(): Promise<void> {
    return this.subscription?.done ?? Promise.resolve();
  }

  /** Offset of the next event to publish. */
  position(): number {
    return this.subscription?.position() ?? 0;
  }

  /** Stops after the batch in hand (a send in flight is abandoned; its batch is published again after a restart). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.signalStop();
    this.wakeBackoff?.();
    await this.subscription?.close();
  }

  private async publish(batch: readonly EventEnvelope[]): Promise<void> {
    const records = batch.map(toBusRecord);
    const last = batch[batch.length - 1];
    if (!last) return;
    for (let attempt = 1; !this.stopped; attempt++) {
      try {
        // Against a live broker that went away, one kafkajs send keeps retrying inside itself
        // for 10-25 s, and stop() (a node's graceful shutdown) waited for it (16 s measured).
        // Stop abandons the send instead: its outcome no longer matters, since the checkpoint
        // is not advanced and the next start publishes the batch again (at least once).
        const sending = this.bus.publish(this.options.topic, records);
        const outcome = await Promise.race([sending.then(() => 'sent' as const), this.stopping.then(() => 'stopped' as const)]);
        if (outcome === 'stopped') {
          sending.catch(() => undefined);
          break;
        }
      } catch (e) {
        this.options.onError?.(e, attempt);
        await this.backoff(attempt);
        continue;
      }
      this.published += records.length;
      // Only now: a crash before this line re-publishes the batch, never loses it.
      await this.journal.saveCheckpoint(this.checkpointName, last.offset);
      return;
    }
    // Stopped while the bus was failing or a send was in flight: abandon the batch; the
    // checkpoint was not advanced, so the next start publishes it.
    throw new Error('publisher stopped');
  }

  private backoff(attempt: number): Promise<void> {
    const clock = this.options.clock ?? systemClock;
    const min = this.options.minBackoffMs ?? 100;
    const max = this.options.maxBackoffMs ?? 10_000;
    const ms = Math.min(max, min * 2 ** Math.min(attempt - 1, 20)) * (0.5 + Math.random() / 2);
    return new Promise((resolve) => {
      const handle = clock.setTimeout(() => {
        this.wakeBackoff = undefined;
        resolve();
      }, ms);
      this.wakeBackoff = () => {
        clock.clearTimeout(handle);
        this.wakeBackoff = undefined;
        resolve();
      };
    });
  }
}
