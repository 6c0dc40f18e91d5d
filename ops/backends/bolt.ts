/**
 * The Bolt graph database for the Memgraph schedule view's live tests: an embedded Neo4j
 * Community 5.26 (Maven Central; the last line that runs on Java 17) with only its Bolt connector,
 * on 127.0.0.1, authentication off. Memgraph itself has no JVM or npm distribution; Neo4j speaks
 * the same Bolt protocol, and the view picks its Cypher dialect from the server's agent string.
 *
 * The launcher is ops/backends/bolt/src/main/java/aloft/ops/bolt/BoltServer.java. The store lives
 * under `<dataDir>/home`, so a restart on the same dataDir and port (a fault test's
 * stopServer/startServer) finds the data it had.
 */
import path from 'node:path';
import neo4j from 'neo4j-driver';
import { freePort } from '../lib/loopback.ts';
import { classpath, spawnJava, waitReady, type Backend, type Started, type StartOptions } from './server.ts';

const NEO4J_VERSION = '5.26.30';
const HEAP = '512m';

/** One real client request: a Bolt handshake, then `RETURN 1` in a session. */
async function probe(url: string): Promise<boolean> {
  const driver = neo4j.driver(url, neo4j.auth.basic('', ''), {
    disableLosslessIntegers: true,
    connectionTimeout: 2_000,
    maxConnectionPoolSize: 1,
  });
  try {
    const session = driver.session();
    try {
      const r = await session.run('RETURN 1 AS one');
      return r.records[0]?.get('one') === 1;
    } finally {
      await session.close();
    }
  } finally {
    await driver.close();
  }
}

const bolt: Backend = {
  name: 'bolt',
  title: `Neo4j Community ${NEO4J_VERSION} (embedded, Bolt only, -Xmx${HEAP})`,
  async start(options: StartOptions): Promise<Started> {
    const cp = await classpath('bolt', options.progress);
    const port = options.ports?.bolt ?? (await freePort());
    const url = `bolt://127.0.0.1:${port}`;
    const home = path.join(options.dataDir, 'home');
    const proc = spawnJava({
      cp,
      main: 'aloft.ops.bolt.BoltServer',
      args: [String(port), home],
      // A small fixed heap: the machine is shared with the other test servers. The page cache
      // (off-heap) is fixed at 256 MiB in the launcher.
      jvmArgs: [`-Xmx${HEAP}`, '-XX:+ExitOnOutOfMemoryError'],
      logFile: path.join(options.dataDir, 'bolt.log'),
      cwd: options.dataDir,
    });
    options.progress(`bolt: Neo4j ${NEO4J_VERSION} starting on ${url} (pid ${proc.pid})`);
    await waitReady('bolt', proc, () => probe(url), {
      timeoutMs: 180_000,
      progress: options.progress,
      what: `answered RETURN 1 on ${url}`,
    });
    return {
      name: 'bolt',
      pid: proc.pid,
      logFile: proc.logFile,
      dataDir: options.dataDir,
      endpoint: `127.0.0.1:${port}`,
      ports: { bolt: port },
      env: { MEMGRAPH_URL: url },
    };
  },
};

export default bolt;
