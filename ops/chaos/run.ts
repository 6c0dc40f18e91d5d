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
import { runChaos } from './chaos.ts';
import { productionFromEnv, runName, type BackendKind } from './production.ts';
import { formatReport } from './report.ts';
import { SCENARIOS } from './scenarios.ts';

const USAGE = `usage: node --import tsx ops/chaos/run.ts <${Object.keys(SCENARIOS).join('|')}> [--nodes 3..5] [--duration-s S] [--seed X] [--planners P] [--standalone] [--keep] [--json] [--production | --journal scylla --bus kafka --graph memgraph]`;

function parse(argv: readonly string[]) {
  const [scenario, ...rest] = argv;
  if (scenario === undefined || !(scenario in SCENARIOS)) throw new Error(`first argument must be a scenario`);
  const flags = new Map<string, string>();
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i] as string;
    if (a === '--standalone' || a === '--keep' || a === '--json' || a === '--production') flags.set(a.slice(2), '1');
    else if (['--nodes', '--duration-s', '--seed', '--planners', '--journal', '--bus', '--graph'].includes(a) && rest[i + 1] !== undefined) flags.set(a.slice(2), rest[++i] as string);
    else throw new Error(`unexpected argument ${a}`);
  }
  const int = (name: string, fallback: number, min: number, max: number) => {
    const v = flags.get(name);
    const n = v === undefined ? fallback : Number(v);
    if (!Number.isInteger(n) || n < min || n > max) throw new Error(`--${name} must be an integer from ${min} to ${max}, got ${v}`);
    return n;
  };
  // Production backends: --production selects all three; each flag names the one choice it has
  // (the embedded default is what leaving it out means).
  const select = new Set<BackendKind>(flags.has('production') ? ['journal', 'bus', 'graph'] : []);
  for (const [flag, kind, value] of [['journal', 'journal', 'scylla'], ['bus', 'bus', 'kafka'], ['graph', 'graph', 'memgraph']] as const) {
    const v = flags.get(flag);
    if (v === undefined) continue;
    if (v !== value) throw new Error(`--${flag} takes ${value} (leave it out for the embedded default), got ${v}`);
    select.add(kind);
  }
  return {
    scenario,
    select,
    shardNodes: int('nodes', 3, 3, 5),
    durationS: int('duration-s', 60, 5, 3600),
    seed: int('seed', Math.floor(Math.random() * 1_000_000), 0, 2 ** 31 - 1),
    planners: int('planners', 12, 1, 500),
    standalone: flags.has('standalone'),
    keep: flags.has('keep'),
    json: flags.has('json'),
  };
}

async function main(): Promise<number> {
  let o;
  try {
    o = parse(process.argv.slice(2));
  } catch (e) {
    console.error(`chaos: ${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  let production;
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
