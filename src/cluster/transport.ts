/**
 * The cluster's TCP transport: implements the runtime's `RemoteTransport` on the main thread.
 * Outbound: one connection per peer address (host:port), opened on first use, re-opened with
 * exponential backoff and jitter while there is something to send. Inbound: an authenticated
 * server; MESSAGES frames are delivered with `system.deliver` only if they are addressed to this
 * incarnation (a frame for an earlier incarnation of this address is dead letters), control
 * frames go to the membership.
 *
 * Peers can be reached through a different address than the one they advertise (`routes`), for
 * NAT or port mapping; the partition tests use it to put a proxy on every link.
 */
import net from 'node:net';
import tls from 'node:tls';
import {
  askFailure,
  decodeWith,
  TEMP_PREFIX,
  unavailable,
  type ActorRef,
  type ActorSystem,
  type Address,
  type AnyRef,
  type RemoteTransport,
} from '../actors/index.ts';
import { acceptInbound, Outbound, type Identity, type Log } from './connection.ts';
import { hostPort, splitHostPort } from './member.ts';
import type { ControlMessage } from './wire.ts';

export interface TlsFiles {
  readonly cert: Buffer;
  readonly key: Buffer;
  /** The CA peers must be signed by; absent: the system CAs, and no client certificates asked for. */
  readonly ca?: Buffer;
  /** No host name check, and without `ca` no chain check either (--tls-insecure). */
  readonly insecure?: boolean;
}

/**
 * The client side's TLS options for dialling `host`. By default the peer's chain is verified
 * (against `ca`, else the system CAs) and its certificate must name the address dialled: an IP
 * SAN for an IP, a DNS SAN for a name (tls.checkServerIdentity). Insecure: what this transport
 * did before verification became the default.
 */
export function clientTlsOptions(t: TlsFiles, host: string, port: number): tls.ConnectionOptions {
  return {
    host,
    port,
    cert: t.cert,
    key: t.key,
    // The handshake's session binding (exported keying material) is sound on TLS 1.3; on 1.2 only
    // with the extended master secret, which nothing here could enforce.
    minVersion: 'TLSv1.3',
    ...(t.ca ? { ca: t.ca } : {}),
    ...(t.insecure ? { rejectUnauthorized: t.ca !== undefined, checkServerIdentity: () => undefined } : { rejectUnauthorized: true }),
  };
}

export interface TransportOptions {
  /** Cluster and secret; the node id is taken from the system at bind(). */
  readonly identity: Identity;
  readonly bindHost: string;
  readonly bindPort: number;
  readonly tls?: TlsFiles;
  /** Advertised host:port -> host:port to dial instead. */
  readonly routes?: Readonly<Record<string, string>>;
  readonly maxQueuedBytes?: number;
  readonly handshakeTimeoutMs?: number;
  readonly backoff?: { readonly minMs: number; readonly maxMs: number };
  readonly log: Log;
}

interface Peer {
  conn: Outbound | undefined;
  attempt: number;
  retry: ReturnType<typeof setTimeout> | undefined;
  /** Since when (Date.now) every connection attempt was refused; undefined once one succeeds
   * or fails another way (a timeout says nothing about the process). */
  refusedSince: number | undefined;
  /** When the current connection became ready. */
  readyAt: number;
  /** The incarnation the last ready connection reached: refusals are evidence against it only. */
  lastNode: string | undefined;
}

export class ClusterTransport implements RemoteTransport {
  private readonly peers = new Map<string, Peer>();
  private server: net.Server | undefined;
  private readonly sockets = new Set<net.Socket>();
  /** Incarnations that are removed: never delivered to, never admitted. */
  private readonly quarantined = new Set<string>();
  private readonly down = new Set<string>();
  /** Peers by node id, so the hot path does not parse host:port out of every address. */
  private readonly byNode = new Map<string, Peer>();
  private controlHandler: (from: string, m: ControlMessage) => void = () => undefined;
  private closed = false;
  private readonly maxQueuedBytes: number;
  private readonly handshakeTimeoutMs: number;

  private bound: ActorSystem | undefined;

  /** The listener can start before the node's actor system exists (the node id needs the bound port). */
  constructor(private readonly options: TransportOptions) {
    this.identity = options.identity;
    this.maxQueuedBytes = options.maxQueuedBytes ?? 64 * 1024 * 1024;
    this.handshakeTimeoutMs = options.handshakeTimeoutMs ?? 5_000;
  }

  private identity: Identity;

  /**
   * Connects the transport to the node's main-thread system and names this incarnation (known
   * only once the port is bound); inbound connections are refused until then.
   */
  bind(system: ActorSystem): void {
    if (system.node.length === 0) throw new Error('the actor system needs a node id');
    this.identity = { ...this.identity, node: system.node };
    this.bound = system;
  }

  private get system(): ActorSystem {
    if (!this.bound) throw new Error('cluster transport used before bind(system)');
    return this.bound;
  }

  get node(): string {
    return this.identity.node;
  }

  onControl(handler: (from: string, m: ControlMessage) => void): void {
    this.controlHandler = handler;
  }

  /** Starts listening; resolves with the bound port (useful with port 0). */
  listen(): Promise<number> {
    const onSocket = (socket: net.Socket) => {
      if (!this.bound || this.closed) return void socket.destroy();
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
      acceptInbound(
        socket,
        this.identity,
        {
          admit: (node) => (this.quarantined.has(node) ? `incarnation ${node} is down or removed: restart it to rejoin` : undefined),
          onControl: (from, m) => {
            try {
              this.controlHandler(from, m);
            } catch (error) {
              this.options.log('error', `control message ${m._tag} from ${from} failed: ${(error as Error).message}`);
            }
          },
          onMessages: (payload) => this.deliverFrame(payload),
        },
        this.handshakeTimeoutMs,
        this.options.log,
      );
    };
    const t = this.options.tls;
    // With a CA, both sides must present a certificate it signed (mutual TLS). The server does not
    // check the client's name (a client dials from any port and often any address); the client
    // checks the server's, see clientTlsOptions.
    this.server = t
      ? tls.createServer(
          { cert: t.cert, key: t.key, minVersion: 'TLSv1.3', ...(t.ca ? { ca: t.ca, requestCert: true, rejectUnauthorized: true } : {}) },
          onSocket,
        )
      : net.createServer(onSocket);
    const server = this.server;
    server.on('tlsClientError', (e: Error, socket: net.Socket) =>
      this.options.log('warn', `TLS handshake from ${socket.remoteAddress ?? 'unknown'}:${socket.remotePort ?? ''} failed: ${e.message}`),
    );
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.bindPort, this.options.bindHost, () => {
        server.off('error', reject);
        server.on('error', (e) => this.options.log('error', `cluster listener: ${e.message}`));
        resolve((server.address() as net.AddressInfo).port);
      });
    });
  }

  private deliverFrame(payload: Buffer): void {
    const [toNode, thread, paths, entries] = decodeWith<[string, number, string[], unknown[]]>(this.system, payload);
    const me = this.system.node;
    if (toNode !== me) {
      // For an earlier incarnation of this address: that actor is gone.
      for (let i = 0; i < entries.length; i += 3)
        this.system.deadLetters.publish(`aloft://${toNode}/${thread}/${paths[entries[i] as number]}`, 'no-route', entries[i + 1]);
      return;
    }
    // Main-thread messages take the runtime's frame path (each cell looked up once per frame).
    if (thread === 0) return this.system.receiveFrame(paths, entries);
    for (let i = 0; i < entries.length; i += 3) {
      this.system.deliver(
        { node: me, thread, path: paths[entries[i] as number] as string },
        entries[i + 1],
        (entries[i + 2] ?? undefined) as AnyRef | undefined,
      );
    }
  }

  send(to: Address, message: unknown, sender: AnyRef | undefined): void {
    if (this.closed || this.quarantined.has(to.node) || this.down.has(to.node)) return this.dead(to, message, 'no-route', sender);
    let peer = this.byNode.get(to.node);
    if (peer === undefined) this.byNode.set(to.node, (peer = this.peer(hostPort(to.node))));
    const conn = peer.conn;
    // A live connection to another incarnation of that address: the target is an old one.
    if (conn && conn.state === 'ready' && conn.remoteNode !== to.node) return this.dead(to, message, 'no-route', sender);
    if (conn === undefined || conn.state === 'closed') {
      // While the link is backing off after a failure, messages are dead letters (as Akka's gated
      // association): queueing them would only replay stale traffic into a peer that may be new.
      if (peer.retry !== undefined) return this.dead(to, message, 'no-route', sender);
      this.connect(hostPort(to.node), peer);
    }
    if (!peer.conn?.send(to, message, sender)) this.dead(to, message, 'link-overflow', sender);
  }

  /** Sends a control message to a node (by id) or an address (host:port); dropped while not connected. */
  sendControl(target: string, message: ControlMessage): void {
    if (this.closed || this.quarantined.has(target)) return;
    const address = hostPort(target);
    const peer = this.peer(address);
    if (!peer.conn || peer.conn.state === 'closed') {
      if (peer.retry === undefined) this.connect(address, peer);
      return;
    }
    if (target.includes('#') && peer.conn.state === 'ready' && peer.conn.remoteNode !== target) return;
    peer.conn.sendControl(message);
  }

  /** The node id behind an address, once a connection to it is up. */
  nodeAt(address: string): string | undefined {
    const c = this.peers.get(address)?.conn;
    return c?.state === 'ready' ? c.remoteNode : undefined;
  }

  /**
   * How long this incarnation's process has been known to be gone, in ms (0: not known): its
   * address has refused every connection attempt, or another incarnation answers there now.
   */
  goneFor(node: string): number {
    const peer = this.peers.get(hostPort(node));
    if (peer === undefined) return 0;
    const now = Date.now();
    // Refusals count against the incarnation we last reached there, never against one we have
    // not connected to yet (a node still starting refuses too).
    if (peer.refusedSince !== undefined) return peer.lastNode === node ? now - peer.refusedSince : 0;
    const c = peer.conn;
    if (c !== undefined && c.state === 'ready' && c.remoteNode !== node) return now - peer.readyAt;
    return 0;
  }

  /** A downed incarnation: no more application messages to it; control frames still go until it is removed. */
  markDown(node: string): void {
    if (node !== this.node) this.down.add(node);
  }

  /** Stops talking to an incarnation for good (it is removed). */
  quarantine(node: string): void {
    if (node === this.node) return;
    this.quarantined.add(node);
    this.byNode.delete(node);
    const address = hostPort(node);
    const peer = this.peers.get(address);
    if (peer?.conn?.remoteNode === node) peer.conn.finish('peer removed');
    this.forget(address);
  }

  /** Stops reconnecting to an address until something is sent to it again. */
  forget(address: string): void {
    const peer = this.peers.get(address);
    if (!peer) return;
    if (peer.retry) clearTimeout(peer.retry);
    peer.retry = undefined;
    peer.attempt = 0;
    peer.refusedSince = undefined;
  }

  /**
   * A message that cannot go: a dead letter, and when its sender is an ask of this node waiting
   * for the answer, that ask fails now (Unavailable, retriable) instead of at its timeout.
   */
  private dead(to: Address, message: unknown, reason: 'no-route' | 'link-overflow', sender?: AnyRef): void {
    const target = `aloft://${to.node}/${to.thread}/${to.path}`;
    this.system.deadLetters.publish(target, reason, message);
    if (sender !== undefined && sender.address.node === this.node && sender.address.path.startsWith(TEMP_PREFIX)) {
      const why = reason === 'link-overflow' ? 'the link to its node is over its queue limit' : 'its node cannot be reached now';
      (sender as ActorRef<unknown>).tell(askFailure(unavailable(target, why)));
    }
  }

  private peer(address: string): Peer {
    let p = this.peers.get(address);
    if (!p)
      this.peers.set(
        address,
        (p = { conn: undefined, attempt: 0, retry: undefined, refusedSince: undefined, readyAt: 0, lastNode: undefined }),
      );
    return p;
  }

  private connect(address: string, peer: Peer): void {
    if (this.closed) return;
    peer.retry = undefined;
    const [host, port] = splitHostPort(this.options.routes?.[address] ?? address);
    const t = this.options.tls;
    const socket = t ? tls.connect(clientTlsOptions(t, host, port)) : net.connect({ host, port });
    // Evidence that a process is gone (membership downs it sooner, see goneFor): nothing listens
    // at its address any more. A paused or partitioned process never refuses; it times out.
    socket.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ECONNREFUSED') peer.refusedSince ??= Date.now();
      else peer.refusedSince = undefined;
    });
    const ready = (remoteNode: string) => {
      peer.attempt = 0;
      peer.refusedSince = undefined;
      peer.readyAt = Date.now();
      peer.lastNode = remoteNode;
    };
    const conn = new Outbound(socket, this.identity, this.maxQueuedBytes, this.handshakeTimeoutMs, this.options.log, ready, () => {
      if (peer.conn !== conn) return;
      // Messages still in the batch are lost with the connection: as with any lost message, the
      // sender finds out by ask timeout or death watch, never by a silent retry that could duplicate.
      for (const [to, m, sender] of conn.drainPending()) this.dead(to, m, 'no-route', sender);
      if (this.closed) return;
      const { minMs, maxMs } = this.options.backoff ?? { minMs: 100, maxMs: 5_000 };
      const base = Math.min(maxMs, minMs * 2 ** peer.attempt++);
      const delay = base / 2 + Math.random() * (base / 2); // jitter: peers of a restarted node do not dial in lockstep
      peer.retry = setTimeout(() => this.connect(address, peer), delay);
      peer.retry.unref();
    });
    peer.conn = conn;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const p of this.peers.values()) {
      if (p.retry) clearTimeout(p.retry);
      p.conn?.close('transport closed');
    }
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
