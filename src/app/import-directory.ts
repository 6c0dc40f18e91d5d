/**
 * Every member's view of every import: it follows the journal feed for imports' events
 * (persistence ids `import-…`, see import-record.ts) and keeps each job's status, so
 * `GET /api/imports` and `GET /api/imports/{id}` answer on any member, and progress reaches the
 * member's WebSocket clients whichever member runs the job (also after it was resumed elsewhere).
 *
 * The import keeper (one per cluster: a singleton, or on a node alone) uses the same directory:
 * an unfinished job that journalled nothing for `quietMs` (a running job journals its progress or
 * a heartbeat every 2 s) lost its runner, and is resumed on the keeper's member.
 */
import type { EventEnvelope, Journal, Subscription } from '../persistence/index.ts';
import type { BackendState, FeedJob } from './feed-job.ts';
import { evolveImport, finished, IMPORT_PREFIX, type ImportEvent, type ImportRecord, type ImportStatus } from './import-record.ts';
import type { Importer } from './importer.ts';

export class ImportDirectory {
  private readonly records = new Map<string, ImportRecord>();
  private readonly subscription: Subscription;
  private readonly listeners = new Set<(s: ImportStatus) => void>();

  constructor(journal: Journal, log: (line: string) => void) {
    this.subscription = journal.subscribe(1, (batch) => this.handle(batch), { batchSize: 500 });
    this.subscription.done.catch((error: unknown) => log(`imports: the directory stopped following the feed: ${String(error)}`));
  }

  get(importId: string): ImportStatus | undefined {
    return this.records.get(importId)?.status;
  }

  /** Every job, newest first (without the problem and rejection lists: GET one for those). */
  list(): ImportStatus[] {
    return [...this.records.values()]
      .map((r) => r.status)
      .sort((a, b) => (a.startedAt < b.startedAt ? 1 : a.startedAt > b.startedAt ? -1 : 0));
  }

  unfinished(): Array<{ readonly importId: string; readonly lastEventAt: number }> {
    return [...this.records.values()]
      .filter((r) => !finished(r.status.state))
      .map((r) => ({ importId: r.status.importId, lastEventAt: r.lastEventAt }));
  }

  /** Status changes read from the feed. */
  subscribe(listener: (s: ImportStatus) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  position(): number {
    return this.subscription.position();
  }

  private handle(batch: readonly EventEnvelope[]): void {
    for (const env of batch) {
      if (!env.persistenceId.startsWith(IMPORT_PREFIX)) continue;
      const e = env.event as unknown as ImportEvent;
      const importId = env.persistenceId.slice(IMPORT_PREFIX.length);
      const before = this.records.get(importId);
      const after = evolveImport(before, e);
      if (after === undefined || after === before) continue;
      // Journal time, not ours: after a restart, a job quiet since before it is quiet now.
      const record = { ...after, lastEventAt: env.timestamp };
      this.records.set(importId, record);
      for (const l of this.listeners) l(record.status);
    }
  }

  close(): Promise<void> {
    return this.subscription.close();
  }
}

/** The import keeper: resumes jobs whose runner stopped, here. */
export class ImportKeeper implements FeedJob {
  private readonly timer: ReturnType<typeof setInterval>;
  private readonly tried = new Map<string, number>();
  private busy = false;

  constructor(
    private readonly directory: ImportDirectory,
    private readonly importer: Importer,
    private readonly log: (line: string) => void,
    private readonly quietMs = 6_000,
    everyMs = 1_000,
  ) {
    this.timer = setInterval(() => void this.tick(), everyMs);
    this.timer.unref?.();
  }

  get state(): BackendState {
    return { name: 'import-keeper', state: 'connected', position: this.directory.position() };
  }

  private async tick(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      const now = Date.now();
      for (const { importId, lastEventAt } of this.directory.unfinished()) {
        if (this.importer.runningHere(importId)) continue;
        if (now - lastEventAt < this.quietMs || now - (this.tried.get(importId) ?? 0) < this.quietMs) continue;
        this.tried.set(importId, now);
        this.log(`import keeper: ${importId} has been quiet for ${Math.round((now - lastEventAt) / 1000)} s; resuming it here`);
        await this.importer
          .resume(importId)
          .catch((error: unknown) => this.log(`import keeper: resuming ${importId} failed: ${String(error)}`));
      }
    } finally {
      this.busy = false;
    }
  }

  stop(): Promise<void> {
    clearInterval(this.timer);
    return Promise.resolve();
  }
}
