/**
 * The assignment keeper: an entity runs only when it gets a message, so after a crash (of the
 * node, or of the member that ran a saga) nothing would resume an unfinished saga until someone
 * asked about it. The keeper follows the journal feed for sagas' events (persistence ids
 * `assignment-…`), keeps the unfinished ones with the time of their last event, and wakes each
 * that has been quiet for `idleMs` (a running saga writes an event per step, so a quiet one is
 * stuck or lost its host). One per cluster (a singleton) or on a node alone.
 *
 * Its checkpoint is a watermark: the feed offset before which every saga has finished (the start
 * of the oldest unfinished one). A restarted keeper reads the feed from there, not from 0.
 */
import type { EventEnvelope, Journal, Subscription } from '../persistence/index.ts';
import { emptyRecord, evolveRecord, SAGA_PREFIX, type AssignmentSagaEvent, type SagaRecord } from './assignment.ts';
import type { BackendState, FeedJob } from './feed-job.ts';

export const KEEPER_CHECKPOINT = 'assignment-keeper';

interface Unfinished {
  record: SagaRecord;
  readonly startOffset: number;
  lastEventAt: number;
  lastWakeAt: number;
}

export interface KeeperOptions {
  /** A saga without an event this long is woken (default 3 s). */
  readonly idleMs?: number;
  /** How often the keeper looks (default 1 s). */
  readonly everyMs?: number;
  readonly now?: () => number;
}

export class AssignmentKeeper implements FeedJob {
  private readonly unfinished = new Map<string, Unfinished>();
  private subscription: Subscription | undefined;
  private timer: ReturnType<typeof setInterval> | undefined;
  private saved = -1;
  private stopped = false;
  private readonly idleMs: number;
  private readonly now: () => number;
  /** Sagas woken since start (for tests and the log). */
  woken = 0;

  private constructor(
    private readonly journal: Journal,
    private readonly wake: (sagaId: string) => void,
    private readonly log: (line: string) => void,
    options: KeeperOptions,
  ) {
    this.idleMs = options.idleMs ?? 3_000;
    this.now = options.now ?? Date.now;
    this.timer = setInterval(() => void this.tick(), options.everyMs ?? 1_000);
    this.timer.unref?.();
  }

  static async start(
    journal: Journal,
    wake: (sagaId: string) => void,
    log: (line: string) => void,
    options: KeeperOptions = {},
  ): Promise<AssignmentKeeper> {
    const keeper = new AssignmentKeeper(journal, wake, log, options);
    const from = Math.max(1, await journal.loadCheckpoint(KEEPER_CHECKPOINT));
    keeper.subscription = journal.subscribe(from, (batch) => keeper.handle(batch), { batchSize: 1_000 });
    keeper.subscription.done.catch((error: unknown) => {
      if (!keeper.stopped) log(`assignment keeper: the feed stopped: ${String(error)}`);
    });
    log(`assignment keeper: following the feed from offset ${from}`);
    return keeper;
  }

  get state(): BackendState {
    const position = this.subscription?.position();
    return { name: 'assignment-keeper', state: 'connected', ...(position !== undefined ? { position } : {}) };
  }

  /** Unfinished sagas the keeper knows of. */
  pending(): string[] {
    return [...this.unfinished.keys()];
  }

  private handle(batch: readonly EventEnvelope[]): void {
    for (const env of batch) {
      if (!env.persistenceId.startsWith(SAGA_PREFIX)) continue;
      const sagaId = env.persistenceId.slice(SAGA_PREFIX.length);
      const event = env.event as unknown as AssignmentSagaEvent;
      let u = this.unfinished.get(sagaId);
      if (u === undefined) {
        if (event._tag !== 'AssignmentSagaStarted') continue; // started before the watermark: finished
        u = { record: emptyRecord, startOffset: env.offset, lastEventAt: env.timestamp, lastWakeAt: 0 };
        this.unfinished.set(sagaId, u);
      }
      u.record = evolveRecord(u.record, event);
      u.lastEventAt = env.timestamp;
      if (u.record.saga.phase === 'completed') this.unfinished.delete(sagaId);
    }
  }

  private async tick(): Promise<void> {
    if (this.stopped) return;
    const now = this.now();
    for (const [sagaId, u] of this.unfinished) {
      if (now - u.lastEventAt < this.idleMs || now - u.lastWakeAt < this.idleMs) continue;
      u.lastWakeAt = now;
      this.woken++;
      this.log(
        `assignment keeper: waking ${sagaId} (phase ${u.record.saga.phase}, quiet for ${Math.round((now - u.lastEventAt) / 1000)} s)`,
      );
      this.wake(sagaId);
    }
    const position = this.subscription?.position();
    if (position === undefined) return;
    let watermark = position;
    for (const u of this.unfinished.values()) watermark = Math.min(watermark, u.startOffset);
    if (watermark !== this.saved) {
      await this.journal.saveCheckpoint(KEEPER_CHECKPOINT, watermark).then(
        () => (this.saved = watermark),
        () => undefined,
      );
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) clearInterval(this.timer);
    await this.subscription?.close().catch(() => undefined);
  }
}
