/**
 * Consumer-side duplicate filter, by (persistenceId, seq): the thesis's section 5.6 "event
 * filtering". Delivery from the bus (and from a re-published feed) is at-least-once; a read
 * model keeps the last seq it applied per aggregate and drops anything at or below it.
 *
 * The filter's state must be stored atomically with the view it protects (same transaction),
 * or a crash between the two re-applies or loses events; `entries()` and the constructor exist
 * for that. A seq more than one past the last seen is reported as a gap: the consumer started
 * mid-stream or lost messages, and should not silently carry on.
 */

/** How `DedupFilter.check` classifies an event. */
export type Verdict = 'new' | 'duplicate' | 'gap';

/** Drops events already applied, by (persistenceId, seq): see the module comment. */
export class DedupFilter {
  private readonly last = new Map<string, number>();

  constructor(state: Iterable<readonly [string, number]> = []) {
    for (const [id, seq] of state) this.last.set(id, seq);
  }

  /** Classifies and, for 'new' and 'gap', records the seq as seen. */
  check(persistenceId: string, seq: number): Verdict {
    const last = this.last.get(persistenceId) ?? 0;
    if (seq <= last) return 'duplicate';
    this.last.set(persistenceId, seq);
    return seq === last + 1 ? 'new' : 'gap';
  }

  /** True when the event should be applied (new, or after a gap the caller chose to accept). */
  accept(persistenceId: string, seq: number): boolean {
    return this.check(persistenceId, seq) !== 'duplicate';
  }

  /** The last seq seen of the aggregate, 0 if none. */
  lastSeq(persistenceId: string): number {
    return this.last.get(persistenceId) ?? 0;
  }

  /** The filter's state, to store with the read model it protects (and pass to the constructor on restart). */
  entries(): [string, number][] {
    return [...this.last];
  }
}
