/**
 * An import's journal record (persistence id `import-<importId>`): what makes a job durable and
 * visible from every member. The job's own events, in order:
 *
 *   ImportAccepted ─ (ImportResumed) ─ ImportPlanned | ImportFinished(rejected)
 *     ─ ImportProgressed × m (rotations finished, with their counts) ─ ImportFinished
 *
 * - The source (the SSIM text and the rotation CSV) is stored in the journal's snapshot store
 *   before ImportAccepted (its commit point) and the 202, in 64 KiB chunks under
 *   `importsource-<importId>` (chunk k at seq k + 1), so any member can resume the job; it stays
 *   out of the feed (views, the Kafka topic and the planner page have no use for it) and is deleted
 *   once the job has finished. Parsing and planning are deterministic, and the plan's rotations
 *   are numbered.
 * - Progress records whole rotations: a rotation's counts count once it is finished. A resumed job
 *   runs every rotation not recorded as finished again; a command refused there as a duplicate
 *   (RotationAlreadyExists, LegAlreadyInRotation) whose event the journal holds after the plan's
 *   `applyFrom` offset was this job's own, applied before the crash: it counts as applied. No leg is
 *   applied twice (the rotation refuses it) and none is skipped.
 * - One runner at a time: every append names the expected seq, so a runner that was presumed dead
 *   and comes back finds its next append refused and stops.
 */
import type { ImportProblem } from '../domain/index.ts';

export const IMPORT_PREFIX = 'import-';
/** Where an import's source chunks are kept (snapshots, not events). */
export const sourceId = (importId: string): string => `importsource-${importId}`;
/** Source chunk size (characters; latin1 text, one character per byte): small enough for any backend (a CQL row, a cluster frame). */
export const CHUNK = 64 * 1024;

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
  /** Rotations whose commands have all been answered (and recorded). */
  readonly rotationsDone: number;
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
  /** How many times a member took the job over after its runner stopped (a crash). */
  readonly resumes: number;
}

export type ImportEvent =
  | {
      readonly _tag: 'ImportAccepted';
      readonly version: 1;
      readonly importId: string;
      readonly onError: 'reject' | 'valid-only';
      readonly bytesTotal: number;
      /** 'ssim': a file (resumable); 'planned': rotations planned by the caller (the demo season), not resumable. */
      readonly kind: 'ssim' | 'planned';
      readonly ssimChunks: number;
      readonly rotationChunks: number;
      readonly at: number;
    }
  | { readonly _tag: 'ImportResumed'; readonly version: 1; readonly importId: string; readonly at: number }
  | {
      readonly _tag: 'ImportPlanned';
      readonly version: 1;
      readonly importId: string;
      readonly records: number;
      readonly legs: number;
      readonly rotations: number;
      readonly commandsTotal: number;
      readonly problems: readonly ImportProblem[];
      readonly problemCount: number;
      /** The feed's head before the first command: the job's own events come after it. */
      readonly applyFrom: number;
    }
  | {
      readonly _tag: 'ImportProgressed';
      readonly version: 1;
      readonly importId: string;
      /** Plan indices of the rotations finished since the last record. */
      readonly done: readonly number[];
      readonly applied: number;
      readonly rejected: number;
      readonly rejections: readonly CommandFailure[];
      readonly offset: number;
      readonly at: number;
    }
  | {
      readonly _tag: 'ImportFinished';
      readonly version: 1;
      readonly importId: string;
      readonly state: 'done' | 'rejected' | 'failed';
      readonly message: string;
      readonly problems?: readonly ImportProblem[];
      readonly problemCount?: number;
      readonly records?: number;
      readonly legs?: number;
      readonly at: number;
    };

/** A source chunk as stored (snapshot state). */
export interface SourceChunk {
  readonly part: 'ssim' | 'rotations';
  readonly index: number;
  readonly data: string;
}

/** A job as its events tell it; `done` (plan indices) only while the job is unfinished. */
export interface ImportRecord {
  readonly status: ImportStatus;
  readonly kind: 'ssim' | 'planned';
  readonly onError: 'reject' | 'valid-only';
  readonly ssimChunks: number;
  readonly rotationChunks: number;
  readonly applyFrom: number | undefined;
  readonly done: ReadonlySet<number>;
  readonly lastEventAt: number;
}

export function newStatus(importId: string, bytesTotal: number, at: number): ImportStatus {
  return {
    importId,
    state: 'parsing',
    bytes: 0,
    bytesTotal,
    records: 0,
    legs: 0,
    rotations: 0,
    rotationsDone: 0,
    commandsTotal: 0,
    commandsApplied: 0,
    commandsRejected: 0,
    problems: [],
    problemCount: 0,
    rejections: [],
    offset: 0,
    message: 'parsing',
    startedAt: new Date(at).toISOString(),
    finishedAt: null,
    resumes: 0,
  };
}

export function finished(state: ImportState): boolean {
  return state === 'done' || state === 'rejected' || state === 'failed';
}

/** Folds one event into a record (undefined before ImportAccepted). Chunks carry no status. */
export function evolveImport(r: ImportRecord | undefined, e: ImportEvent): ImportRecord | undefined {
  if (e._tag === 'ImportAccepted') {
    if (r !== undefined) return r;
    return {
      status: newStatus(e.importId, e.bytesTotal, e.at),
      kind: e.kind,
      onError: e.onError,
      ssimChunks: e.ssimChunks,
      rotationChunks: e.rotationChunks,
      applyFrom: undefined,
      done: new Set(),
      lastEventAt: e.at,
    };
  }
  if (r === undefined) return r;
  const s = r.status;
  switch (e._tag) {
    case 'ImportResumed':
      return { ...r, status: { ...s, resumes: s.resumes + 1 }, lastEventAt: e.at };
    case 'ImportPlanned':
      return {
        ...r,
        applyFrom: e.applyFrom,
        status: {
          ...s,
          state: 'applying',
          message: 'applying',
          bytes: s.bytesTotal,
          records: e.records,
          legs: e.legs,
          rotations: e.rotations,
          commandsTotal: e.commandsTotal,
          problems: e.problems,
          problemCount: e.problemCount,
        },
      };
    case 'ImportProgressed': {
      const done = new Set(r.done);
      for (const i of e.done) done.add(i);
      const room = Math.max(0, 1000 - s.rejections.length);
      return {
        ...r,
        done,
        lastEventAt: e.at,
        status: {
          ...s,
          rotationsDone: done.size,
          commandsApplied: s.commandsApplied + e.applied,
          commandsRejected: s.commandsRejected + e.rejected,
          rejections: room > 0 && e.rejections.length > 0 ? [...s.rejections, ...e.rejections.slice(0, room)] : s.rejections,
          offset: Math.max(s.offset, e.offset),
        },
      };
    }
    case 'ImportFinished':
      return {
        ...r,
        done: new Set(),
        lastEventAt: e.at,
        status: {
          ...s,
          state: e.state,
          message: e.message,
          finishedAt: new Date(e.at).toISOString(),
          ...(e.problems !== undefined ? { problems: e.problems } : {}),
          ...(e.problemCount !== undefined ? { problemCount: e.problemCount } : {}),
          ...(e.records !== undefined ? { records: e.records, bytes: s.bytesTotal } : {}),
          ...(e.legs !== undefined ? { legs: e.legs } : {}),
        },
      };
  }
}
