/**
 * `npm run consume -- --kafka-brokers h:p[,h:p] [--topic aloft-events] [--verify] [--from-beginning] [--json]`
 * (the brokers and topic also from ALOFT_KAFKA_BROKERS and ALOFT_KAFKA_TOPIC, as the node reads them)
 *
 * Without --verify: prints each event of the topic as it arrives (from the end, or from the
 * beginning with --from-beginning) until Ctrl-C: partition and Kafka offset, persistence id, seq,
 * feed offset and event type; --json prints one JSON object per line.
 *
 * With --verify: reads the whole topic (every partition, from the beginning to the end offsets it
 * had at start), applies the consumer rule (DedupFilter by persistence id and seq; verify.ts) and
 * reports records read, duplicates dropped, distinct events, aggregates, and every gap,
 * reordering or conflict. Exit 0 when there is none, 1 when there is one (or the topic cannot be
 * read), 2 on a usage error.
 */
import { defineCli, EXIT_USAGE, UsageError } from '../../src/cli/args.ts';
import { decode, followTopic, readWholeTopic, type RawRecord } from './topic.ts';
import { TopicVerifier, type VerifyReport } from './verify.ts';

/** Anomalies printed in the text report; --json has them all. */
const SHOWN = 50;

const CONSUME_CLI = defineCli({
  name: 'consume',
  usage: 'usage: npm run consume -- --kafka-brokers h:p[,h:p] [--topic aloft-events] [--verify] [--from-beginning] [--json]',
  description:
    'Prints the events of the topic as they arrive, or with --verify reads the whole topic and reports\nduplicates, gaps and reordering (exit 0: none, 1: some or unreadable, 2: usage).',
  flags: {
    'kafka-brokers': {
      type: 'string',
      value: 'H:P,H:P',
      env: 'ALOFT_KAFKA_BROKERS',
      help: 'the brokers (required), as the node is given them',
    },
    topic: { type: 'string', value: 'NAME', env: 'ALOFT_KAFKA_TOPIC', default: 'aloft-events', help: 'the event topic' },
    verify: { type: 'boolean', help: 'read the whole topic once and check it instead of following it' },
    'from-beginning': { type: 'boolean', help: 'follow from the beginning of the topic instead of its end' },
    json: { type: 'boolean', help: 'one JSON object per event, or the report as JSON' },
  },
});

interface Options {
  readonly brokers: string[];
  readonly topic: string;
  readonly verify: boolean;
  readonly fromBeginning: boolean;
  readonly json: boolean;
}

function parse(argv: string[], env: NodeJS.ProcessEnv): Options | 'help' {
  const parsed = CONSUME_CLI.parse(argv, env);
  if (parsed.help) return 'help';
  const values = parsed.values;
  const raw = values['kafka-brokers'];
  if (raw === undefined || raw.trim() === '') throw new UsageError('--kafka-brokers is required (or ALOFT_KAFKA_BROKERS)');
  const brokers = raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const b of brokers)
    if (!/^[A-Za-z0-9.-]+:\d{1,5}$/.test(b)) throw new UsageError(`${CONSUME_CLI.label('kafka-brokers')}: "${b}" is not host:port`);
  const topic = values.topic;
  if (!/^[A-Za-z0-9._-]{1,249}$/.test(topic)) throw new UsageError(`${CONSUME_CLI.label('topic')}: "${topic}" is not a Kafka topic name`);
  if (values.verify && values['from-beginning'])
    throw new UsageError('--from-beginning is for following the topic; --verify always reads it from the beginning');
  return { brokers, topic, verify: values.verify, fromBeginning: values['from-beginning'], json: values.json };
}

function formatVerify(topic: string, partitions: number, r: VerifyReport, corrupt: readonly string[]): string {
  const count = (k: string) => r.anomalies.filter((a) => a.kind === k).length;
  const out = [
    `topic ${topic}: ${partitions} partitions, read from the beginning to the end offsets at start`,
    `  records read:        ${r.records}`,
    `  duplicates dropped:  ${r.duplicates}`,
    `  distinct events:     ${r.distinct}`,
    `  aggregates:          ${r.aggregates}`,
    `  gaps: ${count('gap')}, reorderings: ${count('reorder')}, conflicts: ${count('conflict')}, undecodable records: ${corrupt.length}`,
  ];
  for (const a of r.anomalies.slice(0, SHOWN))
    out.push(`  ${a.kind.padEnd(8)} ${a.persistenceId}: ${a.detail} (partition ${a.partition}, offset ${a.kafkaOffset})`);
  if (r.anomalies.length > SHOWN) out.push(`  … and ${r.anomalies.length - SHOWN} more`);
  for (const c of corrupt.slice(0, SHOWN)) out.push(`  corrupt  ${c}`);
  out.push(
    r.ok && corrupt.length === 0
      ? 'result: OK (every aggregate in order, nothing missing between its first and last event)'
      : 'result: FAIL',
  );
  return out.join('\n');
}

async function verify(o: Options): Promise<number> {
  const verifier = new TopicVerifier();
  const corrupt: string[] = [];
  const { partitions } = await readWholeTopic(o.brokers, o.topic, (raw) => {
    const d = decode(raw);
    if (d.ok) verifier.add(d.record);
    else corrupt.push(`partition ${raw.partition} offset ${raw.kafkaOffset} key ${raw.key}: ${d.error}`);
  });
  const report = verifier.report();
  console.log(
    o.json
      ? JSON.stringify({ topic: o.topic, partitions, ...report, corrupt }, null, 2)
      : formatVerify(o.topic, partitions, report, corrupt),
  );
  return report.ok && corrupt.length === 0 ? 0 : 1;
}

async function follow(o: Options): Promise<number> {
  const abort = new AbortController();
  for (const s of ['SIGINT', 'SIGTERM'] as const) process.once(s, () => abort.abort());
  const print = (raw: RawRecord) => {
    const d = decode(raw);
    if (o.json) {
      console.log(
        JSON.stringify(
          d.ok
            ? {
                partition: raw.partition,
                kafkaOffset: raw.kafkaOffset,
                persistenceId: d.record.persistenceId,
                seq: d.record.seq,
                offset: d.record.feedOffset,
                type: d.record.type,
              }
            : { partition: raw.partition, kafkaOffset: raw.kafkaOffset, key: raw.key, error: d.error },
        ),
      );
    } else if (d.ok)
      console.log(
        `p${raw.partition}@${raw.kafkaOffset}  ${d.record.persistenceId}  seq ${d.record.seq}  offset ${d.record.feedOffset}  ${d.record.type}`,
      );
    else console.log(`p${raw.partition}@${raw.kafkaOffset}  key ${raw.key}: ${d.error}`);
  };
  console.error(`following ${o.topic} on ${o.brokers.join(',')} from ${o.fromBeginning ? 'the beginning' : 'the end'}; Ctrl-C stops`);
  await followTopic(o.brokers, o.topic, o.fromBeginning, print, abort.signal);
  return 0;
}

async function main(): Promise<number> {
  let o: Options | 'help';
  try {
    o = parse(process.argv.slice(2), process.env);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    console.error(CONSUME_CLI.usageText(e));
    return EXIT_USAGE;
  }
  if (o === 'help') {
    console.log(CONSUME_CLI.help());
    return 0;
  }
  return o.verify ? verify(o) : follow(o);
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(`consume: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  },
);
