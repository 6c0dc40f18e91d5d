/**
 * The journal's one error taxonomy.
 *
 * Every failure that leaves the persistence layer is a `JournalError`: it carries a `_tag` naming
 * the case and a `retriable` flag (retry the same call later and it may succeed). Low-level
 * failures (LMDB, cassandra-driver, kafkajs) are converted to these at the boundary where they
 * enter. Callers test with the guards below, which look at `_tag` and never use `instanceof`:
 * an error that crossed a worker or node boundary arrives as plain data (see `toErrorData`).
 */

/** The cases of `JournalError`, one `_tag` each. */
export type JournalErrorTag = 'JournalConflict' | 'JournalUnavailable' | 'CorruptEvent' | 'UnknownEvent' | 'InvalidAppend';

/** The plain-data form of every journal error: what goes on the wire. */
export interface JournalErrorData {
  readonly _tag: JournalErrorTag;
  readonly message: string;
  readonly retriable: boolean;
  readonly persistenceId?: string;
  readonly seq?: number;
  readonly offset?: number;
  readonly expectedSeq?: number;
  readonly actualSeq?: number;
}

/** Every error the journal throws; test it with the guards (`isJournalConflict`...), not `instanceof`. */
export abstract class JournalError extends Error {
  abstract readonly _tag: JournalErrorTag;
  abstract readonly retriable: boolean;
  /** The error as plain data, to send across a thread or node boundary. */
  toData(): JournalErrorData {
    const { _tag, message, retriable } = this;
    return { ...(this as unknown as Record<string, unknown>), _tag, message, retriable } as JournalErrorData;
  }
}

/** Another writer appended first: the caller's view of the aggregate is stale. Not retriable
 * as-is; the owner must reload from the journal (an event-sourced actor stops). */
export class JournalConflict extends JournalError {
  readonly _tag = 'JournalConflict' as const;
  readonly retriable = false;
  constructor(
    readonly persistenceId: string,
    readonly expectedSeq: number,
    readonly actualSeq: number,
  ) {
    super(`journal conflict on ${persistenceId}: expected seq ${expectedSeq}, journal is at ${actualSeq}`);
    this.name = 'JournalConflict';
  }
}

/** The store could not be reached or could not commit (disk full, server down, closed). The
 * append did not become visible; retrying later may succeed. */
export class JournalUnavailable extends JournalError {
  readonly _tag = 'JournalUnavailable' as const;
  readonly retriable = true;
  constructor(
    message: string,
    override readonly cause?: unknown,
  ) {
    super(`journal unavailable: ${message}`);
    this.name = 'JournalUnavailable';
  }
  override toData(): JournalErrorData {
    return { _tag: this._tag, message: this.message, retriable: this.retriable };
  }
}

/** A stored record or payload could not be decoded. Never skipped: the reader stops here. */
export class CorruptEvent extends JournalError {
  readonly _tag = 'CorruptEvent' as const;
  readonly retriable = false;
  constructor(
    readonly persistenceId: string | undefined,
    readonly seq: number | undefined,
    readonly offset: number | undefined,
    readonly reason: string,
  ) {
    super(`corrupt event ${persistenceId ?? '?'}#${seq ?? '?'} (offset ${offset ?? '?'}): ${reason}`);
    this.name = 'CorruptEvent';
  }
}

/** A decodable event whose type or version this reader does not know (written by newer code,
 * or an upcaster is missing). */
export class UnknownEvent extends JournalError {
  readonly _tag = 'UnknownEvent' as const;
  readonly retriable = false;
  constructor(
    readonly persistenceId: string,
    readonly seq: number,
    readonly offset: number,
    readonly type: string,
    readonly version: number,
  ) {
    super(`unknown event ${type} v${version} at ${persistenceId}#${seq} (offset ${offset})`);
    this.name = 'UnknownEvent';
  }
}

/** The caller passed something the journal refuses before touching storage (empty id,
 * negative expectedSeq, an event without `_tag`, a value msgpack cannot encode). */
export class InvalidAppend extends JournalError {
  readonly _tag = 'InvalidAppend' as const;
  readonly retriable = false;
  constructor(reason: string) {
    super(`invalid append: ${reason}`);
    this.name = 'InvalidAppend';
  }
}

function hasTag(e: unknown, tag: JournalErrorTag): boolean {
  return typeof e === 'object' && e !== null && (e as { _tag?: unknown })._tag === tag;
}

const TAGS: ReadonlySet<string> = new Set<JournalErrorTag>([
  'JournalConflict',
  'JournalUnavailable',
  'CorruptEvent',
  'UnknownEvent',
  'InvalidAppend',
]);

/** Any journal error, as thrown or as plain data. */
export const isJournalError = (e: unknown): e is JournalErrorData =>
  typeof e === 'object' && e !== null && TAGS.has(String((e as { _tag?: unknown })._tag));
/** Another writer appended first (see `JournalConflict`). */
export const isJournalConflict = (e: unknown): e is JournalErrorData & { persistenceId: string; expectedSeq: number; actualSeq: number } =>
  hasTag(e, 'JournalConflict');
/** Storage failed or is unreachable; retrying later may succeed (see `JournalUnavailable`). */
export const isJournalUnavailable = (e: unknown): e is JournalErrorData => hasTag(e, 'JournalUnavailable');
/** A stored record could not be decoded (see `CorruptEvent`). */
export const isCorruptEvent = (e: unknown): e is JournalErrorData => hasTag(e, 'CorruptEvent');
/** An event type or version this code does not know (see `UnknownEvent`). */
export const isUnknownEvent = (e: unknown): e is JournalErrorData => hasTag(e, 'UnknownEvent');
/** The journal refused the arguments of an append (see `InvalidAppend`). */
export const isInvalidAppend = (e: unknown): e is JournalErrorData => hasTag(e, 'InvalidAppend');

/** Plain data for the wire (msgpackr, postMessage): keeps `_tag`, `retriable` and the fields. */
export function toErrorData(e: JournalError): JournalErrorData {
  return e.toData();
}

/** Converts whatever a driver threw into a JournalError, keeping journal errors as they are. */
export function asJournalError(e: unknown, what: string): JournalError {
  if (e instanceof JournalError) return e;
  const detail = e instanceof Error ? e.message : String(e);
  return new JournalUnavailable(`${what}: ${detail}`, e);
}
