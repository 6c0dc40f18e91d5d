/**
 * The region's asks that are on their way to another member, by member, so that when a member is
 * lost the asks waiting on it fail at once with OutcomeUnknown instead of at their timeout (a
 * kill -9 otherwise leaves every request that was on the wire to it waiting the full 10 s).
 *
 * Only asks made through this node's region (`ShardRegion.ask`, the gateway's path) are tracked:
 * their promise is ours to settle. A message the region forwards for someone else (another
 * region's hop, a worker's saga) has its asker elsewhere and keeps its own timeout.
 *
 * An ask is tracked from the moment it is routed: with the member it was forwarded to, or with
 * none while it waits in a handoff buffer (it is not sent yet, so it is not failed: it reaches the
 * shard's new home when the buffer flushes, and is tracked from then on).
 */
import { askFailure, unavailable, type ActorRef, type AnyRef } from '../../actors/index.ts';
import { OutcomeUnknown, type LostCause } from './errors.ts';

export interface InFlight {
  readonly target: string;
  readonly replyTo: AnyRef;
  /** The member it was sent to; undefined while it is buffered here. */
  node: string | undefined;
  reject: ((error: OutcomeUnknown) => void) | undefined;
}

export class InFlightAsks {
  private readonly byPath = new Map<string, InFlight>();
  private readonly byNode = new Map<string, Set<InFlight>>();

  /** Asks sent to another member and not settled yet. */
  get remote(): number {
    let n = 0;
    for (const s of this.byNode.values()) n += s.size;
    return n;
  }

  /** The members that have asks of ours in flight. */
  nodes(): string[] {
    return [...this.byNode.keys()];
  }

  /**
   * Starts tracking an ask just routed (`node` undefined: buffered here), and returns its promise
   * as the caller should see it: the runtime's answer, or OutcomeUnknown if `node` is lost first.
   */
  track<R>(target: string, replyTo: AnyRef, node: string | undefined, answer: Promise<R>): Promise<R> {
    const entry: InFlight = { target, replyTo, node: undefined, reject: undefined };
    this.byPath.set(replyTo.address.path, entry);
    if (node !== undefined) this.sentTo(replyTo, node);
    return new Promise<R>((resolve, reject) => {
      entry.reject = reject;
      answer.then(
        (value) => {
          this.forget(entry);
          resolve(value);
        },
        (error: unknown) => {
          this.forget(entry);
          reject(error);
        },
      );
    });
  }

  /** A tracked ask (buffered until now) was forwarded to `node`. Untracked refs are ignored. */
  sentTo(replyTo: AnyRef, node: string): boolean {
    const entry = this.byPath.get(replyTo.address.path);
    if (entry === undefined || entry.replyTo !== replyTo) return false;
    if (entry.node !== undefined) this.byNode.get(entry.node)?.delete(entry);
    entry.node = node;
    let set = this.byNode.get(node);
    if (set === undefined) this.byNode.set(node, (set = new Set()));
    set.add(entry);
    return true;
  }

  /**
   * Fails every ask in flight to `node` with OutcomeUnknown; returns how many. The runtime's own
   * pending ask is settled too (its reply would now be a late one), so it does not keep a timer
   * until its timeout.
   */
  fail(node: string, cause: LostCause): number {
    const set = this.byNode.get(node);
    if (set === undefined) return 0;
    this.byNode.delete(node);
    for (const entry of set) {
      this.byPath.delete(entry.replyTo.address.path);
      const error = new OutcomeUnknown(entry.target, node, cause);
      entry.reject?.(error);
      (entry.replyTo as ActorRef<unknown>).tell(askFailure(unavailable(entry.target, error.message)));
    }
    return set.size;
  }

  private forget(entry: InFlight): void {
    if (this.byPath.get(entry.replyTo.address.path) === entry) this.byPath.delete(entry.replyTo.address.path);
    if (entry.node === undefined) return;
    const set = this.byNode.get(entry.node);
    set?.delete(entry);
    if (set !== undefined && set.size === 0) this.byNode.delete(entry.node);
  }
}
