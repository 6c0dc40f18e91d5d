/**
 * What a cluster node says of its membership: the answer of `GetMembers`, of the admin API's
 * `GET /cluster/members`, and the state a new subscriber to cluster events starts from. Kept
 * apart from cluster-node.ts so that the admin API (which the node starts) need not import the
 * node.
 */
import type { Member } from './member.ts';

export interface MemberView {
  readonly node: string;
  readonly address: string;
  readonly incarnation: string;
  readonly status: Member['status'];
  readonly reachable: boolean;
  readonly roles: readonly string[];
  readonly upNumber: number;
}

export interface MembersView {
  readonly self: string;
  readonly leader: string | undefined;
  readonly converged: boolean;
  readonly members: readonly MemberView[];
}
