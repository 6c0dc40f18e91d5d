/**
 * Cluster singletons: one instance of an actor in the cluster, on the oldest member.
 *
 * Every node runs the same manager over the same gossip state, so all agree on the host: the
 * oldest member whose status is up or leaving. Its manager starts the instance; a member that
 * starts leaving stops its instance at once, and the next oldest starts only once the old host is
 * exiting, down or removed. An unreachable host is still the host: nobody takes over until the
 * resolver has downed it (so a partition never yields two instances while undecided), and after a
 * downing the new host waits `marginMs` more, time for the downed side (which runs the same
 * resolver on the same stable-after) to have stopped its copy.
 *
 * The instance registers itself in the cluster registry as `$singleton/<name>`; `proxy` finds it.
 */
import type { ActorRef, ActorSystem, AnyRef, Behavior, Clock, TimerHandle } from '../actors/index.ts';
import type { Membership } from './gossip.ts';
import { compareAge, type Member } from './member.ts';
import type { ClusterRegistry } from './registry.ts';

/** The cluster registry key a singleton registers under: look it up to reach the instance from anywhere. */
export function singletonKey(name: string): string {
  return `$singleton/${name}`;
}

/** The host: the oldest member that is up or leaving. */
export function hostOf(members: readonly Member[]): Member | undefined {
  return members.filter((m) => m.status === 'up' || m.status === 'leaving').sort(compareAge)[0];
}

export class SingletonManager<M> {
  private instance: ActorRef<M> | undefined;
  private pending: TimerHandle | undefined;
  private lastHost: string | undefined;
  private lastHostStatus: Member['status'] | undefined;
  private hostDowned = false;
  private disabled = false;

  constructor(
    private readonly name: string,
    private readonly behavior: () => Behavior<M>,
    private readonly system: ActorSystem,
    private readonly membership: Membership,
    private readonly registry: ClusterRegistry,
    private readonly clock: Clock,
    private readonly marginMs: number,
  ) {}

  get running(): boolean {
    return this.instance !== undefined;
  }

  /** Re-evaluates after any membership change. */
  check(): void {
    const state = this.membership.current;
    const self = this.membership.self;
    const me = state.members.find((m) => m.node === self);
    if (this.lastHost !== undefined) {
      const old = state.members.find((m) => m.node === this.lastHost);
      if (old !== undefined && old.status !== 'down') this.lastHostStatus = old.status;
      // The old host went without a graceful leave: give its side time to stop its copy.
      else if (this.lastHostStatus === 'up') this.hostDowned = true;
    }
    const host = hostOf(state.members);
    if (host !== undefined && host.node !== this.lastHost) {
      this.lastHost = host.node;
      this.lastHostStatus = host.status;
    }
    const shouldRun = !this.disabled && me?.status === 'up' && host?.node === self;
    if (shouldRun && this.instance === undefined && this.pending === undefined) {
      const wait = this.hostDowned ? this.marginMs : 0;
      this.hostDowned = false;
      if (wait === 0) return this.start();
      this.system.logLine('info', `singleton ${this.name}: the previous host was downed; starting here in ${wait} ms`);
      this.pending = this.clock.setTimeout(() => {
        this.pending = undefined;
        const now = this.membership.current;
        if (!this.disabled && now.members.find((m) => m.node === self)?.status === 'up' && hostOf(now.members)?.node === self) this.start();
      }, wait);
    } else if (!shouldRun) {
      if (this.pending) this.clock.clearTimeout(this.pending);
      this.pending = undefined;
      this.stopInstance();
    }
  }

  private start(): void {
    if (this.instance !== undefined) return;
    this.instance = this.system.spawn(this.behavior(), { name: `$singleton-${this.name}` });
    this.registry.register(singletonKey(this.name), this.instance);
    this.system.logLine('info', `singleton ${this.name} started here`);
  }

  private stopInstance(): void {
    if (this.instance === undefined) return;
    this.registry.unregister(singletonKey(this.name), this.instance);
    this.system.stop(this.instance as unknown as AnyRef);
    this.instance = undefined;
    this.system.logLine('info', `singleton ${this.name} stopped here`);
  }

  /** Stops for good (this node is downed or leaving). */
  disable(): void {
    this.disabled = true;
    this.check();
  }
}
