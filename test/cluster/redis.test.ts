/**
 * Redis: three node processes find each other through a redis-server this test starts on a free
 * port (no seed list), then a partition under lease-majority downing: the majority side takes
 * the Redis lease and survives, the minority is refused and downs itself. Skipped, saying so,
 * when redis-server is not installed.
 */
import t from 'tap';
import { Redis } from 'ioredis';
import { meshCluster, redisServerPath, startRedis, until } from './fixtures/harness.ts';

const binary = redisServerPath();

t.test('redis discovery and lease-majority downing', { skip: binary === undefined ? 'redis-server is not on PATH: install it (apt-get install -y redis-server) to run the Redis discovery and lease tests' : false }, async (t) => {
  const redis = await startRedis(binary as string);
  t.teardown(() => redis.stop());
  const { nodes, ids, mesh } = await meshCluster(t.teardown.bind(t), 'redis-test', () => ['--redis-url', redis.url, '--downing', 'lease-majority'], 20_000);
  const [a, b, c] = nodes;
  const ports = ids.map((id) => id.split('#')[0]);
  t.pass('three nodes joined through Redis, no seed list');

  const client = new Redis(redis.url);
  t.teardown(() => client.disconnect());
  const registered = await client.zrange('aloft:redis-test:nodes', '0', '-1');
  t.same([...registered].sort(), [...ports].sort(), 'each node registered its address');

  mesh.partition([0, 1], [2]);
  t.equal(await c.exited(15_000), 3, 'the minority was refused the lease and downed itself');
  await until(() => a.has((l) => l.event === 'cluster' && l.tag === 'MemberDowned' && l.node === ids[2]), 10_000, 'majority downs c');
  await Promise.all([a, b].map((n) => n.seesUp([ids[0] as string, ids[1] as string], 10_000)));
  const holder = await client.get('aloft:redis-test:sbr-lease');
  t.ok(holder === ids[0] || holder === ids[1], `the lease is held by the majority (${holder})`);
});
