/**
 * SSIM imports as durable background jobs: the source is journalled first (import-record.ts),
 * then the file is parsed in slices (yielding to the event loop so the node keeps serving),
 * rotations are planned (from the rotation CSV or the onward-flight fields), and the commands go
 * through the gateway — each rotation's commands in order, many rotations at once so the
 * journal's group commit has company. Finished rotations and their counts are journalled as the
 * job goes, so a job whose runner died is resumed (`resume`, by the import keeper on any member)
 * from the first rotation not recorded as finished, and finishes.
 *
 * Per the caller's choice, an import with problems is rejected whole (`reject`) or applies only
 * the valid legs (`valid-only`); either way every problem is reported with its line.
 */
import { createSsimParser, planImport, type RotationCommand, type ScheduleRotation } from '../domain/index.ts';
import type { EventEnvelope, Journal, JournalEvent } from '../persistence/index.ts';
import type { RotationReply } from './aggregates.ts';
import type { CommandGateway } from './gateway.ts';
import {
  CHUNK,
  evolveImport,
  finished,
  IMPORT_PREFIX,
  newStatus,
  sourceId,
  type CommandFailure,
  type ImportEvent,
  type ImportRecord,
  type ImportStatus,
  type SourceChunk,
} from './import-record.ts';

export type { CommandFailure, ImportState, ImportStatus } from './import-record.ts';

export interface ImportRequest {
  readonly ssim: Buffer;
  readonly rotationCsv?: string;
  readonly onError: 'reject' | 'valid-only';
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

const SLICE = 256 * 1024;
const CONCURRENT_ROTATIONS = 64;
const WINDOW = 256;
/** Progress is journalled at most this often, and at least this often while a job runs (a heartbeat the keeper reads). */
const RECORD_EVERY_MS = 500;
const HEARTBEAT_MS = 2_000;
/** Source chunks stored at once. */
const CHUNKS_AT_ONCE = 16;
/** A job resumed this often without finishing is failed (a command that can never go through). */
const MAX_RESUMES = 10;

/** Another runner took the job over (our append was refused): this one stops quietly. */
class Superseded extends Error {}

/** One job's journal writer: appends in order, each after the previous, at the expected seq. */
class Recorder {
  private chain: Promise<void> = Promise.resolve();
  private failed: unknown;

  constructor(
    private readonly journal: Journal,
    private readonly persistenceId: string,
    private seq: number,
  ) {}

  append(events: readonly ImportEvent[]): Promise<void> {
    const run = async () => {
      if (this.failed !== undefined) throw this.failed;
      try {
        const r = await this.journal.append(this.persistenceId, this.seq, events as unknown as readonly JournalEvent[]);
        this.seq = r.lastSeq;
      } catch (error) {
        const e = error as { _tag?: unknown };
        this.failed = e?._tag === 'JournalConflict' ? new Superseded(`import ${this.persistenceId} is being run elsewhere`) : error;
        throw this.failed;
      }
    };
    const p = this.chain.then(run);
    this.chain = p.catch(() => undefined);
    return p;
  }
}

interface Job {
  status: Mutable<ImportStatus>;
  recorder: Recorder;
  /** Finished rotations and their counts not journalled yet. */
  pending: { done: number[]; applied: number; rejected: number; rejections: CommandFailure[]; offset: number };
  lastRecord: number;
  heartbeat: ReturnType<typeof setInterval> | undefined;
}

export class Importer {
  /** Jobs this member runs (or ran since it started). */
  private readonly jobs = new Map<string, Job>();
  private readonly listeners = new Set<(s: ImportStatus) => void>();

  constructor(
    private readonly gateway: CommandGateway,
    private readonly nextId: () => string,
    private readonly journal: Journal,
    private readonly log: (line: string) => void = () => undefined,
  ) {}

  /** The status of a job this member runs or ran. Other members' jobs: the ImportDirectory. */
  status(importId: string): ImportStatus | undefined {
    const job = this.jobs.get(importId);
    return job ? { ...job.status } : undefined;
  }

  /** Jobs running on this member now. */
  runningHere(importId: string): boolean {
    const job = this.jobs.get(importId);
    return job !== undefined && !finished(job.status.state);
  }

  local(): ImportStatus[] {
    return [...this.jobs.values()].map((j) => ({ ...j.status }));
  }

  /** Progress updates of every import run here (the WebSocket follows them). */
  subscribe(listener: (s: ImportStatus) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Journals the job and its source (durable once this resolves), then runs it in the background. */
  async start(request: ImportRequest): Promise<ImportStatus> {
    const importId = this.nextId();
    const ssim = request.ssim.toString('latin1');
    const csv = request.rotationCsv ?? '';
    const chunks = (text: string, part: 'ssim' | 'rotations'): SourceChunk[] =>
      Array.from({ length: Math.ceil(text.length / CHUNK) }, (_, index) => ({
        part,
        index,
        data: text.slice(index * CHUNK, (index + 1) * CHUNK),
      }));
    const source = [...chunks(ssim, 'ssim'), ...chunks(csv, 'rotations')];
    // The source first, then the event that makes the job exist: a crash in between leaves only
    // unreferenced chunks.
    let next = 0;
    const store = async () => {
      while (next < source.length) {
        const k = next++;
        await this.journal.saveSnapshot(sourceId(importId), k + 1, source[k] as SourceChunk);
      }
    };
    await Promise.all(Array.from({ length: Math.min(CHUNKS_AT_ONCE, source.length) }, store));
    const accepted: ImportEvent = {
      _tag: 'ImportAccepted',
      version: 1,
      importId,
      onError: request.onError,
      bytesTotal: request.ssim.length,
      kind: 'ssim',
      ssimChunks: Math.ceil(ssim.length / CHUNK),
      rotationChunks: Math.ceil(csv.length / CHUNK),
      at: Date.now(),
    };
    const job = this.newJob(importId, request.ssim.length, 0);
    await job.recorder.append([accepted]);
    this.jobs.set(importId, job);
    this.launch(job, () => this.run(job, request, undefined, new Set()));
    return { ...job.status };
  }

  /**
   * Takes over a job whose runner stopped (the import keeper calls this): reads its record and
   * source from the journal, claims it (ImportResumed, at the expected seq), and runs every
   * rotation not recorded as finished. Resolves once the job runs here (or there is nothing to do).
   */
  async resume(importId: string): Promise<void> {
    if (this.runningHere(importId)) return;
    const pid = `${IMPORT_PREFIX}${importId}`;
    let record: ImportRecord | undefined;
    let seq = 0;
    for await (const env of this.journal.replay(pid)) {
      record = evolveImport(record, env.event as unknown as ImportEvent);
      seq = env.seq;
    }
    if (record === undefined || finished(record.status.state)) return;
    const ssim: string[] = [];
    const csv: string[] = [];
    for (let k = 0; k < record.ssimChunks + record.rotationChunks; k++) {
      const snap = await this.journal.loadSnapshot(sourceId(importId), k + 1);
      if (snap?.seq !== k + 1) continue;
      const c = snap.state as SourceChunk;
      (c.part === 'ssim' ? ssim : csv)[c.index] = c.data;
    }
    const gaveUp = record.status.resumes >= MAX_RESUMES;
    const job = this.newJob(importId, record.status.bytesTotal, seq);
    Object.assign(job.status, record.status);
    this.jobs.set(importId, job);
    const complete =
      ssim.filter((c) => c !== undefined).length === record.ssimChunks &&
      csv.filter((c) => c !== undefined).length === record.rotationChunks;
    try {
      await job.recorder.append([{ _tag: 'ImportResumed', version: 1, importId, at: Date.now() }]);
    } catch (error) {
      this.jobs.delete(importId);
      if (error instanceof Superseded) return;
      throw error;
    }
    job.status.resumes++;
    this.log(`imports: resuming ${importId} (${record.status.rotationsDone} of ${record.status.rotations} rotations recorded as finished)`);
    if (record.kind === 'planned' || !complete || gaveUp) {
      const why = gaveUp
        ? `it stopped ${MAX_RESUMES} times; giving up`
        : record.kind === 'planned'
          ? 'its runner stopped; a planned import (the demo season) is not resumable'
          : 'its source was not completely stored when its runner stopped';
      this.launch(job, () => this.finish(job, 'failed', `the import failed: ${why}`));
      return;
    }
    const request: ImportRequest = {
      ssim: Buffer.from(ssim.join(''), 'latin1'),
      onError: record.onError,
      ...(record.rotationChunks > 0 ? { rotationCsv: csv.join('') } : {}),
    };
    this.launch(job, () => this.run(job, request, record.applyFrom, new Set(record.done)));
  }

  /** An import whose rotations are already planned (the demo season): applied like any other. */
  startPlanned(rotations: readonly ScheduleRotation[]): { status: ImportStatus; done: Promise<ImportStatus> } {
    const importId = this.nextId();
    const job = this.newJob(importId, 0, 0);
    this.jobs.set(importId, job);
    const legs = rotations.reduce((n, r) => n + r.legs.length, 0);
    const done = (async () => {
      await job.recorder.append([
        {
          _tag: 'ImportAccepted',
          version: 1,
          importId,
          onError: 'valid-only',
          bytesTotal: 0,
          kind: 'planned',
          ssimChunks: 0,
          rotationChunks: 0,
          at: Date.now(),
        },
      ]);
      await this.plan(job, {
        records: 0,
        legs,
        rotations: rotations.length,
        commandsTotal: rotations.length + legs,
        problems: [],
        problemCount: 0,
      });
      await this.apply(job, rotations, await this.journal.headOffset(), new Set());
      await this.finish(job, 'done', `imported ${job.status.commandsApplied} of ${job.status.commandsTotal} commands`);
    })().then(
      () => ({ ...job.status }),
      async (error: unknown) => {
        if (!(error instanceof Superseded))
          await this.finish(job, 'failed', `the import failed: ${error instanceof Error ? error.message : String(error)}`).catch(
            () => undefined,
          );
        return { ...job.status };
      },
    );
    return { status: { ...job.status }, done };
  }

  private newJob(importId: string, bytesTotal: number, seq: number): Job {
    return {
      status: newStatus(importId, bytesTotal, Date.now()),
      recorder: new Recorder(this.journal, `${IMPORT_PREFIX}${importId}`, seq),
      pending: { done: [], applied: 0, rejected: 0, rejections: [], offset: 0 },
      lastRecord: 0,
      heartbeat: undefined,
    };
  }

  /** Runs a job's work with a heartbeat, and records its failure. */
  private launch(job: Job, work: () => Promise<void>): void {
    job.heartbeat = setInterval(() => {
      if (performance.now() - job.lastRecord >= HEARTBEAT_MS) void this.record(job).catch(() => undefined);
    }, HEARTBEAT_MS);
    job.heartbeat.unref?.();
    void work()
      .catch((error: unknown) => {
        // Superseded (another member runs it now), or a command or the journal failed: the job
        // stops here unfinished, its progress journalled; the import keeper resumes it.
        this.jobs.delete(job.status.importId);
        this.log(
          `imports: ${job.status.importId} stopped here (${error instanceof Error ? error.message : String(error)}); ${error instanceof Superseded ? 'another member runs it' : 'the import keeper resumes it'}`,
        );
      })
      .finally(() => clearInterval(job.heartbeat));
  }

  private emit(job: Job): void {
    for (const l of this.listeners) l({ ...job.status });
  }

  /** Journals the rotations finished since the last record (or a heartbeat when there are none). */
  private record(job: Job): Promise<void> {
    job.lastRecord = performance.now();
    const p = job.pending;
    job.pending = { done: [], applied: 0, rejected: 0, rejections: [], offset: 0 };
    return job.recorder.append([
      {
        _tag: 'ImportProgressed',
        version: 1,
        importId: job.status.importId,
        done: p.done,
        applied: p.applied,
        rejected: p.rejected,
        rejections: p.rejections,
        offset: p.offset,
        at: Date.now(),
      },
    ]);
  }

  private async finish(
    job: Job,
    state: 'done' | 'rejected' | 'failed',
    message: string,
    extra: Partial<Pick<ImportStatus, 'problems' | 'problemCount' | 'records' | 'legs'>> = {},
  ): Promise<void> {
    if (job.pending.done.length > 0) await this.record(job);
    await job.recorder.append([
      { _tag: 'ImportFinished', version: 1, importId: job.status.importId, state, message, ...extra, at: Date.now() },
    ]);
    Object.assign(job.status, extra);
    job.status.state = state;
    job.status.message = message;
    job.status.finishedAt = new Date().toISOString();
    clearInterval(job.heartbeat);
    // The source is of no use once the job has ended.
    void this.journal.deleteSnapshots(sourceId(job.status.importId), Number.MAX_SAFE_INTEGER).catch(() => undefined);
    this.emit(job);
  }

  private async plan(
    job: Job,
    p: {
      records: number;
      legs: number;
      rotations: number;
      commandsTotal: number;
      problems: ImportStatus['problems'];
      problemCount: number;
    },
  ): Promise<number> {
    const applyFrom = await this.journal.headOffset();
    await job.recorder.append([{ _tag: 'ImportPlanned', version: 1, importId: job.status.importId, ...p, applyFrom }]);
    Object.assign(job.status, { ...p, state: 'applying', message: 'applying' });
    this.emit(job);
    return applyFrom;
  }

  /** Parses, plans (recording the plan unless a resumed job has it) and applies the rotations not in `done`. */
  private async run(job: Job, request: ImportRequest, applyFrom: number | undefined, done: ReadonlySet<number>): Promise<void> {
    const status = job.status;
    const resumed = applyFrom !== undefined;
    const parser = createSsimParser({
      onProgress: (p) => {
        if (resumed) return;
        status.records = p.records;
        status.legs = p.legs;
        status.bytes = p.bytes;
      },
    });
    for (let at = 0; at < request.ssim.length; at += SLICE) {
      parser.push(request.ssim.subarray(at, Math.min(request.ssim.length, at + SLICE)));
      if (!resumed) this.emit(job);
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    const parsed = parser.end();
    const plan = planImport(parsed, {
      onError: request.onError,
      ...(request.rotationCsv !== undefined ? { rotationCsv: request.rotationCsv } : {}),
    });
    if (plan._tag === 'ImportRejected') {
      status.records = parsed.records;
      status.legs = parsed.legs.length;
      status.bytes = request.ssim.length;
      return this.finish(job, 'rejected', plan.message, {
        problems: plan.problems.slice(0, 1000),
        problemCount: plan.problemCount,
        records: parsed.records,
        legs: parsed.legs.length,
      });
    }
    const from =
      applyFrom ??
      (await this.plan(job, {
        records: parsed.records,
        legs: parsed.legs.length,
        rotations: plan.rotations.length,
        commandsTotal: plan.rotations.reduce((n, r) => n + 1 + r.legs.length, 0),
        problems: plan.skipped.slice(0, 1000),
        problemCount: plan.problemCount,
      }));
    await this.apply(job, plan.rotations, from, done);
    await this.finish(
      job,
      'done',
      `imported ${status.commandsApplied} of ${status.commandsTotal} commands (${status.rotations} rotations, ${status.legs} legs)${status.problemCount > 0 ? `; ${status.problemCount} problems skipped` : ''}${status.resumes > 0 ? `; resumed ${status.resumes} time(s)` : ''}`,
    );
  }

  /**
   * Sends each rotation's commands (those not in `done`). A refusal as a duplicate is checked
   * against the journal: an event there after `ownFrom` (the feed's head when the job was planned)
   * was this job's own, applied before a crash (or by a runner presumed dead): it counts as applied.
   */
  private async apply(job: Job, rotations: readonly ScheduleRotation[], ownFrom: number, done: ReadonlySet<number>): Promise<void> {
    const status = job.status;
    let next = 0;
    let lastEmit = 0;
    const worker = async () => {
      while (next < rotations.length) {
        const index = next++;
        if (done.has(index)) continue;
        const r = rotations[index] as ScheduleRotation;
        const commands: RotationCommand[] = [
          { _tag: 'CreateRotation', rotationId: r.rotationId },
          ...r.legs.map((leg): RotationCommand => ({ _tag: 'AddLeg', rotationId: r.rotationId, leg })),
        ];
        let applied = 0;
        let offset = 0;
        const refused: Array<{ command: RotationCommand; reply: Extract<RotationReply, { _tag: 'Rejected' }> }> = [];
        // Pipelined: a window of commands is in the rotation's mailbox at once (mailbox order keeps
        // them in sequence), so the entity decides them together and writes them in one append.
        for (let at = 0; at < commands.length; at += WINDOW) {
          const window = commands.slice(at, at + WINDOW);
          const replies = await Promise.all(window.map((command) => this.gateway.rotation(r.rotationId, command)));
          replies.forEach((reply, k) => {
            const command = window[k] as RotationCommand;
            if (reply._tag === 'Accepted') {
              applied++;
              offset = Math.max(offset, reply.offset);
            } else if (reply._tag === 'Rejected') refused.push({ command, reply });
            else throw new Error(`rotation ${r.rotationId}: ${reply.error.message}`);
          });
        }
        const own = refused.some((x) => duplicate(x.reply)) ? await this.ownEvents(r.rotationId, ownFrom) : undefined;
        const rejections: CommandFailure[] = [];
        for (const { command, reply } of refused) {
          if (own !== undefined && duplicate(reply) && own.has(command._tag === 'AddLeg' ? `leg:${command.leg.id}` : 'created')) {
            applied++;
            continue;
          }
          rejections.push({
            rotationId: r.rotationId,
            command: command._tag,
            ...(command._tag === 'AddLeg' ? { legId: command.leg.id } : {}),
            error: reply.error._tag,
            message: reply.error.message,
          });
        }
        status.commandsApplied += applied;
        status.commandsRejected += rejections.length;
        status.offset = Math.max(status.offset, offset);
        status.rotationsDone++;
        if (status.rejections.length < 1000)
          status.rejections = [...status.rejections, ...rejections.slice(0, 1000 - status.rejections.length)];
        const p = job.pending;
        p.done.push(index);
        p.applied += applied;
        p.rejected += rejections.length;
        p.offset = Math.max(p.offset, offset);
        p.rejections.push(...rejections.slice(0, Math.max(0, 1000 - p.rejections.length)));
        if (performance.now() - job.lastRecord > RECORD_EVERY_MS) await this.record(job);
        if (performance.now() - lastEmit > 200) {
          lastEmit = performance.now();
          this.emit(job);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(CONCURRENT_ROTATIONS, rotations.length) }, worker));
  }

  /** What the rotation's journal holds after `from`: 'created' and `leg:<id>` for each leg added. */
  private async ownEvents(rotationId: string, from: number): Promise<Set<string>> {
    const own = new Set<string>();
    for await (const env of this.journal.replay(`rotation-${rotationId}`) as AsyncIterable<EventEnvelope>) {
      if (env.offset <= from) continue;
      const e = env.event as { _tag: string; leg?: { id: string } };
      if (e._tag === 'RotationCreated') own.add('created');
      else if (e._tag === 'LegAdded' && e.leg) own.add(`leg:${e.leg.id}`);
    }
    return own;
  }
}

function duplicate(reply: Extract<RotationReply, { _tag: 'Rejected' }>): boolean {
  return reply.error._tag === 'RotationAlreadyExists' || reply.error._tag === 'LegAlreadyInRotation';
}
