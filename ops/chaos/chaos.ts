/**
 * One chaos run: start the cluster, run the write workload round-robin over every node while a
 * scenario injects its faults, let the cluster settle, ask every node's view replica for the
 * three checks, stop everything, read the journal directly and check it (checker.ts, views.ts).
 * Returns the report; prints nothing itself (progress goes to `log`).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { lmdbJournal, type EventEnvelope, type Journal } from '../../src/persistence/index.ts';
import { seeded } from '../../src/domain/season/random.ts';
import { checkAssignments, checkJournal, readFeed, type AssignmentsReport, type JournalReport } from './checker.ts';
import { ChaosCluster, type ShardsView } from './cluster.ts';
import { until } from './net.ts';
import type { Exit, NodeProcess } from './node-process.ts';
import {
  checkGraph,
  checkTopic,
  cleanUp,
  describe,
  nodeFlags,
  openSharedJournal,
  prepare,
  type GraphCheck,
  type ProductionBackends,
  type TopicCheck,
} from './production.ts';
import { NEEDS, SCENARIOS } from './scenarios.ts';
import { CHECKS, compareViews, replicaAnswer, type ReplicaAnswer, type ViewComparison } from './views.ts';
import { writeWorkload } from './workload.ts';

export interface ChaosOptions {
  readonly scenario: string;
  /** Shard hosts (3 to 5); the journal node comes on top. */
  readonly shardNodes: number;
  readonly durationS: number;
  readonly seed: number;
  /** One unclustered node owning its journal, instead of a cluster. */
  readonly standalone: boolean;
  readonly planners: number;
  /** Keep the run's directory (data and node logs) even when every check passed. */
  readonly keep: boolean;
  /** Stop before the load, with `skipped` set, when the cluster does not shard (no GET /cluster/shards). */
  readonly requireShards?: boolean;
  /** Production mode: the nodes on these backends (production.ts), and checks 5 and 6 for the bus and the graph. */
  readonly production?: ProductionBackends;
  readonly log: (line: string) => void;
}

export interface ChaosReport {
  readonly scenario: string;
  readonly seed: number;
  readonly topology: string;
  readonly dir: string;
  readonly loadSeconds: number;
  readonly totalSeconds: number;
  readonly sent: number;
  readonly acked: number;
  readonly ackedBy: Readonly<Record<string, number>>;
  readonly failures: Readonly<Record<string, number>>;
  readonly faults: readonly string[];
  readonly exits: Readonly<Record<string, readonly Exit[]>>;
  readonly shardsBefore: ShardsView | undefined;
  readonly shardsAfter: ShardsView | undefined;
  readonly journal: JournalReport | undefined;
  readonly views: readonly ViewComparison[];
  /** Check 7: every saga finished, and claims and airplanes' rotations agree. */
  readonly assignments?: AssignmentsReport;
  /** Production mode: which backends, and checks 5 (the Kafka topic) and 6 (the graph) when selected. */
  readonly production?: string;
  readonly topic?: TopicCheck;
  readonly graph?: GraphCheck;
  /** Check 5 or 6 could not run (a server unreachable at the end); counted as failed. */
  readonly productionErrors?: readonly string[];
  /** Things that went wrong beside the checks (a fault that could not be injected or repaired, a node that would not start). */
  readonly errors: readonly string[];
  /** Worth a look, but not a failed check (a node that needed SIGKILL to stop). */
  readonly warnings: readonly string[];
  readonly lost: number;
  readonly passed: boolean;
  /** Whether the run directory (data, node logs) was left on disk. */
  readonly kept: boolean;
  /** Why the run stopped before the load (requireShards on a cluster without sharding). */
  readonly skipped?: string;
}

/** Fewer acknowledged commands than this and the run fails: it would prove nothing. */
const MIN_ACKED = 100;
/** How long a node gets to stop on SIGTERM at the end before it is killed. */
const STOP_MS = 20_000;

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** The journal head as a node reports it (its /readyz body carries `offset`). */
async function journalHead(node: NodeProcess | undefined): Promise<number | undefined> {
  const r = await node?.get('/readyz', 5_000).catch(() => undefined);
  const offset = (r?.body as { offset?: unknown } | undefined)?.offset;
  return typeof offset === 'number' ? offset : undefined;
}

/**
 * The furthest feed position (next offset to handle) each backend job reports over the running
 * nodes' /readyz: the publisher and the graph projection run on one member each (singletons),
 * the others say `standby`.
 */
async function jobPositions(nodes: readonly NodeProcess[]): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const n of nodes) {
    const r = await n.get('/readyz', 5_000).catch(() => undefined);
    const backends = (r?.body as { backends?: unknown } | undefined)?.backends;
    if (!Array.isArray(backends)) continue;
    for (const b of backends as Array<{ name?: unknown; state?: unknown; position?: unknown }>) {
      if (typeof b.name === 'string' && b.state === 'connected' && typeof b.position === 'number')
        out.set(b.name, Math.max(out.get(b.name) ?? 0, b.position));
    }
  }
  return out;
}

export async function runChaos(o: ChaosOptions): Promise<ChaosReport> {
  const scenario = SCENARIOS[o.scenario];
  const needs = NEEDS[o.scenario];
  if (!scenario || !needs) throw new Error(`unknown scenario ${o.scenario}; one of ${Object.keys(SCENARIOS).join(', ')}`);
  if (o.standalone && needs.cluster) throw new Error(`${o.scenario} needs a cluster; drop --standalone`);
  const started = performance.now();
  const prod = o.production;
  if (needs.bus && !prod?.bus) throw new Error(`${o.scenario} needs the Kafka publisher: add --bus kafka or --production`);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'aloft-chaos-'));
  const log = o.log;
  const waitMs = 60_000;
  // A graph left by an earlier run would make this run's projection resume at its offset.
  if (prod) await prepare(prod);
  const shared = prod?.journal !== undefined;
  const cluster = await ChaosCluster.create({
    shardNodes: o.shardNodes,
    spares: needs.spares,
    standalone: o.standalone,
    mesh: needs.mesh,
    dir,
    sharedJournal: shared,
    nodeArgs: prod ? nodeFlags(prod) : [],
  });
  const topology =
    (o.standalone
      ? '1 standalone node'
      : `${shared ? '' : '1 journal node + '}${o.shardNodes} shard nodes${needs.spares ? ` (+${needs.spares} added)` : ''}${needs.mesh ? ', every cluster link through a proxy' : ''}`) +
    (prod ? `; production mode: ${describe(prod)}` : '');
  const errors: string[] = [];
  const warnings: string[] = [];
  const faults: string[] = [];
  let loadStart = performance.now();
  const note = (what: string) => {
    const line = `t=${((performance.now() - loadStart) / 1000).toFixed(1)}s ${what}`;
    faults.push(line);
    log(`  ${line}`);
  };
  let load: Awaited<ReturnType<typeof writeWorkload>> | undefined;
  const answers: ReplicaAnswer[] = [];
  let shardsBefore: ShardsView | undefined;
  let shardsAfter: ShardsView | undefined;
  let stopped = false;
  let skipped: string | undefined;
  try {
    log(`starting ${topology} in ${dir}`);
    await cluster.start(waitMs);
    shardsBefore = await cluster.shards();
    log(
      `cluster up in ${((performance.now() - started) / 1000).toFixed(1)} s${shardsBefore ? `; shards per owner ${JSON.stringify(shardsBefore.owners)}` : ' (no /cluster/shards on the admin API yet)'}`,
    );
    if (o.requireShards && !o.standalone && !shardsBefore) {
      skipped = 'the nodes do not shard yet (the admin API has no GET /cluster/shards): each member would write its own journal';
      throw new Error(skipped);
    }
    log(`load: ${o.planners} planners for ${o.durationS} s, round-robin over every node; scenario ${o.scenario} (seed ${o.seed})`);
    loadStart = performance.now();
    const rnd = seeded(o.seed);
    const [loaded, fault] = await Promise.allSettled([
      writeWorkload({
        urls: () => cluster.members.map((n) => n.url),
        planners: o.planners,
        legsPerRotation: 8,
        durationMs: o.durationS * 1000,
        timeoutMs: 10_000,
        runId: `c${o.seed.toString(36)}${Date.now().toString(36)}`,
        seed: o.seed,
      }),
      scenario({ cluster, rnd, loadStart, durationMs: o.durationS * 1000, waitMs, pauseMs: 10_000, note }),
    ]);
    if (loaded.status === 'rejected') throw loaded.reason;
    load = loaded.value;
    if (fault.status === 'rejected') errors.push(`scenario ${o.scenario}: ${message(fault.reason)}`);
    log(`load done: ${load.acks.length} of ${load.sent} commands acknowledged in ${load.seconds.toFixed(1)} s`);
    // A run that stored (next to) nothing proves nothing, and neither does one whose cluster
    // never took a write again after its faults.
    if (load.acks.length < MIN_ACKED)
      errors.push(`only ${load.acks.length} commands acknowledged (at least ${MIN_ACKED} needed for the run to prove anything)`);
    const tail = load.acks.filter((a) => a.at >= 0.85 * o.durationS * 1000).length;
    if (tail === 0) errors.push('no command was acknowledged in the last 15% of the load: the cluster did not recover from the faults');

    // Settle: every node that should run is ready and seen up, and the head has stopped moving.
    for (const n of cluster.members.filter((m) => !m.running))
      errors.push(`${n.name} is not running at the end of the load (last exit ${JSON.stringify(n.lastExit)})`);
    await Promise.all(cluster.running.map((n) => n.ready(waitMs)));
    await cluster.converged(waitMs).catch((e: unknown) => errors.push(`after the load: ${message(e)}`));
    // Any running node reports the head of the one journal (the journal node's, or the shared one).
    const reporter = () => (shared ? cluster.running.find((n) => !n.paused) : (cluster.nodes[0] as NodeProcess));
    // Assignment sagas the faults interrupted finish by themselves (the keeper wakes them); check 7
    // needs every one finished, so wait for that (reading the feed over HTTP).
    await until(
      async () => {
        const url = reporter()?.url;
        if (url === undefined) return false;
        const feed = await readFeed(
          {
            read: (from, limit) =>
              fetch(`${url}/api/feed?from=${from}&limit=${limit}`)
                .then((r) => r.json() as Promise<{ events: EventEnvelope[] }>)
                .then((p) => p.events),
          },
          50_000,
        );
        return checkAssignments(feed).unfinished === 0;
      },
      waitMs,
      'every assignment saga to finish',
    ).catch((e: unknown) => errors.push(`after the load: ${message(e)}`));
    let head = -1;
    let since = performance.now();
    await until(
      async () => {
        const h = await journalHead(reporter());
        if (h !== head) [head, since] = [h ?? -1, performance.now()];
        return performance.now() - since > 2_000;
      },
      waitMs,
      'the journal head to stop moving',
    );
    // The publisher and the graph projection follow the feed: checks 5 and 6 compare what they
    // have with the whole journal, so they get the time to reach its head first.
    const jobs = [...(prod?.bus ? ['publisher'] : []), ...(prod?.graph ? ['graph'] : [])];
    if (jobs.length > 0) {
      let last = new Map<string, number>();
      await until(
        async () => {
          last = await jobPositions(cluster.running.filter((n) => !n.paused));
          return jobs.every((j) => (last.get(j) ?? 0) > head);
        },
        waitMs,
        `the ${jobs.join(' and ')} to reach the journal head`,
      ).catch((e: unknown) => {
        throw new Error(`${message(e)} ${head}: ${jobs.map((j) => `${j} at ${last.get(j) ?? 'unknown'}`).join(', ')}`);
      });
      log(`${jobs.join(' and ')} caught up with the journal head ${head}`);
    }
    const minOffset = Math.max(head, ...load.acks.map((a) => a.offset));
    log(`settled at journal head ${head}; asking every replica for the three checks at minOffset ${minOffset}`);
    for (const n of cluster.running) for (const check of CHECKS) answers.push(await replicaAnswer(n, check, minOffset));
    shardsAfter = await cluster.shards();
  } catch (e) {
    errors.push(message(e));
  } finally {
    log(`stopping every node (SIGTERM, SIGKILL after ${STOP_MS / 1000} s)`);
    await cluster.stop(STOP_MS).then(
      (forced) => {
        stopped = true;
        for (const name of forced) warnings.push(`${name} did not stop within ${STOP_MS / 1000} s of SIGTERM and was killed`);
      },
      (e: unknown) => errors.push(`stop: ${message(e)}`),
    );
    if (!stopped) cluster.kill();
  }

  let journal: JournalReport | undefined;
  let assignments: AssignmentsReport | undefined;
  let views: ViewComparison[] = [];
  let topic: TopicCheck | undefined;
  let graph: GraphCheck | undefined;
  const productionErrors: string[] = [];
  if (stopped && !skipped) {
    try {
      const j: Journal = prod?.journal ? await openSharedJournal(prod.journal) : await lmdbJournal({ path: cluster.journalPath });
      const feed = await readFeed(j).finally(() => j.close());
      // The CQL feed is at least once (an append repaired after a crash can be in it twice).
      journal = checkJournal(feed, load?.acks ?? [], { repeatsAllowed: prod?.journal !== undefined });
      assignments = checkAssignments(feed);
      views = await compareViews(answers, feed);
      if (prod?.bus) {
        log(`check 5: reading topic ${prod.bus.topic} from the beginning`);
        topic = await checkTopic(prod.bus, feed, load?.acks ?? []).catch((e: unknown) => {
          productionErrors.push(`check 5 (topic): ${message(e)}`);
          return undefined;
        });
      }
      if (prod?.graph) {
        log('check 6: the graph against a rebuild at its offset');
        graph = await checkGraph(prod.graph, feed).catch((e: unknown) => {
          productionErrors.push(`check 6 (graph): ${message(e)}`);
          return undefined;
        });
      }
    } catch (e) {
      errors.push(`reading the journal: ${message(e)}`);
    }
  } else errors.push('the nodes did not stop; the journal was not read');

  const ackedBy: Record<string, number> = {};
  for (const a of load?.acks ?? []) {
    const name = cluster.nodes.find((n) => n.url === a.node)?.name ?? a.node;
    ackedBy[name] = (ackedBy[name] ?? 0) + 1;
  }
  const lost = journal?.lost ?? load?.acks.length ?? 0;
  const productionPassed =
    productionErrors.length === 0 && (!prod?.bus || topic?.passed === true) && (!prod?.graph || graph?.passed === true);
  const passed =
    journal !== undefined &&
    Object.values(journal.passed).every(Boolean) &&
    assignments?.passed === true &&
    views.length > 0 &&
    views.every((v) => v.equal) &&
    errors.length === 0 &&
    lost === 0 &&
    productionPassed;
  if ((passed || skipped) && !o.keep) {
    rmSync(dir, { recursive: true, force: true });
    // The run's keyspace and topic too; a failed or kept run leaves them to look at.
    if (prod) await cleanUp(prod).catch((e: unknown) => warnings.push(`dropping the run's keyspace and topic: ${message(e)}`));
  }
  return {
    scenario: o.scenario,
    seed: o.seed,
    topology,
    dir,
    loadSeconds: load?.seconds ?? 0,
    totalSeconds: (performance.now() - started) / 1000,
    sent: load?.sent ?? 0,
    acked: load?.acks.length ?? 0,
    ackedBy,
    failures: Object.fromEntries(load?.failures ?? []),
    faults,
    exits: Object.fromEntries(cluster.nodes.filter((n) => n.exits.length > 0).map((n) => [n.name, n.exits])),
    shardsBefore,
    shardsAfter,
    journal,
    ...(assignments ? { assignments } : {}),
    views,
    errors,
    warnings,
    lost,
    passed,
    ...(prod ? { production: describe(prod), productionErrors, ...(topic ? { topic } : {}), ...(graph ? { graph } : {}) } : {}),
    kept: !(passed || skipped) || o.keep,
    ...(skipped ? { skipped } : {}),
  };
}
