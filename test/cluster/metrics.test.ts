/**
 * /metrics of a two-member cluster in this process: each member exports its own figures (a
 * command sent to one is counted there only), both see two members up, the shards are split
 * between them with the handoffs counted on each side, and only the journal member reports
 * group commits.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t, { type Test } from 'tap';
import { parseClusterConfig } from '../../src/cluster/index.ts';
import { startService, type Service } from '../../src/service/service.ts';
import { parseExposition, value, type Exposition } from '../http/prom-text.ts';
import { FAST, SECRET, until } from './fixtures/harness.ts';

async function member(t: Test, roles: string, seeds: string[]): Promise<Service> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'aloft-cluster-metrics-'));
  const { config: cluster } = parseClusterConfig(
    [
      '--cluster-name',
      'metrics',
      '--cluster-port',
      '0',
      '--secret',
      SECRET,
      '--roles',
      roles,
      ...FAST,
      ...(seeds.length ? ['--seeds', seeds.join(',')] : []),
    ],
    {},
  );
  if (!cluster) throw new Error('no cluster config');
  const service = await startService(
    { host: '127.0.0.1', port: 0, data: dir, workers: 0, demoSeason: false, durability: 'commit', shards: 64 },
    () => undefined,
    cluster,
  );
  t.teardown(async () => {
    await service.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  return service;
}

async function scrape(s: Service): Promise<Exposition> {
  return parseExposition(await (await fetch(`http://127.0.0.1:${s.port}/metrics`)).text());
}

t.test('each member exports its own figures and sees the whole cluster', async (t) => {
  const a = await member(t, 'journal,shards', []);
  const b = await member(t, 'shards', [(a.cluster?.nodeId ?? '').split('#')[0] as string]);

  // Both up as both see it, and the 64 shards split between them with nothing moving.
  const settled = async () => {
    const [ea, eb] = [await scrape(a), await scrape(b)];
    for (const e of [ea, eb])
      if (value(e, 'aloft_cluster_members', { status: 'up' }) !== 2 || value(e, 'aloft_shards', { state: 'waiting' }) !== 0) return false;
    const [onA, onB] = [value(ea, 'aloft_shards', { state: 'active' }), value(eb, 'aloft_shards', { state: 'active' })];
    return onA + onB === 64 && onA > 0 && onB > 0;
  };
  await until(settled, 20_000, 'two members up with the shards split');

  const res = await fetch(`http://127.0.0.1:${b.port}/api/airports`, {
    method: 'POST',
    body: JSON.stringify({ code: 'FRA', minGroundTimeMinutes: 45 }),
  });
  t.equal(res.status, 201);
  await res.text();

  const [ea, eb] = [await scrape(a), await scrape(b)];
  t.equal(value(eb, 'aloft_commands_total', { aggregate: 'airport', outcome: 'accepted' }), 1, 'counted by the member that took it');
  t.equal(value(ea, 'aloft_commands_total', { aggregate: 'airport', outcome: 'accepted' }), 0, 'not by the other');
  for (const e of [ea, eb]) {
    t.equal(value(e, 'aloft_cluster_members', { status: 'up' }), 2);
    t.equal(value(e, 'aloft_cluster_members_unreachable'), 0);
  }
  const moved =
    value(ea, 'aloft_shard_handoffs_total', { direction: 'out' }) + value(eb, 'aloft_shard_handoffs_total', { direction: 'out' });
  t.ok(moved > 0, `${moved} shards released by one member for the other`);
  t.ok(value(eb, 'aloft_shard_handoffs_total', { direction: 'in' }) > 0, 'the second member took shards over');
  t.ok(value(ea, 'aloft_journal_commit_appends_count') >= 1, 'the journal member commits');
  t.equal(value(eb, 'aloft_journal_commit_appends_count'), 0, 'the other has no journal of its own');
  t.ok(value(eb, 'aloft_journal_head_offset') >= 1, 'but reads its head through the journal member');
});
