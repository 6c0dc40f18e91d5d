/**
 * Split-brain resolver strategies as pure functions: given the members this node sees, which of
 * them it cannot reach, and the strategy, decide which side survives. Every node of a side
 * computes the same answer from the same view, so a side acts as one without talking to the other.
 *
 * The resolver is the only thing that downs automatically. It runs only once membership and
 * reachability have been stable for `stableAfterMs` (see gossip.ts): a flapping link or a slow
 * GC must not down anyone, and both sides must have had time to see the same partition.
 */
import { compareAddress, compareAge, type Member } from './member.ts';

/**
 * How the split-brain resolver picks the side that survives a partition (docs/cluster.md):
 * keep-majority, static-quorum, keep-oldest, or lease-majority (a Redis lease). `role` limits
 * the members that count to those with the role.
 */
export type DowningStrategy =
  | { readonly _tag: 'KeepMajority'; readonly role?: string }
  | { readonly _tag: 'StaticQuorum'; readonly quorum: number; readonly role?: string }
  | { readonly _tag: 'KeepOldest'; readonly role?: string }
  | { readonly _tag: 'LeaseMajority'; readonly acquireDelayMs: number; readonly role?: string };

export type DowningDecision =
  /** Nothing unreachable: nothing to do. */
  | { readonly _tag: 'Nothing' }
  /** This side survives: down the unreachable members. */
  | { readonly _tag: 'DownUnreachable'; readonly nodes: readonly string[] }
  /** This side must go: down every member of it, this node included. */
  | { readonly _tag: 'DownSelf'; readonly nodes: readonly string[] }
  /** Whoever holds the lease survives; try to take it after `delayMs` (the minority waits longer). */
  | { readonly _tag: 'AcquireLease'; readonly delayMs: number; readonly onAcquired: DowningDecision; readonly onRefused: DowningDecision };

/** Members that count in a decision: up and leaving. Joining ones do not vote. */
function counted(members: readonly Member[], role: string | undefined): Member[] {
  return members.filter((m) => (m.status === 'up' || m.status === 'leaving') && (role === undefined || m.roles.includes(role)));
}

export function decide(
  members: readonly Member[],
  unreachable: ReadonlySet<string>,
  self: string,
  strategy: DowningStrategy,
): DowningDecision {
  // Exiting members have left already (the leader removes them even when unreachable); they
  // neither vote nor need downing.
  const live = members.filter((m) => m.status !== 'down' && m.status !== 'removed' && m.status !== 'exiting');
  const lost = live.filter((m) => unreachable.has(m.node) && m.node !== self).map((m) => m.node);
  if (lost.length === 0) return { _tag: 'Nothing' };
  const mine = live.filter((m) => !unreachable.has(m.node) || m.node === self).map((m) => m.node);
  const survive: DowningDecision = { _tag: 'DownUnreachable', nodes: lost };
  const perish: DowningDecision = { _tag: 'DownSelf', nodes: mine };
  const voters = counted(live, strategy.role);
  const reachableVoters = voters.filter((m) => !unreachable.has(m.node) || m.node === self);
  switch (strategy._tag) {
    case 'KeepMajority':
      return majority(voters, reachableVoters) ? survive : perish;
    case 'StaticQuorum':
      // More voters than twice the quorum would let both sides reach it: the config is wrong,
      // and downing everyone is the only safe answer (as Akka does).
      if (voters.length >= strategy.quorum * 2) return perish;
      return reachableVoters.length >= strategy.quorum ? survive : perish;
    case 'KeepOldest': {
      const oldest = [...voters].sort(compareAge)[0];
      if (oldest === undefined) return perish;
      return !unreachable.has(oldest.node) || oldest.node === self ? survive : perish;
    }
    case 'LeaseMajority': {
      const delayMs = majority(voters, reachableVoters) ? 0 : strategy.acquireDelayMs;
      return { _tag: 'AcquireLease', delayMs, onAcquired: survive, onRefused: perish };
    }
  }
}

/**
 * More than half of the voters, or exactly half and holding the lowest address among them (a
 * deterministic tie-breaker both sides compute alike).
 */
export function majority(voters: readonly Member[], reachable: readonly Member[]): boolean {
  if (voters.length === 0) return false;
  if (reachable.length * 2 > voters.length) return true;
  if (reachable.length * 2 < voters.length) return false;
  const lowest = [...voters].sort((a, b) => compareAddress(a.node, b.node))[0];
  return lowest !== undefined && reachable.some((m) => m.node === lowest.node);
}
