/**
 * The shard region: one per node, on the main thread, at path "shards". It keeps the shard table
 * (shard-table.ts, computed from the member set), delivers a message for an entity of a shard it
 * owns to the entity's thread, forwards one for a shard owned elsewhere to that node's region
 * (one hop), buffers one for a shard in handoff (handoff-buffer.ts), and hands shards off when
 * the table changes (handoff.ts, where the shard states and their diagram are).
 *
 * Failing fast: a message for a shard whose owner is unreachable, whose buffer is full, or that
 * bounced between regions more than `maxHops` times is refused at once with a retriable
 * Unavailable error to its asker, instead of timing out: nothing was applied. An ask of this
 * node's (`ask`) that was already forwarded when its member is lost (downed, unreachable, or its
 * connection closed and re-dialling refused) fails at once with OutcomeUnknown (in-flight.ts):
 * it may or may not have been applied, so nothing here retries it.
 */
import {
  askFailure,
  stateless,
  unavailable,
  type ActorRef,
  type ActorSystem,
  type AnyRef,
  type Clock,
  type TimerHandle,
} from '../../actors/index.ts';
import { shardOf, stableHash } from './allocation.ts';
import { Handoff } from './handoff.ts';
import { HandoffBuffer, type Buffered } from './handoff-buffer.ts';
import type { ShardHostMsg } from './host.ts';
import { InFlightAsks } from './in-flight.ts';
import { newRegionStats, type RegionStats } from './region-stats.ts';
import { defaultSharding, REGION_PATH, type RegionMsg, type ShardingSettings } from './settings.ts';
import type { ShardHosts } from './shard-hosts.ts';
import { ACTIVE, RELEASING, ShardTable, WAITING, type ShardInfo } from './shard-table.ts';

/** How often the members that have asks of ours in flight are checked for a lost connection
 * (the transport reports a refused re-dial, but raises no event for it). */
const IN_FLIGHT_CHECK_MS = 25;

/** What `route` returns for a message it buffered (node ids are never empty). */
const BUFFERED = '';

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
  readonly stats: RegionStats = newRegionStats();
  private readonly system: ActorSystem;
  private readonly hosts: ShardHosts;
  private readonly self: string;
  private readonly threads: readonly number[];
  private readonly entityHosts: readonly string[];
  private readonly log: (level: 'info' | 'warn', line: string) => void;
  private readonly clock: Clock;
  private readonly table: ShardTable;
  private readonly buffers: HandoffBuffer;
  private readonly handoff: Handoff;
  private readonly inFlight = new InFlightAsks();
  private inFlightTimer: TimerHandle | undefined;
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
    this.settings = { ...defaultSharding, ...options.settings };
    if (!Number.isInteger(this.settings.shardCount) || this.settings.shardCount < 1)
      throw new RangeError(`shardCount must be a positive integer, got ${this.settings.shardCount}`);
    this.log = options.log ?? (() => undefined);
    this.table = new ShardTable(this.settings.shardCount);
    this.buffers = new HandoffBuffer(this.settings.bufferLimit);
    this.handoff = new Handoff({
      system: this.system,
      hosts: this.hosts,
      self: this.self,
      threads: this.threads,
      entityHosts: this.entityHosts,
      settings: this.settings,
      stopMessage: options.stopMessage,
      clock: this.clock,
      table: this.table,
      stats: this.stats,
      log: this.log,
      flush: (shard) => this.flush(shard),
      notifyIdle: () => this.notifyIdle(),
    });
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
    switch (this.table.state[shard]) {
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
    const owner = this.table.owners[shard];
    if (owner === undefined) return this.refuse(path, replyTo, 'no member hosts shards (is any node up with the shards role?)');
    if (owner === this.self) return this.refuse(path, replyTo, `shard ${shard} is in an inconsistent state here`);
    if (hops >= this.settings.maxHops)
      return this.refuse(path, replyTo, `shard ${shard} is moving (the nodes' tables disagree for a moment); retry`);
    if (!this.hosts.reachable(owner))
      return this.refuse(path, replyTo, `shard ${shard}'s home ${owner} is unreachable; it moves once the cluster downs that member`);
    this.stats.forwarded++;
    const deliver: RegionMsg = { _tag: 'Deliver', path, message, hops: hops + 1 };
    // The asker travels as the sender (once on the wire); if the link to the owner cannot take
    // the message, the transport fails the ask at once (Unavailable: it was not sent).
    this.system.deliver({ node: owner, thread: 0, path: REGION_PATH }, deliver, replyTo);
    return owner;
  }

  private buffer(shard: number, b: Buffered): boolean {
    if (!this.buffers.add(shard, b)) {
      this.refuse(
        b.path,
        b.replyTo,
        `shard ${shard} is being handed off and the handoff buffer is full (${this.settings.bufferLimit} messages); retry`,
      );
      return false;
    }
    this.stats.buffered++;
    return true;
  }

  private flush(shard: number): void {
    const list = this.buffers.take(shard);
    if (list === undefined) return;
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
    this.handoff.recompute();
  }

  private behavior() {
    return stateless<RegionMsg>((m, ctx) => {
      switch (m._tag) {
        case 'Deliver':
          this.route(m.path, m.message, ctx.sender, m.hops);
          return;
        case 'Release':
          this.handoff.onRelease(m);
          return;
        case 'Released':
          this.handoff.onReleased(m);
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
    this.handoff.reset();
    this.recompute();
    const c = this.counts();
    return { coming: c.waiting, leaving: c.releasing, owners: this.ownerCounts() };
  }

  // ---------------------------------------------------------------- inspection

  shards(): ShardInfo[] {
    return this.table.shards();
  }

  /** Shards per owner, as this node's table has them. */
  ownerCounts(): Record<string, number> {
    return this.table.ownerCounts();
  }

  /** Shards active, waiting and releasing here. */
  counts(): { active: number; waiting: number; releasing: number; buffered: number } {
    return { ...this.table.counts(), buffered: this.buffers.size };
  }

  /** Entities running here per shard, summed over threads and entity types. */
  async entitiesPerShard(timeoutMs = 5_000): Promise<Record<string, number>> {
    const total: Record<string, number> = {};
    const replies = await Promise.all(
      this.threads.flatMap((thread) =>
        this.entityHosts.map((host) =>
          this.system.ask<{ counts: Record<string, number> }>(
            { node: this.self, thread, path: host },
            (replyTo): ShardHostMsg => ({ _tag: 'CountByShard', shardCount: this.settings.shardCount, replyTo }),
            timeoutMs,
          ),
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
    this.handoff.stop();
    this.unsubscribe();
    if (this.inFlightTimer !== undefined) this.clock.clearTimeout(this.inFlightTimer);
    for (const [shard, list] of this.buffers.takeAll())
      for (const b of list) this.refuse(b.path, b.replyTo, `shard ${shard}: this node is stopping`);
  }
}
