/**
 * The sharding layer's own error: a message that was already on its way to another member when
 * that member was lost. Not an ActorError: the runtime's errors say a message was *not* delivered
 * (Unavailable, ActorStopped), and callers retry those freely; this one says nobody knows.
 *
 * Tagged and guarded by `_tag`, never `instanceof`, like every error that may cross a boundary.
 */

export const OUTCOME_UNKNOWN = 'OutcomeUnknown';

/**
 * Why a member counts as lost for the asks sent to it:
 * - gone: its connection closed and its address refuses re-dialling (or a new incarnation
 *   answers there): its process is dead, and its shards move within about a second;
 * - downed: the cluster downed it; its shards are moving now;
 * - unreachable: nothing is heard from it (a pause, a partition, or death not yet proven); its
 *   shards stay until the resolver downs it, after stable-after.
 */
export type LostCause = 'gone' | 'downed' | 'unreachable';

const REASONS: Record<LostCause, string> = {
  gone: 'its connection closed and its address refuses connections: its process is gone',
  downed: 'it was downed',
  unreachable: 'it became unreachable',
};

/**
 * The ask's message reached, or may have reached, `node`, which was then lost (its connection
 * closed and re-dialling is refused, or it became unreachable or was downed) before answering.
 * The command may or may not have been applied. `retriable` is true in the sense of the error
 * taxonomy (trying again may succeed), but only the caller knows whether trying again is safe:
 * nothing in Aloft retries this error by itself.
 */
export class OutcomeUnknown extends Error {
  readonly _tag = OUTCOME_UNKNOWN;
  readonly retriable = true;

  constructor(
    /** The entity path the ask was for. */
    readonly target: string,
    /** The member that had the message when it was lost. */
    readonly node: string,
    /** Why that member counts as lost. */
    readonly lost: LostCause,
  ) {
    super(
      `${target}: the message was sent to ${node}, which was lost before it answered (${REASONS[lost]}); it may or may not have been applied`,
    );
    this.name = OUTCOME_UNKNOWN;
  }

  get reason(): string {
    return REASONS[this.lost];
  }
}

export const isOutcomeUnknown = (e: unknown): e is OutcomeUnknown =>
  typeof e === 'object' && e !== null && (e as { _tag?: unknown })._tag === OUTCOME_UNKNOWN;
