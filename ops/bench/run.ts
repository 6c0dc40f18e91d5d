/**
 * One entry point for every benchmark: `npm run bench -- <suite…> [--json] [--scale 0.1]`.
 * With no suite named it says so and lists the suites (exit 2). Suites live beside this file as `<name>.ts`.
 */
import { readdirSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import path from 'node:path';
import { defineCli, EXIT_USAGE, UsageError } from '../../src/cli/args.ts';
import { machine, table, type Report, type Suite } from './harness.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const suites = readdirSync(here)
  .filter((f) => f.endsWith('.ts') && !['run.ts', 'harness.ts'].includes(f) && !f.startsWith('_'))
  .map((f) => f.slice(0, -3))
  .sort();

const BENCH_CLI = defineCli({
  name: 'bench',
  usage: 'usage: npm run bench -- <suite…> [--json] [--scale N]',
  description: `suites: ${suites.join(', ')}`,
  positionals: true,
  flags: {
    json: { type: 'boolean', help: 'print the reports as JSON on stdout (progress goes to stderr)' },
    scale: {
      type: 'string',
      value: 'X',
      default: '1',
      help: 'scale factor for iteration counts; 1 is the documented run, smaller is a quick one',
    },
  },
});

function parse(argv: readonly string[]): { json: boolean; scale: number; named: string[] } | 'help' {
  const parsed = BENCH_CLI.parse(argv, process.env);
  if (parsed.help) return 'help';
  const scale = Number(parsed.values.scale);
  if (!Number.isFinite(scale) || scale <= 0) throw new UsageError(`--scale must be a positive number, got ${parsed.values.scale}`);
  const named = parsed.positionals;
  if (named.length === 0) throw new UsageError(`name at least one suite: ${suites.join(', ')}`);
  const unknown = named.filter((n) => !suites.includes(n));
  if (unknown.length > 0) throw new UsageError(`unknown suite ${unknown.join(', ')}; suites: ${suites.join(', ')}`);
  return { json: parsed.values.json, scale, named };
}

let options: ReturnType<typeof parse>;
try {
  options = parse(process.argv.slice(2));
} catch (error) {
  if (!(error instanceof UsageError)) throw error;
  console.error(BENCH_CLI.usageText(error));
  process.exit(EXIT_USAGE);
}
if (options === 'help') {
  console.log(BENCH_CLI.help());
  process.exit(0);
}
const { json, scale, named } = options;

const reports: Report[] = [];
for (const name of named) {
  const mod = (await import(pathToFileURL(path.join(here, `${name}.ts`)).href)) as { default: Suite };
  const startedAt = new Date().toISOString();
  const log = json ? (line: string) => console.error(line) : (line: string) => console.log(line);
  const rows = await mod.default.run({ scale, log });
  const report: Report = { suite: name, startedAt, machine: machine(), rows };
  reports.push(report);
  if (!json) console.log(`\n${table(report)}\n`);
}
if (json) console.log(JSON.stringify(reports, null, 2));
process.exit(0);
