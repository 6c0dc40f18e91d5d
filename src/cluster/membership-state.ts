/**
 * The replicated membership state and its pure operations: merge, convergence, leader and the
 * leader's actions. gossip.ts runs them on timers and messages.
 *
 * Why Akka-style gossip and not SWIM: Aloft needs what SWIM does not give by itself, a single
 * agreed view of member status with a leader that moves members on only when everyone has seen
 * the same state (convergence), so that the split-brain resolver and the singleton decide from
 * views all members share, and "up" means the same thing everywhere. SWIM (memberlist) is
 * built for thousands of nodes with eventually consistent liveness and no convergence; our
 * clusters are a few to a few dozen nodes, where full-state gossip to every member each interval
 * costs little and converges in one or two rounds. The state is a join-semilattice (statuses only
 * move forward, per-observer records carry versions, removed members leave tombstones), so merge
 * is commutative, associative and idempotent and needs no vector clocks; "seen" digests give
 * convergence.
 */
import { createHash } from 'node:crypto';
import { compareAddress, laterStatus, transition, type Member } from './member.ts';

export interface Versioned<T> {
  readonly v: number;
  readonly value: T;
}

/** A registered name: the actor's (thread, path) on its owner node. */
export type RegistryEntry = readonly [name: string, thread: number, path: string];

export interface GossipState {
  /** Sorted by address order. */
  readonly members: readonly Member[];
  /** Node ids that were removed; they never come back (sorted). */
  readonly removed: readonly string[];
  /** Observer -> the members it cannot reach now. */
  readonly reachability: Readonly<Record<string, Versioned<readonly string[]>>>;
  /** Owner -> the names it registered (the cluster-wide registry rides on gossip). */
  readonly registry: Readonly<Record<string, Versioned<readonly RegistryEntry[]>>>;
}

export const emptyState: GossipState = { members: [], removed: [], reachability: {}, registry: {} };

export function member(state: GossipState, node: string): Member | undefined {
  return state.members.find((m) => m.node === node);
}

export function merge(a: GossipState, b: GossipState): GossipState {
  const removed = [...new Set([...a.removed, ...b.removed])].sort();
  const gone = new Set(removed);
  const byNode = new Map<string, Member>();
  for (const m of [...a.members, ...b.members]) {
    if (gone.has(m.node)) continue;
    const seen = byNode.get(m.node);
    if (!seen) {
      byNode.set(m.node, m);
      continue;
    }
    const upNumber = seen.upNumber === 0 ? m.upNumber : m.upNumber === 0 ? seen.upNumber : Math.min(seen.upNumber, m.upNumber);
    byNode.set(m.node, { node: m.node, status: laterStatus(seen.status, m.status), upNumber, roles: seen.roles });
  }
  const members = [...byNode.values()].sort((x, y) => compareAddress(x.node, y.node));
  return {
    members,
    removed,
    reachability: mergeRecords(a.reachability, b.reachability, gone),
    registry: mergeRecords(a.registry, b.registry, gone),
  };
}

function mergeRecords<T>(
  a: Readonly<Record<string, Versioned<T>>>,
  b: Readonly<Record<string, Versioned<T>>>,
  gone: ReadonlySet<string>,
): Record<string, Versioned<T>> {
  const out: Record<string, Versioned<T>> = {};
  for (const src of [a, b]) {
    for (const [owner, rec] of Object.entries(src)) {
      if (gone.has(owner)) continue;
      const cur = out[owner];
      if (cur === undefined || rec.v > cur.v) out[owner] = rec;
    }
  }
  return out;
}

/** A stable digest of the state: "seen" compares these. */
export function digest(state: GossipState): string {
  const canonical = JSON.stringify([
    state.members.map((m) => [m.node, m.status, m.upNumber]),
    state.removed,
    Object.keys(state.reachability)
      .sort()
      .map((k) => [k, state.reachability[k]?.v]),
    Object.keys(state.registry)
      .sort()
      .map((k) => [k, state.registry[k]?.v]),
  ]);
  return createHash('sha1').update(canonical).digest('base64').slice(0, 16);
}

/**
 * Members some live observer cannot reach. Records of observers that are down are ignored: a
 * downed node's opinion no longer counts.
 */
export function unreachable(state: GossipState): Set<string> {
  const live = new Set(state.members.filter((m) => m.status !== 'down').map((m) => m.node));
  const out = new Set<string>();
  for (const [observer, rec] of Object.entries(state.reachability)) {
    if (!live.has(observer)) continue;
    for (const subject of rec.value) if (subject !== observer && state.members.some((m) => m.node === subject)) out.add(subject);
  }
  return out;
}

/**
 * Convergence: every member that must agree has seen this exact state. Down members are out;
 * an unreachable member that is not down (or exiting) blocks convergence, which is what stops
 * the leader from moving anyone while a partition is unresolved.
 */
export function converged(state: GossipState, seen: ReadonlyMap<string, string>, self: string): boolean {
  const d = digest(state);
  const lost = unreachable(state);
  for (const m of state.members) {
    if (m.status === 'down' || m.status === 'removed') continue;
    if (lost.has(m.node)) {
      if (m.status === 'exiting') continue;
      return false;
    }
    if (m.node !== self && seen.get(m.node) !== d) return false;
  }
  return true;
}

/** The leader: lowest address among reachable up/leaving members (joining ones if none is up yet). */
export function leader(state: GossipState): string | undefined {
  const lost = unreachable(state);
  const candidates = state.members.filter((m) => !lost.has(m.node));
  const up = candidates.filter((m) => m.status === 'up' || m.status === 'leaving');
  const pool = up.length > 0 ? up : candidates.filter((m) => m.status === 'joining');
  return pool[0]?.node; // members are kept in address order
}

/** What the leader does at convergence: joining -> up, leaving -> exiting, exiting/down -> removed. */
export function leaderActions(state: GossipState): GossipState {
  let upNumber = Math.max(0, ...state.members.map((m) => m.upNumber));
  const removed: string[] = [];
  const members: Member[] = [];
  for (const m of state.members) {
    if (m.status === 'joining') members.push({ ...m, status: 'up', upNumber: ++upNumber });
    else if (m.status === 'leaving') members.push({ ...m, status: transition(m.status, 'exit') ?? m.status });
    else if (m.status === 'exiting' || m.status === 'down') removed.push(m.node);
    else members.push(m);
  }
  if (removed.length === 0 && members.every((m, i) => m === state.members[i])) return state;
  const gone = new Set(removed);
  return {
    members,
    removed: [...new Set([...state.removed, ...removed])].sort(),
    reachability: Object.fromEntries(Object.entries(state.reachability).filter(([k]) => !gone.has(k))),
    registry: Object.fromEntries(Object.entries(state.registry).filter(([k]) => !gone.has(k))),
  };
}

/** Applies a member event (join/leave/down) if legal; otherwise returns the state unchanged. */
export function applyEvent(state: GossipState, node: string, event: 'leave' | 'down'): GossipState {
  const m = member(state, node);
  if (!m) return state;
  const next = transition(m.status, event);
  if (next === undefined) return state;
  return { ...state, members: state.members.map((x) => (x.node === node ? { ...x, status: next } : x)) };
}

export function addJoining(state: GossipState, node: string, roles: readonly string[]): GossipState {
  if (member(state, node) || state.removed.includes(node)) return state;
  return merge(state, { ...emptyState, members: [{ node, status: 'joining', upNumber: 0, roles }] });
}

/** Sets this observer's reachability record (bumping its version) if it changed. */
export function setReachability(state: GossipState, observer: string, lost: readonly string[]): GossipState {
  if (state.removed.includes(observer)) return state;
  const sorted = [...lost].sort();
  const cur = state.reachability[observer];
  if (cur && cur.value.length === sorted.length && cur.value.every((x, i) => x === sorted[i])) return state;
  if (!cur && sorted.length === 0) return state;
  return { ...state, reachability: { ...state.reachability, [observer]: { v: (cur?.v ?? 0) + 1, value: sorted } } };
}

export function setRegistry(state: GossipState, owner: string, entries: readonly RegistryEntry[]): GossipState {
  if (state.removed.includes(owner)) return state;
  const cur = state.registry[owner];
  return { ...state, registry: { ...state.registry, [owner]: { v: (cur?.v ?? 0) + 1, value: entries } } };
}
