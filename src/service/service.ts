/**
 * The composition root of one Aloft node: journal, actor node with entity hosts in the workers,
 * the journal service, the gateway, and the HTTP front. `startService` wires them from a config;
 * `stop` undoes it in the order SIGTERM needs (stop accepting, finish in-flight requests, stop
 * the actors, flush and close the journal).
 */
import { mkdirSync } from 'node:fs';
import { AloftNode } from '../actors/index.ts';
import { lmdbJournal, type Journal } from '../persistence/index.ts';
import { HttpServer } from '../http/server.ts';
import { Metrics } from '../http/metrics.ts';
import { writeRoutes, type IdSource } from '../http/write-routes.ts';
import { readRoutes } from '../http/read-routes.ts';
import { importRoutes } from '../http/import-routes.ts';
import { Live } from '../http/live.ts';
import { Importer } from './importer.ts';
import { loadDemoSeason } from './demo-season.ts';
import { checkRoutes } from '../http/check-routes.ts';
import { pageRoutes } from '../http/page-routes.ts';
import { ViewPool } from '../views/index.ts';
import { followViolations } from './live-violations.ts';
import type { ServiceConfig } from './config.ts';
import { bindCluster, type ClusterConfig, type ClusterNode, type Termination } from '../cluster/index.ts';
import { CommandGateway } from './gateway.ts';
import { journalService, JOURNAL_PATH } from './journal-service.ts';
import type { WorkerBootData } from './worker-boot.ts';

export interface Service {
  readonly port: number;
  readonly journal: Journal;
  readonly node: AloftNode;
  readonly gateway: CommandGateway;
  readonly importer: Importer;
  readonly live: Live;
  readonly views: ViewPool;
  /** The cluster member, when the node was started with a cluster configuration. */
  readonly cluster: ClusterNode | undefined;
  /** Settles when the cluster ends this member (it left, or the resolver downed it). */
  readonly terminated: Promise<Termination> | undefined;
  stop(): Promise<void>;
}

/** Ids for new rotations and sagas: unique per node start, sortable by creation. */
export function idSource(prefix: string): IdSource {
  const epoch = Date.now().toString(36);
  let n = 0;
  return { next: () => `${prefix}${epoch}-${(n++).toString(36)}` };
}

export async function startService(config: ServiceConfig, log: (line: string) => void = (l) => console.log(l), clusterConfig?: ClusterConfig): Promise<Service> {
  mkdirSync(config.data, { recursive: true });
  const journal = await lmdbJournal({ path: `${config.data}/journal`, durability: config.durability });
  const bootData: WorkerBootData = { entities: {} };
  // A cluster member's identity (host:port#incarnation) needs its bound port before the actor
  // systems are named, hence bind first, start the node, then join.
  const bound = clusterConfig ? await bindCluster(clusterConfig, { log: (level, line) => level !== 'debug' && log(`[cluster ${level}] ${line}`) }) : undefined;
  let node: AloftNode;
  let cluster: ClusterNode | undefined;
  try {
    node = await AloftNode.start({ ...(bound ? { node: bound.nodeId } : {}), workers: config.workers, boot: new URL('./worker-boot.ts', import.meta.url), bootData, log: (level, line) => level !== 'debug' && log(`[${level}] ${line}`) });
    cluster = bound ? await bound.start(node) : undefined;
  } catch (error) {
    await bound?.close();
    await journal.close();
    throw error;
  }
  node.system.spawn(journalService(journal), { name: JOURNAL_PATH, mailboxCapacity: 1_000_000 });
  // Schedule-view replicas (one per worker, or one on the main thread); each keeps a snapshot so
  // a restart replays only the tail.
  const views = await ViewPool.start({ journal, system: node.system, node, threads: (config.viewThreads ?? 'main') === 'main' ? [0] : node.threads.filter((t) => t > 0), snapshotDir: `${config.data}/views` });
  let viewsReady = false;
  void views.ready.then(() => {
    viewsReady = true;
    log('views: every replica has caught up with the journal');
  });
  const gateway = new CommandGateway(node);
  const metrics = new Metrics();
  metrics.gauge('aloft_journal_head_offset', 'Last durable offset of the global feed.', () => journal.headOffset());
  metrics.gauge('aloft_actors_main_thread', 'Live actors on the main thread.', () => node.system.actorCount);
  metrics.gauge('aloft_dead_letters_main_thread', 'Dead letters on the main thread since start.', () => node.system.deadLetters.count);
  metrics.gauge('aloft_view_lag_max', 'Largest lag (feed head minus applied offset) of any view replica.', () => Math.max(0, ...views.lag().map((l) => l.lag)));
  metrics.gauge('aloft_view_replicas_ready', 'View replicas answering queries.', () => views.lag().filter((l) => l.state === 'ready').length);

  const http = new HttpServer(metrics, (line) => log(`[http] ${line}`));
  writeRoutes(http, gateway, idSource('r'));
  readRoutes(http, { gateway, journal, metrics, views: { ready: () => viewsReady, lag: () => views.lag() } });
  checkRoutes(http, views);
  const imports = idSource('i');
  const importer = new Importer(gateway, () => imports.next());
  importRoutes(http, importer);
  const live = new Live(http.app);
  importer.subscribe((status) => live.publish('imports', { type: 'import', offset: status.offset, status }));
  const following = await followViolations(journal, views, live, (topic) => http.app.numSubscribers(topic) > 0, (line) => log(`[live] ${line}`));
  const adminUrl = cluster?.adminPort !== undefined && clusterConfig ? `http://${clusterConfig.bindHost}:${cluster.adminPort}` : process.env.ALOFT_ADMIN_URL;
  pageRoutes(http, { lag: () => views.lag(), actors: () => node.system.actorCount, adminUrl });
  http.fallback();
  let port: number;
  try {
    port = await http.listen(config.host, config.port);
  } catch (error) {
    await node.stop();
    await journal.close();
    throw error;
  }

  if (config.demoSeason) void loadDemoSeason(journal, gateway, importer, log).catch((error: unknown) => log(`demo season: failed: ${String(error)}`));

  let stopping: Promise<void> | undefined;
  return {
    port,
    journal,
    node,
    gateway,
    importer,
    live,
    views,
    cluster,
    terminated: cluster?.terminated,
    stop: () =>
      (stopping ??= (async () => {
        await http.close();
        live.closeAll();
        // Leave the cluster gracefully (bounded inside leave()) before the actors go.
        if (cluster) await cluster.leave().catch((error: unknown) => log(`cluster: leave failed: ${String(error)}`));
        await following.close();
        // A snapshot at shutdown makes the next start replay nothing.
        await views.snapshot().catch((error: unknown) => log(`views: snapshot at shutdown failed: ${String(error)}`));
        await views.stop();
        await node.stop();
        await journal.close();
      })()),
  };
}
