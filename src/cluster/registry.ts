/**
 * The cluster-wide registry (Erlang's global names, Akka's receptionist): actors registered under
 * a key on any node can be looked up from every node.
 *
 * Each node owns its own entries and publishes them as one versioned record in the gossip state
 * (membership-state.ts), so the registry converges with membership and needs no protocol of its
 * own. Entries of a node that is down or removed disappear with its member; an entry disappears
 * when its actor stops (a watcher on the owner node unregisters it). A key may hold several refs
 * (one per node and actor, like a receptionist); `lookupOne` picks the one on the oldest member.
 */
import { stateless, type ActorRef, type ActorSystem, type AnyRef, type ServiceKey, type Terminated } from '../actors/index.ts';
import { compareAge } from './member.ts';
import type { Membership } from './gossip.ts';
import type { RegistryEntry } from './membership-state.ts';

type WatchMsg = Terminated | { readonly _tag: 'Watch'; readonly ref: AnyRef };

/** The cluster-wide registry of a node: `cluster.registry` (see the module comment). */
export class ClusterRegistry {
  private readonly own = new Map<string, AnyRef[]>();
  private readonly watcher: ActorRef<WatchMsg>;

  constructor(
    private readonly system: ActorSystem,
    private readonly membership: Membership,
  ) {
    this.watcher = system.spawn(
      stateless<WatchMsg>((m, ctx) => {
        if (m._tag === 'Watch') ctx.watch(m.ref);
        else this.forget(m.ref);
      }),
      { name: '$cluster-registry' },
    );
  }

  /** Registers a ref of this node (any thread) under `key`. */
  register<M>(key: ServiceKey<M> | string, ref: ActorRef<M>): void {
    const name = typeof key === 'string' ? key : key.name;
    const anyRef = ref as unknown as AnyRef;
    if (anyRef.address.node !== this.system.node)
      throw new Error(`register ${name}: only actors of this node can be registered here (got ${anyRef.toString()})`);
    const refs = this.own.get(name) ?? [];
    if (refs.some((r) => r.equals(anyRef))) return;
    this.own.set(name, [...refs, anyRef]);
    this.watcher.tell({ _tag: 'Watch', ref: anyRef });
    this.publish();
  }

  /** Withdraws a registration of this node (it also goes when the actor stops). */
  unregister<M>(key: ServiceKey<M> | string, ref: ActorRef<M>): void {
    const name = typeof key === 'string' ? key : key.name;
    const refs = (this.own.get(name) ?? []).filter((r) => !r.equals(ref as unknown as AnyRef));
    if (refs.length === 0) this.own.delete(name);
    else this.own.set(name, refs);
    this.publish();
  }

  private forget(ref: AnyRef): void {
    let changed = false;
    for (const [name, refs] of this.own) {
      const left = refs.filter((r) => !r.equals(ref));
      if (left.length === refs.length) continue;
      changed = true;
      if (left.length === 0) this.own.delete(name);
      else this.own.set(name, left);
    }
    if (changed) this.publish();
  }

  /** Re-publishes this node's entries (also called once the node has joined). */
  publish(): void {
    const entries: RegistryEntry[] = [];
    for (const [name, refs] of this.own) for (const r of refs) entries.push([name, r.address.thread, r.address.path]);
    this.membership.setRegistry(entries);
  }

  /** Every ref under `key` on live members, oldest member first. */
  lookup<M>(key: ServiceKey<M> | string): Array<ActorRef<M>> {
    const name = typeof key === 'string' ? key : key.name;
    const state = this.membership.current;
    const live = state.members.filter((m) => m.status !== 'down' && m.status !== 'removed').sort(compareAge);
    const out: Array<ActorRef<M>> = [];
    for (const m of live) {
      for (const [n, thread, path] of state.registry[m.node]?.value ?? [])
        if (n === name) out.push(this.system.ref<M>({ node: m.node, thread, path }));
    }
    return out;
  }

  /** The ref under `key` on the oldest member, if any. */
  lookupOne<M>(key: ServiceKey<M> | string): ActorRef<M> | undefined {
    return this.lookup(key)[0];
  }

  /** Stops hosting: this node's entries are withdrawn. */
  clear(): void {
    this.own.clear();
  }
}
