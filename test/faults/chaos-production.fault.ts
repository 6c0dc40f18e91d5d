/**
 * The short chaos run in production mode: 3 members on the live servers (the shared CQL journal,
 * Kafka, the Bolt graph; no journal node), 25 s of the write workload round-robin over all
 * three, one member killed with SIGKILL and restarted. Nothing acknowledged may be lost and all
 * six checks must pass: the journal's three, every replica against a rebuild, the Kafka topic
 * against the journal, and the graph against a rebuild at its offset (ops/chaos, docs/chaos.md).
 *
 * It runs in the serial phase of `npm test` (test/faults): it wipes the Bolt database, which the
 * Memgraph view's live suite also uses, so the two must never run at once.
 *
 * Gated by liveEnv: skips without the servers locally, fails in CI. The run uses a keyspace and a
 * topic of its own and drops them when it passes; it wipes the Bolt database (it has no other
 * namespace) and never stops the servers.
 */
import t from 'tap';
import { runChaos } from '../../ops/chaos/chaos.ts';
import { productionFromEnv, runName } from '../../ops/chaos/production.ts';
import { formatReport } from '../../ops/chaos/report.ts';
import { liveEnv } from '../fixtures/live.ts';

// The whole file: tap's per-file timeout (120 s in this repository's config) is about one run
// on a loaded 2-core machine (start, 25 s of load, a restart, settle, stop, read the topic).
t.setTimeout(600_000);

const SUITE = 'chaos in production mode';
const kafka = liveEnv(t, 'KAFKA_BROKERS', SUITE);
const scylla = liveEnv(t, 'SCYLLA_CONTACT_POINTS', SUITE);
const memgraph = liveEnv(t, 'MEMGRAPH_URL', SUITE);

if (kafka && scylla && memgraph) {
  t.test('kill -9 of a member under load, on the production backends, loses nothing acknowledged', { timeout: 540_000 }, async (t) => {
    const seed = 42;
    const production = productionFromEnv(new Set(['journal', 'bus', 'graph'] as const), runName(seed));
    const r = await runChaos({
      scenario: 'kill',
      shardNodes: 3,
      durationS: 25,
      seed,
      standalone: false,
      planners: 8,
      keep: false,
      production,
      log: (l) => t.comment(l),
    });
    t.comment(formatReport(r));
    t.same(r.errors, [], 'the fault was injected and repaired, the nodes started and stopped');
    t.same(r.productionErrors, [], 'checks 5 and 6 could run');
    t.ok(r.acked >= 100, `${r.acked} commands acknowledged`);
    t.ok(
      r.faults.some((f) => /kill -9/.test(f)),
      'a member was killed',
    );
    t.equal(r.lost, 0, 'lost: 0');
    t.same(r.journal?.passed, { acknowledged: true, sequences: true, 'single-writer': true }, 'journal checks 1-3 pass');
    t.ok(r.views.length > 0 && r.views.every((v) => v.equal), 'check 4: every replica equals a fresh rebuild');
    t.equal(r.topic?.passed, true, 'check 5: the topic holds every journal event in order, nothing missing after dedup');
    t.equal(r.topic?.missing, 0, 'no journal event missing from the topic');
    t.equal(r.graph?.passed, true, "check 6: the graph's answers equal a rebuild at its offset");
    t.ok(r.passed, 'the run passed');
  });
}
