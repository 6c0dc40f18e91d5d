/**
 * The shard region: one per node, on the main thread, at path "shards". It knows the shard table
 * (allocation.ts, computed from the member set), delivers a message for an entity of a shard it
 * owns to the entity's thread, forwards one for a shard owned elsewhere to that node's region
 * (one hop), and hands shards off when the table changes.
 *
 * A shard's state on this node:
 *
 *     remote ──table gives it to me──▶ waiting ──every other member confirmed, or it is gone,
 *       ▲                                │         or handoffTimeoutMs passed──▶ active
 *       │                                │ table moves it away again                │
 *       └────────────────────────────────┘                         table moves it away
 *       └──── entities stopped, "Released" sent to the new owner ◀── releasing ◀────┘
 *
 * - waiting: messages are buffered (bounded); the region asks every other live member to
 *   release the shard and activates it once all have answered that they host none of its
 *   entities. Asking everyone, not just the previous owner, is what keeps two quick membership
 *   changes (a leave, then a join) from activating a shard while a third node still runs it.
 * - A member that is downed or removed while we wait no longer counts, so a handoff from a node
 *   that dies does not get stuck; a member that is only unreachable is waited for until
 *   handoffTimeoutMs, a reachable one six times as long, after which the shard starts anyway.
 *   That is safe because the journal's sequence check refuses the second of two writers of one
 *   aggregate (see the double-host test), and it bounds how long commands can stall.
 * - A member answers "released" only for a shard it neither runs nor waits for.
 * - releasing: the entities of the shard are stopped in every thread (told `stopMessage` and
 *   awaited, so a write in flight completes and is answered first), then buffered messages go
 *   to the new owner.
 *
 * Failing fast: a message for a shard whose owner is unreachable, whose buffer is full, or that
 * bounced between regions more than `maxHops` times is refused at once with a retriable
 * Unavailable error to its asker, instead of timing out: nothing was applied. An ask of this
 * node's (`ask`) that was already forwarded when its member is lost (downed, unreachable, or its
 * connection closed and re-dialling refused) fails at once with OutcomeUnknown (in-flight.ts):
 * it may or may not have been applied, so nothing here retries it.
 */
import { askFailure, stateless, unavailable, type ActorRef, type ActorSystem, type AnyRef, type Clock, type TimerHandle } from '../../actors/index.ts';
import { hostPort } from '../member.ts';
import { allocate, shardOf, stableHash } from './allocation.ts';
import type { ShardHostMsg } from './host.ts';
import type { LostCause } from './errors.ts';
import { InFlightAsks } from './in-flight.ts';

export const REGION_PATH = 'shards';

export interface ShardingSettings {
  /** Fixed for the life of a cluster: changing it re-homes every entity. Default 1,024. */
  readonly shardCount: number;
  /** How long a shard waits for unreachable members to confirm its release (reachable ones: six
   * times as long). Default 5 s. */
  readonly handoffTimeoutMs: number;
  /** Messages buffered for shards in handoff, over all shards of the node. Default 10,000. */
  readonly bufferLimit: number;
  /** Region-to-region forwards before a message is refused (tables briefly disagree). Default 2. */
  readonly maxHops: number;
}

export const defaultSharding: ShardingSettings = { shardCount: 1024, handoffTimeoutMs: 5_000, bufferLimit: 10_000, maxHops: 2 };

/** What the region needs to know of the cluster: itself, the shard hosts, and who is alive. */
export interface ShardHosts {
  readonly self: string;
  /** Node ids of the members that host shards now (up, with the shard role), one per address. */
  hosts(): readonly string[];
  /** Every member that may still run entities (not down, not removed), self excluded. */
  others(): readonly string[];
  reachable(node: string): boolean;
  /**
   * Why asks already sent to `node` will get no answer: it was downed, it is unreachable, or its
   * connection closed and re-dialling it is refused (its process is gone). Undefined while it may
   * still answer. Absent: asks in flight wait for their timeout.
   */
  lost?(node: string): LostCause | undefined;
  /** Calls `listener` after every membership change; returns the unsubscribe function. */
  onChange(listener: () => void): () => void;
}

/** A node alone: it hosts every shard. */
export function standaloneHosts(self: string): ShardHosts {
  return { self, hosts: () => [self], others: () => [], reachable: () => true, onChange: () => () => undefined };
}

export type RegionMsg =
  /** An entity message forwarded by another region; its asker, if any, is the sender. */
  | { readonly _tag: 'Deliver'; readonly path: string; readonly message: unknown; readonly hops: number }
  | { readonly _tag: 'Release'; readonly shards: readonly number[]; readonly from: string }
  | { readonly _tag: 'Released'; readonly shards: readonly number[]; readonly from: string };

export type ShardState = 'active' | 'waiting' | 'releasing' | 'remote';

export interface ShardInfo {
  readonly shard: number;
  readonly owner: string | undefined;
  readonly state: ShardState;
}

export interface RegionStats {
  delivered: number;
  forwarded: number;
  buffered: number;
  refused: number;
  handoffs: number;
  handoffTimeouts: number;
  releases: number;
  /** Asks of this node failed with OutcomeUnknown because the member they were sent to was lost. */
  lostInFlight: number;
}

interface Buffered {
  readonly path: string;
  readonly message: unknown;
  readonly replyTo: AnyRef | undefined;
  readonly hops: number;
}

/** A shard waits this many handoff timeouts for reachable members before it starts anyway. */
const HARD_CAP_FACTOR = 6;

/** How often the members that have asks of ours in flight are checked for a lost connection
 * (the transport reports a refused re-dial, but raises no event for it). */
const IN_FLIGHT_CHECK_MS = 25;

/** What `route` returns for a message it buffered (node ids are never empty). */
const BUFFERED = '';

const REMOTE = 0;
const ACTIVE = 1;
const WAITING = 2;
const RELEASING = 3;
const NAMES: readonly ShardState[] = ['remote', 'active', 'waiting', 'releasing'];

export interface RegionOptions {
  readonly system: ActorSystem;
  readonly hosts: ShardHosts;
  /** Threads of this node that run entities (the workers; [0] when there are none). */
  readonly threads: readonly number[];
  /** Names of the entity hosts (shardHost actors), the first segment of an entity path. */
  readonly entityHosts: readonly string[];
  readonly settings?: Partial<ShardingSettings>;
  /** Told to each entity of a shard being handed off (Akka's handOffStopMessage); the handoff
   * waits until they have stopped. Absent: entities are stopped at once. */
  readonly stopMessage?: unknown;
  readonly log?: (level: 'info' | 'warn', line: string) => void;
}

export class ShardRegion {
  readonly settings: ShardingSettings;
  readonly stats: RegionStats = { delivered: 0, forwarded: 0, buffered: 0, refused: 0, handoffs: 0, handoffTimeouts: 0, releases: 0, lostInFlight: 0 };
  private readonly system: ActorSystem;
  private readonly hosts: ShardHosts;
  private readonly self: string;
  private readonly threads: readonly number[];
  private readonly entityHosts: readonly string[];
  private readonly stopMessage: unknown;
  private readonly log: (level: 'info' | 'warn', line: string) => void;
  private readonly clock: Clock;
  private owners: string[] = [];
  private hostKey = '';
  private readonly state: Uint8Array;
  /** For a waiting shard: the members that have not confirmed yet, and since when it waits. */
  private readonly pending = new Map<number, Set<string>>();
  private readonly waitingSince = new Map<number, number>();
  private readonly buffers = new Map<number, Buffered[]>();
  private bufferedNow = 0;
  private timer: TimerHandle | undefined;
  private readonly inFlight = new InFlightAsks();
  private inFlightTimer: TimerHandle | undefined;
  private lastAsk = 0;
  private stopped = false;
  private readonly unsubscribe: () => void;
  private readonly idleListeners = new Set<() => void>();

  constructor(options: RegionOptions) {
    this.system = options.system;
    this.clock = options.system.clock;
    this.hosts = options.hosts;
    this.self = options.hosts.self;
    this.threads = options.threads.length > 0 ? options.threads : [0];
    this.entityHosts = options.entityHosts;
    this.stopMessage = options.stopMessage;
    this.settings = { ...defaultSharding, ...options.settings };
    if (!Number.isInteger(this.settings.shardCount) || this.settings.shardCount < 1) throw new RangeError(`shardCount must be a positive integer, got ${this.settings.shardCount}`);
    this.log = options.log ?? (() => undefined);
    this.state = new Uint8Array(this.settings.shardCount);
    this.system.spawn(this.behavior(), { name: REGION_PATH, mailboxCapacity: 1_000_000 });
    this.unsubscribe = this.hosts.onChange(() => {
      this.checkInFlight();
      this.recompute();
    });
    this.recompute();
  }

  // ---------------------------------------------------------------- routing

  shardOf(path: string): number {
    return shardOf(path, this.settings.shardCount);
  }

  /**
   * An ask to the entity at `path` ("<host>/<id>") wherever its shard lives. Fails with
   * Unavailable when it could not be sent (nothing applied), with OutcomeUnknown when the member
   * it was sent to is lost before answering, with AskTimeout after `timeoutMs`.
   */
  ask<R>(path: string, make: (replyTo: ActorRef<R>) => unknown, timeoutMs: number): Promise<R> {
    let sent: { replyTo: AnyRef; to: string } | undefined;
    const answer = this.system.askVia<R>(path, timeoutMs, (replyTo) => {
      const to = this.route(path, make(replyTo), replyTo as AnyRef, 0);
      if (to !== undefined) sent = { replyTo: replyTo as AnyRef, to };
    });
    // Delivered here or refused: nothing to watch (the common local case costs nothing more).
    if (sent === undefined) return answer;
    const tracked = this.inFlight.track(path, sent.replyTo, sent.to === BUFFERED ? undefined : sent.to, answer);
    this.armInFlightCheck();
    return tracked;
  }

  /** A tell to the entity at `path`, wherever its shard lives. */
  tell(path: string, message: unknown): void {
    this.route(path, message, undefined, 0);
  }

  /** Returns the member the message was forwarded to, BUFFERED, or undefined (delivered here, or refused). */
  private route(path: string, message: unknown, replyTo: AnyRef | undefined, hops: number): string | undefined {
    const shard = this.shardOf(path);
    switch (this.state[shard]) {
      case ACTIVE:
        this.deliverHere(path, message, replyTo);
        return undefined;
      case WAITING:
      case RELEASING:
        return this.buffer(shard, { path, message, replyTo, hops }) ? BUFFERED : undefined;
      default:
        return this.forward(shard, path, message, replyTo, hops);
    }
  }

  private deliverHere(path: string, message: unknown, replyTo: AnyRef | undefined): void {
    this.stats.delivered++;
    const slash = path.indexOf('/');
    const id = slash < 0 ? path : path.slice(slash + 1);
    const thread = this.threads[stableHash(id) % this.threads.length] as number;
    this.system.deliver({ node: this.self, thread, path }, message, replyTo);
  }

  private forward(shard: number, path: string, message: unknown, replyTo: AnyRef | undefined, hops: number): string | undefined {
    const owner = this.owners[shard];
    if (owner === undefined) return this.refuse(path, replyTo, 'no member hosts shards (is any node up with the shards role?)');
    if (owner === this.self) return this.refuse(path, replyTo, `shard ${shard} is in an inconsistent state here`);
    if (hops >= this.settings.maxHops) return this.refuse(path, replyTo, `shard ${shard} is moving (the nodes' tables disagree for a moment); retry`);
    if (!this.hosts.reachable(owner)) return this.refuse(path, replyTo, `shard ${shard}'s home ${owner} is unreachable; it moves once the cluster downs that member`);
    this.stats.forwarded++;
    const deliver: RegionMsg = { _tag: 'Deliver', path, message, hops: hops + 1 };
    // The asker travels as the sender (once on the wire); if the link to the owner cannot take
    // the message, the transport fails the ask at once (Unavailable: it was not sent).
    this.system.deliver({ node: owner, thread: 0, path: REGION_PATH }, deliver, replyTo);
    return owner;
  }

  private buffer(shard: number, b: Buffered): boolean {
    if (this.bufferedNow >= this.settings.bufferLimit) {
      this.refuse(b.path, b.replyTo, `shard ${shard} is being handed off and the handoff buffer is full (${this.settings.bufferLimit} messages); retry`);
      return false;
    }
    this.stats.buffered++;
    this.bufferedNow++;
    let list = this.buffers.get(shard);
    if (list === undefined) this.buffers.set(shard, (list = []));
    list.push(b);
    return true;
  }

  private flush(shard: number): void {
    const list = this.buffers.get(shard);
    if (list === undefined) return;
    this.buffers.delete(shard);
    this.bufferedNow -= list.length;
    let sent = false;
    for (const b of list) {
      const to = this.route(b.path, b.message, b.replyTo, b.hops);
      // One of our own asks that waited here is on its way now: from here on it is in flight.
      if (to !== undefined && to !== BUFFERED && b.replyTo !== undefined) sent = this.inFlight.sentTo(b.replyTo, to) || sent;
    }
    if (sent) this.armInFlightCheck();
  }

  private refuse(path: string, replyTo: AnyRef | undefined, reason: string): undefined {
    this.stats.refused++;
    if (replyTo !== undefined) (replyTo as ActorRef<unknown>).tell(askFailure(unavailable(path, reason)));
    else this.system.deadLetters.publish(path, 'no-route', reason);
    return undefined;
  }

  // ---------------------------------------------------------------- asks in flight

  /** Fails the asks in flight to every member that is lost now (see ShardHosts.lost). */
  private checkInFlight(): void {
    const lost = this.hosts.lost;
    if (lost === undefined) return;
    for (const node of this.inFlight.nodes()) {
      const why = lost.call(this.hosts, node);
      if (why === undefined) continue;
      const n = this.inFlight.fail(node, why);
      this.stats.lostInFlight += n;
      this.log('warn', `${n} ask(s) in flight to ${node} failed with an unknown outcome: ${node} is ${why}`);
    }
    this.armInFlightCheck();
  }

  /** The transport raises no event when a re-dial is refused: while asks are in flight, look. */
  private armInFlightCheck(): void {
    if (this.inFlightTimer !== undefined || this.stopped || this.hosts.lost === undefined || this.inFlight.remote === 0) return;
    this.inFlightTimer = this.clock.setTimeout(() => {
      this.inFlightTimer = undefined;
      this.checkInFlight();
    }, IN_FLIGHT_CHECK_MS);
  }

  // ---------------------------------------------------------------- the table

  /** Recomputes the table from the member set and starts the handoffs it implies. */
  recompute(): void {
    if (this.stopped) return;
    const hosts = [...this.hosts.hosts()].sort();
    const key = hosts.join(',');
    if (key === this.hostKey && this.owners.length > 0) return this.tick();
    this.hostKey = key;
    const before = this.owners;
    // Scored by address, so a node restarted at its address gets its shards back (hosts has one
    // node per address).
    const byAddress = new Map(hosts.map((n) => [hostPort(n), n]));
    const after = allocate(this.settings.shardCount, [...byAddress.keys()]).map((a) => byAddress.get(a) as string);
    this.owners = after;
    const toRelease: number[] = [];
    const toWait: number[] = [];
    for (let s = 0; s < this.settings.shardCount; s++) {
      const mine = after[s] === this.self;
      const st = this.state[s];
      if (mine && st === REMOTE) toWait.push(s);
      else if (!mine && st === ACTIVE) toRelease.push(s);
      else if (!mine && st === WAITING) {
        // Moved on before it started here: nothing runs, pass its buffer on.
        this.state[s] = REMOTE;
        this.pending.delete(s);
        this.waitingSince.delete(s);
        this.flush(s);
      }
    }
    if (before.length > 0 || toWait.length > 0) this.log('info', `shard table: ${hosts.length} host(s); ${toWait.length} shard(s) coming here, ${toRelease.length} leaving`);
    if (toWait.length > 0) this.startWaiting(toWait);
    if (toRelease.length > 0) void this.release(toRelease);
    this.tick();
  }

  private startWaiting(shards: readonly number[]): void {
    const others = this.hosts.others();
    const now = this.clock.now();
    for (const s of shards) {
      this.state[s] = WAITING;
      this.pending.set(s, new Set(others));
      this.waitingSince.set(s, now);
      this.stats.handoffs++;
    }
    this.askRelease(others, shards);
    for (const s of shards) this.maybeActivate(s);
  }

  private askRelease(nodes: readonly string[], shards: readonly number[]): void {
    this.lastAsk = this.clock.now();
    for (const node of nodes) {
      const mine = shards.filter((s) => this.pending.get(s)?.has(node));
      if (mine.length === 0) continue;
      const m: RegionMsg = { _tag: 'Release', shards: mine, from: this.self };
      this.system.deliver({ node, thread: 0, path: REGION_PATH }, m, undefined);
    }
  }

  private maybeActivate(shard: number, force = false): void {
    if (this.state[shard] !== WAITING) return;
    const pending = this.pending.get(shard);
    if (!force && pending !== undefined && pending.size > 0) return;
    this.state[shard] = ACTIVE;
    this.pending.delete(shard);
    this.waitingSince.delete(shard);
    this.flush(shard);
    this.notifyIdle();
  }

  /** Stops the shards' entities in every thread, then hands their buffers to the new owners. */
  private async release(shards: readonly number[]): Promise<void> {
    for (const s of shards) this.state[s] = RELEASING;
    this.stats.releases += shards.length;
    const asks: Array<Promise<unknown>> = [];
    for (const thread of this.threads) {
      for (const host of this.entityHosts) {
        asks.push(
          this.system
            .ask<{ stopped: number }>({ node: this.self, thread, path: host }, (replyTo): ShardHostMsg => ({ _tag: 'StopShards', shards, shardCount: this.settings.shardCount, ...(this.stopMessage !== undefined ? { stopMessage: this.stopMessage } : {}), replyTo }), this.settings.handoffTimeoutMs)
            .catch((error: unknown) => this.log('warn', `handoff: ${host} in thread ${thread} did not confirm stopping (${String(error)}); going on`)),
        );
      }
    }
    await Promise.all(asks);
    if (this.stopped) return;
    const byOwner = new Map<string, number[]>();
    for (const s of shards) {
      if (this.state[s] !== RELEASING) continue;
      const owner = this.owners[s];
      if (owner === this.self) {
        // The table gave it back while its entities stopped: they restart from the journal.
        this.state[s] = ACTIVE;
      } else {
        this.state[s] = REMOTE;
        if (owner !== undefined) {
          let list = byOwner.get(owner);
          if (list === undefined) byOwner.set(owner, (list = []));
          list.push(s);
        }
      }
      this.flush(s);
    }
    for (const [owner, list] of byOwner) this.sendReleased(owner, list);
    this.notifyIdle();
  }

  private sendReleased(to: string, shards: readonly number[]): void {
    const m: RegionMsg = { _tag: 'Released', shards, from: this.self };
    this.system.deliver({ node: to, thread: 0, path: REGION_PATH }, m, undefined);
  }

  /** Periodic work: members that went away stop counting, timeouts, re-asking for releases. */
  private tick(): void {
    if (this.stopped) return;
    if (this.pending.size === 0) {
      if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
      this.timer = undefined;
      return;
    }
    const alive = new Set(this.hosts.others());
    const now = this.clock.now();
    for (const [s, waitingOn] of this.pending) {
      for (const node of waitingOn) if (!alive.has(node)) waitingOn.delete(node);
      if (waitingOn.size === 0) {
        this.maybeActivate(s);
        continue;
      }
      const waited = now - (this.waitingSince.get(s) ?? now);
      const allUnreachable = [...waitingOn].every((n) => !this.hosts.reachable(n));
      // An unreachable member may be dead without being downed yet: wait for it up to the
      // handoff timeout. A reachable one is alive and will answer once its table moves (or
      // its entities have stopped): wait for it much longer, and only then start anyway.
      if ((allUnreachable && waited >= this.settings.handoffTimeoutMs) || waited >= this.settings.handoffTimeoutMs * HARD_CAP_FACTOR) {
        this.stats.handoffTimeouts++;
        this.log('warn', `shard ${s}: ${[...waitingOn].join(', ')} did not confirm its release within ${waited} ms${allUnreachable ? ' (unreachable)' : ''}; starting it here (the journal refuses a second writer)`);
        this.maybeActivate(s, true);
      }
    }
    if (this.pending.size > 0 && now - this.lastAsk >= 1_000) {
      const shards = [...this.pending.keys()];
      this.askRelease([...alive], shards);
    }
    if (this.timer === undefined && this.pending.size > 0) {
      this.timer = this.clock.setTimeout(() => {
        this.timer = undefined;
        this.tick();
      }, 100);
    }
  }

  private behavior() {
    return stateless<RegionMsg>((m, ctx) => {
      switch (m._tag) {
        case 'Deliver':
          this.route(m.path, m.message, ctx.sender, m.hops);
          return;
        case 'Release': {
          // "Do you run any of these?" Answer for the ones we do not. A shard still active here
          // is answered by release() once our own table moves it; one we are waiting for is not
          // answered at all: two nodes whose tables disagree would otherwise confirm each other
          // and both start it. Once gossip converges the loser's table moves it to remote, and it
          // answers the next re-ask.
          const free = m.shards.filter((s) => this.state[s] === REMOTE);
          if (free.length > 0) this.sendReleased(m.from, free);
          return;
        }
        case 'Released':
          for (const s of m.shards) {
            this.pending.get(s)?.delete(m.from);
            this.maybeActivate(s);
          }
          return;
      }
    });
  }

  /**
   * The admin's rebalance: recompute the table from the current members now (the table is
   * always balanced for a member set, so this only matters if a change was missed), re-ask the
   * members a waiting shard still waits for, and report what this node is doing.
   */
  rebalance(): { readonly coming: number; readonly leaving: number; readonly owners: Record<string, number> } {
    this.hostKey = '';
    this.lastAsk = 0;
    this.recompute();
    const c = this.counts();
    return { coming: c.waiting, leaving: c.releasing, owners: this.ownerCounts() };
  }

  // ---------------------------------------------------------------- inspection

  shards(): ShardInfo[] {
    return Array.from({ length: this.settings.shardCount }, (_, shard) => ({ shard, owner: this.owners[shard], state: NAMES[this.state[shard] as number] as ShardState }));
  }

  /** Shards per owner, as this node's table has them. */
  ownerCounts(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const o of this.owners) out[o] = (out[o] ?? 0) + 1;
    return out;
  }

  /** Shards active, waiting and releasing here. */
  counts(): { active: number; waiting: number; releasing: number; buffered: number } {
    let active = 0;
    let waiting = 0;
    let releasing = 0;
    for (const st of this.state) {
      if (st === ACTIVE) active++;
      else if (st === WAITING) waiting++;
      else if (st === RELEASING) releasing++;
    }
    return { active, waiting, releasing, buffered: this.bufferedNow };
  }

  /** Entities running here per shard, summed over threads and entity types. */
  async entitiesPerShard(timeoutMs = 5_000): Promise<Record<string, number>> {
    const total: Record<string, number> = {};
    const replies = await Promise.all(
      this.threads.flatMap((thread) =>
        this.entityHosts.map((host) =>
          this.system.ask<{ counts: Record<string, number> }>({ node: this.self, thread, path: host }, (replyTo): ShardHostMsg => ({ _tag: 'CountByShard', shardCount: this.settings.shardCount, replyTo }), timeoutMs),
        ),
      ),
    );
    for (const r of replies) for (const [s, n] of Object.entries(r.counts)) total[s] = (total[s] ?? 0) + n;
    return total;
  }

  /** Resolves once nothing is active, waiting or releasing here (after a leave), or at the deadline. */
  async drained(timeoutMs: number): Promise<boolean> {
    const deadline = this.clock.now() + timeoutMs;
    for (;;) {
      const c = this.counts();
      if (c.active + c.waiting + c.releasing === 0) return true;
      if (this.clock.now() >= deadline) return false;
      await new Promise<void>((resolve) => {
        const timer = this.clock.setTimeout(() => {
          this.idleListeners.delete(done);
          resolve();
        }, 50);
        const done = () => {
          this.clock.clearTimeout(timer);
          this.idleListeners.delete(done);
          resolve();
        };
        this.idleListeners.add(done);
      });
    }
  }

  private notifyIdle(): void {
    for (const l of [...this.idleListeners]) l();
  }

  stop(): void {
    this.stopped = true;
    this.unsubscribe();
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    if (this.inFlightTimer !== undefined) this.clock.clearTimeout(this.inFlightTimer);
    for (const [shard, list] of this.buffers) for (const b of list) this.refuse(b.path, b.replyTo, `shard ${shard}: this node is stopping`);
    this.buffers.clear();
    this.bufferedNow = 0;
  }
}
