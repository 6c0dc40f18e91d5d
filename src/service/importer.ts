/**
 * SSIM imports as background jobs: parse the file in slices (yielding to the event loop so the
 * node keeps serving), plan rotations (from the rotation CSV or the onward-flight fields), then
 * send the commands through the gateway — each rotation's commands in order, many rotations at
 * once so the journal's group commit has company. Progress is observable while it runs.
 *
 * Per the caller's choice, an import with problems is rejected whole (`reject`) or applies only
 * the valid legs (`valid-only`); either way every problem is reported with its line.
 */
import { createSsimParser, planImport, type ImportProblem, type RotationCommand, type ScheduleRotation } from '../domain/index.ts';
import type { CommandGateway } from './gateway.ts';

export type ImportState = 'parsing' | 'applying' | 'done' | 'rejected' | 'failed';

export interface CommandFailure {
  readonly rotationId: string;
  readonly command: string;
  readonly legId?: string;
  readonly error: string;
  readonly message: string;
}

export interface ImportStatus {
  readonly importId: string;
  readonly state: ImportState;
  readonly bytes: number;
  readonly bytesTotal: number;
  readonly records: number;
  readonly legs: number;
  readonly rotations: number;
  readonly commandsTotal: number;
  readonly commandsApplied: number;
  readonly commandsRejected: number;
  /** Problems found in the files (first 1,000), with line numbers. */
  readonly problems: readonly ImportProblem[];
  readonly problemCount: number;
  /** Commands the aggregates refused (first 1,000), e.g. a leg already in its rotation. */
  readonly rejections: readonly CommandFailure[];
  /** The highest offset the import's events got: query with minOffset to see them all. */
  readonly offset: number;
  readonly message: string;
  readonly startedAt: string;
  readonly finishedAt: string | null;
}

export interface ImportRequest {
  readonly ssim: Buffer;
  readonly rotationCsv?: string;
  readonly onError: 'reject' | 'valid-only';
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

const SLICE = 256 * 1024;
const CONCURRENT_ROTATIONS = 64;
const WINDOW = 256;

export class Importer {
  private readonly jobs = new Map<string, Mutable<ImportStatus>>();
  private readonly listeners = new Set<(s: ImportStatus) => void>();

  constructor(
    private readonly gateway: CommandGateway,
    private readonly nextId: () => string,
  ) {}

  status(importId: string): ImportStatus | undefined {
    return this.jobs.get(importId);
  }

  /** Progress updates of every import (the WebSocket follows them). */
  subscribe(listener: (s: ImportStatus) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  start(request: ImportRequest): ImportStatus {
    const job = this.newJob(request.ssim.length);
    void this.run(job, request).catch((error: unknown) => this.finish(job, 'failed', `the import failed: ${error instanceof Error ? error.message : String(error)}`));
    return { ...job };
  }

  /** An import whose rotations are already planned (the demo season): applied like any other. */
  startPlanned(rotations: readonly ScheduleRotation[]): { status: ImportStatus; done: Promise<ImportStatus> } {
    const job = this.newJob(0);
    job.rotations = rotations.length;
    job.legs = rotations.reduce((n, r) => n + r.legs.length, 0);
    job.commandsTotal = job.rotations + job.legs;
    job.state = 'applying';
    job.message = 'applying';
    const done = this.apply(job, rotations).then(
      () => {
        this.finish(job, 'done', `imported ${job.commandsApplied} of ${job.commandsTotal} commands`);
        return { ...job };
      },
      (error: unknown) => {
        this.finish(job, 'failed', `the import failed: ${error instanceof Error ? error.message : String(error)}`);
        return { ...job };
      },
    );
    return { status: { ...job }, done };
  }

  private newJob(bytesTotal: number): Mutable<ImportStatus> {
    const importId = this.nextId();
    const job: Mutable<ImportStatus> = {
      importId, state: 'parsing', bytes: 0, bytesTotal, records: 0, legs: 0, rotations: 0,
      commandsTotal: 0, commandsApplied: 0, commandsRejected: 0, problems: [], problemCount: 0, rejections: [],
      offset: 0, message: 'parsing', startedAt: new Date().toISOString(), finishedAt: null,
    };
    this.jobs.set(importId, job);
    return job;
  }

  private emit(job: ImportStatus): void {
    for (const l of this.listeners) l({ ...job });
  }

  private finish(job: Mutable<ImportStatus>, state: ImportState, message: string): void {
    job.state = state;
    job.message = message;
    job.finishedAt = new Date().toISOString();
    this.emit(job);
  }

  private async run(job: Mutable<ImportStatus>, request: ImportRequest): Promise<void> {
    const parser = createSsimParser({
      onProgress: (p) => {
        job.records = p.records;
        job.legs = p.legs;
        job.bytes = p.bytes;
      },
    });
    for (let at = 0; at < request.ssim.length; at += SLICE) {
      parser.push(request.ssim.subarray(at, Math.min(request.ssim.length, at + SLICE)));
      this.emit(job);
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    const parsed = parser.end();
    job.records = parsed.records;
    job.legs = parsed.legs.length;
    job.bytes = request.ssim.length;
    const plan = planImport(parsed, { onError: request.onError, ...(request.rotationCsv !== undefined ? { rotationCsv: request.rotationCsv } : {}) });
    if (plan._tag === 'ImportRejected') {
      job.problems = plan.problems.slice(0, 1000);
      job.problemCount = plan.problemCount;
      return this.finish(job, 'rejected', plan.message);
    }
    job.problems = plan.skipped.slice(0, 1000);
    job.problemCount = plan.problemCount;
    job.rotations = plan.rotations.length;
    job.commandsTotal = plan.rotations.reduce((n, r) => n + 1 + r.legs.length, 0);
    job.state = 'applying';
    job.message = 'applying';
    this.emit(job);
    await this.apply(job, plan.rotations);
    this.finish(job, 'done', `imported ${job.commandsApplied} of ${job.commandsTotal} commands (${job.rotations} rotations, ${job.legs} legs)${job.problemCount > 0 ? `; ${job.problemCount} problems skipped` : ''}`);
  }

  private async apply(job: Mutable<ImportStatus>, rotations: readonly ScheduleRotation[]): Promise<void> {
    let next = 0;
    let lastEmit = 0;
    const worker = async () => {
      while (next < rotations.length) {
        const r = rotations[next++] as ScheduleRotation;
        const commands: RotationCommand[] = [{ _tag: 'CreateRotation', rotationId: r.rotationId }, ...r.legs.map((leg): RotationCommand => ({ _tag: 'AddLeg', rotationId: r.rotationId, leg }))];
        // Pipelined: a window of commands is in the rotation's mailbox at once (mailbox order keeps
        // them in sequence), so the entity decides them together and writes them in one append.
        for (let at = 0; at < commands.length; at += WINDOW) {
          const window = commands.slice(at, at + WINDOW);
          const replies = await Promise.all(window.map((command) => this.gateway.rotation(r.rotationId, command)));
          replies.forEach((reply, k) => {
            const command = window[k] as RotationCommand;
            if (reply._tag === 'Accepted') {
              job.commandsApplied++;
              job.offset = Math.max(job.offset, reply.offset);
            } else {
              job.commandsRejected++;
              if (job.rejections.length < 1000) {
                job.rejections = [...job.rejections, { rotationId: r.rotationId, command: command._tag, ...(command._tag === 'AddLeg' ? { legId: command.leg.id } : {}), error: reply.error._tag, message: reply.error.message }];
              }
            }
          });
          if (performance.now() - lastEmit > 200) {
            lastEmit = performance.now();
            this.emit(job);
          }
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(CONCURRENT_ROTATIONS, rotations.length) }, worker));
  }
}
