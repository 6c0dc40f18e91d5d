/**
 * Dead letters: messages that could not be delivered (no such actor, mailbox full, link
 * overloaded, late ask reply). They are counted by reason, offered to listeners, and logged at a
 * bounded rate so that a flood of undeliverable messages cannot flood the log as well.
 */
import type { Clock } from './clock.ts';

/** Why a message was not delivered (every reason, for metrics that export each one from the start). */
export const DEAD_LETTER_REASONS = ['no-such-actor', 'mailbox-full', 'stopped', 'no-route', 'link-overflow', 'late-reply'] as const;
export type DeadLetterReason = (typeof DEAD_LETTER_REASONS)[number];

/** A message that could not be delivered, as `system.deadLetters.subscribe` listeners get it. */
export interface DeadLetter {
  readonly _tag: 'DeadLetter';
  readonly target: string;
  readonly reason: DeadLetterReason;
  readonly message: unknown;
}

/** A thread's dead letters: `system.deadLetters`. Counts, listeners and the bounded log. */
export class DeadLetters {
  private total = 0;
  private readonly byReason = new Map<DeadLetterReason, number>();
  private readonly listeners = new Set<(d: DeadLetter) => void>();
  private windowStart = -Infinity;
  private loggedInWindow = 0;
  private suppressed = 0;

  constructor(
    private readonly clock: Clock,
    private readonly log: (line: string) => void,
    /** At most `maxLogs` lines per `perMs`; the rest are counted and summarised. */
    private readonly maxLogs = 10,
    private readonly perMs = 10_000,
  ) {}

  get count(): number {
    return this.total;
  }

  /** Dead letters so far for one reason. */
  countOf(reason: DeadLetterReason): number {
    return this.byReason.get(reason) ?? 0;
  }

  /** Calls `listener` with every dead letter from now on; returns the unsubscribe function. */
  subscribe(listener: (d: DeadLetter) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Records an undeliverable message (the runtime calls it; so may code that drops messages itself). */
  publish(target: string, reason: DeadLetterReason, message: unknown): void {
    this.total++;
    this.byReason.set(reason, (this.byReason.get(reason) ?? 0) + 1);
    if (this.listeners.size > 0) {
      const d: DeadLetter = { _tag: 'DeadLetter', target, reason, message };
      for (const l of this.listeners) l(d);
    }
    const now = this.clock.now();
    if (now - this.windowStart >= this.perMs) {
      if (this.suppressed > 0) this.log(`dead letters: ${this.suppressed} more not logged in the last ${this.perMs} ms`);
      this.windowStart = now;
      this.loggedInWindow = 0;
      this.suppressed = 0;
    }
    if (this.loggedInWindow < this.maxLogs) {
      this.loggedInWindow++;
      this.log(`dead letter (${reason}) to ${target}: ${describe(message)}`);
    } else {
      this.suppressed++;
    }
  }
}

function describe(message: unknown): string {
  if (typeof message === 'object' && message !== null && '_tag' in message) return String((message as { _tag: unknown })._tag);
  return typeof message;
}
