/**
 * The Grafana dashboards under ops/grafana query only what a node exports: every metric named in
 * every PromQL expression (and in the variables' label_values queries) must have samples in the
 * /metrics of a node started alone. A dashboard that names a renamed or missing metric fails here.
 */
import t from 'tap';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startService } from '../../src/service/service.ts';
import { familyOf, parseExposition, type Exposition } from '../http/prom-text.ts';

const GRAFANA = new URL('../../ops/grafana/', import.meta.url);
const NOT_METRICS = new Set([
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'bool',
  'and',
  'or',
  'unless',
  'offset',
  'inf',
  'nan',
]);

/** The metric names a PromQL expression reads: identifiers that are not functions, aggregations,
 * keywords, label names (in matchers, by/without/on/ignoring lists), durations or Grafana variables. */
export function metricNames(expr: string): string[] {
  const s = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\$\{[^}]*\}|\$\w+/g, ' ')
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
  const names = new Set<string>();
  for (const m of s.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*/g)) {
    const at = m.index;
    if (at > 0 && /[0-9.]/.test(s[at - 1] as string)) continue; // 5m, 1e3
    if (/^\s*\(/.test(s.slice(at + m[0].length))) continue; // rate(, sum (
    if (NOT_METRICS.has(m[0].toLowerCase())) continue;
    names.add(m[0]);
  }
  return [...names];
}

/** Every PromQL text of a dashboard: panel targets' `expr`, and the variables' queries. */
function queries(node: unknown, out: string[] = []): string[] {
  if (Array.isArray(node)) for (const x of node) queries(x, out);
  else if (node !== null && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      if (k === 'expr' && typeof v === 'string') out.push(v);
      else if (k === 'query' && typeof v === 'string' && /\w+\(/.test(v))
        out.push(v.replace(/^label_values\(([^,)]*)(?:,[^)]*)?\)$/, '$1'));
      else queries(v, out);
    }
  }
  return out;
}

/** The names of `wanted` that have no sample in the exposition (histogram parts by their family). */
function missing(e: Exposition, wanted: Iterable<string>): string[] {
  const exported = new Set(e.samples.map((s) => familyOf(e, s.name)));
  return [...wanted].filter((name) => !exported.has(familyOf(e, name)));
}

t.test('metric names are read out of PromQL', async (t) => {
  t.same(
    metricNames(
      'histogram_quantile(0.99, sum by (le, route) (rate(aloft_http_request_duration_seconds_bucket{instance=~"$instance", route!="/metrics"}[$__rate_interval])))',
    ),
    ['aloft_http_request_duration_seconds_bucket'],
  );
  t.same(metricNames('sum(a_total{x="by(y)"}) / on (instance) group_left sum(b_bytes offset 5m) * 1e3 > bool 0'), ['a_total', 'b_bytes']);
  t.same(metricNames('max without (thread) (aloft_actors) or vector(0)'), ['aloft_actors']);
});

t.test('every metric the dashboards query is exported by a node alone', async (t) => {
  const files = readdirSync(GRAFANA).filter((f) => f.endsWith('.json'));
  t.ok(files.length > 0, 'a dashboard under ops/grafana');
  const wanted = new Map<string, string>();
  for (const file of files) {
    const dashboard: unknown = JSON.parse(readFileSync(new URL(file, GRAFANA), 'utf8'));
    const exprs = queries(dashboard);
    t.ok(exprs.length >= 10, `${file}: ${exprs.length} queries`);
    for (const expr of exprs) {
      const names = metricNames(expr);
      t.ok(names.length > 0, `${file}: a metric in ${expr}`);
      for (const name of names) wanted.set(name, file);
    }
  }

  const dir = mkdtempSync(path.join(os.tmpdir(), 'aloft-dashboard-'));
  const service = await startService(
    { host: '127.0.0.1', port: 0, data: dir, workers: 0, demoSeason: false, durability: 'commit' },
    () => undefined,
  );
  t.teardown(async () => {
    await service.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  const base = `http://127.0.0.1:${service.port}`;
  // One command and one scrape first: labelled histograms have samples once something was observed.
  await (await fetch(`${base}/api/airports`, { method: 'POST', body: JSON.stringify({ code: 'FRA', minGroundTimeMinutes: 45 }) })).text();
  await (await fetch(`${base}/metrics`)).text();
  const e = parseExposition(await (await fetch(`${base}/metrics`)).text());

  for (const name of missing(e, wanted.keys())) t.fail(`${wanted.get(name)} queries ${name}, which /metrics does not export`);
  t.same(
    missing(e, ['aloft_not_a_metric_total', 'aloft_commands_total_bucket']),
    ['aloft_not_a_metric_total', 'aloft_commands_total_bucket'],
    'the check itself refuses unknown names and a _bucket of a counter',
  );
  t.ok(wanted.size >= 20, `${wanted.size} metrics queried`);
});
