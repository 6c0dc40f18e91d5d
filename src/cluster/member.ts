/**
 * A cluster member and its status, as an explicit state machine.
 *
 *            join                leader@convergence
 *   (none) --------> joining ---------------------> up
 *                       |                            | leave
 *                       |                            v
 *                       |                         leaving
 *                       |                            | leader@convergence
 *                       |                            v
 *                       |                         exiting
 *                       | down (SBR / admin)         | leader@convergence
 *                       +-------> down <--- (any) ---+
 *                                  | leader@convergence
 *                                  v
 *                               removed   (a tombstone: never comes back; a restarted process
 *                                          joins again as a new incarnation)
 *
 * Statuses only move forward along this order, which is what makes gossip merge a plain "take the
 * later status" (a join-semilattice): two nodes that saw different histories agree once they have
 * exchanged state, whatever the order of messages.
 */

/** Where a member is in its life (the diagram above). */
export type MemberStatus = 'joining' | 'up' | 'leaving' | 'exiting' | 'down' | 'removed';

/** A member of the cluster as the gossip state holds it. */
export interface Member {
  /** host:port#incarnation: the identity every Address carries. */
  readonly node: string;
  readonly status: MemberStatus;
  /**
   * Age order: assigned by the leader when the member moves to up (0 while joining). Lower is
   * older. Ties (two leaders during a brief disagreement) break on the node id.
   */
  readonly upNumber: number;
  readonly roles: readonly string[];
}

export type MemberEvent = 'up' | 'leave' | 'exit' | 'down' | 'remove';

const RANK: Record<MemberStatus, number> = { joining: 0, up: 1, leaving: 2, exiting: 3, down: 4, removed: 5 };

export function statusRank(s: MemberStatus): number {
  return RANK[s];
}

/** The later of two statuses: how gossip merges two views of one member. */
export function laterStatus(a: MemberStatus, b: MemberStatus): MemberStatus {
  return RANK[a] >= RANK[b] ? a : b;
}

/**
 * The transition function. An illegal transition returns undefined and the caller ignores the
 * event (policy: a stale or duplicated command, e.g. "leave" for a member already exiting, is a
 * no-op, never an error that could disturb the node).
 */
export function transition(status: MemberStatus, event: MemberEvent): MemberStatus | undefined {
  switch (event) {
    case 'up':
      return status === 'joining' ? 'up' : undefined;
    case 'leave':
      return status === 'joining' || status === 'up' ? 'leaving' : undefined;
    case 'exit':
      return status === 'leaving' ? 'exiting' : undefined;
    case 'down':
      return status === 'removed' || status === 'down' ? undefined : 'down';
    case 'remove':
      return status === 'exiting' || status === 'down' ? 'removed' : undefined;
  }
}

/** host:port of a node id "host:port#incarnation". */
export function hostPort(node: string): string {
  const i = node.lastIndexOf('#');
  return i < 0 ? node : node.slice(0, i);
}

export function incarnation(node: string): string {
  const i = node.lastIndexOf('#');
  return i < 0 ? '' : node.slice(i + 1);
}

/** A fresh node id. The incarnation is start time plus randomness, so a restart is a new member. */
export function newNodeId(advertise: string, now: number, random: () => number = Math.random): string {
  return `${advertise}#${now.toString(36)}${Math.floor(random() * 36 ** 4)
    .toString(36)
    .padStart(4, '0')}`;
}

/** Older first: (upNumber, node id). Joining members (upNumber 0) sort last. */
export function compareAge(a: Member, b: Member): number {
  const ua = a.upNumber === 0 ? Number.MAX_SAFE_INTEGER : a.upNumber;
  const ub = b.upNumber === 0 ? Number.MAX_SAFE_INTEGER : b.upNumber;
  return ua !== ub ? ua - ub : compareAddress(a.node, b.node);
}

/**
 * Address order for leader choice and tie-breaks: by host, then port as a number, then
 * incarnation, so "h:9" sorts before "h:10" and every node computes the same order.
 */
export function compareAddress(a: string, b: string): number {
  const [ha, pa] = splitHostPort(hostPort(a));
  const [hb, pb] = splitHostPort(hostPort(b));
  if (ha !== hb) return ha < hb ? -1 : 1;
  if (pa !== pb) return pa - pb;
  return a < b ? -1 : a > b ? 1 : 0;
}

export function splitHostPort(address: string): [string, number] {
  const i = address.lastIndexOf(':');
  if (i < 0) return [address, 0];
  const host = address.slice(0, i).replace(/^\[|\]$/g, '');
  return [host, Number(address.slice(i + 1))];
}
