/**
 * The short chaos run of CI: a journal node and 3 shard nodes, 20 s of the write workload
 * round-robin over all four, one shard node killed with SIGKILL and restarted. Nothing
 * acknowledged may be lost and every check must pass (ops/chaos, docs/chaos.md).
 */
import t, { type Test } from 'tap';
import { runChaos, type ChaosOptions, type ChaosReport } from '../../ops/chaos/chaos.ts';
import { formatReport } from '../../ops/chaos/report.ts';

const base: ChaosOptions = {
  scenario: 'kill',
  shardNodes: 3,
  durationS: 20,
  seed: 42,
  standalone: false,
  planners: 8,
  keep: false,
  log: () => undefined,
};

function assertClean(t: Test, r: ChaosReport): void {
  t.comment(formatReport(r));
  t.same(r.errors, [], 'the faults were injected and repaired, the nodes started and stopped');
  t.ok(r.acked >= 100, `${r.acked} commands acknowledged`);
  t.equal(r.lost, 0, 'lost: 0');
  t.same(r.journal?.passed, { acknowledged: true, sequences: true, 'single-writer': true }, 'journal checks 1-3 pass');
  t.ok(r.views.length > 0 && r.views.every((v) => v.equal), 'check 4: every replica equals a fresh rebuild');
  t.ok((r.assignments?.sagas ?? 0) > 0, `${r.assignments?.sagas ?? 0} assignment sagas, with contention`);
  t.equal(r.assignments?.passed, true, 'check 7: every saga finished; claims and airplanes agree');
  t.ok(
    r.faults.some((f) => /kill -9/.test(f)),
    'a node was killed',
  );
  t.ok(r.passed, 'the run passed');
}

t.test('kill -9 of a shard node under load loses nothing acknowledged', async (t) => {
  const report = await runChaos({ ...base, requireShards: true });
  t.equal(report.skipped, undefined, 'the nodes shard (the admin API has GET /cluster/shards)');
  assertClean(t, report);
});
