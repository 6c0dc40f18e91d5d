/**
 * The runtime's error taxonomy. Errors are tagged (`_tag`) and carry a `retriable` flag; guards
 * test the tag, never `instanceof`, because an error may have crossed a thread or node boundary
 * as plain data.
 */

/** The kinds of runtime error, one `_tag` each. */
export type ActorErrorTag = 'AskTimeout' | 'DeadLetter' | 'MailboxFull' | 'ActorStopped' | 'InvalidMessage' | 'NameTaken' | 'Unavailable';

/**
 * An error of the runtime: an ask that timed out, a full mailbox, a stopped actor... A failed
 * `ask` rejects with one. Test it with the guards below rather than `instanceof`: one that came
 * from another thread or node is plain data with the same fields.
 */
export class ActorError extends Error {
  readonly _tag: ActorErrorTag;
  readonly retriable: boolean;
  /** The address of the actor concerned, as text. */
  readonly target: string;

  constructor(tag: ActorErrorTag, target: string, message: string, retriable: boolean) {
    super(message);
    this._tag = tag;
    this.target = target;
    this.retriable = retriable;
    this.name = tag;
  }
}

/** AskTimeout: no reply to an ask within `ms`. */
export const askTimeout = (target: string, ms: number): ActorError =>
  new ActorError('AskTimeout', target, `ask to ${target} got no reply within ${ms} ms`, true);

/** MailboxFull: the target's mailbox was at its bound of `capacity`. */
export const mailboxFull = (target: string, capacity: number): ActorError =>
  new ActorError('MailboxFull', target, `mailbox of ${target} is full (capacity ${capacity})`, true);

/** ActorStopped: the target is stopped or never existed. */
export const actorStopped = (target: string): ActorError =>
  new ActorError('ActorStopped', target, `${target} is stopped or never existed`, false);

/** DeadLetter: the message was not delivered, for `reason`. */
export const deadLetter = (target: string, reason: string): ActorError =>
  new ActorError('DeadLetter', target, `message to ${target} was not delivered: ${reason}`, false);

/** InvalidMessage: the message failed validation at a boundary. */
export const invalidMessage = (target: string, reason: string): ActorError =>
  new ActorError('InvalidMessage', target, `message to ${target} is invalid: ${reason}`, false);

/** The target cannot take messages now (its home is moving or unreachable); retrying may work. */
export const unavailable = (target: string, reason: string): ActorError =>
  new ActorError('Unavailable', target, `${target} is unavailable: ${reason}`, true);

function hasTag(e: unknown, tag: ActorErrorTag): e is ActorError {
  return typeof e === 'object' && e !== null && (e as { _tag?: unknown })._tag === tag;
}

/** No reply within the ask's timeout (retriable: the message may or may not have been handled). */
export const isAskTimeout = (e: unknown): e is ActorError => hasTag(e, 'AskTimeout');
/** The target's mailbox was at its bound; nothing was delivered (retriable). */
export const isMailboxFull = (e: unknown): e is ActorError => hasTag(e, 'MailboxFull');
/** The target is stopped or never existed. */
export const isActorStopped = (e: unknown): e is ActorError => hasTag(e, 'ActorStopped');
/** The message was not delivered. */
export const isDeadLetterError = (e: unknown): e is ActorError => hasTag(e, 'DeadLetter');
/** Any of the runtime's errors. */
export const isActorError = (e: unknown): e is ActorError =>
  typeof e === 'object' &&
  e !== null &&
  ['AskTimeout', 'DeadLetter', 'MailboxFull', 'ActorStopped', 'InvalidMessage', 'NameTaken', 'Unavailable'].includes(
    String((e as { _tag?: unknown })._tag),
  );
/** A registry name is held by another actor. */
export const isNameTaken = (e: unknown): e is ActorError => hasTag(e, 'NameTaken');
/** The target cannot take messages now (its shard is moving, its node unreachable): retry later. */
export const isUnavailable = (e: unknown): e is ActorError => hasTag(e, 'Unavailable');

/** An error as one line for the log (name and message), whatever was thrown. */
export function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
