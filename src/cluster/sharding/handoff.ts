/**
 * The handoff: how shards move between nodes when the shard table changes. A shard's state on
 * this node:
 *
 *     remote ──table gives it to me──▶ waiting ──every other member confirmed, or it is gone,
 *       ▲                                │         or handoffTimeoutMs passed──▶ active
 *       │                                │ table moves it away again                │
 *       └────────────────────────────────┘                         table moves it away
 *       └──── entities stopped, "Released" sent to the new owner ◀── releasing ◀────┘
 *
 * - waiting: messages are buffered (bounded, handoff-buffer.ts); the region asks every other
 *   live member to release the shard and activates it once all have answered that they host
 *   none of its entities. Asking everyone, not just the previous owner, is what keeps two quick
 *   membership changes (a leave, then a join) from activating a shard while a third node still
 *   runs it.
 * - A member that is downed or removed while we wait no longer counts, so a handoff from a node
 *   that dies does not get stuck; a member that is only unreachable is waited for until
 *   handoffTimeoutMs, a reachable one six times as long, after which the shard starts anyway.
 *   That is safe because the journal's sequence check refuses the second of two writers of one
 *   aggregate (see the double-host test), and it bounds how long commands can stall.
 * - A member answers "released" only for a shard it neither runs nor waits for.
 * - releasing: the entities of the shard are stopped in every thread (told `stopMessage` and
 *   awaited, so a write in flight completes and is answered first), then buffered messages go
 *   to the new owner.
 */
import type { ActorSystem, Clock, TimerHandle } from '../../actors/index.ts';
import type { ShardHostMsg } from './host.ts';
import type { RegionStats } from './region-stats.ts';
import { REGION_PATH, type RegionMsg, type ShardingSettings } from './settings.ts';
import type { ShardHosts } from './shard-hosts.ts';
import { ACTIVE, RELEASING, REMOTE, WAITING, type ShardTable } from './shard-table.ts';

/** A shard waits this many handoff timeouts for reachable members before it starts anyway. */
const HARD_CAP_FACTOR = 6;

/** What the handoff uses of its region. */
export interface HandoffContext {
  readonly system: ActorSystem;
  readonly hosts: ShardHosts;
  readonly self: string;
  /** Threads of this node that run entities. */
  readonly threads: readonly number[];
  /** Names of the entity hosts (shardHost actors). */
  readonly entityHosts: readonly string[];
  readonly settings: ShardingSettings;
  /** Told to each entity of a shard being released; undefined: stopped at once. */
  readonly stopMessage: unknown;
  readonly clock: Clock;
  readonly table: ShardTable;
  readonly stats: RegionStats;
  readonly log: (level: 'info' | 'warn', line: string) => void;
  /** Routes again what was buffered for `shard`: its state changed. */
  flush(shard: number): void;
  /** A shard became active or was released (wakes `drained`). */
  notifyIdle(): void;
}

export class Handoff {
  /** For a waiting shard: the members that have not confirmed yet, and since when it waits. */
  private readonly pending = new Map<number, Set<string>>();
  private readonly waitingSince = new Map<number, number>();
  private timer: TimerHandle | undefined;
  private lastAsk = 0;
  private stopped = false;

  constructor(private readonly ctx: HandoffContext) {}

  /** Recomputes the table from the member set and starts the handoffs it implies. */
  recompute(): void {
    if (this.stopped) return;
    const { table, self } = this.ctx;
    const hosts = [...this.ctx.hosts.hosts()].sort();
    const hadTable = table.owners.length > 0;
    if (!table.reallocate(hosts)) return this.tick();
    const after = table.owners;
    const toRelease: number[] = [];
    const toWait: number[] = [];
    for (let s = 0; s < table.shardCount; s++) {
      const mine = after[s] === self;
      const st = table.state[s];
      if (mine && st === REMOTE) toWait.push(s);
      else if (!mine && st === ACTIVE) toRelease.push(s);
      else if (!mine && st === WAITING) {
        // Moved on before it started here: nothing runs, pass its buffer on.
        table.state[s] = REMOTE;
        this.pending.delete(s);
        this.waitingSince.delete(s);
        this.ctx.flush(s);
      }
    }
    if (hadTable || toWait.length > 0)
      this.ctx.log('info', `shard table: ${hosts.length} host(s); ${toWait.length} shard(s) coming here, ${toRelease.length} leaving`);
    if (toWait.length > 0) this.startWaiting(toWait);
    if (toRelease.length > 0) void this.release(toRelease);
    this.tick();
  }

  /** For the admin's rebalance: the next recompute reallocates, and waiting shards re-ask at once. */
  reset(): void {
    this.ctx.table.invalidate();
    this.lastAsk = 0;
  }

  /**
   * "Do you run any of these?" Answer for the ones we do not. A shard still active here is
   * answered by release() once our own table moves it; one we are waiting for is not answered
   * at all: two nodes whose tables disagree would otherwise confirm each other and both start
   * it. Once gossip converges the loser's table moves it to remote, and it answers the next
   * re-ask.
   */
  onRelease(m: Extract<RegionMsg, { _tag: 'Release' }>): void {
    const free = m.shards.filter((s) => this.ctx.table.state[s] === REMOTE);
    if (free.length > 0) this.sendReleased(m.from, free);
  }

  onReleased(m: Extract<RegionMsg, { _tag: 'Released' }>): void {
    for (const s of m.shards) {
      this.pending.get(s)?.delete(m.from);
      this.maybeActivate(s);
    }
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) this.ctx.clock.clearTimeout(this.timer);
  }

  private startWaiting(shards: readonly number[]): void {
    const others = this.ctx.hosts.others();
    const now = this.ctx.clock.now();
    for (const s of shards) {
      this.ctx.table.state[s] = WAITING;
      this.pending.set(s, new Set(others));
      this.waitingSince.set(s, now);
      this.ctx.stats.handoffs++;
    }
    this.askRelease(others, shards);
    for (const s of shards) this.maybeActivate(s);
  }

  private askRelease(nodes: readonly string[], shards: readonly number[]): void {
    this.lastAsk = this.ctx.clock.now();
    for (const node of nodes) {
      const mine = shards.filter((s) => this.pending.get(s)?.has(node));
      if (mine.length === 0) continue;
      const m: RegionMsg = { _tag: 'Release', shards: mine, from: this.ctx.self };
      this.ctx.system.deliver({ node, thread: 0, path: REGION_PATH }, m, undefined);
    }
  }

  private maybeActivate(shard: number, force = false): void {
    const { table } = this.ctx;
    if (table.state[shard] !== WAITING) return;
    const pending = this.pending.get(shard);
    if (!force && pending !== undefined && pending.size > 0) return;
    table.state[shard] = ACTIVE;
    this.pending.delete(shard);
    this.waitingSince.delete(shard);
    this.ctx.flush(shard);
    this.ctx.notifyIdle();
  }

  /** Stops the shards' entities in every thread, then hands their buffers to the new owners. */
  private async release(shards: readonly number[]): Promise<void> {
    const { table, system, self, settings, stopMessage, log } = this.ctx;
    for (const s of shards) table.state[s] = RELEASING;
    this.ctx.stats.releases += shards.length;
    const asks: Array<Promise<unknown>> = [];
    for (const thread of this.ctx.threads) {
      for (const host of this.ctx.entityHosts) {
        asks.push(
          system
            .ask<{ stopped: number }>(
              { node: self, thread, path: host },
              (replyTo): ShardHostMsg => ({
                _tag: 'StopShards',
                shards,
                shardCount: settings.shardCount,
                ...(stopMessage !== undefined ? { stopMessage } : {}),
                replyTo,
              }),
              settings.handoffTimeoutMs,
            )
            .catch((error: unknown) =>
              log('warn', `handoff: ${host} in thread ${thread} did not confirm stopping (${String(error)}); going on`),
            ),
        );
      }
    }
    await Promise.all(asks);
    if (this.stopped) return;
    const byOwner = new Map<string, number[]>();
    for (const s of shards) {
      if (table.state[s] !== RELEASING) continue;
      const owner = table.owners[s];
      if (owner === self) {
        // The table gave it back while its entities stopped: they restart from the journal.
        table.state[s] = ACTIVE;
      } else {
        table.state[s] = REMOTE;
        if (owner !== undefined) {
          let list = byOwner.get(owner);
          if (list === undefined) byOwner.set(owner, (list = []));
          list.push(s);
        }
      }
      this.ctx.flush(s);
    }
    for (const [owner, list] of byOwner) this.sendReleased(owner, list);
    this.ctx.notifyIdle();
  }

  private sendReleased(to: string, shards: readonly number[]): void {
    const m: RegionMsg = { _tag: 'Released', shards, from: this.ctx.self };
    this.ctx.system.deliver({ node: to, thread: 0, path: REGION_PATH }, m, undefined);
  }

  /** Periodic work: members that went away stop counting, timeouts, re-asking for releases. */
  private tick(): void {
    if (this.stopped) return;
    const { clock, hosts, settings } = this.ctx;
    if (this.pending.size === 0) {
      if (this.timer !== undefined) clock.clearTimeout(this.timer);
      this.timer = undefined;
      return;
    }
    const alive = new Set(hosts.others());
    const now = clock.now();
    for (const [s, waitingOn] of this.pending) {
      for (const node of waitingOn) if (!alive.has(node)) waitingOn.delete(node);
      if (waitingOn.size === 0) {
        this.maybeActivate(s);
        continue;
      }
      const waited = now - (this.waitingSince.get(s) ?? now);
      const allUnreachable = [...waitingOn].every((n) => !hosts.reachable(n));
      // An unreachable member may be dead without being downed yet: wait for it up to the
      // handoff timeout. A reachable one is alive and will answer once its table moves (or
      // its entities have stopped): wait for it much longer, and only then start anyway.
      if ((allUnreachable && waited >= settings.handoffTimeoutMs) || waited >= settings.handoffTimeoutMs * HARD_CAP_FACTOR) {
        this.ctx.stats.handoffTimeouts++;
        this.ctx.log(
          'warn',
          `shard ${s}: ${[...waitingOn].join(', ')} did not confirm its release within ${waited} ms${allUnreachable ? ' (unreachable)' : ''}; starting it here (the journal refuses a second writer)`,
        );
        this.maybeActivate(s, true);
      }
    }
    if (this.pending.size > 0 && now - this.lastAsk >= 1_000) {
      const shards = [...this.pending.keys()];
      this.askRelease([...alive], shards);
    }
    if (this.timer === undefined && this.pending.size > 0) {
      this.timer = clock.setTimeout(() => {
        this.timer = undefined;
        this.tick();
      }, 100);
    }
  }
}
