/**
 * Three node processes join through static seeds; remote tell, ask and watch; the registry and
 * the singleton; a kill -9 detected, downed and removed; the killed address restarted as a new
 * incarnation rejoins; a graceful leave on SIGTERM.
 */
import t from 'tap';
import { compareAddress } from '../../src/cluster/member.ts';
import { Child, FAST, SECRET, freePort, until } from './fixtures/harness.ts';

t.test('static seeds: join, remoting, kill -9, rejoin, graceful leave', async (t) => {
  const ports = [await freePort(), await freePort(), await freePort()];
  const seeds = ports.map((p) => `127.0.0.1:${p}`).join(',');
  const children: Child[] = [];
  t.teardown(() => children.forEach((c) => c.kill()));
  const start = (i: number) => {
    const c = new Child(`n${i}`, ['--cluster-name', 'test', '--cluster-port', String(ports[i]), '--seeds', seeds, '--secret', SECRET, ...FAST]);
    children.push(c);
    return c;
  };
  const [a, b, c] = [start(0), start(1), start(2)];
  const ids = await Promise.all([a.ready(), b.ready(), c.ready()]);
  const t0 = Date.now();
  await Promise.all([a, b, c].map((n) => n.seesUp(ids, 15_000)));
  t.pass(`three nodes up and converged in ${Date.now() - t0} ms`);
  const view = (await a.cmd('members')).view as { leader: string };
  t.equal(view.leader, [...ids].sort(compareAddress)[0], 'the leader is the lowest address');

  // Remoting: tell, ask, sender known to the receiver, watch.
  const echo = await a.cmd('echo', { node: ids[2], text: 'hi' });
  t.same(echo.reply, { text: 'hi', by: ids[2] }, 'ask across nodes');
  await b.cmd('tell-count', { node: ids[0], n: 1000 });
  const count = await until(async () => ((await b.cmd('get-count', { node: ids[0] })).n === 1000 ? 1000 : undefined), 5_000, 'counter at 1000');
  t.equal(count, 1000, 'tells across nodes all arrive');
  await b.cmd('watch', { node: ids[2], path: 'echo' });
  // A round trip on the same link: the watch has reached c before the stop.
  await b.cmd('echo', { node: ids[2], text: 'sync' });
  await c.cmd('stop-echo');
  await until(() => b.has((l) => l.event === 'terminated-watch' && l.reason === 'stopped'), 5_000, 'Terminated(stopped) across nodes').catch((e: Error) => {
    throw new Error(`${e.message}\nb: ${b.tail(30)}\nc: ${c.tail(30)}`);
  });
  t.pass('watch across nodes delivers Terminated(stopped)');

  // Registry and singleton.
  const refs = await until(async () => {
    const r = (await c.cmd('lookup', { name: 'counters' })).refs as string[];
    return r.length === 3 ? r : undefined;
  }, 5_000, 'three registry entries');
  t.same([...refs].sort(), [...ids].sort(), 'every node sees every registration');
  const where = await until(async () => ((await b.cmd('singleton')).where as string | null) ?? undefined, 5_000, 'singleton');
  t.equal(where, ids[0], 'the singleton runs on the oldest member');

  const ages = (await b.members()).sort((x, y) => x.upNumber - y.upNumber).map((m) => m.node);
  t.equal(ages[0], ids[0], 'the first seed formed the cluster and is the oldest');

  // kill -9 of the oldest: detected, downed by the resolver, removed; watchers told node-down.
  await b.cmd('watch', { node: ids[0], path: 'counter' });
  const killedAt = Date.now();
  a.kill('SIGKILL');
  await until(() => b.has((l) => l.event === 'cluster' && l.tag === 'UnreachableMember' && l.node === ids[0]), 5_000, 'unreachable');
  const detected = Date.now() - killedAt;
  await until(() => b.has((l) => l.event === 'cluster' && l.tag === 'MemberDowned' && l.node === ids[0]), 8_000, 'downed');
  const downed = Date.now() - killedAt;
  await until(() => b.has((l) => l.event === 'cluster' && l.tag === 'MemberRemoved' && l.node === ids[0]), 5_000, 'removed');
  t.pass(`kill -9: unreachable after ${detected} ms, down after ${downed} ms, then removed`);
  t.ok(downed >= 1000, 'nobody was downed before stable-after');
  await until(() => b.has((l) => l.event === 'terminated-watch' && l.reason === 'node-down'), 5_000, 'Terminated(node-down)');
  await b.seesUp([ids[1] as string, ids[2] as string], 5_000);
  const moved = await until(async () => ((await c.cmd('singleton')).where as string | null) ?? undefined, 8_000, 'singleton moved');
  t.equal(moved, ages[1], 'the singleton moved to the next oldest');

  // The same address restarted: a new incarnation that rejoins; the old one's messages are dead letters.
  const a2 = start(0);
  const id2 = await a2.ready();
  t.not(id2, ids[0], 'a restart is a new incarnation');
  await Promise.all([a2, b, c].map((n) => n.seesUp([id2, ids[1] as string, ids[2] as string], 15_000)));
  t.pass('the restarted node rejoined');
  const old = await b.cmd('echo', { node: ids[0], text: 'old', timeoutMs: 500 });
  t.equal(old.ok, false, 'a message for the old incarnation is not delivered');
  const fresh = await b.cmd('echo', { node: id2, text: 'new' });
  t.same(fresh.reply, { text: 'new', by: id2 });

  // Graceful leave on SIGTERM.
  c.kill('SIGTERM');
  t.equal(await c.exited(10_000).catch((e: Error) => `${e.message}\n${c.tail(40)}`), 0, 'the leaving node exits 0');
  t.ok(c.has((l) => l.event === 'terminated' && l.reason === 'left'));
  await Promise.all([a2, b].map((n) => n.seesUp([id2, ids[1] as string], 5_000)));
  t.notOk(b.has((l) => l.event === 'cluster' && l.tag === 'MemberDowned' && l.node === ids[2]), 'a leaving member is removed, not downed');
});
