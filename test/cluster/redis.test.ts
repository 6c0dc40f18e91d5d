/**
 * Redis: three node processes find each other through a redis-server this test starts on a free
 * port (no seed list), then a partition under lease-majority downing: the majority side takes
 * the Redis lease and survives, the minority is refused and downs itself. Skipped, saying so,
 * when redis-server is not installed.
 */
import t from 'tap';
import { Redis } from 'ioredis';
import { Child, FAST, ProxyMesh, SECRET, freePort, redisServerPath, startRedis, until } from './fixtures/harness.ts';

const binary = redisServerPath();

t.test('redis discovery and lease-majority downing', { skip: binary === undefined ? 'redis-server is not on PATH: install it (apt-get install -y redis-server) to run the Redis discovery and lease tests' : false }, async (t) => {
  const redis = await startRedis(binary as string);
  const ports = [await freePort(), await freePort(), await freePort()];
  const mesh = await new ProxyMesh(ports).start();
  const children: Child[] = [];
  t.teardown(async () => {
    children.forEach((c) => c.kill());
    await mesh.close();
    redis.stop();
  });
  const nodes = [0, 1, 2].map((i) => {
    const c = new Child(`r${i}`, ['--cluster-name', 'redis-test', '--cluster-port', String(ports[i]), '--redis-url', redis.url, '--downing', 'lease-majority', '--secret', SECRET, ...mesh.routes(i), ...FAST]);
    children.push(c);
    return c;
  });
  const [a, b, c] = nodes as [Child, Child, Child];
  const ids = await Promise.all(nodes.map((n) => n.ready()));
  await Promise.all(nodes.map((n) => n.seesUp(ids, 20_000)));
  t.pass('three nodes joined through Redis, no seed list');

  const client = new Redis(redis.url);
  t.teardown(() => client.disconnect());
  const registered = await client.zrange('aloft:redis-test:nodes', '0', '-1');
  t.same([...registered].sort(), ports.map((p) => `127.0.0.1:${p}`).sort(), 'each node registered its address');

  mesh.partition([0, 1], [2]);
  t.equal(await c.exited(15_000), 3, 'the minority was refused the lease and downed itself');
  await until(() => a.has((l) => l.event === 'cluster' && l.tag === 'MemberDowned' && l.node === ids[2]), 10_000, 'majority downs c');
  await Promise.all([a, b].map((n) => n.seesUp([ids[0] as string, ids[1] as string], 10_000)));
  const holder = await client.get('aloft:redis-test:sbr-lease');
  t.ok(holder === ids[0] || holder === ids[1], `the lease is held by the majority (${holder})`);
});
