/**
 * `npm run chaos -- <scenario> [--nodes N] [--duration-s S] [--seed X] [--planners P] [--standalone] [--keep] [--json]
 *  [--production | --journal scylla --bus kafka --graph memgraph]`
 *
 * Scenarios: kill, pause, partition, restart, add-node, mixed; with the Kafka bus also
 * kill-publisher, partition-publisher, pause-publisher (docs/chaos.md).
 * Production mode puts the nodes on the servers named by SCYLLA_CONTACT_POINTS (SCYLLA_DC),
 * KAFKA_BROKERS and MEMGRAPH_URL (`npm run backends -- up` prints them). Prints the report
 * (ending with `lost: N`) and exits 0 when nothing acknowledged was lost and every check passed,
 * 1 otherwise, 2 on a usage error.
 */
import { defineCli, EXIT_USAGE, UsageError } from '../../src/cli/args.ts';
import { runChaos } from './chaos.ts';
import { productionFromEnv, runName, type BackendKind, type ProductionBackends } from './production.ts';
import { formatReport } from './report.ts';
import { SCENARIOS } from './scenarios.ts';

const CHAOS_CLI = defineCli({
  name: 'chaos',
  usage: `usage: npm run chaos -- <${Object.keys(SCENARIOS).join('|')}> [options]`,
  description:
    "Runs the write workload against a cluster while injecting the scenario's faults, then checks\nthat nothing acknowledged was lost (docs/chaos.md). Exit 0: passed, 1: failed, 2: usage.",
  positionals: true,
  flags: {
    nodes: { type: 'string', default: '3', help: 'shard nodes (beside the journal node), 3 to 5' },
    'duration-s': { type: 'string', value: 'S', default: '60', help: 'seconds of faults under load, 5 to 3600' },
    seed: { type: 'string', value: 'X', defaultText: 'random', help: 'the same seed picks the same victims and the same workload' },
    planners: { type: 'string', default: '12', help: 'planners of the write workload, 1 to 500' },
    standalone: { type: 'boolean', help: 'one unclustered node owning its journal, instead of the cluster' },
    keep: { type: 'boolean', help: 'keep the run directory (data and logs) after a pass too; a failed run always keeps it' },
    json: { type: 'boolean', help: 'print the report as JSON (progress goes to stderr either way)' },
    production: {
      type: 'boolean',
      group:
        'Production backends (the servers named by SCYLLA_CONTACT_POINTS, KAFKA_BROKERS and MEMGRAPH_URL,\nas `npm run backends -- up` prints them):',
      help: 'all three of the below',
    },
    journal: { type: 'string', value: 'scylla', help: 'journal to ScyllaDB (leave out for the embedded LMDB journal)' },
    bus: { type: 'string', value: 'kafka', help: 'publish events to Kafka' },
    graph: { type: 'string', value: 'memgraph', help: 'keep the schedule graph in Memgraph' },
  },
});

function parse(argv: readonly string[]) {
  const parsed = CHAOS_CLI.parse(argv, {});
  if (parsed.help) return 'help' as const;
  const [scenario, ...extra] = parsed.positionals;
  if (scenario === undefined || !(scenario in SCENARIOS))
    throw new UsageError(scenario === undefined ? 'name a scenario' : `unknown scenario ${scenario}`);
  if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}" (try --help)`);
  const v = parsed.values;
  const int = (name: 'nodes' | 'duration-s' | 'seed' | 'planners', fallback: number, min: number, max: number) => {
    const text = v[name];
    const n = text === undefined ? fallback : Number(text);
    if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`--${name} must be an integer from ${min} to ${max}, got ${text}`);
    return n;
  };
  // Production backends: --production selects all three; each flag names the one choice it has
  // (the embedded default is what leaving it out means).
  const select = new Set<BackendKind>(v.production ? ['journal', 'bus', 'graph'] : []);
  for (const [flag, kind, value] of [
    ['journal', 'journal', 'scylla'],
    ['bus', 'bus', 'kafka'],
    ['graph', 'graph', 'memgraph'],
  ] as const) {
    const given = v[flag];
    if (given === undefined) continue;
    if (given !== value) throw new UsageError(`--${flag} takes ${value} (leave it out for the embedded default), got ${given}`);
    select.add(kind);
  }
  return {
    scenario,
    select,
    shardNodes: int('nodes', 3, 3, 5),
    durationS: int('duration-s', 60, 5, 3600),
    seed: int('seed', Math.floor(Math.random() * 1_000_000), 0, 2 ** 31 - 1),
    planners: int('planners', 12, 1, 500),
    standalone: v.standalone,
    keep: v.keep,
    json: v.json,
  };
}

async function main(): Promise<number> {
  let o: ReturnType<typeof parse>;
  try {
    o = parse(process.argv.slice(2));
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    console.error(CHAOS_CLI.usageText(e));
    return EXIT_USAGE;
  }
  if (o === 'help') {
    console.log(CHAOS_CLI.help());
    return 0;
  }
  let production: ProductionBackends | undefined;
  try {
    production = o.select.size > 0 ? productionFromEnv(o.select, runName(o.seed)) : undefined;
  } catch (e) {
    console.error(`chaos: ${(e as Error).message}`);
    return 2;
  }
  const report = await runChaos({ ...o, ...(production ? { production } : {}), log: (l) => console.error(l) });
  console.log(o.json ? JSON.stringify(report, null, 2) : formatReport(report));
  return report.passed ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(`chaos: ${e instanceof Error ? e.stack : String(e)}`);
    console.log('lost: unknown');
    process.exit(1);
  },
);
