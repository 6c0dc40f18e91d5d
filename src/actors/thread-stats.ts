/**
 * What one actor thread can tell about itself for /metrics: live actors, queued messages, dead
 * letters by reason, entities passivated by the LRU limit. Those counters live in the memory of
 * the thread that owns them, so a worker's come from the `thread-stats` actor each entity thread
 * runs, asked at scrape time; the main thread's are read directly.
 */
import { stateless, type Behavior } from './behavior.ts';
import { DEAD_LETTER_REASONS, type DeadLetterReason } from './dead-letters.ts';
import type { ActorRef } from './ref.ts';
import type { ActorSystem } from './system.ts';

export interface ThreadStats {
  readonly actors: number;
  /** Messages queued in every mailbox of the thread. */
  readonly mailboxMessages: number;
  /** The most messages queued in any one mailbox. */
  readonly mailboxMaxMessages: number;
  readonly deadLetters: Readonly<Record<DeadLetterReason, number>>;
  readonly lruPassivations: number;
}

export type ThreadStatsMsg = { readonly _tag: 'GetThreadStats'; readonly replyTo: ActorRef<ThreadStats> };

/** Where each entity thread runs its stats actor. */
export const THREAD_STATS_PATH = 'thread-stats';

export function threadStats(system: ActorSystem): ThreadStats {
  const depth = system.mailboxDepth();
  const deadLetters = {} as Record<DeadLetterReason, number>;
  for (const reason of DEAD_LETTER_REASONS) deadLetters[reason] = system.deadLetters.countOf(reason);
  return {
    actors: system.actorCount,
    mailboxMessages: depth.total,
    mailboxMaxMessages: depth.max,
    deadLetters,
    lruPassivations: system.lruPassivations,
  };
}

/** The actor that answers a thread's stats; spawn it as THREAD_STATS_PATH. */
export function threadStatsActor(system: ActorSystem): Behavior<ThreadStatsMsg> {
  return stateless<ThreadStatsMsg>((m) => m.replyTo.tell(threadStats(system)));
}
