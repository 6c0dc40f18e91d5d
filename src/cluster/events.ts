/**
 * Cluster events, as actors and the admin API see them. Derived by diffing two membership
 * states, so every node reports the same events for the same changes.
 */
import type { Member } from './member.ts';
import { leader, unreachable, type GossipState } from './membership-state.ts';

/**
 * A change of membership: a member's status moved (joined, up, left, exited, downed, removed),
 * it became unreachable or reachable again, or the leader changed. Code on the main thread gets
 * them from `cluster.onClusterEvent`, actors by subscribing to the `cluster` actor.
 */
export type ClusterEvent =
  | { readonly _tag: 'MemberJoined'; readonly member: Member }
  | { readonly _tag: 'MemberUp'; readonly member: Member }
  | { readonly _tag: 'MemberLeft'; readonly member: Member }
  | { readonly _tag: 'MemberExited'; readonly member: Member }
  | { readonly _tag: 'MemberDowned'; readonly member: Member }
  | { readonly _tag: 'MemberRemoved'; readonly node: string }
  | { readonly _tag: 'UnreachableMember'; readonly node: string }
  | { readonly _tag: 'ReachableMember'; readonly node: string }
  | { readonly _tag: 'LeaderChanged'; readonly leader: string | undefined };

const STATUS_EVENT = {
  joining: 'MemberJoined',
  up: 'MemberUp',
  leaving: 'MemberLeft',
  exiting: 'MemberExited',
  down: 'MemberDowned',
} as const;

export function diff(before: GossipState, after: GossipState): ClusterEvent[] {
  const out: ClusterEvent[] = [];
  const old = new Map(before.members.map((m) => [m.node, m]));
  for (const m of after.members) {
    const prev = old.get(m.node);
    if (m.status === 'removed') continue;
    if (prev?.status !== m.status) out.push({ _tag: STATUS_EVENT[m.status], member: m } as ClusterEvent);
  }
  for (const node of after.removed) if (!before.removed.includes(node)) out.push({ _tag: 'MemberRemoved', node });
  const u0 = unreachable(before);
  const u1 = unreachable(after);
  for (const n of u1) if (!u0.has(n)) out.push({ _tag: 'UnreachableMember', node: n });
  for (const n of u0) if (!u1.has(n) && after.members.some((m) => m.node === n)) out.push({ _tag: 'ReachableMember', node: n });
  const l0 = leader(before);
  const l1 = leader(after);
  if (l0 !== l1) out.push({ _tag: 'LeaderChanged', leader: l1 });
  return out;
}
