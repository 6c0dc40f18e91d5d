/**
 * One entry point for every benchmark: `npm run bench -- <suite…> [--json] [--scale=0.1]`.
 * With no suite named it lists the suites. Suites live beside this file as `<name>.ts`.
 */
import { readdirSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import path from 'node:path';
import { machine, table, type Report, type Suite } from './harness.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const suites = readdirSync(here)
  .filter((f) => f.endsWith('.ts') && !['run.ts', 'harness.ts'].includes(f) && !f.startsWith('_'))
  .map((f) => f.slice(0, -3))
  .sort();

const args = process.argv.slice(2);
const json = args.includes('--json');
const scaleArg = args.find((a) => a.startsWith('--scale='));
const scale = scaleArg ? Number(scaleArg.slice('--scale='.length)) : 1;
const named = args.filter((a) => !a.startsWith('--'));

if (!Number.isFinite(scale) || scale <= 0) {
  console.error(`bench: --scale must be a positive number, got ${scaleArg}`);
  process.exit(2);
}
if (named.length === 0) {
  console.error(`usage: npm run bench -- <suite…> [--json] [--scale=N]\nsuites: ${suites.join(', ')}`);
  process.exit(2);
}
const unknown = named.filter((n) => !suites.includes(n));
if (unknown.length > 0) {
  console.error(`bench: unknown suite ${unknown.join(', ')}; suites: ${suites.join(', ')}`);
  process.exit(2);
}

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
