/**
 * A single-node Apache Kafka for the live tests: the broker and its KRaft controller in one JVM
 * (main class kafka.Kafka), from Maven Central's jars (ops/backends/kafka/pom.xml), on loopback.
 *
 * The data directory holds server.properties, log4j.properties, the formatted log directory and
 * the server's log. A restart on the same directory (a fault test stopping and starting it) keeps
 * the cluster id and every record: storage is formatted only when it has never been.
 */
import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { freePort } from '../lib/loopback.ts';
import {
  BACKENDS_DIR,
  BackendStartError,
  classpath,
  spawnJava,
  tail,
  waitReady,
  writeFileEnsured,
  type Backend,
  type Started,
  type StartOptions,
} from './server.ts';

/** Read from the pom so the title cannot drift from the jars actually run. */
function kafkaVersion(): string {
  const pom = readFileSync(path.join(BACKENDS_DIR, 'kafka', 'pom.xml'), 'utf8');
  return /<kafka\.version>([^<]+)<\/kafka\.version>/.exec(pom)?.[1] ?? 'unknown';
}

const HEAP = '-Xmx512m';

function serverProperties(dataDir: string, broker: number, controller: number): string {
  return `# Written by ops/backends/kafka.ts on every start; edits are overwritten.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:${controller}
listeners=PLAINTEXT://127.0.0.1:${broker},CONTROLLER://127.0.0.1:${controller}
advertised.listeners=PLAINTEXT://127.0.0.1:${broker}
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=${path.join(dataDir, 'logs')}
# One node: internal topics cannot have more replicas than brokers.
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
# Fewer partitions than the default 50 for the offsets topic: the first consumer group of a run
# waits for all of them to get a leader, which takes seconds on a loaded 2-core machine.
offsets.topic.num.partitions=6
# A test's consumer group starts at once instead of waiting 3 s for more members.
group.initial.rebalance.delay.ms=0
num.partitions=3
auto.create.topics.enable=true
`;
}

const LOG4J = `# Everything to stdout, which spawnJava appends to the data directory's kafka.log.
log4j.rootLogger=INFO, stdout
log4j.appender.stdout=org.apache.log4j.ConsoleAppender
log4j.appender.stdout.layout=org.apache.log4j.PatternLayout
log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n
# Per-request and per-partition state chatter would drown the startup and error lines.
log4j.logger.kafka.request.logger=WARN
log4j.logger.state.change.logger=WARN
log4j.logger.kafka.log.LogCleaner=WARN
log4j.logger.org.apache.kafka.storage.internals.log=WARN
log4j.logger.kafka.log=WARN
`;

/** A Kafka cluster id: 16 random bytes, URL-safe base64 without padding (Kafka's Uuid form). */
function clusterId(): string {
  return randomBytes(16).toString('base64url');
}

function runJava(cp: string, main: string, args: readonly string[], logFile: string, cwd: string): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(
      'java',
      [HEAP, `-Dlog4j.configuration=file:${path.join(cwd, 'log4j.properties')}`, '-cp', cp, main, ...args],
      { cwd, maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const out = `${stdout}${stderr}`;
        appendFileSync(logFile, out);
        const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
        resolve({ code, out });
      },
    );
  });
}

/**
 * Readiness is a real round trip, not an open port: produce one record with a fresh token to the
 * probe topic (auto-created), then read it back through a consumer group. That also brings up the
 * group coordinator and its offsets topic, so the first test's consumer does not pay for it.
 */
export async function probeKafka(brokers: string, timeoutMs = 20_000): Promise<boolean> {
  const kafka = new Kafka({
    clientId: 'aloft-backend-probe',
    brokers: [brokers],
    logLevel: logLevel.NOTHING,
    connectionTimeout: 2000,
    retry: { retries: 2, initialRetryTime: 200 },
  });
  const topic = 'aloft-backend-probe';
  const token = randomUUID();
  const producer = kafka.producer({ allowAutoTopicCreation: true });
  try {
    await producer.connect();
    await producer.send({ topic, acks: -1, messages: [{ key: 'probe', value: token }] });
  } finally {
    await producer.disconnect().catch(() => undefined);
  }
  // A short fetch wait: disconnect() waits for the fetch in flight (5 s at kafkajs's default).
  const consumer = kafka.consumer({ groupId: `aloft-probe-${token}`, maxWaitTimeInMs: 100, retry: { retries: 5, initialRetryTime: 200 } });
  try {
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    return await new Promise<boolean>((resolve, reject) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      consumer
        .run({
          eachMessage: async ({ message }) => {
            if (message.value?.toString() === token) {
              clearTimeout(timer);
              resolve(true);
            }
          },
        })
        .catch((e: unknown) => {
          clearTimeout(timer);
          reject(e instanceof Error ? e : new Error(String(e)));
        });
    });
  } finally {
    await consumer.disconnect().catch(() => undefined);
  }
}

/** Whether nothing listens on 127.0.0.1:`port` (we can bind it for a moment). */
function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

async function start(options: StartOptions): Promise<Started> {
  const { dataDir, progress } = options;
  const broker = options.ports?.broker ?? (await freePort());
  let controller = options.ports?.controller ?? (await freePort());
  while (controller === broker) controller = await freePort();
  const logFile = path.join(dataDir, 'kafka.log');
  // A restart on given ports while the old server still runs would start a second JVM that dies
  // on bind, while the readiness probe succeeds against the old one: we would record a dead pid
  // and leave the live server untracked (seen in the fault test). Refuse instead.
  for (const [role, port] of [
    ['broker', broker],
    ['controller', controller],
  ] as const) {
    if (!(await portFree(port)))
      throw new BackendStartError(
        'kafka',
        `the ${role} port 127.0.0.1:${port} is in use (is this server still running?)`,
        tail(logFile, 5),
      );
  }
  const propsFile = path.join(dataDir, 'server.properties');
  writeFileEnsured(propsFile, serverProperties(dataDir, broker, controller));
  writeFileEnsured(path.join(dataDir, 'log4j.properties'), LOG4J);

  const cp = await classpath('kafka', progress);

  // meta.properties is what format writes; its presence means this directory holds a cluster
  // whose records a restart must keep.
  if (!existsSync(path.join(dataDir, 'logs', 'meta.properties'))) {
    progress('kafka: formatting the KRaft storage');
    const r = await runJava(cp, 'kafka.tools.StorageTool', ['format', '-t', clusterId(), '-c', propsFile], logFile, dataDir);
    if (r.code !== 0)
      throw new BackendStartError('kafka', `storage format failed (exit ${r.code}); its log (${logFile}) ends with:`, tail(logFile));
  }

  progress(`kafka: starting Apache Kafka ${kafkaVersion()} on 127.0.0.1:${broker} (controller ${controller})`);
  const proc = spawnJava({
    cp,
    main: 'kafka.Kafka',
    args: [propsFile],
    jvmArgs: [
      HEAP,
      '-XX:+ExitOnOutOfMemoryError',
      '-Djava.awt.headless=true',
      `-Dlog4j.configuration=file:${path.join(dataDir, 'log4j.properties')}`,
    ],
    logFile,
    cwd: dataDir,
  });
  const brokers = `127.0.0.1:${broker}`;
  await waitReady('kafka', proc, () => probeKafka(brokers), {
    timeoutMs: 120_000,
    progress,
    what: 'produced and fetched back a probe record',
  });
  return {
    name: 'kafka',
    pid: proc.pid,
    logFile,
    dataDir,
    endpoint: brokers,
    ports: { broker, controller },
    env: { KAFKA_BROKERS: brokers },
  };
}

const kafka: Backend = {
  name: 'kafka',
  title: `Apache Kafka ${kafkaVersion()} (KRaft, ${HEAP})`,
  start,
};
export default kafka;
