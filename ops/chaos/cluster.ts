/**
 * The cluster a chaos run drives: one journal node (`--roles journal`, index 0: it holds the
 * LMDB journal and stands in for production's shared ScyllaDB, so no fault ever touches it) and
 * N shard hosts, all on loopback. Ports and data directories are fixed per slot, so a restarted
 * node comes back at its address. A spare slot is reserved for scenarios that add a node.
 *
 * With `standalone` there is one unclustered node that owns its journal: the journal checks
 * then run against a single process (kill -9 and restart still apply).
 *
 * With a mesh every cluster link goes through a LinkProxy (`--route adv=dial`), so a node can
 * be cut off from the others while its HTTP port stays reachable for the load.
 *
 * With `sharedJournal` (production mode, `--journal scylla`) there is no journal node: every
 * node opens the shared CQL journal itself, every node is a shard host, every one may be
 * faulted, and each lists all the initial nodes as seeds (no node is safe to be the only seed
 * any more: a restarted one finds the cluster through any other).
 */
import path from 'node:path';
import { freePort, healAll, isolate, ProxyMesh, until } from './net.ts';
import { FAST_TIMINGS, NodeProcess } from './node-process.ts';

export const SECRET = 'chaos-secret-0123456789abcdef';
export const ADMIN_TOKEN = 'chaos-admin-token';

export interface ClusterOptions {
  /** Shard hosts started at the beginning (the journal node comes on top). */
  readonly shardNodes: number;
  /** Slots reserved for nodes added during the run. */
  readonly spares: number;
  readonly standalone: boolean;
  readonly mesh: boolean;
  readonly dir: string;
  /** No journal node: every node opens the shared journal (`nodeArgs` say which). */
  readonly sharedJournal?: boolean;
  /** Flags every node gets on top (the production backends). */
  readonly nodeArgs?: readonly string[];
}

interface MemberView {
  readonly node: string;
  readonly address: string;
  readonly status: string;
  readonly reachable: boolean;
}

export interface ShardsView {
  readonly self: string;
  readonly shardCount: number;
  readonly owners: Readonly<Record<string, number>>;
  readonly shards: ReadonlyArray<{ readonly shard: number; readonly owner: string | null; readonly state: string }>;
}

export class ChaosCluster {
  private mesh: ProxyMesh | undefined;

  private constructor(
    readonly nodes: readonly NodeProcess[],
    /** Cluster port of each slot (empty when standalone). */
    readonly clusterPorts: readonly number[],
    private readonly options: ClusterOptions,
    /** Slots started so far: the first `started` of `nodes`. */
    private started: number,
  ) {}

  static async create(o: ClusterOptions): Promise<ChaosCluster> {
    const shared = o.sharedJournal === true;
    const first = shared ? 0 : 1;
    const slots = o.standalone ? 1 : first + o.shardNodes + o.spares;
    const httpPorts: number[] = [];
    const clusterPorts: number[] = [];
    const adminPorts: number[] = [];
    for (let i = 0; i < slots; i++) {
      httpPorts.push(await freePort());
      if (!o.standalone) {
        clusterPorts.push(await freePort());
        adminPorts.push(await freePort());
      }
    }
    const mesh = o.mesh && !o.standalone ? await new ProxyMesh(clusterPorts).start() : undefined;
    // The journal node is the one seed: it is never faulted, so a restarted node always finds the
    // cluster through it. Without one, every initial node is a seed (spares are not: a seed that
    // never answers would only make the first one wait out the seed timeout).
    const seeds = shared
      ? clusterPorts
          .slice(0, o.shardNodes)
          .map((p) => `127.0.0.1:${p}`)
          .join(',')
      : `127.0.0.1:${clusterPorts[0]}`;
    const nodes = httpPorts.map((httpPort, i) => {
      const name = o.standalone ? 'node' : !shared && i === 0 ? 'journal' : `shard${i + 1 - first}`;
      const cluster = o.standalone
        ? []
        : [
            '--cluster-name',
            'chaos',
            '--cluster-port',
            String(clusterPorts[i]),
            '--seeds',
            seeds,
            '--secret',
            SECRET,
            '--admin-port',
            String(adminPorts[i]),
            ...(!shared && i === 0 ? ['--roles', 'journal'] : []),
            ...(mesh ? mesh.routes(i) : []),
            ...FAST_TIMINGS,
          ];
      return new NodeProcess({
        name,
        httpPort,
        dataDir: path.join(o.dir, name),
        logDir: path.join(o.dir, 'logs'),
        extraArgs: [...cluster, ...(o.nodeArgs ?? [])],
        ...(o.standalone ? {} : { admin: { port: adminPorts[i] as number, token: ADMIN_TOKEN } }),
      });
    });
    const c = new ChaosCluster(nodes, clusterPorts, o, 0);
    c.mesh = mesh;
    return c;
  }

  get standalone(): boolean {
    return this.options.standalone;
  }

  /** Whether the nodes share an external journal (no journal node). */
  get sharedJournal(): boolean {
    return this.options.sharedJournal === true;
  }

  /** Where the journal the checks read lies, once every node has stopped (LMDB only). */
  get journalPath(): string {
    return path.join((this.nodes[0] as NodeProcess).spec.dataDir, 'journal');
  }

  /** Nodes of the slots started so far, running or not. */
  get members(): readonly NodeProcess[] {
    return this.nodes.slice(0, this.started);
  }

  /** Nodes a fault may hit: every started shard host (the journal node is never one). */
  get faultable(): readonly NodeProcess[] {
    return this.standalone || this.sharedJournal ? this.members : this.members.slice(1);
  }

  get running(): readonly NodeProcess[] {
    return this.members.filter((n) => n.running);
  }

  get spareLeft(): boolean {
    return this.started < this.nodes.length;
  }

  slotOf(node: NodeProcess): number {
    return this.nodes.indexOf(node);
  }

  async start(readyTimeoutMs: number): Promise<void> {
    const initial = this.standalone ? 1 : (this.sharedJournal ? 0 : 1) + this.options.shardNodes;
    // The journal node first: the others' views follow its feed. A shared journal needs no such order.
    const before = this.sharedJournal ? 0 : 1;
    if (before === 1) {
      (this.nodes[0] as NodeProcess).start();
      this.started = 1;
      await (this.nodes[0] as NodeProcess).ready(readyTimeoutMs);
    }
    for (let i = before; i < initial; i++) (this.nodes[i] as NodeProcess).start();
    this.started = initial;
    await Promise.all(this.members.map((n) => n.ready(readyTimeoutMs)));
    await this.converged(readyTimeoutMs);
  }

  /** Starts the next spare slot; resolves when it is ready and every member sees it up. */
  async addNode(readyTimeoutMs: number): Promise<NodeProcess> {
    const node = this.nodes[this.started];
    if (!node) throw new Error('no spare slot left to add a node');
    this.started++;
    node.start();
    await node.ready(readyTimeoutMs);
    await this.converged(readyTimeoutMs);
    return node;
  }

  async restart(node: NodeProcess, readyTimeoutMs: number): Promise<void> {
    node.start();
    await node.ready(readyTimeoutMs);
    await this.converged(readyTimeoutMs);
  }

  /**
   * Waits until every running, unpaused member sees exactly the running members (by address)
   * as up and reachable: the old incarnation of a restarted node is gone, a new one is in.
   */
  async converged(timeoutMs: number): Promise<void> {
    if (this.standalone) return;
    let last = '';
    await until(
      async () => {
        const live = this.running.filter((n) => !n.paused);
        const want = live
          .map((n) => `127.0.0.1:${this.clusterPorts[this.slotOf(n)]}`)
          .sort()
          .join(',');
        for (const n of live) {
          const view = await n.admin<{ members: MemberView[] }>('/cluster/members').catch(() => undefined);
          const up = (view?.members ?? []).filter((m) => m.status === 'up' && m.reachable).map((m) => m.address);
          const all = (view?.members ?? []).filter((m) => m.status !== 'removed').map((m) => m.address);
          last = `${n.name} sees up [${up.sort().join(',')}] of [${all.sort().join(',')}], want [${want}]`;
          if (up.join(',') !== want || all.length !== up.length) return false;
        }
        return true;
      },
      timeoutMs,
      'the cluster to converge',
    ).catch((e: Error) => {
      throw new Error(`${e.message}: ${last}`);
    });
  }

  /** Waits until no live member lists `node`'s address as up any more (it was downed or removed). */
  async seenGone(node: NodeProcess, timeoutMs: number): Promise<void> {
    const address = `127.0.0.1:${this.clusterPorts[this.slotOf(node)]}`;
    await until(
      async () => {
        for (const n of this.running.filter((m) => m !== node && !m.paused)) {
          const view = await n.admin<{ members: MemberView[] }>('/cluster/members').catch(() => undefined);
          if (!view || view.members.some((m) => m.address === address && (m.status === 'up' || m.status === 'joining'))) return false;
        }
        return true;
      },
      timeoutMs,
      `the others to down ${node.name}`,
    );
  }

  /** The shard table as one member sees it; undefined until the admin API has /cluster/shards. */
  async shards(): Promise<ShardsView | undefined> {
    for (const n of this.running.filter((m) => !m.paused && m.spec.admin)) {
      const v = await n.admin<ShardsView>('/cluster/shards').catch(() => undefined);
      if (v) return v;
    }
    return undefined;
  }

  isolate(node: NodeProcess): void {
    if (!this.mesh) throw new Error('this cluster runs without proxies: start it with a mesh to partition');
    isolate(this.mesh, this.slotOf(node), this.nodes.length);
  }

  heal(): void {
    if (this.mesh) healAll(this.mesh);
  }

  /**
   * Stops every node (SIGTERM, SIGKILL past the deadline), the journal node last, then the
   * proxies. Returns the names of the nodes that had to be killed.
   */
  async stop(timeoutMs: number): Promise<string[]> {
    // No journal node to keep for last when the journal is shared: they all stop together.
    const journal = this.sharedJournal ? undefined : this.members[0];
    const rest = this.sharedJournal ? this.members : this.members.slice(1);
    const forced = (await Promise.all(rest.map(async (n) => ((await n.stop(timeoutMs)).forced ? [n.name] : [])))).flat();
    if (journal && (await journal.stop(timeoutMs)).forced) forced.push(journal.name);
    await this.mesh?.close();
    return forced;
  }

  /** SIGKILL to everything still running: the last resort on an error path. */
  kill(): void {
    for (const n of this.nodes) n.signal('SIGKILL');
    void this.mesh?.close();
  }
}
