/**
 * The membership process of one node: joins through seeds, gossips the state to every member
 * each interval (and at once after a change), sends heartbeats and runs the phi-accrual detector,
 * performs the leader's actions at convergence, and runs the split-brain resolver once the view
 * has been stable for `stableAfterMs`. Pure decisions live in membership-state.ts and downing.ts;
 * this file only drives them with a clock and a transport.
 *
 * Full-state gossip to every member (not to one random peer) is deliberate at our scale (see
 * membership-state.ts): convergence in about one round trip, at n^2 small messages per interval.
 */
import type { Clock, TimerHandle } from '../actors/index.ts';
import { decide, type DowningDecision, type DowningStrategy } from './downing.ts';
import { diff, type ClusterEvent } from './events.ts';
import { hostPort, type Member } from './member.ts';
import {
  addJoining,
  applyEvent,
  converged,
  digest,
  emptyState,
  leader,
  leaderActions,
  member,
  merge,
  setReachability,
  setRegistry,
  unreachable,
  type GossipState,
  type RegistryEntry,
} from './membership-state.ts';
import { emptyPhi, heartbeat, isAvailable, phi, type PhiOptions, type PhiState } from './phi-accrual.ts';
import type { ControlMessage } from './wire.ts';

export interface MembershipTimings {
  readonly gossipIntervalMs: number;
  readonly heartbeatIntervalMs: number;
  readonly phiThreshold: number;
  readonly acceptablePauseMs: number;
  readonly stableAfterMs: number;
  readonly joinRetryMs: number;
  /** How long the first seed waits for others before it forms a cluster on its own. */
  readonly seedTimeoutMs: number;
  /**
   * A member whose process is known to be gone — its address refuses connections, or a new
   * incarnation answers there — for this long, and that has sent nothing since, is unreachable
   * at once; when every other member has found it unreachable too, the resolver decides without
   * waiting for stable-after (0: never; wait for the heartbeats and stable-after).
   */
  readonly goneAfterMs?: number;
}

/**
 * Defaults, and why: heartbeats every second with phi 8 and a 3 s acceptable pause survive a long
 * GC or a saturated event loop yet notice a dead node in about 4-5 s; stable-after 7 s lets both
 * sides of a partition see the same picture (several gossip rounds) before anyone is downed, so a
 * silent node is down about 12 s after it went silent. Akka's defaults are similar (stable-after
 * 20 s for clusters of hundreds; we are small). A crashed process is the common case and needs
 * neither wait: its connections close and its port refuses re-dialling (or its restart answers
 * there as a new incarnation), which a paused, slow or partitioned process never does (the kernel
 * still accepts for it). So 300 ms of that evidence, with nothing heard from it meanwhile, makes
 * it unreachable, and once every other member has found the same it is downed at once — about
 * 0.5 s after a kill -9 (Erlang notices a closed distribution connection the same way). Phi and
 * stable-after still decide every case without that evidence.
 */
export const defaultTimings: MembershipTimings = {
  gossipIntervalMs: 1_000,
  heartbeatIntervalMs: 1_000,
  phiThreshold: 8,
  acceptablePauseMs: 3_000,
  stableAfterMs: 7_000,
  joinRetryMs: 1_000,
  seedTimeoutMs: 3_000,
  goneAfterMs: 300,
};

export interface MembershipDeps {
  readonly self: string;
  readonly roles: readonly string[];
  readonly clock: Clock;
  readonly timings: MembershipTimings;
  readonly strategy: DowningStrategy;
  /** Seed addresses (host:port), re-read at every join attempt (static list or Redis). */
  readonly seeds: () => Promise<readonly string[]>;
  readonly send: (target: string, m: ControlMessage) => void;
  /** Whoever holds it survives (lease-majority). */
  readonly acquireLease?: () => Promise<boolean>;
  /** How long (ms) the transport has known this incarnation's process to be gone (0: it does not). */
  readonly goneFor?: (node: string) => number;
  readonly log: (level: 'debug' | 'info' | 'warn' | 'error', line: string) => void;
}

export class Membership {
  private state: GossipState = emptyState;
  private readonly seen = new Map<string, string>();
  private readonly detectors = new Map<string, PhiState>();
  private readonly firstSeen = new Map<string, number>();
  /** When this node first saw each member in its state (checked at every gone check). */
  private readonly knownSince = new Map<string, number>();
  /** What this node's heartbeat detector found unreachable at the last heartbeat tick. */
  private silentHere = new Set<string>();
  /** Members this node judged gone at the last check (to log changes once). */
  private goneHere = new Set<string>();
  private readonly firstContactMs: number;
  private readonly listeners = new Set<(e: ClusterEvent) => void>();
  private readonly timers: TimerHandle[] = [];
  private readonly startedAt: number;
  private stableSince: number;
  private stableKey = '';
  private heartbeatSeq = 0;
  /** Seeds (host:port) that answered our Join with NotMember. */
  private readonly notMembers = new Set<string>();
  private quickRetried = false;
  /** Members that sent us a state in which we are exiting (graceful leave waits for them). */
  private readonly sawMyExit = new Set<string>();
  private resolving = false;
  private stopped = false;
  private readonly phiOptions: PhiOptions;

  constructor(private readonly deps: MembershipDeps) {
    this.startedAt = deps.clock.now();
    this.stableSince = this.startedAt;
    const t = deps.timings;
    this.firstContactMs = t.acceptablePauseMs + 3 * t.heartbeatIntervalMs;
    this.phiOptions = {
      threshold: t.phiThreshold,
      maxSamples: 200,
      minStdDevMs: Math.max(10, t.heartbeatIntervalMs / 10),
      acceptablePauseMs: t.acceptablePauseMs,
      firstIntervalMs: t.heartbeatIntervalMs,
    };
  }

  get self(): string {
    return this.deps.self;
  }

  get current(): GossipState {
    return this.state;
  }

  get selfMember(): Member | undefined {
    return member(this.state, this.deps.self);
  }

  get isConverged(): boolean {
    return converged(this.state, this.seen, this.deps.self);
  }

  subscribe(listener: (e: ClusterEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  start(): void {
    this.every(this.deps.timings.joinRetryMs, () => void this.tryJoin());
    this.every(this.deps.timings.gossipIntervalMs, () => this.gossipTick());
    this.every(this.deps.timings.heartbeatIntervalMs, () => this.heartbeatTick());
    // The transport's evidence of a gone process raises no event: look for it often (a few map
    // lookups per member), so that a kill -9 is acted on within a fraction of gone-after.
    const after = this.deps.timings.goneAfterMs ?? 0;
    if (after > 0 && this.deps.goneFor !== undefined)
      this.every(Math.max(10, Math.min(50, after / 4, this.deps.timings.heartbeatIntervalMs)), () => this.judge());
    void this.tryJoin();
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers) this.deps.clock.clearTimeout(t);
  }

  private every(ms: number, fn: () => void): void {
    const slot = this.timers.length;
    const arm = () => {
      this.timers[slot] = this.deps.clock.setTimeout(() => {
        if (this.stopped) return;
        try {
          fn();
        } catch (error) {
          this.deps.log('error', `membership timer failed: ${(error as Error).message}`);
        }
        arm();
      }, ms);
    };
    arm();
  }

  // ------------------------------------------------------------- joining

  /**
   * One join attempt: Join to every other seed (when `send`), then, on the first seed, forming a
   * cluster if nobody can answer. Answers (NotMember, or a Join from another non-member) only
   * re-check the forming condition, never send: non-members answering each other's answers
   * with new Joins would be a message storm.
   */
  private async tryJoin(send = true): Promise<void> {
    if (this.selfMember !== undefined || this.state.removed.includes(this.deps.self)) return;
    let seeds: readonly string[];
    try {
      seeds = await this.deps.seeds();
    } catch (error) {
      return this.deps.log('warn', `cannot read seeds: ${(error as Error).message}`);
    }
    if (this.selfMember !== undefined || this.stopped) return;
    const me = hostPort(this.deps.self);
    const others = seeds.filter((s) => s !== me);
    if (send) for (const s of others) this.deps.send(s, { _tag: 'Join', node: this.deps.self, roles: this.deps.roles });
    // The first seed forms the cluster when no other seed answered in time (even when it sees no
    // other seed yet: with Redis, the others may not have registered); any other node waits.
    // With no seeds at all, the node is a cluster of one at once. When every other seed has said
    // it is not a member either, nobody can answer: forming now is as safe as after the timeout,
    // and nodes started together converge in milliseconds instead of a seed timeout.
    const first = seeds.length === 0 || seeds[0] === me;
    const allSaidNo = others.length > 0 && others.every((s) => this.notMembers.has(s));
    if (first && (seeds.length === 0 || allSaidNo || this.deps.clock.now() - this.startedAt >= this.deps.timings.seedTimeoutMs)) {
      this.deps.log('info', `no seed answered: forming a new cluster as ${this.deps.self}`);
      this.update(addJoining(this.state, this.deps.self, this.deps.roles));
    }
  }

  // ------------------------------------------------------------- inbound

  receive(from: string, m: ControlMessage): void {
    if (this.stopped) return;
    switch (m._tag) {
      case 'Join':
        return this.onJoin(m.node, m.roles);
      case 'NotMember':
        this.notMembers.add(hostPort(m.node));
        if (this.selfMember !== undefined) return;
        // The first seed may be able to form now; the others ask once more shortly (once per
        // lifetime), since the first seed is likely forming this very moment.
        void this.tryJoin(false);
        if (!this.quickRetried) {
          this.quickRetried = true;
          this.deps.clock.setTimeout(
            () => {
              if (!this.stopped) void this.tryJoin();
            },
            Math.min(50, this.deps.timings.joinRetryMs),
          );
        }
        return;
      case 'Gossip':
        return this.onGossip(m.from, m.state, m.seen);
      case 'Heartbeat': {
        const now = this.deps.clock.now();
        this.detectors.set(m.from, heartbeat(this.detectors.get(m.from) ?? emptyPhi, now, this.phiOptions));
        void from;
        return;
      }
    }
  }

  private onJoin(node: string, roles: readonly string[]): void {
    const me = this.selfMember;
    if (!me) {
      // A node asking to join is not a member either: as good as its NotMember answer.
      this.notMembers.add(hostPort(node));
      this.deps.send(node, { _tag: 'NotMember', node: this.deps.self });
      void this.tryJoin(false);
      return;
    }
    if (me.status === 'down' || me.status === 'exiting') return;
    let next = this.state;
    // Another incarnation at the same address has restarted: the old one is certainly dead.
    for (const old of this.state.members)
      if (old.node !== node && hostPort(old.node) === hostPort(node)) next = applyEvent(next, old.node, 'down');
    next = addJoining(next, node, roles);
    this.update(next);
    this.deps.send(node, this.gossipMessage());
  }

  private onGossip(from: string, incoming: GossipState, theirSeen: Readonly<Record<string, string>>): void {
    if (!member(incoming, this.deps.self) && !this.selfMember) return; // not for us yet
    const theirDigest = digest(incoming);
    if (member(incoming, this.deps.self)?.status === 'exiting') this.sawMyExit.add(from);
    this.update(merge(this.state, incoming), false);
    const mine = digest(this.state);
    this.seen.set(from, theirDigest);
    for (const [n, d] of Object.entries(theirSeen)) if (d === mine) this.seen.set(n, d);
    // Answer when they lack our state, or do not yet know we have seen theirs (that "seen"
    // acknowledgement is what lets the leader act within a round trip instead of a gossip
    // interval). Both conditions are false for the answer's answer, so this never ping-pongs.
    if (theirDigest !== mine || theirSeen[this.deps.self] !== mine) this.deps.send(from, this.gossipMessage());
    this.afterChange();
  }

  // ------------------------------------------------------------- ticks

  private gossipMessage(): ControlMessage {
    const d = digest(this.state);
    const seen: Record<string, string> = { [this.deps.self]: d };
    for (const [n, s] of this.seen) if (s === d) seen[n] = s;
    return { _tag: 'Gossip', from: this.deps.self, state: this.state, seen };
  }

  private gossipTick(): void {
    if (!this.selfMember) return;
    this.gossipToAll();
    this.afterChange();
  }

  private gossipToAll(): void {
    const m = this.gossipMessage();
    // Down members get gossip too: a node downed while it still runs (by an admin, or by the
    // other side's resolver after a partition heals) learns it that way and stops.
    for (const x of this.state.members) if (x.node !== this.deps.self) this.deps.send(x.node, m);
  }

  private heartbeatTick(): void {
    const me = this.selfMember;
    if (!me) return;
    const now = this.deps.clock.now();
    const hb: ControlMessage = { _tag: 'Heartbeat', from: this.deps.self, seq: this.heartbeatSeq++ };
    const silent = new Set<string>();
    for (const x of this.state.members) {
      if (x.node === this.deps.self || x.status === 'down') continue;
      this.deps.send(x.node, hb);
      const fd = this.detectors.get(x.node);
      if (fd !== undefined) {
        if (!isAvailable(fd, now, this.phiOptions)) {
          silent.add(x.node);
          if (!this.silentHere.has(x.node))
            this.deps.log(
              'warn',
              `no heartbeat from ${x.node} for ${now - (fd.last ?? now)} ms (phi ${phi(fd, now, this.phiOptions).toFixed(1)})`,
            );
        }
        continue;
      }
      // Never heard from: phi has no data. A member that just joined needs a gossip round trip
      // (and, on a busy machine, a slow first turn) before its first heartbeat, so it gets a
      // first-contact allowance instead of the steady-state detector.
      const since = this.firstSeen.get(x.node);
      if (since === undefined) this.firstSeen.set(x.node, now);
      else if (now - since > this.firstContactMs) {
        silent.add(x.node);
        if (!this.silentHere.has(x.node)) this.deps.log('warn', `never heard from ${x.node} in ${now - since} ms`);
      }
    }
    this.silentHere = silent;
    this.judge();
  }

  /**
   * This observer's reachability record: the members its heartbeat detector lost at the last
   * heartbeat tick, and the members gone now (checked more often than heartbeats arrive).
   */
  private judge(): void {
    const me = this.selfMember;
    if (!me) return;
    const gone = new Set<string>();
    const now = this.deps.clock.now();
    for (const x of this.state.members) {
      if (x.node !== this.deps.self && !this.knownSince.has(x.node)) this.knownSince.set(x.node, now);
      if (x.node === this.deps.self || x.status === 'down' || !this.isGone(x.node)) continue;
      gone.add(x.node);
      if (!this.goneHere.has(x.node))
        this.deps.log(
          'warn',
          `${x.node} is gone: its connection closed and its address refuses connections (or a new incarnation answers there), and nothing was heard from it since`,
        );
    }
    this.goneHere = gone;
    const lost = [...new Set([...this.silentHere, ...gone])].filter((n) => member(this.state, n) !== undefined);
    const next = setReachability(this.state, this.deps.self, lost);
    if (next !== this.state) this.update(next);
    // Unchanged, but the evidence may now be complete for the resolver's fast path.
    else if (gone.size > 0) this.resolve();
  }

  // ------------------------------------------------------------- changes

  /** Installs a new state, reports what changed, and (by default) gossips it at once. */
  private update(next: GossipState, spread = true): void {
    if (next === this.state) return;
    const events = diff(this.state, next);
    const removedNow = next.removed.filter((n) => n !== this.deps.self && !this.state.removed.includes(n));
    this.state = next;
    // A removed member is told so once, before its connection is closed (the listeners
    // quarantine it): an exiting node then knows its leave is complete.
    if (removedNow.length > 0) {
      const m = this.gossipMessage();
      for (const n of removedNow) this.deps.send(n, m);
    }
    for (const d of this.detectors.keys()) if (!member(next, d)) this.detectors.delete(d);
    for (const d of this.firstSeen.keys()) if (!member(next, d)) this.firstSeen.delete(d);
    for (const d of this.knownSince.keys()) if (!member(next, d)) this.knownSince.delete(d);
    for (const e of events) {
      this.deps.log(e._tag === 'UnreachableMember' || e._tag === 'MemberDowned' ? 'warn' : 'info', describe(e));
      for (const l of this.listeners) {
        try {
          l(e);
        } catch (error) {
          this.deps.log('error', `cluster event listener failed: ${(error as Error).message}`);
        }
      }
    }
    if (spread) {
      this.gossipToAll();
      this.afterChange();
    }
  }

  private afterChange(): void {
    const me = this.selfMember;
    if (!me || me.status === 'down') return;
    if (leader(this.state) === this.deps.self && converged(this.state, this.seen, this.deps.self)) {
      const next = leaderActions(this.state);
      if (next !== this.state) return this.update(next);
    }
    this.resolve();
  }

  /** The split-brain resolver: acts only on a view unchanged for stable-after. */
  private resolve(): void {
    // A member on its way out has no say: once exiting, the others may already have removed it
    // and refuse it, which it would otherwise read as a partition.
    const me = this.selfMember;
    if (!me || (me.status !== 'up' && me.status !== 'leaving')) return;
    const lost = unreachable(this.state);
    const key = JSON.stringify([this.state.members.map((m) => [m.node, m.status]), [...lost].sort()]);
    const now = this.deps.clock.now();
    if (key !== this.stableKey) {
      this.stableKey = key;
      this.stableSince = now;
      return;
    }
    // Stable-after exists so that both sides of a partition see the same picture before acting.
    // A crashed process has no side: when every lost member is known to be gone, decide now.
    const waited = now - this.stableSince >= this.deps.timings.stableAfterMs || (lost.size > 0 && this.allGone(lost, now));
    if (lost.size === 0 || this.resolving || !waited) return;
    const decision = decide(this.state.members, lost, this.deps.self, this.deps.strategy);
    void this.apply(decision);
  }

  /**
   * Known gone, here: the transport's evidence (the address of the incarnation we last reached
   * refuses connections, or a new incarnation answers there) has held for goneAfterMs, and
   * nothing was heard from the node since that evidence began. A live node that only we cannot
   * dial (a one-way fault) still heartbeats to us and is never judged gone.
   *
   * A member not heard from yet (it joined less than a heartbeat interval ago) is judged on
   * evidence that began after this node first saw it: a member killed right after joining
   * otherwise waited for first contact and stable-after, 13 s with the defaults. That is safe
   * because the transport counts refusals only against the incarnation it has reached, and a
   * process that listened never refuses while it lives: a node still starting is not taken for
   * a gone one.
   */
  private isGone(node: string): boolean {
    const after = this.deps.timings.goneAfterMs ?? 0;
    if (after <= 0 || this.deps.goneFor === undefined) return false;
    const evidence = this.deps.goneFor(node);
    if (evidence < after) return false;
    const now = this.deps.clock.now();
    const since = this.detectors.get(node)?.last ?? this.knownSince.get(node);
    return since !== undefined && now - since >= evidence;
  }

  /**
   * The resolver's fast path: every lost member is gone by this node's evidence, and every other
   * member that votes has found each of them unreachable too (by its own refusals, or by its
   * heartbeats). One observer's evidence alone could be a fault on its own link (a REJECT rule, a
   * dead proxy) while the others still hear the member; all of them losing it at once, with its
   * port refusing, is a dead process. With nobody else to confirm (two members, or everyone else
   * lost), the silence must also have lasted two heartbeat intervals, so a heartbeat that is
   * merely due is not taken for silence.
   */
  private allGone(lost: ReadonlySet<string>, now: number): boolean {
    for (const n of lost) if (!this.isGone(n)) return false;
    const observers = this.state.members.filter(
      (m) => m.node !== this.deps.self && !lost.has(m.node) && (m.status === 'up' || m.status === 'leaving'),
    );
    if (observers.length === 0) {
      const silence = 2 * this.deps.timings.heartbeatIntervalMs;
      return [...lost].every((n) => now - (this.detectors.get(n)?.last ?? 0) >= silence);
    }
    return observers.every((o) => {
      const seen = this.state.reachability[o.node]?.value;
      return seen !== undefined && [...lost].every((n) => seen.includes(n));
    });
  }

  private async apply(d: DowningDecision): Promise<void> {
    switch (d._tag) {
      case 'Nothing':
        return;
      case 'DownUnreachable':
      case 'DownSelf': {
        this.deps.log(
          'warn',
          `split-brain resolver (${this.deps.strategy._tag}): ${d._tag === 'DownSelf' ? 'this side goes down' : 'this side survives, downing'} ${d.nodes.join(', ')}`,
        );
        let next = this.state;
        for (const n of d.nodes) next = applyEvent(next, n, 'down');
        return this.update(next);
      }
      case 'AcquireLease': {
        // One contender per side: the side's leader (the lowest reachable address). Its peers
        // learn the outcome by gossip; were they to ask too, the loser inside a winning side
        // would down its own side.
        if (leader(this.state) !== this.deps.self) return;
        this.resolving = true;
        try {
          if (d.delayMs > 0) await new Promise<void>((r) => this.deps.clock.setTimeout(r, d.delayMs));
          const held = this.deps.acquireLease ? await this.deps.acquireLease().catch(() => false) : false;
          if (!this.stopped) await this.apply(held ? d.onAcquired : d.onRefused);
        } finally {
          this.resolving = false;
        }
      }
    }
  }

  // ------------------------------------------------------------- commands

  leave(node: string = this.deps.self): boolean {
    const next = applyEvent(this.state, node, 'leave');
    this.update(next);
    return next !== this.state || member(this.state, node)?.status === 'leaving';
  }

  /**
   * Graceful leave is complete: we are exiting (the leader saw our leave at convergence) and
   * every other live member has shown us a state where we are exiting, or we are gone already.
   */
  get exitSeenByAll(): boolean {
    const me = this.selfMember;
    if (me === undefined || me.status === 'removed') return true;
    if (me.status !== 'exiting') return false;
    return this.state.members.every(
      (m) => m.node === this.deps.self || m.status === 'down' || m.status === 'exiting' || this.sawMyExit.has(m.node),
    );
  }

  down(node: string): boolean {
    const before = this.state;
    this.update(applyEvent(this.state, node, 'down'));
    return before !== this.state;
  }

  setRegistry(entries: readonly RegistryEntry[]): void {
    if (!this.selfMember) return;
    this.update(setRegistry(this.state, this.deps.self, entries));
  }

  unreachable(): Set<string> {
    return unreachable(this.state);
  }

  leader(): string | undefined {
    return leader(this.state);
  }
}

function describe(e: ClusterEvent): string {
  switch (e._tag) {
    case 'MemberRemoved':
    case 'UnreachableMember':
    case 'ReachableMember':
      return `${e._tag} ${e.node}`;
    case 'LeaderChanged':
      return `LeaderChanged ${e.leader ?? '(none)'}`;
    default:
      return `${e._tag} ${e.member.node}`;
  }
}
