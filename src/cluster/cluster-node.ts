/**
 * Wires a cluster node: the TCP transport on the node's main thread, the membership process,
 * Redis discovery and lease when configured, the registry, singletons, and the `cluster` actor
 * through which actors in any thread subscribe to cluster events or use the registry.
 *
 * Two steps, because the node id (host:port#incarnation) needs the bound port and the actor
 * system needs the node id:
 *
 *   const cluster = await bindCluster(config);                 // listens, names the incarnation
 *   const node = await AloftNode.start({ node: cluster.nodeId, ... });
 *   const running = await cluster.start(node);                 // joins
 *
 * Nothing here installs signal handlers or exits the process: the caller decides what a
 * graceful leave on SIGTERM or a downed node means for the process (see `terminated`).
 */
import {
  stateless,
  systemClock,
  type ActorRef,
  type ActorSystem,
  type AnyRef,
  type Behavior,
  type Clock,
  type Terminated,
} from '../actors/index.ts';
import { readFileSync } from 'node:fs';
import type { ClusterConfig } from './config.ts';
import type { ClusterEvent } from './events.ts';
import { Membership } from './gossip.ts';
import { hostPort, incarnation, newNodeId, splitHostPort } from './member.ts';
import { leader, unreachable, type GossipState } from './membership-state.ts';
import { RedisDiscovery } from './redis-discovery.ts';
import { RedisLease } from './redis-lease.ts';
import { ClusterRegistry } from './registry.ts';
import { SingletonManager, singletonKey } from './singleton.ts';
import { ClusterTransport } from './transport.ts';
import { startAdminHttp, type AdminRoutes, type AdminServer } from './admin-http.ts';
import type { MembersView } from './members-view.ts';
import { stderrLog } from '../log.ts';

export type { MembersView, MemberView } from './members-view.ts';

export type Log = (level: 'debug' | 'info' | 'warn' | 'error', line: string) => void;

/** What `cluster` (the actor at path "cluster" on thread 0 of every node) understands. */
export type ClusterMsg =
  | { readonly _tag: 'Subscribe'; readonly subscriber: ActorRef<ClusterEventMessage> }
  | { readonly _tag: 'Unsubscribe'; readonly subscriber: ActorRef<ClusterEventMessage> }
  | { readonly _tag: 'GetMembers'; readonly replyTo: ActorRef<MembersView> }
  | { readonly _tag: 'Register'; readonly name: string; readonly ref: AnyRef }
  | {
      readonly _tag: 'Lookup';
      readonly name: string;
      readonly replyTo: ActorRef<{ readonly _tag: 'Listing'; readonly name: string; readonly refs: readonly AnyRef[] }>;
    }
  | Terminated;

export type ClusterEventMessage = ClusterEvent | ({ readonly _tag: 'CurrentClusterState' } & MembersView);

export type Termination = { readonly reason: 'left' | 'downed' | 'stopped' };

export interface BoundCluster {
  readonly nodeId: string;
  start(node: { readonly system: ActorSystem }): Promise<ClusterNode>;
  close(): Promise<void>;
}

export async function bindCluster(config: ClusterConfig, options: { log?: Log; clock?: Clock } = {}): Promise<BoundCluster> {
  const log: Log = options.log ?? stderrLog('info', { component: 'cluster' });
  const tlsFiles = config.tls
    ? {
        cert: readFileSync(config.tls.cert),
        key: readFileSync(config.tls.key),
        ...(config.tls.ca ? { ca: readFileSync(config.tls.ca) } : {}),
        insecure: config.tls.insecure,
      }
    : undefined;
  for (const warning of config.warnings ?? []) log('warn', warning);
  if (config.tls?.insecure)
    log(
      'warn',
      config.tls.ca
        ? '--tls-insecure: peer certificates are not checked against the address dialled, only that the cluster CA signed them (docs/cluster.md)'
        : '--tls-insecure: peer certificates are not checked at all, any certificate is accepted: only the cluster secret authenticates peers (docs/cluster.md)',
    );
  const transport = new ClusterTransport({
    identity: { cluster: config.clusterName, node: '', secret: config.secret },
    bindHost: config.bindHost,
    bindPort: config.bindPort,
    ...(tlsFiles ? { tls: tlsFiles } : {}),
    routes: config.routes,
    // Generous: on a saturated machine a handshake can take a while, and a timeout only costs a retry.
    handshakeTimeoutMs: 5_000,
    backoff: { minMs: Math.min(100, config.timings.heartbeatIntervalMs), maxMs: Math.max(1_000, config.timings.heartbeatIntervalMs * 2) },
    log,
  });
  const port = await transport.listen();
  const advertise = config.advertise ?? `${config.bindHost}:${port}`;
  if (config.advertise === undefined && (config.bindHost === '0.0.0.0' || config.bindHost === '::')) {
    await transport.close();
    throw new Error('binding to a wildcard address needs --advertise host:port (the address other nodes dial)');
  }
  const clock = options.clock ?? systemClock;
  const nodeId = newNodeId(advertise, clock.now());
  return {
    nodeId,
    start: (node) => ClusterNode.start(config, node.system, transport, nodeId, log, clock, tlsFiles),
    close: () => transport.close(),
  };
}

export class ClusterNode {
  readonly terminated: Promise<Termination>;
  private finish!: (t: Termination) => void;
  private readonly singletons: Array<SingletonManager<unknown>> = [];
  private readonly subscribers = new Map<string, ActorRef<ClusterEventMessage>>();
  private readonly listeners = new Set<(e: ClusterEvent) => void>();
  private done = false;
  private admin: AdminServer | undefined;
  /** Admin routes added by the node's services (see admin-http.ts). */
  extra: AdminRoutes | undefined;
  private discovery: RedisDiscovery | undefined;
  private lease: RedisLease | undefined;
  readonly registry: ClusterRegistry;
  readonly membership: Membership;
  readonly actor: ActorRef<ClusterMsg>;

  private constructor(
    readonly config: ClusterConfig,
    readonly system: ActorSystem,
    readonly transport: ClusterTransport,
    readonly nodeId: string,
    private readonly log: Log,
    private readonly clock: Clock,
  ) {
    this.terminated = new Promise((resolve) => (this.finish = resolve));
    if (config.redisUrl !== undefined) {
      this.discovery = new RedisDiscovery(
        config.redisUrl,
        config.clusterName,
        hostPort(nodeId),
        Math.max(2_000, config.timings.heartbeatIntervalMs * 10),
        log,
      );
      this.lease = new RedisLease(config.redisUrl, config.clusterName, nodeId, Math.max(5_000, config.timings.stableAfterMs * 2), log);
    }
    const discovery = this.discovery;
    const lease = this.lease;
    this.membership = new Membership({
      self: nodeId,
      roles: config.roles,
      clock,
      timings: config.timings,
      strategy: config.downing,
      seeds: discovery ? () => discovery.seeds() : () => Promise.resolve(config.seeds),
      send: (target, m) => transport.sendControl(target, m),
      ...(lease ? { acquireLease: () => lease.acquire() } : {}),
      goneFor: (node) => transport.goneFor(node),
      log,
    });
    this.registry = new ClusterRegistry(system, this.membership);
    this.actor = system.spawn(this.behavior(), { name: 'cluster' });
    transport.onControl((from, m) => this.membership.receive(from, m));
    this.membership.subscribe((e) => this.onEvent(e));
  }

  static async start(
    config: ClusterConfig,
    system: ActorSystem,
    transport: ClusterTransport,
    nodeId: string,
    log: Log,
    clock: Clock,
    tls?: { readonly cert: Buffer; readonly key: Buffer },
  ): Promise<ClusterNode> {
    if (system.node !== nodeId)
      throw new Error(
        `the actor system's node id (${system.node}) must be the cluster's (${nodeId}): start the node with { node: cluster.nodeId }`,
      );
    transport.bind(system);
    system.attachRemote(transport);
    const node = new ClusterNode(config, system, transport, nodeId, log, clock);
    if (node.discovery) await node.discovery.start();
    // With cluster TLS the admin API speaks HTTPS with the same certificate: the token never crosses the network in clear.
    if (config.adminPort !== undefined && config.adminToken !== undefined)
      node.admin = await startAdminHttp(node, config.bindHost, config.adminPort, config.adminToken, log, tls);
    node.membership.start();
    return node;
  }

  get adminPort(): number | undefined {
    return this.admin?.port;
  }

  /**
   * The admin API's base URL (https when cluster TLS is on); undefined without one. On a wildcard
   * bind, the advertised host: that is the name the certificate carries.
   */
  get adminUrl(): string | undefined {
    const a = this.admin;
    if (a === undefined) return undefined;
    const bind = this.config.bindHost;
    const host = bind === '0.0.0.0' || bind === '::' ? splitHostPort(hostPort(this.nodeId))[0] : bind;
    return `${a.secure ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${a.port}`;
  }

  private onEvent(e: ClusterEvent): void {
    const self = this.nodeId;
    if (e._tag === 'MemberDowned' && e.member.node !== self) {
      // Down: its actors are gone for us (Terminated node-down, no more application messages),
      // but gossip still reaches it until it is removed, so a live downed node learns its fate.
      this.transport.markDown(e.member.node);
      this.system.nodeDown(e.member.node);
    }
    if (e._tag === 'MemberRemoved' && e.node !== self) {
      this.transport.quarantine(e.node);
      this.system.nodeDown(e.node);
    }
    if (e._tag === 'MemberUp' && e.member.node === self) this.registry.publish();
    for (const s of this.singletons) s.check();
    for (const l of this.listeners) l(e);
    for (const ref of this.subscribers.values()) ref.tell(e);
    if (e._tag === 'MemberDowned' && e.member.node === self) void this.shutdown('downed');
  }

  private behavior(): Behavior<ClusterMsg> {
    return stateless<ClusterMsg>((m, ctx) => {
      switch (m._tag) {
        case 'Subscribe':
          this.subscribers.set(m.subscriber.toString(), m.subscriber);
          ctx.watch(m.subscriber as unknown as AnyRef);
          m.subscriber.tell({ _tag: 'CurrentClusterState', ...this.view() });
          return;
        case 'Unsubscribe':
          this.subscribers.delete(m.subscriber.toString());
          return;
        case 'Terminated':
          this.subscribers.delete(m.ref.toString());
          return;
        case 'GetMembers':
          m.replyTo.tell(this.view());
          return;
        case 'Register':
          this.registry.register(m.name, m.ref as unknown as ActorRef<unknown>);
          return;
        case 'Lookup':
          m.replyTo.tell({ _tag: 'Listing', name: m.name, refs: this.registry.lookup(m.name) as unknown as AnyRef[] });
          return;
      }
    });
  }

  /** Cluster events for code on the main thread (actors use the `cluster` actor's Subscribe). */
  onClusterEvent(listener: (e: ClusterEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  view(): MembersView {
    const state: GossipState = this.membership.current;
    const lost = unreachable(state);
    return {
      self: this.nodeId,
      leader: leader(state),
      converged: this.membership.isConverged,
      members: state.members.map((m) => ({
        node: m.node,
        address: hostPort(m.node),
        incarnation: incarnation(m.node),
        status: m.status,
        reachable: !lost.has(m.node),
        roles: m.roles,
        upNumber: m.upNumber,
      })),
    };
  }

  /** Runs `behavior` as a cluster singleton (on the oldest member). */
  singleton<M>(name: string, behavior: () => Behavior<M>): void {
    const manager = new SingletonManager<M>(
      name,
      behavior,
      this.system,
      this.membership,
      this.registry,
      this.clock,
      this.config.singletonMarginMs,
    );
    this.singletons.push(manager as unknown as SingletonManager<unknown>);
    manager.check();
  }

  /** The singleton's current instance, wherever it runs (undefined while it moves). */
  singletonRef<M>(name: string): ActorRef<M> | undefined {
    return this.registry.lookupOne<M>(singletonKey(name));
  }

  /** Marks a member (node id, or host:port of a current member) down. */
  down(target: string): boolean {
    const node = this.resolve(target);
    return node !== undefined && this.membership.down(node);
  }

  /** Asks a member (this one by default) to leave gracefully. */
  leaveMember(target: string): boolean {
    const node = this.resolve(target);
    return node !== undefined && this.membership.leave(node);
  }

  resolve(target: string): string | undefined {
    const members = this.membership.current.members;
    return members.find((m) => m.node === target)?.node ?? members.find((m) => hostPort(m.node) === target && m.status !== 'down')?.node;
  }

  /**
   * Graceful leave: this member leaves, waits (at most `leaveTimeoutMs`) until the others have
   * seen it exit, then stops its cluster parts. The caller stops the node and exits after.
   */
  async leave(): Promise<Termination> {
    if (this.done) return this.terminated;
    for (const s of this.singletons) s.disable();
    this.membership.leave();
    const deadline = this.clock.now() + this.config.leaveTimeoutMs;
    for (;;) {
      if (this.membership.exitSeenByAll || this.membership.selfMember?.status === 'down') break;
      if (this.clock.now() >= deadline) {
        this.log('warn', `graceful leave: the others did not confirm within ${this.config.leaveTimeoutMs} ms; leaving anyway`);
        break;
      }
      await new Promise<void>((r) => this.clock.setTimeout(r, 20));
    }
    // One more gossip round so the last state reaches everyone before the connections close.
    await new Promise<void>((r) => this.clock.setTimeout(r, Math.min(200, this.config.timings.gossipIntervalMs)));
    await this.shutdown('left');
    return this.terminated;
  }

  /** Stops the cluster parts without a leave (the others will see this node as unreachable). */
  stop(): Promise<void> {
    return this.shutdown('stopped');
  }

  private async shutdown(reason: Termination['reason']): Promise<void> {
    if (this.done) return;
    this.done = true;
    if (reason === 'downed') this.log('warn', 'this node was downed: it stops hosting anything and leaves the cluster');
    for (const s of this.singletons) s.disable();
    this.registry.clear();
    this.membership.stop();
    this.system.attachRemote(undefined);
    await Promise.allSettled([this.transport.close(), this.discovery?.stop(), this.lease?.stop(), this.admin?.close()]);
    this.finish({ reason });
  }
}
