/**
 * The admin HTTP API and the CLI against a two-node cluster in this process: 401 without the
 * token, the members table and --json, down and leave, clear errors and exit codes.
 */
import { spawn } from 'node:child_process';
import t from 'tap';
import { ActorSystem, stateless } from '../../src/actors/index.ts';
import { bindCluster, parseClusterConfig, type ClusterEventMessage, type ClusterNode } from '../../src/cluster/index.ts';
import { main } from '../../ops/admin/cli.ts';
import { SECRET, freePort, until } from './fixtures/harness.ts';

const TOKEN = 'admin-token-123';

async function start(seeds: string[], admin: boolean): Promise<{ cluster: ClusterNode; system: ActorSystem }> {
  const { config } = parseClusterConfig([
    '--cluster-name',
    'adm',
    '--cluster-port',
    '0',
    '--secret',
    SECRET,
    '--heartbeat-ms',
    '50',
    '--gossip-ms',
    '50',
    '--seed-timeout-ms',
    '200',
    ...(seeds.length ? ['--seeds', seeds.join(',')] : []),
    ...(admin ? ['--admin-port', '0', '--admin-token', TOKEN] : []),
  ]);
  if (!config) throw new Error('no config');
  const bound = await bindCluster(config, { log: () => undefined });
  const system = new ActorSystem({ node: bound.nodeId, log: () => undefined });
  return { cluster: await bound.start({ system }), system };
}

t.test('admin API and CLI', async (t) => {
  const a = await start([], true);
  const b = await start([a.cluster.nodeId.split('#')[0] as string], false);
  t.teardown(async () => {
    for (const n of [a, b]) {
      await n.cluster.stop();
      n.system.shutdown();
    }
  });
  // An actor subscribes to cluster events through the `cluster` actor.
  const events: string[] = [];
  const subscriber = a.system.spawn(
    stateless<ClusterEventMessage>((e) => {
      if (e._tag === 'MemberUp') events.push(`MemberUp ${e.member.node}`);
      else if (e._tag === 'CurrentClusterState')
        events.push(e._tag, ...e.members.filter((m) => m.status === 'up').map((m) => `MemberUp ${m.node}`));
      else events.push(e._tag);
    }),
  );
  a.cluster.actor.tell({ _tag: 'Subscribe', subscriber });
  await until(() => events.includes('CurrentClusterState'), 5_000, 'the current state first');
  await until(() => a.cluster.view().members.filter((m) => m.status === 'up').length === 2, 5_000, 'two members up');
  await until(() => events.includes(`MemberUp ${b.cluster.nodeId}`), 5_000, 'the subscriber sees b up');
  t.pass('an actor subscribed to cluster events saw the current state and b up');
  const url = `http://127.0.0.1:${a.cluster.adminPort}`;

  const noToken = await fetch(`${url}/cluster/members`);
  t.equal(noToken.status, 401, '401 without a token');
  const wrong = await fetch(`${url}/cluster/members`, { headers: { authorization: 'Bearer nope' } });
  t.equal(wrong.status, 401, '401 with a wrong token');

  const out: string[] = [];
  const print = (s: string) => void out.push(s);
  t.equal(await main(['--url', url, '--token', TOKEN, 'members'], {}, print), 0);
  const table = out.join('\n');
  t.match(table, /ADDRESS\s+INCARNATION\s+STATUS\s+REACHABILITY/, 'a human table');
  t.match(table, new RegExp(`${a.cluster.nodeId.split('#')[0]}\\s+\\S+\\s+up\\s+reachable.*self`), 'self, status and reachability');
  t.match(table, /leader: 127\.0\.0\.1:\d+#\w+\s+converged: yes/, 'the leader');

  out.length = 0;
  t.equal(await main(['--url', url, '--json', 'members'], { ALOFT_ADMIN_TOKEN: TOKEN }, print), 0, 'token from the environment');
  const view = JSON.parse(out.join('')) as { members: Array<{ node: string; status: string; incarnation: string }>; leader: string };
  t.same(view.members.map((m) => m.node).sort(), [a.cluster.nodeId, b.cluster.nodeId].sort());
  t.ok(
    view.members.every((m) => m.incarnation.length > 0),
    'incarnations listed',
  );

  t.equal(await main(['--url', url, '--token', 'wrong-token', 'members'], {}, print), 4, 'wrong token: exit 4');
  t.equal(await main(['--url', `http://127.0.0.1:${await freePort()}`, '--token', TOKEN, 'members'], {}, print), 3, 'nobody there: exit 3');
  t.equal(await main(['--url', url, '--token', TOKEN, 'down', '10.0.0.1:1'], {}, print), 5, 'unknown member: exit 5');
  t.equal(await main(['--url', url, '--token', TOKEN, 'frobnicate'], {}, print), 2, 'usage: exit 2');

  out.length = 0;
  t.equal(await main(['--url', url, '--token', TOKEN, 'down', b.cluster.nodeId.split('#')[0] as string], {}, print), 0);
  t.match(out.join(''), /down .*: accepted/);
  await until(() => !a.cluster.view().members.some((m) => m.node === b.cluster.nodeId), 5_000, 'b downed and removed');
  const reason = await Promise.race([b.cluster.terminated, new Promise((r) => setTimeout(() => r('timeout'), 5_000))]);
  t.same(reason, { reason: 'downed' }, 'the downed node learns it and stops');
  await until(() => events.includes('MemberDowned') && events.includes('MemberRemoved'), 5_000, 'the subscriber sees the downing');

  // The CLI as a process: a clear message on stderr and the exit code.
  // (Asynchronously: the admin server runs in this process.)
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', new URL('../../ops/admin/cli.ts', import.meta.url).pathname, '--url', url, 'members'],
    { env: { ...process.env, NODE_OPTIONS: '', ALOFT_ADMIN_TOKEN: 'bad-token' } },
  );
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  t.equal(code, 4, 'exit code 4 from the process');
  t.match(stderr, /refused the admin token \(401\)/);
});
