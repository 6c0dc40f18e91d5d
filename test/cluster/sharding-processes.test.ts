/**
 * Sharding across processes: a journal node and three shard nodes (the chaos scripts' cluster,
 * ops/chaos/cluster.ts), with the write workload running round-robin over every node while the
 * membership changes under it:
 * - the shards spread evenly over the three shard nodes, and every node computes the same table;
 * - a fourth node joins and takes its share; a node leaves (SIGTERM: drain, then leave) and
 *   its shards move; a node is killed with SIGKILL and its shards are re-homed once it is downed;
 * - afterwards the journal holds every acknowledged command exactly once, with gap-free
 *   sequences (the chaos checker), and commands reach every aggregate again.
 */
import t from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ChaosCluster } from '../../ops/chaos/cluster.ts';
import { checkJournal, readFeed } from '../../ops/chaos/checker.ts';
import type { NodeProcess } from '../../ops/chaos/node-process.ts';
import { writeWorkload } from '../../ops/chaos/workload.ts';
import { until } from '../../ops/chaos/net.ts';
import { lmdbJournal } from '../../src/persistence/index.ts';

interface Shards {
  readonly self: string;
  readonly shardCount: number;
  readonly owners: Record<string, number>;
  readonly here: { active: number; waiting: number; releasing: number };
}

const WAIT = 60_000;
const dir = mkdtempSync(path.join(tmpdir(), 'aloft-sharding-'));
const cluster = await ChaosCluster.create({ shardNodes: 3, spares: 1, standalone: false, mesh: false, dir });
t.teardown(async () => {
  await cluster.stop(20_000).catch(() => cluster.kill());
  rmSync(dir, { recursive: true, force: true });
});

const shardsOf = (n: NodeProcess) => n.admin<Shards>('/cluster/shards?brief=1');
/** Waits until every running node's table has exactly `owners` shard hosts and nothing is in handoff anywhere. */
async function settledOn(owners: number, what: string): Promise<Shards[]> {
  let last = '';
  return until(
    async () => {
      const views = await Promise.all(cluster.running.map((n) => shardsOf(n).catch(() => undefined)));
      last = JSON.stringify(views.map((v) => v && { owners: v.owners, here: v.here }));
      if (views.some((v) => v === undefined)) return undefined;
      const ok = (views as Shards[]).every(
        (v) =>
          Object.keys(v.owners).length === owners &&
          v.here.waiting === 0 &&
          v.here.releasing === 0 &&
          JSON.stringify(v.owners) === JSON.stringify((views[0] as Shards).owners),
      );
      return ok ? (views as Shards[]) : undefined;
    },
    WAIT,
    what,
  ).catch((e: Error) => {
    throw new Error(`${e.message}\nlast seen: ${last}`);
  });
}

t.test('shards spread over three nodes, move on join, leave and kill -9, and no command is lost or duplicated', async (t) => {
  await cluster.start(WAIT);
  const [journalNode, a, b, c] = cluster.members as [NodeProcess, NodeProcess, NodeProcess, NodeProcess];
  const spread = await settledOn(3, 'three shard hosts in every table');
  const counts = Object.values((spread[0] as Shards).owners);
  t.same(
    counts.reduce((x, y) => x + y, 0),
    1024,
    'every shard has an owner',
  );
  t.ok(Math.max(...counts) - Math.min(...counts) <= 1, `even spread: ${counts.join(', ')}`);
  const journalShards = await shardsOf(journalNode);
  t.equal(journalShards?.here.active, 0, 'the journal node hosts no shards');
  for (const n of [a, b, c]) t.ok(((await shardsOf(n))?.here.active ?? 0) >= 341, `${n.name} runs its share`);

  const durationMs = 40_000;
  const load = writeWorkload({
    urls: () => cluster.running.map((n) => n.url),
    planners: 6,
    legsPerRotation: 6,
    durationMs,
    timeoutMs: 10_000,
    runId: `s${Date.now().toString(36)}`,
    seed: 7,
  });
  await new Promise((r) => setTimeout(r, 4_000));

  let t0 = performance.now();
  const d = await cluster.addNode(WAIT);
  const joined = await settledOn(4, 'a fourth shard host in every table');
  t.pass(`${d.name} joined and the table settled in ${((performance.now() - t0) / 1000).toFixed(1)} s (incl. start)`);
  t.ok(((await shardsOf(d))?.here.active ?? 0) >= 255, `${d.name} took its share: ${JSON.stringify((joined[0] as Shards).owners)}`);

  t0 = performance.now();
  const left = await a.stop(30_000);
  t.notOk(left.forced, `${a.name} drained and left on SIGTERM in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  t.equal(left.exit?.code, 0, 'exit code 0');
  await settledOn(3, 'the leaver gone from every table');

  t0 = performance.now();
  b.signal('SIGKILL');
  await b.exited(10_000);
  await settledOn(2, 'the killed node downed and its shards re-homed');
  t.pass(`kill -9 of ${b.name}: shards re-homed after ${((performance.now() - t0) / 1000).toFixed(1)} s`);

  const result = await load;
  t.ok(result.acks.length >= 100, `${result.acks.length} of ${result.sent} commands acknowledged`);
  const late = result.acks.filter((x) => x.at >= durationMs * 0.85).length;
  t.ok(late > 0, `commands still acknowledged at the end of the load (${late})`);

  await cluster.stop(20_000);
  const j = await lmdbJournal({ path: cluster.journalPath });
  const feed = await readFeed(j).finally(() => j.close());
  const report = checkJournal(feed, result.acks);
  t.equal(report.lost, 0, 'lost: 0');
  t.equal(report.duplicated, 0, 'nothing stored twice');
  t.same(report.passed, { acknowledged: true, sequences: true, 'single-writer': true }, 'journal checks pass');
  if (report.findings.length > 0)
    t.comment(
      report.findings
        .slice(0, 10)
        .map((f) => `${f.check}: ${f.message}`)
        .join('\n'),
    );
});
