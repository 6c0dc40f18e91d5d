/**
 * The admin HTTP API and the CLI against a two-node cluster in this process: every route refuses
 * a missing or wrong token with 401 and changes nothing; the members table and --json, down and
 * leave, clear errors and exit codes; the token from the environment or a file, never argv; and
 * over HTTPS, with the cluster's certificate, when cluster TLS is on.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t, { type Test } from 'tap';
import { main } from '../../ops/admin/cli.ts';
import { ActorSystem, stateless } from '../../src/actors/index.ts';
import {
  bindCluster,
  clusterShardHosts,
  parseClusterConfig,
  ShardRegion,
  type ClusterEventMessage,
  type ClusterNode,
} from '../../src/cluster/index.ts';
import { serviceAdminRoutes } from '../../src/service/admin-routes.ts';
import { hasOpenssl, makeCerts } from './fixtures/certs.ts';
import { freePort, inProcessArgv, until } from './fixtures/harness.ts';

const TOKEN = 'admin-token-123';

interface Member {
  readonly cluster: ClusterNode;
  readonly system: ActorSystem;
  readonly region: ShardRegion;
  /** What the admin API and the service's admin routes logged: every action they took. */
  readonly actions: string[];
}

/** A member with a shard region and, with `admin`, the admin API and the service's admin routes. */
async function start(
  t: Test,
  seeds: string[],
  admin: boolean,
  flags: string[] = [],
  env: Record<string, string> = { ALOFT_ADMIN_TOKEN: TOKEN },
): Promise<Member> {
  const { config } = parseClusterConfig(
    inProcessArgv('adm', seeds, ['--roles', 'shards', ...(admin ? ['--admin-port', '0'] : []), ...flags]),
    env,
  );
  if (!config) throw new Error('no config');
  const actions: string[] = [];
  const bound = await bindCluster(config, { log: (_level, line) => line.startsWith('admin:') && actions.push(line) });
  const system = new ActorSystem({ node: bound.nodeId, log: () => undefined });
  const cluster = await bound.start({ system });
  const region = new ShardRegion({ system, hosts: clusterShardHosts(cluster), threads: [0], entityHosts: [] });
  if (admin) cluster.extra = serviceAdminRoutes(cluster, region, { lag: () => [] }, (line) => actions.push(line));
  t.teardown(async () => {
    region.stop();
    await cluster.stop();
    system.shutdown();
  });
  return { cluster, system, region, actions };
}

const seedOf = (m: Member) => m.cluster.nodeId.split('#')[0] as string;

/** What a refused request must leave as it was: members and their states, the shard table. */
const state = (m: Member) =>
  JSON.stringify({
    members: m.cluster.view().members.map((x) => [x.node, x.status, x.reachable]),
    self: m.cluster.membership.selfMember?.status,
    owners: m.region.ownerCounts(),
    shards: m.region.shards(),
  });

t.test('admin API and CLI', async (t) => {
  const a = await start(t, [], true);
  const b = await start(t, [seedOf(a)], false);
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
  await until(() => Object.keys(a.region.ownerCounts()).length === 2 && a.cluster.membership.isConverged, 5_000, 'shards on both');
  t.pass('an actor subscribed to cluster events saw the current state and b up');
  const url = a.cluster.adminUrl as string;
  t.match(url, /^http:\/\/127\.0\.0\.1:\d+$/, 'plain HTTP without cluster TLS');

  // Every route, the cluster's and the service's: no token or a wrong one is a 401 and does nothing.
  const target = seedOf(b);
  const routes: Array<['GET' | 'POST', string]> = [
    ['GET', '/cluster/members'],
    ['POST', `/cluster/members/${target}/leave`],
    ['POST', `/cluster/members/${target}/down`],
    ['POST', `/cluster/members/${seedOf(a)}/leave`],
    ['GET', '/cluster/shards'],
    ['POST', '/cluster/shards/rebalance'],
    ['POST', `/cluster/members/${target}/drain`],
    ['GET', '/cluster/views'],
    ['GET', '/cluster/backends'],
  ];
  const before = state(a);
  for (const [method, route] of routes) {
    for (const [label, headers] of [
      ['no token', {}],
      ['a wrong token', { authorization: 'Bearer not-the-token' }],
      ['a token in another scheme', { authorization: `Basic ${TOKEN}` }],
    ] as const) {
      const res = await fetch(`${url}${route}`, { method, headers });
      t.equal(res.status, 401, `${method} ${route} with ${label}: 401`);
      t.equal(res.headers.get('content-type'), 'application/problem+json');
      t.equal(res.headers.get('www-authenticate'), 'Bearer');
    }
  }
  // A leave or down would show at once in a's view (and a drain is a leave); give gossip a few
  // rounds anyway, then check nothing moved and no handler ran.
  await new Promise((r) => setTimeout(r, 300));
  t.equal(state(a), before, 'members, their states and the shard table are as they were');
  t.same(a.actions, [], 'no leave, down, drain or rebalance ran');
  t.equal(b.cluster.membership.selfMember?.status, 'up', 'b is still up');
  // The right token on the same API works (so the 401s above are about the token only).
  const ok = await fetch(`${url}/cluster/shards`, { headers: { authorization: `Bearer ${TOKEN}` } });
  t.equal(ok.status, 200, 'the right token is served');
  // A member name that is not valid percent-encoding names no member: 404, nothing done, still serving.
  for (const route of ['/cluster/members/%E0%A4%A/leave', '/cluster/members/%/down', '/cluster/members/%zz/drain']) {
    const res = await fetch(`${url}${route}`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` } });
    t.equal(res.status, 404, `POST ${route}: 404`);
  }
  t.same(a.actions, [], 'no action for a malformed name');
  t.equal((await fetch(`${url}/cluster/members`, { headers: { authorization: `Bearer ${TOKEN}` } })).status, 200, 'still serving');

  const out: string[] = [];
  const print = (s: string) => void out.push(s);
  const env = { ALOFT_ADMIN_TOKEN: TOKEN };
  t.equal(await main(['--url', url, 'members'], env, print), 0);
  const table = out.join('\n');
  t.match(table, /ADDRESS\s+INCARNATION\s+STATUS\s+REACHABILITY/, 'a human table');
  t.match(table, new RegExp(`${seedOf(a)}\\s+\\S+\\s+up\\s+reachable.*self`), 'self, status and reachability');
  t.match(table, /leader: 127\.0\.0\.1:\d+#\w+\s+converged: yes/, 'the leader');

  out.length = 0;
  t.equal(await main(['--url', url, '--json', 'members'], env, print), 0, 'token from the environment');
  const view = JSON.parse(out.join('')) as { members: Array<{ node: string; status: string; incarnation: string }>; leader: string };
  t.same(view.members.map((m) => m.node).sort(), [a.cluster.nodeId, b.cluster.nodeId].sort());
  t.ok(
    view.members.every((m) => m.incarnation.length > 0),
    'incarnations listed',
  );

  const dir = mkdtempSync(path.join(os.tmpdir(), 'aloft-admin-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(path.join(dir, 'token'), `${TOKEN}\n`);
  out.length = 0;
  t.equal(await main(['--url', url, '--token-file', path.join(dir, 'token'), '--json', 'members'], {}, print), 0, 'token from a file');
  t.match(out.join(''), /"members"/);

  t.equal(await main(['--url', url, 'members'], { ALOFT_ADMIN_TOKEN: 'wrong-token' }, print), 4, 'wrong token: exit 4');
  t.equal(await main(['--url', `http://127.0.0.1:${await freePort()}`, 'members'], env, print), 3, 'nobody there: exit 3');
  t.equal(await main(['--url', url, 'down', '10.0.0.1:1'], env, print), 5, 'unknown member: exit 5');
  t.equal(await main(['--url', url, 'frobnicate'], env, print), 2, 'usage: exit 2');
  t.equal(await main(['--url', url, '--token', TOKEN, 'members'], {}, print), 2, '--token on the command line: exit 2');

  out.length = 0;
  t.equal(await main(['--url', url, 'down', target], env, print), 0);
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

t.test(
  'with cluster TLS the admin API is HTTPS with the cluster certificate',
  { skip: !hasOpenssl && 'openssl is not on PATH' },
  async (t) => {
    const certs = makeCerts();
    t.teardown(certs.remove);
    const f = certs.file;
    writeFileSync(f('admin-token'), `${TOKEN}\n`);
    const tls = ['--tls-cert', f('node.crt'), '--tls-key', f('node.key'), '--tls-ca', f('ca.crt')];
    // The member's token from a file, not the environment.
    const a = await start(t, [], true, [...tls, '--admin-token-file', f('admin-token')], {});
    await until(() => a.cluster.membership.selfMember?.status === 'up', 5_000, 'a is up');
    const url = a.cluster.adminUrl as string;
    t.match(url, /^https:\/\/127\.0\.0\.1:\d+$/, 'https');
    const port = new URL(url).port;

    await t.rejects(fetch(`http://127.0.0.1:${port}/cluster/members`), 'plain HTTP gets no answer');
    const out: string[] = [];
    const print = (s: string) => void out.push(s);
    const env = { ALOFT_ADMIN_TOKEN: TOKEN };
    t.equal(await main(['--url', `http://127.0.0.1:${port}`, 'members'], env, print), 3, 'the CLI over plain HTTP: unreachable');
    t.equal(await main(['--url', url, 'members'], env, print), 3, 'without the cluster CA the certificate is not trusted: exit 3');
    t.equal(await main(['--url', url, '--ca', f('ca.crt'), 'members'], env, print), 0, 'with --ca: served');
    t.match(out.join('\n'), /converged: yes/);
    out.length = 0;
    t.equal(await main(['--url', url, '--json', 'members'], { ...env, ALOFT_ADMIN_CA: f('ca.crt') }, print), 0, 'ALOFT_ADMIN_CA');
    t.equal((JSON.parse(out.join('')) as { self: string }).self, a.cluster.nodeId);
    t.equal(
      await main(['--url', url, '--ca', f('ca.crt'), 'members'], { ALOFT_ADMIN_TOKEN: 'wrong-token' }, print),
      4,
      'a wrong token over HTTPS: 401',
    );
    t.equal(
      await main(['--url', url.replace('127.0.0.1', 'localhost'), '--ca', f('ca.crt'), 'members'], env, print),
      3,
      'a name the certificate does not carry: refused',
    );
    t.equal(await main(['--url', url, '--insecure', 'members'], env, print), 0, '--insecure accepts any certificate');

    // The process: the message says why and what to do.
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', new URL('../../ops/admin/cli.ts', import.meta.url).pathname, '--url', url, 'members'],
      { env: { ...process.env, NODE_OPTIONS: '', ALOFT_ADMIN_TOKEN: TOKEN, ALOFT_ADMIN_CA: '' } },
    );
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    t.equal(await new Promise<number | null>((resolve) => child.on('exit', resolve)), 3);
    t.match(stderr, /cannot reach the node at https:\/\/127\.0\.0\.1:\d+: \S+ .*trust the cluster's CA with --ca FILE or ALOFT_ADMIN_CA/);
  },
);
