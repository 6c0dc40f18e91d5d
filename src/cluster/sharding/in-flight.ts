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
  /** Set when its member is lost: the error the caller gets instead of the runtime's. */
  lost: OutcomeUnknown | undefined;
}

export class InFlightAsks {
  /** Asks buffered here, by their reply path, until they are forwarded (see sentTo). */
  private readonly buffered = new Map<string, InFlight>();
  private readonly byNode = new Map<string, Set<InFlight>>();
  private count = 0;

  /** Asks sent to another member and not settled yet. */
  get remote(): number {
    return this.count;
  }

  /** The members that have asks of ours in flight. */
  nodes(): string[] {
    const out: string[] = [];
    for (const [node, set] of this.byNode) if (set.size > 0) out.push(node);
    return out;
  }

  /**
   * Starts tracking an ask just routed (`node` undefined: buffered here), and returns its promise
   * as the caller should see it: the runtime's answer, or OutcomeUnknown if `node` is lost first.
   * The hot path (every remote ask) costs one derived promise and a set entry.
   */
  track<R>(target: string, replyTo: AnyRef, node: string | undefined, answer: Promise<R>): Promise<R> {
    const entry: InFlight = { target, replyTo, node: undefined, lost: undefined };
    if (node === undefined) this.buffered.set(replyTo.address.path, entry);
    else this.add(entry, node);
    return answer.then(
      (value) => {
        this.forget(entry);
        return value;
      },
      (error: unknown) => {
        this.forget(entry);
        // fail() settled the runtime's ask to end its timer; the caller gets why.
        throw entry.lost ?? error;
      },
    );
  }

  /** A tracked ask (buffered until now) was forwarded to `node`. Untracked refs are ignored. */
  sentTo(replyTo: AnyRef, node: string): boolean {
    const entry = this.buffered.get(replyTo.address.path);
    if (entry === undefined || entry.replyTo !== replyTo) return false;
    this.buffered.delete(replyTo.address.path);
    this.add(entry, node);
    return true;
  }

  /**
   * Fails every ask in flight to `node` with OutcomeUnknown; returns how many. Each is failed by
   * settling the runtime's pending ask (so it does not keep a timer until its timeout, and a late
   * answer is a dead letter); the caller then sees the OutcomeUnknown.
   */
  fail(node: string, lost: LostCause): number {
    const set = this.byNode.get(node);
    if (set === undefined || set.size === 0) return 0;
    this.byNode.delete(node);
    this.count -= set.size;
    for (const entry of set) {
      entry.node = undefined;
      entry.lost = new OutcomeUnknown(entry.target, node, lost);
      (entry.replyTo as ActorRef<unknown>).tell(askFailure(unavailable(entry.target, entry.lost.message)));
    }
    return set.size;
  }

  private add(entry: InFlight, node: string): void {
    entry.node = node;
    let set = this.byNode.get(node);
    if (set === undefined) this.byNode.set(node, (set = new Set()));
    set.add(entry);
    this.count++;
  }

  private forget(entry: InFlight): void {
    if (entry.node === undefined) {
      if (this.buffered.get(entry.replyTo.address.path) === entry) this.buffered.delete(entry.replyTo.address.path);
      return;
    }
    if (this.byNode.get(entry.node)?.delete(entry) === true) this.count--;
    entry.node = undefined;
  }
}
