/**
 * A partition through TCP proxies the test controls: every node dials every other through its
 * own proxy, so links can be black-holed one by one. The minority downs itself and exits; the
 * majority downs it after stable-after and carries on.
 */
import t from 'tap';
import { meshCluster, until } from './fixtures/harness.ts';

t.test('partition: the minority downs itself, the majority continues', async (t) => {
  const { nodes, ids, mesh } = await meshCluster(t.teardown.bind(t), 'part', (ports) => ['--seeds', ports.map((p) => `127.0.0.1:${p}`).join(',')], 15_000);
  const [a, b, c] = nodes;
  t.pass('three nodes up through the proxies');

  const cutAt = Date.now();
  mesh.partition([0, 1], [2]);
  await until(() => c.has((l) => l.event === 'cluster' && l.tag === 'UnreachableMember'), 5_000, 'c sees the others unreachable');
  t.equal(await c.exited(10_000), 3, 'the minority node downed itself and exited');
  t.ok(c.has((l) => l.event === 'terminated' && l.reason === 'downed'));
  const minorityGone = Date.now() - cutAt;
  await until(() => a.has((l) => l.event === 'cluster' && l.tag === 'MemberDowned' && l.node === ids[2]), 8_000, 'majority downs c');
  t.ok(Date.now() - cutAt >= 1000, 'not before stable-after');
  await Promise.all([a, b].map((n) => n.seesUp([ids[0] as string, ids[1] as string], 8_000)));
  t.pass(`majority continues with two members; minority gone after ${minorityGone} ms`);
  t.equal(a.exitCode, undefined, 'a still runs');
  const echo = await a.cmd('echo', { node: ids[1], text: 'still here' });
  t.same(echo.reply, { text: 'still here', by: ids[1] }, 'the majority still talks');
  const where = await until(async () => ((await b.cmd('singleton')).where as string | null) ?? undefined, 5_000, 'singleton');
  t.ok(where === ids[0] || where === ids[1], 'the singleton lives in the majority');
});
