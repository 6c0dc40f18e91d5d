/**
 * The faults, one scenario each, run while the load runs. A scenario waits for the load to be
 * some way in, injects its fault, waits for the cluster to notice (observable conditions with
 * deadlines), and repairs it, so that the rest of the load runs against the repaired cluster.
 *
 * Never touched: the journal node. It stands in for the shared database (ScyllaDB in
 * production); losing it is a database outage, which these scripts do not simulate. In
 * production mode there is no journal node, and every member may be hit.
 */
import type { Random } from '../../src/domain/season/random.ts';
import type { ChaosCluster } from './cluster.ts';
import { until } from './net.ts';
import type { NodeProcess } from './node-process.ts';

export interface FaultContext {
  readonly cluster: ChaosCluster;
  readonly rnd: Random;
  /** performance.now() when the load started, and its length. */
  readonly loadStart: number;
  readonly durationMs: number;
  /** Deadline for each wait (node ready, cluster converged, node downed). */
  readonly waitMs: number;
  /** How long a paused node stays stopped at the least. */
  readonly pauseMs: number;
  /** Records what happened, with its time into the load. */
  readonly note: (what: string) => void;
}

export type Scenario = (ctx: FaultContext) => Promise<void>;

const sleepUntil = async (at: number): Promise<void> => {
  const ms = at - performance.now();
  if (ms > 0) await new Promise((r) => setTimeout(r, ms));
};

/** Waits until `share` of the load has passed. */
const at = (ctx: FaultContext, share: number) => sleepUntil(ctx.loadStart + share * ctx.durationMs);

function victim(ctx: FaultContext): NodeProcess {
  const candidates = ctx.cluster.faultable.filter((n) => n.running);
  if (candidates.length === 0) throw new Error('no running shard node to fault');
  return ctx.rnd.pick(candidates);
}

/** Waits for the others to down `node` (a cluster only: a standalone node has nobody to notice). */
async function downed(ctx: FaultContext, node: NodeProcess): Promise<void> {
  if (ctx.cluster.standalone) return;
  const t0 = performance.now();
  await ctx.cluster.seenGone(node, ctx.waitMs);
  ctx.note(`the others downed ${node.name} after ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}

async function restart(ctx: FaultContext, node: NodeProcess): Promise<void> {
  const t0 = performance.now();
  await ctx.cluster.restart(node, ctx.waitMs);
  ctx.note(`${node.name} restarted, ready and seen up by all in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}

/** A downed node that learns it should exit with code 3; one that does not is stopped (and the report says so). */
async function expectExit3(ctx: FaultContext, node: NodeProcess): Promise<void> {
  const exit = await node.exited(ctx.waitMs).catch(() => undefined);
  if (exit)
    return ctx.note(
      `${node.name} exited with code ${exit.code}${exit.signal ? ` (${exit.signal})` : ''}${exit.code === 3 ? ' (downed)' : ' (expected 3: downed)'}`,
    );
  ctx.note(`${node.name} did not exit within ${ctx.waitMs} ms of being downed; stopping it`);
  await node.stop(ctx.waitMs);
}

async function kill(ctx: FaultContext): Promise<void> {
  const node = victim(ctx);
  ctx.note(`kill -9 ${node.name}`);
  node.signal('SIGKILL');
  await node.exited(ctx.waitMs);
  await downed(ctx, node);
  await restart(ctx, node);
}

/** `whileDown` runs once the others downed the node, before it is repaired. */
async function pause(ctx: FaultContext, node = victim(ctx), whileDown?: () => Promise<void>): Promise<void> {
  ctx.note(`SIGSTOP ${node.name} (at least ${ctx.pauseMs} ms)`);
  const resumeAt = performance.now() + ctx.pauseMs;
  node.signal('SIGSTOP');
  await downed(ctx, node);
  await whileDown?.();
  await sleepUntil(resumeAt);
  ctx.note(`SIGCONT ${node.name}`);
  node.signal('SIGCONT');
  if (ctx.cluster.standalone) return;
  await expectExit3(ctx, node);
  await restart(ctx, node);
}

async function partition(ctx: FaultContext, node?: NodeProcess, whileDown?: () => Promise<void>): Promise<void> {
  if (ctx.cluster.standalone) throw new Error('partition needs a cluster');
  node ??= victim(ctx);
  ctx.note(`cut ${node.name} off from the others (its HTTP port stays reachable)`);
  ctx.cluster.isolate(node);
  await downed(ctx, node);
  await whileDown?.();
  await expectExit3(ctx, node);
  ctx.cluster.heal();
  ctx.note('healed the partition');
  await restart(ctx, node);
}

async function gracefulRestart(ctx: FaultContext, node = victim(ctx)): Promise<void> {
  ctx.note(`SIGTERM ${node.name} (graceful leave)`);
  const t0 = performance.now();
  const { exit, forced } = await node.stop(ctx.waitMs);
  ctx.note(
    `${node.name} ${forced ? `did not stop within ${ctx.waitMs} ms of SIGTERM: killed` : `stopped with code ${exit?.code}`} after ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  );
  await restart(ctx, node);
}

/** The node whose /readyz says it runs `job` (a singleton: `standby` everywhere else), if any now. */
async function jobHost(ctx: FaultContext, job: string, except?: NodeProcess): Promise<NodeProcess | undefined> {
  for (const n of ctx.cluster.running.filter((m) => !m.paused && m !== except)) {
    const r = await n.get('/readyz', 5_000).catch(() => undefined);
    const backends = (r?.body as { backends?: unknown } | undefined)?.backends;
    if (
      Array.isArray(backends) &&
      (backends as Array<{ name?: unknown; state?: unknown }>).some((b) => b.name === job && b.state === 'connected')
    )
      return n;
  }
  return undefined;
}

/** The member running the Kafka publisher now, which a fault may touch. */
async function publisherHost(ctx: FaultContext): Promise<NodeProcess> {
  const node = await until(() => jobHost(ctx, 'publisher'), ctx.waitMs, 'a member running the publisher');
  if (!ctx.cluster.faultable.includes(node))
    throw new Error(`the publisher runs on ${node.name}, which no fault may touch (the journal node): use --journal scylla`);
  ctx.note(`${node.name} runs the publisher (and, as the oldest member, the graph projection)`);
  return node;
}

/** Records which member took the publisher over from `from`, and when. */
async function publisherMoved(ctx: FaultContext, from: NodeProcess, t0: number): Promise<void> {
  const next = await until(() => jobHost(ctx, 'publisher', from), ctx.waitMs, 'another member to take the publisher over');
  ctx.note(`${next.name} runs the publisher, ${((performance.now() - t0) / 1000).toFixed(1)} s after the fault`);
}

/**
 * kill -9 of the member running the Kafka publisher (a cluster singleton): another member must
 * take it over and resume from the stored checkpoint; check 5 then finds nothing missing.
 */
async function killPublisher(ctx: FaultContext): Promise<void> {
  const node = await publisherHost(ctx);
  ctx.note(`kill -9 ${node.name}`);
  const t0 = performance.now();
  node.signal('SIGKILL');
  await node.exited(ctx.waitMs);
  await downed(ctx, node);
  await publisherMoved(ctx, node, t0);
  await restart(ctx, node);
}

async function addNode(ctx: FaultContext): Promise<void> {
  if (!ctx.cluster.spareLeft) throw new Error('add-node needs a spare slot (a cluster, not standalone)');
  const t0 = performance.now();
  ctx.note('adding a node');
  const node = await ctx.cluster.addNode(ctx.waitMs);
  ctx.note(`${node.name} joined, ready and seen up by all in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}

/** Which scenarios need a spare slot or the proxy mesh, so the cluster is built with them. */
export const NEEDS: Readonly<
  Record<string, { readonly spares: number; readonly mesh: boolean; readonly cluster: boolean; readonly bus?: boolean }>
> = {
  kill: { spares: 0, mesh: false, cluster: false },
  'kill-publisher': { spares: 0, mesh: false, cluster: true, bus: true },
  'partition-publisher': { spares: 0, mesh: true, cluster: true, bus: true },
  'pause-publisher': { spares: 0, mesh: false, cluster: true, bus: true },
  pause: { spares: 0, mesh: false, cluster: false },
  partition: { spares: 0, mesh: true, cluster: true },
  restart: { spares: 0, mesh: false, cluster: false },
  'add-node': { spares: 1, mesh: false, cluster: true },
  mixed: { spares: 1, mesh: true, cluster: true },
};

export const SCENARIOS: Readonly<Record<string, Scenario>> = {
  kill: async (ctx) => {
    await at(ctx, 0.25);
    await kill(ctx);
  },
  pause: async (ctx) => {
    await at(ctx, 0.2);
    await pause(ctx);
  },
  partition: async (ctx) => {
    await at(ctx, 0.2);
    await partition(ctx);
  },
  /** A rolling restart: every shard node in turn. */
  restart: async (ctx) => {
    await at(ctx, 0.15);
    for (const node of [...ctx.cluster.faultable]) await gracefulRestart(ctx, node);
  },
  'kill-publisher': async (ctx) => {
    await at(ctx, 0.25);
    await killPublisher(ctx);
  },
  /**
   * The publisher's member cut off: the majority downs it and starts the singletons again, while
   * the cut-off member, which still reaches the database, Kafka and the graph, runs its own until
   * it downs itself. Two publishers and two graph projections at once, for a few seconds.
   */
  'partition-publisher': async (ctx) => {
    await at(ctx, 0.2);
    const node = await publisherHost(ctx);
    const t0 = performance.now();
    await partition(ctx, node, () => publisherMoved(ctx, node, t0));
  },
  /** The publisher's member paused past its downing: on SIGCONT it runs its jobs again briefly before it learns it was downed. */
  'pause-publisher': async (ctx) => {
    await at(ctx, 0.2);
    const node = await publisherHost(ctx);
    const t0 = performance.now();
    await pause(ctx, node, () => publisherMoved(ctx, node, t0));
  },
  'add-node': async (ctx) => {
    await at(ctx, 0.3);
    await addNode(ctx);
  },
  /** Faults drawn from the seed, one after another, until 70% of the load has passed; then a node is added. */
  mixed: async (ctx) => {
    const faults: Array<(c: FaultContext) => Promise<void>> = [kill, pause, partition, (c) => gracefulRestart(c)];
    await at(ctx, 0.1);
    while (performance.now() < ctx.loadStart + 0.7 * ctx.durationMs) {
      await ctx.rnd.pick(faults)(ctx);
      await sleepUntil(performance.now() + ctx.rnd.int(1_000, 5_000));
    }
    if (ctx.cluster.spareLeft) await addNode(ctx);
  },
};
