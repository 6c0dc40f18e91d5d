/**
 * The printed report of a chaos run. It ends with `lost: N` (acknowledged commands missing from
 * the journal), the one figure a reader or a script looks for first.
 */
import type { ChaosReport } from './chaos.ts';

const MAX_FINDINGS = 20;

export function formatReport(r: ChaosReport): string {
  const out: string[] = [];
  const mark = (ok: boolean) => (ok ? 'ok  ' : 'FAIL');
  out.push(`chaos ${r.scenario} (seed ${r.seed}): ${r.topology}`);
  out.push(
    `  load ${r.loadSeconds.toFixed(1)} s, whole run ${r.totalSeconds.toFixed(1)} s; run directory ${r.dir}${r.kept ? ' (kept: data and node logs)' : ' (removed)'}`,
  );
  out.push(
    `  commands: ${r.sent} sent, ${r.acked} acknowledged (${
      Object.entries(r.ackedBy)
        .map(([n, c]) => `${n} ${c}`)
        .join(', ') || 'none'
    })`,
  );
  out.push(
    `  not acknowledged: ${
      Object.entries(r.failures)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ') || 'none'
    }`,
  );
  if (r.shardsBefore)
    out.push(
      `  shards per owner: before ${JSON.stringify(r.shardsBefore.owners)}, after ${JSON.stringify(r.shardsAfter?.owners ?? 'unknown')}`,
    );
  out.push('faults:');
  for (const f of r.faults) out.push(`  ${f}`);
  if (r.faults.length === 0) out.push('  none');
  for (const [name, exits] of Object.entries(r.exits))
    out.push(`  ${name} exits: ${exits.map((e) => (e.signal ? e.signal : `code ${e.code}`)).join(', ')}`);
  out.push('checks:');
  const j = r.journal;
  if (j) {
    out.push(
      `  journal: ${j.events} events, ${j.aggregates} aggregates, head ${j.head}; ${j.unacknowledged} events of commands not acknowledged (timed out or failed after storing)${j.repeated > 0 ? `; ${j.repeated} identical repeats in the feed (its at-least-once repair; dropped by dedup)` : ''}`,
    );
    out.push(
      `  ${mark(j.passed.acknowledged)} 1. every acknowledged command's events are in the journal exactly once (${j.acked} commands, ${j.lost} lost, ${j.duplicated} events duplicated)`,
    );
    out.push(`  ${mark(j.passed.sequences)} 2. every aggregate's seq is 1..n without a hole; the feed's offsets too`);
    out.push(
      `  ${mark(j.passed['single-writer'])} 3. one writer per aggregate: no two events at one seq, no event twice, each acknowledgement at its own event's offset`,
    );
    for (const f of j.findings.slice(0, MAX_FINDINGS)) out.push(`       [${f.check}] ${f.message}`);
    if (j.findings.length > MAX_FINDINGS) out.push(`       … and ${j.findings.length - MAX_FINDINGS} more findings`);
  } else out.push('  FAIL 1-3. the journal could not be read');
  const viewsOk = r.views.length > 0 && r.views.every((v) => v.equal);
  out.push(
    `  ${mark(viewsOk)} 4. every replica's checks equal a fresh rebuild of the journal at the replica's offset (${r.views.length} answers)`,
  );
  for (const v of r.views)
    out.push(
      `       ${v.equal ? 'equal' : 'DIFFERS'}  ${v.node.padEnd(8)} ${v.check.padEnd(12)} offset ${v.offset ?? '-'}, ${v.violations} violations${v.detail ? `: ${v.detail}` : ''}`,
    );
  const a = r.assignments;
  if (a) {
    out.push(
      `  ${mark(a.passed)} 7. assignments: every saga finished, and every rotation claimed by an airplane is that airplane's rotation and vice versa (${a.sagas} sagas, ${a.unfinished} unfinished; ${a.claims} claims, ${a.assigned} airplanes assigned)`,
    );
    for (const f of a.findings.slice(0, MAX_FINDINGS)) out.push(`       ${f}`);
  } else out.push('  FAIL 7. the assignments could not be checked');
  if (r.production !== undefined) {
    const t = r.topic;
    if (t) {
      const kinds = (k: string) => t.verify.anomalies.filter((a) => a.kind === k).length;
      out.push(
        `  ${mark(t.passed)} 5. topic ${t.topic} holds every journal event in per-aggregate order, nothing missing after dedup (${t.verify.records} records, ${t.verify.duplicates} duplicates dropped, ${t.verify.distinct} distinct events of ${t.verify.aggregates} aggregates; ${t.missing} journal events missing, ${t.foreign} not in the journal, ${kinds('gap')} gaps, ${kinds('reorder')} reorderings, ${kinds('conflict')} conflicts, ${t.undecodable} undecodable; ${t.ackedMissing} acknowledged commands with an event missing)`,
      );
      for (const e of t.examples.slice(0, MAX_FINDINGS)) out.push(`       ${e}`);
    } else if (r.production.includes('Kafka')) out.push('  FAIL 5. the topic could not be checked');
    const g = r.graph;
    if (g) {
      out.push(
        `  ${mark(g.passed)} 6. the graph's checks equal a rebuild of the journal at the graph's offset ${g.offset} (journal head ${g.head})${g.error ? `: ${g.error}` : ''}`,
      );
      for (const a of g.answers)
        out.push(
          `       ${a.equal ? 'equal' : 'DIFFERS'}  graph    ${a.check.padEnd(12)} ${a.violations} violations${a.detail ? `: ${a.detail}` : ''}`,
        );
    } else if (r.production.includes('graph')) out.push('  FAIL 6. the graph could not be checked');
    for (const e of r.productionErrors ?? []) out.push(`       ${e}`);
  }
  if (r.warnings.length > 0) {
    out.push('warnings:');
    for (const w of r.warnings) out.push(`  ${w}`);
  }
  if (r.errors.length > 0) {
    out.push('errors:');
    for (const e of r.errors) out.push(`  ${e}`);
  }
  out.push(r.passed ? 'result: PASS' : 'result: FAIL');
  out.push(`lost: ${r.lost}`);
  return out.join('\n');
}
