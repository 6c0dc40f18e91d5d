/**
 * `npm start`: one Aloft node on the embedded defaults — LMDB journal in the data directory,
 * entities on the main thread on up to two cores (else in worker threads), the HTTP API on 127.0.0.1:8080. SIGTERM/SIGINT stop it gracefully:
 * stop accepting, finish in-flight requests, stop the actors, flush the journal, exit 0.
 */
import { EXIT_USAGE } from './cli/args.ts';
import { ConfigError, HELP, parseConfig, SERVICE_CLI, type ServiceConfig } from './service/config.ts';
import { CLUSTER_CLI, ConfigError as ClusterConfigError, parseClusterConfig, type ClusterConfig } from './cluster/config.ts';
import { startService } from './service/service.ts';
import { createLogger, type Logger } from './log.ts';

let logger: Logger | undefined;

async function main(): Promise<void> {
  let config: ServiceConfig | 'help';
  let cluster: ClusterConfig | undefined;
  try {
    // Cluster flags (--cluster-name, --seeds, …; see docs/cluster.md) first; the rest are the node's.
    const parsed = parseClusterConfig(process.argv.slice(2), process.env);
    cluster = parsed.config;
    config = parseConfig(parsed.rest, process.env);
  } catch (error) {
    // A bad setting: the message naming it, then the synopsis of the parser that refused it
    // (an unknown flag's message already says to try --help).
    if (error instanceof ConfigError || error instanceof ClusterConfigError) {
      console.error((error instanceof ConfigError ? SERVICE_CLI : CLUSTER_CLI).usageText(error));
      process.exit(EXIT_USAGE);
    }
    throw error;
  }
  if (config === 'help') {
    console.log(`${HELP}\n\nCluster membership (docs/cluster.md; without --cluster-name the node runs alone):\n${CLUSTER_CLI.help()}`);
    return;
  }
  // JSON lines when stdout is a pipe or a file, readable ones on a terminal (src/log.ts). The
  // secrets are cut out of every line, whatever a message was built from.
  const log = createLogger({ level: config.logLevel ?? 'info', secrets: [cluster?.secret, cluster?.adminToken] });
  logger = log;
  const started = performance.now();
  const service = await startService(config, log, cluster);
  const upMs = Math.round(performance.now() - started);
  // Scripts and tests wait for this text ("aloft: node up"); the fields say the same for machines.
  log.info(
    { component: 'node', upMs, url: `http://${config.host}:${service.port}/`, workers: config.workers, nodeId: service.cluster?.nodeId },
    `aloft: node up in ${upMs} ms — http://${config.host}:${service.port}/ (data ${config.data}, ${config.workers} workers${service.cluster ? `, cluster ${cluster?.clusterName} as ${service.cluster.nodeId}` : ''})`,
  );
  const say = (line: string) => log.info({ component: 'node' }, line);
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    say(`aloft: ${signal}, stopping`);
    await service.stop();
    say('aloft: stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
  // A member the split-brain resolver downed must stop hosting anything: stop, and say why.
  void service.terminated?.then((t) => {
    if (t.reason === 'downed') {
      log.error({ component: 'node' }, 'aloft: this member was downed by the cluster; stopping');
      void service.stop().then(() => process.exit(3));
    } else if (t.reason === 'left' && !stopping) {
      // Told to leave (admin leave or drain): its shards were handed off; stop like SIGTERM.
      void stop('leave');
    }
  });
}

main().catch((error: unknown) => {
  const text = `aloft: ${error instanceof Error ? error.message : String(error)}`;
  // On stderr as before the logger existed (a failed start), and as a fatal line once it does.
  if (logger) logger.fatal({ component: 'node', err: error }, text);
  else console.error(text);
  process.exit(1);
});
