/**
 * The composition root of one Aloft node: journal, actor node with entity hosts in the workers,
 * the shard region, the journal service, the gateway, and the HTTP front. `startService` wires
 * them from a config; `stop` undoes it in the order SIGTERM needs (stop accepting, finish
 * in-flight requests, hand the node's shards off and leave the cluster, stop the actors, flush
 * and close the journal).
 *
 * Roles (cluster members; a node alone has both): `journal` opens the LMDB journal in the data
 * directory and serves it to the cluster; `shards` hosts entities. A member started without
 * --roles has `shards` and uses the journal member's journal (remote-journal.ts).
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { AloftNode } from '../actors/index.ts';
import { lmdbJournal, type Journal } from '../persistence/index.ts';
import { HttpServer } from '../http/server.ts';
import { Metrics } from '../http/metrics.ts';
import { serviceMetrics } from './metrics.ts';
import { writeRoutes, type IdSource } from '../http/write-routes.ts';
import { readRoutes } from '../http/read-routes.ts';
import { importRoutes } from '../http/import-routes.ts';
import { Live } from '../http/live.ts';
import { Importer } from '../app/importer.ts';
import { ImportDirectory, ImportKeeper } from '../app/import-directory.ts';
import { loadDemoSeason } from './demo-season.ts';
import { checkRoutes } from '../http/check-routes.ts';
import { pageRoutes } from '../http/page-routes.ts';
import { windowRoutes } from '../http/window-routes.ts';
import { ViewPool } from '../views/index.ts';
import { followViolations } from '../app/live-violations.ts';
import { EMBEDDED, type ServiceConfig } from './config.ts';
import { JournalHealth, openJournal, openGraph, startGraphProjection, startPublisher } from './backends.ts';
import type { BackendState, FeedJob } from '../app/feed-job.ts';
import { GraphChecks } from '../app/graph-checks.ts';
import { domainUpcasters } from './schema.ts';
import { stateful } from '../actors/index.ts';
import { bindCluster, type ClusterConfig, type ClusterNode, type Termination } from '../cluster/index.ts';
import { CommandGateway } from '../app/gateway.ts';
import { AssignmentKeeper } from '../app/assignment-keeper.ts';
import { journalService, localEventStore, JOURNAL_PATH, type JournalMsg } from '../app/journal-service.ts';
import { clusterJournalLocator, journalProxy, JOURNAL_ROLE, RemoteJournal } from './remote-journal.ts';
import { clusterShardHosts, SHARD_ROLE, ShardRegion, standaloneHosts } from '../cluster/index.ts';
import { HOSTS } from '../app/aggregates.ts';
import { serviceAdminRoutes } from './admin-routes.ts';
import { setup as setupEntityThread, type WorkerBootData } from './worker-boot.ts';
import { createLogger, leveled, lines, toLogger, type LogSink } from '../log.ts';

export interface Service {
  readonly port: number;
  readonly journal: Journal;
  readonly node: AloftNode;
  readonly gateway: CommandGateway;
  readonly importer: Importer;
  readonly live: Live;
  readonly views: ViewPool;
  readonly region: ShardRegion;
  /** This node's roles: journal and/or shards. */
  readonly roles: readonly string[];
  /** The journal, and the publisher and graph projection where they run on this member. */
  backends(): BackendState[];
  /** The cluster member, when the node was started with a cluster configuration. */
  readonly cluster: ClusterNode | undefined;
  /** The HTTP routes this node serves (method and pattern), as registered. */
  readonly routes: HttpServer['routes'];
  /** Settles when the cluster ends this member (it left, or the resolver downed it). */
  readonly terminated: Promise<Termination> | undefined;
  stop(): Promise<void>;
}

/** Ids for new rotations, sagas and imports: unique per node start (the random part keeps two
 * members started in the same millisecond apart: sagas and imports are durable under their id),
 * sortable by creation on one node. */
export function idSource(prefix: string): IdSource {
  const epoch = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
  let n = 0;
  return { next: () => `${prefix}${epoch}-${(n++).toString(36)}` };
}

export async function startService(
  config: ServiceConfig,
  sink: LogSink = createLogger({ level: 'info' }),
  cluster0?: ClusterConfig,
): Promise<Service> {
  // One child per component, made once: a line costs nothing more than its fields.
  const logger = toLogger(sink);
  const component = (name: string) => logger.child({ component: name });
  const journalLog = component('journal');
  const views0Log = component('views');
  const jobLog = component('jobs');
  const importLog = component('imports');
  const liveLog = component('live');
  mkdirSync(config.data, { recursive: true });
  const backends = config.backends ?? EMBEDDED;
  const shared = backends.journal._tag === 'scylla';
  // With a shared database every member opens the journal itself: there is no journal member.
  const roles = cluster0
    ? cluster0.roles.length > 0
      ? cluster0.roles.filter((r) => !(shared && r === JOURNAL_ROLE))
      : [SHARD_ROLE]
    : [JOURNAL_ROLE, SHARD_ROLE];
  if (shared && cluster0?.roles.includes(JOURNAL_ROLE))
    journalLog.warn('journal: --roles journal is ignored with --journal scylla: every member opens the shared journal');
  const clusterConfig = cluster0 ? { ...cluster0, roles: roles.length > 0 ? roles : [SHARD_ROLE] } : undefined;
  const localJournal =
    shared || roles.includes(JOURNAL_ROLE)
      ? await openJournal(
          backends.journal,
          () => lmdbJournal({ path: `${config.data}/journal`, durability: config.durability, upcasters: domainUpcasters() }),
          lines(journalLog),
          { upcasters: domainUpcasters() },
        )
      : undefined;
  const entityHosts = Object.values(HOSTS);
  // --max-entities is per node; each aggregate type in each worker takes an equal part of it (the
  // assignment sagas, short-lived, get the same part on top).
  const aggregateHosts = entityHosts.filter((h) => h !== HOSTS.assignment).length;
  const maxPerHost =
    config.maxEntities !== undefined
      ? Math.max(1, Math.ceil(config.maxEntities / (aggregateHosts * Math.max(1, config.workers))))
      : undefined;
  const bootData: WorkerBootData = {
    entities: {
      ...(config.entityIdleMs !== undefined ? { idleTimeoutMs: config.entityIdleMs } : {}),
      ...(maxPerHost !== undefined ? { maxPerHost } : {}),
    },
    ...(config.sagaHooksModule !== undefined ? { sagaHooksModule: config.sagaHooksModule } : {}),
  };
  // A cluster member's identity (host:port#incarnation) needs its bound port before the actor
  // systems are named, hence bind first, start the node, then join.
  const bound = clusterConfig ? await bindCluster(clusterConfig, { log: leveled(component('cluster')) }) : undefined;
  let node: AloftNode;
  let cluster: ClusterNode | undefined;
  try {
    node = await AloftNode.start({
      ...(bound ? { node: bound.nodeId } : {}),
      workers: config.workers,
      boot: new URL('./worker-boot.ts', import.meta.url),
      bootData,
      log: leveled(component('actors')),
      // The workers' own lines (JSON on stderr) at the node's level.
      ...(config.logLevel !== undefined ? { logLevel: config.logLevel } : {}),
    });
    // Without workers the entities share the main thread with HTTP and the journal: the layout
    // that serves most on two cores (docs/benchmarks.md), and then they call the journal directly.
    if (config.workers === 0) await setupEntityThread(node.system, bootData, localJournal ? localEventStore(localJournal) : undefined);
    cluster = bound ? await bound.start(node) : undefined;
  } catch (error) {
    await bound?.close();
    await localJournal?.close();
    throw error;
  }
  // The region exists before this member can be up: the others forward to it and ask it to
  // release shards as soon as they see it.
  const region = new ShardRegion({
    system: node.system,
    hosts: cluster ? clusterShardHosts(cluster) : standaloneHosts(node.system.node),
    threads: node.threads.filter((t) => t > 0),
    entityHosts,
    // Entities finish the write in flight and answer it before their shard moves.
    stopMessage: { _tag: 'Passivate' },
    settings: {
      ...(config.shards !== undefined ? { shardCount: config.shards } : {}),
      ...(config.handoffTimeoutMs !== undefined ? { handoffTimeoutMs: config.handoffTimeoutMs } : {}),
    },
    log: leveled(component('shards')),
  });
  let journal: Journal;
  if (localJournal) {
    journal = localJournal;
    node.system.spawn(journalService(localJournal), { name: JOURNAL_PATH, mailboxCapacity: 1_000_000 });
  } else {
    if (!cluster) throw new Error('a node without the journal role needs a cluster');
    node.system.spawn(journalProxy(node.system, clusterJournalLocator(cluster)), { name: JOURNAL_PATH, mailboxCapacity: 1_000_000 });
    const remote = new RemoteJournal(node.system.ref<JournalMsg>({ node: node.system.node, thread: 0, path: JOURNAL_PATH }));
    journal = remote;
    await waitForJournal(remote, config.journalWaitMs ?? 60_000, lines(journalLog)).catch(async (error: unknown) => {
      region.stop();
      await cluster?.stop();
      await node.stop();
      throw error;
    });
  }
  // Schedule-view replicas (one per worker, or one on the main thread); each keeps a snapshot so
  // a restart replays only the tail.
  const views = await ViewPool.start({
    journal,
    system: node.system,
    node,
    threads: (config.viewThreads ?? 'main') === 'main' || config.workers === 0 ? [0] : node.threads.filter((t) => t > 0),
    snapshotDir: `${config.data}/views`,
  });
  let viewsReady = false;
  void views.ready.then(() => {
    viewsReady = true;
    views0Log.info('views: every replica has caught up with the journal');
  });
  const health = new JournalHealth(journal, lines(journalLog)).start();
  const gateway = new CommandGateway(
    region,
    undefined,
    () => (health.state.state === 'down' ? `the journal is unreachable: ${health.state.reason ?? ''}` : undefined),
    component('gateway'),
  );
  // The publisher and the graph projection: one each per cluster (singletons on the oldest
  // member), or here when the node is alone.
  const jobs = new Map<string, FeedJob>();
  const runJob = (name: string, start: () => Promise<FeedJob>) => {
    if (!cluster) {
      void start().then(
        (j) => jobs.set(name, j),
        (error: unknown) => jobLog.error({ job: name, err: error }, `${name}: could not start: ${String(error)}`),
      );
      return;
    }
    cluster.singleton<never>(name, () =>
      stateful<Promise<FeedJob | undefined>, never>({
        initial: () => {
          jobLog.info({ job: name }, `${name}: starting here (cluster singleton)`);
          return start().then(
            (j) => {
              jobs.set(name, j);
              return j;
            },
            (error: unknown) => {
              jobLog.error({ job: name, err: error }, `${name}: could not start: ${String(error)}`);
              return undefined;
            },
          );
        },
        receive: (state) => state,
        onStop: (state) => {
          void state.then(async (j) => {
            if (!j) return;
            jobs.delete(name);
            await j.stop();
            jobLog.info({ job: name }, `${name}: stopped here`);
          });
        },
      }),
    );
  };
  if (backends.bus._tag === 'kafka') {
    const bus = backends.bus;
    runJob('publisher', () => startPublisher(journal, bus, lines(component('publisher'))));
  }
  if (backends.graph._tag === 'memgraph') {
    const graph = backends.graph;
    runJob('graph', () => startGraphProjection(journal, graph, lines(component('graph'))));
  }
  // Wakes assignment sagas left unfinished by a crash or a lost member (one per cluster).
  runJob('assignment-keeper', () => AssignmentKeeper.start(journal, (id) => gateway.wakeAssignment(id), lines(component('assignments'))));
  const graphChecks =
    backends.checks === 'graph' && backends.graph._tag === 'memgraph'
      ? new GraphChecks(await openGraph(backends.graph), () => journal.headOffset())
      : undefined;
  const backendStates = (): BackendState[] => {
    const states: BackendState[] = [{ ...health.state, name: `journal (${backends.journal._tag})` }];
    for (const name of ['publisher', 'graph']) {
      const selected = name === 'publisher' ? backends.bus._tag !== 'none' : backends.graph._tag !== 'none';
      if (!selected) continue;
      const job = jobs.get(name);
      const s = job ? job.state : { name, state: 'standby' as const };
      states.push(s.position !== undefined ? { ...s, lag: Math.max(0, health.headOffset + 1 - s.position) } : s);
    }
    return states;
  };
  const metrics = new Metrics();

  const http = new HttpServer(metrics, component('http'));
  writeRoutes(http, gateway, idSource('r'));
  readRoutes(http, {
    gateway,
    journal,
    metrics,
    views: { ready: () => viewsReady, lag: () => views.lag() },
    backends: backendStates,
    ...(cluster ? { membership: () => joining(cluster, roles.includes(SHARD_ROLE) ? region : undefined) } : {}),
  });
  checkRoutes(http, graphChecks ?? views);
  const imports = idSource('i');
  const importer = new Importer(gateway, () => imports.next(), journal, lines(importLog));
  serviceMetrics(metrics, {
    journal,
    journalReachable: () => health.state.state !== 'down',
    node,
    region,
    gateway,
    views,
    importer,
    cluster,
    backends: backendStates,
    unfinishedSagas: () => {
      const keeper = jobs.get('assignment-keeper');
      return keeper instanceof AssignmentKeeper ? keeper.pending().length : 0;
    },
  });
  // Every import's status from the journal (any member answers for any job), and the keeper that
  // resumes a job whose runner stopped (one per cluster).
  const importDirectory = new ImportDirectory(journal, lines(importLog));
  runJob('import-keeper', () => Promise.resolve(new ImportKeeper(importDirectory, importer, lines(importLog))));
  importRoutes(http, importer, importDirectory);
  const live = new Live(http.app);
  importer.subscribe((status) => live.publish('imports', { type: 'import', offset: status.offset, status }));
  importDirectory.subscribe(
    (status) => importer.runningHere(status.importId) || live.publish('imports', { type: 'import', offset: status.offset, status }),
  );
  const following = followViolations(views, live, (topic) => http.app.numSubscribers(topic) > 0, lines(liveLog));
  // The panel's way to the admin API: this member's (https, trusting the cluster's CA, when cluster TLS is on) or another's.
  const admin =
    cluster?.adminUrl !== undefined && clusterConfig
      ? { adminUrl: cluster.adminUrl, adminCa: clusterConfig.tls?.ca, adminInsecure: clusterConfig.tls?.insecure === true }
      : { adminUrl: process.env.ALOFT_ADMIN_URL, adminCa: process.env.ALOFT_ADMIN_CA, adminInsecure: false };
  pageRoutes(http, { lag: () => views.lag(), actors: () => node.system.actorCount, ...admin });
  windowRoutes(http, views, live, lines(liveLog));
  http.fallback();
  let port: number;
  try {
    port = await http.listen(config.host, config.port);
  } catch (error) {
    await node.stop();
    await journal.close();
    throw error;
  }

  if (config.demoSeason)
    void loadDemoSeason(journal, gateway, importer, lines(importLog), { scale: config.demoSeasonScale ?? 1 }).catch((error: unknown) =>
      importLog.error({ err: error }, `demo season: failed: ${String(error)}`),
    );

  let stopping: Promise<void> | undefined;
  // Downed (or otherwise ended by the cluster): there is nobody to hand shards to any more.
  let clusterEnded = false;
  void cluster?.terminated.then(() => (clusterEnded = true));
  const stop = () =>
    (stopping ??= (async () => {
      // A downed node's requests in flight wait on asks that will only time out (its links are
      // closed): give them less time than a graceful stop does.
      await http.close(clusterEnded ? 2_000 : 10_000);
      live.closeAll();
      if (cluster && !clusterEnded) {
        // Drain: leaving takes this node out of every member's shard table; its region stops the
        // entities and hands each shard to its new home before the node exits.
        cluster.membership.leave();
        const drained = await region.drained(region.settings.handoffTimeoutMs + 5_000);
        const shardsLog = component('shards');
        if (drained) shardsLog.info('shards: all handed off');
        else shardsLog.warn('shards: handoff did not finish in time; leaving anyway (the journal refuses a second writer)');
        // Leave the cluster gracefully (bounded inside leave()) before the actors go.
        await cluster
          .leave()
          .catch((error: unknown) => component('cluster').warn({ err: error }, `cluster: leave failed: ${String(error)}`));
      }
      region.stop();
      health.stop();
      await Promise.all(
        [...jobs.values()].map((j) =>
          j.stop().catch((error: unknown) => jobLog.warn({ err: error }, `backends: stop failed: ${String(error)}`)),
        ),
      );
      await graphChecks?.close().catch(() => undefined);
      await following.close();
      await importDirectory.close().catch(() => undefined);
      // A snapshot at shutdown makes the next start replay nothing.
      await views
        .snapshot()
        .catch((error: unknown) => views0Log.warn({ err: error }, `views: snapshot at shutdown failed: ${String(error)}`));
      await views.stop();
      await node.stop();
      await journal.close();
    })());
  if (cluster) cluster.extra = serviceAdminRoutes(cluster, region, views, lines(component('admin')), backendStates);
  // A leave asked for from elsewhere (the admin API's leave or drain) stops this node the same way.
  cluster?.onClusterEvent((e) => {
    if (e._tag === 'MemberLeft' && e.member.node === cluster.nodeId) void stop();
  });
  return {
    port,
    journal,
    node,
    gateway,
    importer,
    live,
    views,
    region,
    roles,
    backends: backendStates,
    cluster,
    routes: http.routes,
    terminated: cluster?.terminated,
    stop,
  };
}

/** A member without the journal waits at start until the journal member answers. */
async function waitForJournal(journal: RemoteJournal, timeoutMs: number, log: (line: string) => void): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let said = false;
  for (;;) {
    try {
      await journal.headOffset();
      if (said) log('journal: the journal member answers');
      return;
    } catch (error) {
      if (Date.now() >= deadline)
        throw new Error(`no journal member answered within ${timeoutMs} ms: ${error instanceof Error ? error.message : String(error)}`);
      if (!said) log(`journal: waiting for the journal member (${error instanceof Error ? error.message : String(error)})`);
      said = true;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

/** Why a cluster member cannot take commands yet, or undefined once it can: it is up in the
 * membership and, when it hosts shards, its region has a shard table (before that every command
 * is refused as not applied). A member without the shards role (a journal member) only needs to
 * be up. */
function joining(cluster: ClusterNode, region: ShardRegion | undefined): string | undefined {
  const status = cluster.membership.selfMember?.status;
  if (status !== 'up') return `this member is ${status ?? 'not yet a member'} in the cluster, not up`;
  if (region !== undefined && Object.keys(region.ownerCounts()).length === 0) return 'this member has no shard table yet';
  return undefined;
}
