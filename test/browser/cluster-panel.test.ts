/**
 * The cluster panel in headless Chromium: three cluster members in this process (the cluster's
 * own bindCluster, as test/cluster/admin.test.ts starts them) over cluster TLS, the first with the
 * admin API (so HTTPS, with the cluster's certificate); an Aloft node pointed at it
 * (ALOFT_ADMIN_URL, trusting the cluster CA with ALOFT_ADMIN_CA) serves the page. A wrong token is refused in the
 * panel; the right one shows the three members up and reachable with the shards each hosts (each
 * member runs a shard region, and the first serves the service's admin routes), and this node's
 * view replicas.
 */
import t, { type Test } from 'tap';
import { ActorSystem } from '../../src/actors/index.ts';
import { bindCluster, clusterShardHosts, parseClusterConfig, ShardRegion, type ClusterNode } from '../../src/cluster/index.ts';
import { serviceAdminRoutes } from '../../src/service/admin-routes.ts';
import { hasOpenssl, makeCerts } from '../cluster/fixtures/certs.ts';
import { inProcessArgv, until } from '../cluster/fixtures/harness.ts';
import { launch, openPage, screenshot, skipReason, startNode } from './browser.ts';

const TOKEN = 'panel-token-0123';

declare const sessionStorage: { getItem(key: string): string | null };
declare const window: { aloftCluster: { members: { node: string; status: string; reachable: boolean }[]; error: string } };

async function member(t: Test, seeds: string[], admin: boolean, tls: string[]): Promise<ClusterNode> {
  const { config } = parseClusterConfig(
    inProcessArgv('panel', seeds, ['--roles', 'shards', ...(admin ? ['--admin-port', '0'] : []), ...tls]),
    { ALOFT_ADMIN_TOKEN: TOKEN },
  );
  if (!config) throw new Error('no cluster config');
  const bound = await bindCluster(config, { log: () => undefined });
  const system = new ActorSystem({ node: bound.nodeId, log: () => undefined });
  const cluster = await bound.start({ system });
  const region = new ShardRegion({ system, hosts: clusterShardHosts(cluster), threads: [0], entityHosts: [] });
  if (admin) cluster.extra = serviceAdminRoutes(cluster, region, { lag: () => [] }, () => undefined);
  t.teardown(async () => {
    region.stop();
    await cluster.stop();
    system.shutdown();
  });
  return cluster;
}

const reason = skipReason() ?? (hasOpenssl ? undefined : 'openssl is not on PATH: cannot make test certificates');
if (reason) t.plan(0, `browser tests skipped: ${reason}`);
else {
  t.test('the cluster panel shows three members of a local cluster', async (t) => {
    const certs = makeCerts();
    t.teardown(certs.remove);
    const tls = ['--tls-cert', certs.file('node.crt'), '--tls-key', certs.file('node.key'), '--tls-ca', certs.file('ca.crt')];
    const a = await member(t, [], true, tls);
    const seed = a.nodeId.split('#')[0] as string;
    await member(t, [seed], false, tls);
    await member(t, [seed], false, tls);
    await until(() => a.view().members.filter((m) => m.status === 'up').length === 3, 10_000, 'three members up');

    t.equal(a.adminUrl, `https://127.0.0.1:${a.adminPort}`, 'the admin API is HTTPS with cluster TLS');
    process.env.ALOFT_ADMIN_URL = a.adminUrl;
    process.env.ALOFT_ADMIN_CA = certs.file('ca.crt');
    const node = await startNode(t, 'panel');
    delete process.env.ALOFT_ADMIN_URL;
    delete process.env.ALOFT_ADMIN_CA;
    const browser = await launch(t);
    const page = await openPage(t, browser, `${node.url}/#cluster`);

    await page.fill('#token', 'wrong-token');
    await page.click('#token-form button[type=submit]');
    await page.waitForFunction(() => window.aloftCluster.error.length > 0);
    t.match(await page.textContent('#cluster-error'), /refused the token/, 'a wrong token is refused in the panel');

    await page.fill('#token', TOKEN);
    await page.click('#token-form button[type=submit]');
    await page.waitForFunction(
      () => window.aloftCluster.members.length === 3 && window.aloftCluster.members.every((m) => m.status === 'up' && m.reachable),
    );
    t.equal(await page.locator('#members tbody tr').count(), 3, 'three member rows');
    t.match(await page.textContent('#members'), /up.*reachable/s);
    t.match(await page.textContent('#cluster-summary'), /3 members · leader .* converged/);
    const shardCells = await page.locator('#members tbody tr td:nth-child(7)').allTextContents();
    t.equal(
      shardCells.reduce((sum, c) => sum + Number(c), 0),
      1024,
      `the shards column covers all 1,024 shards (${shardCells.join(', ')})`,
    );
    t.ok(
      shardCells.every((c) => Number(c) >= 341),
      'spread over the three members',
    );
    t.match(await page.textContent('#node-extra'), /Shards here: \d+ active/);
    t.equal(await page.locator('#replicas tbody tr').count(), 1, "this node's view replica and its lag");
    t.equal(await page.evaluate(() => sessionStorage.getItem('aloft.adminToken')), TOKEN, 'the token is kept for the tab only');
    await screenshot(page, '5-cluster-panel');
  });
}
