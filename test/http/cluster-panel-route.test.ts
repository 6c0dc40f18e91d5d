/**
 * GET /api/cluster/panel (src/http/page-routes.ts) against an admin API over HTTPS: served when
 * told the CA that signed the admin certificate, refused (503, saying why) without it, a CA file
 * that cannot be read reported by the route rather than failing the node, a wrong token passed
 * on as 401. The admin API is admin-http.ts with a fixed member list, no cluster behind it.
 * The whole panel in a browser, against a TLS cluster: test/browser/cluster-panel.test.ts.
 */
import t from 'tap';
import { startAdminHttp, type AdminTarget } from '../../src/cluster/admin-http.ts';
import { Metrics } from '../../src/http/metrics.ts';
import { pageRoutes, type PageDeps } from '../../src/http/page-routes.ts';
import { HttpServer } from '../../src/http/server.ts';
import { hasOpenssl, makeCerts } from '../cluster/fixtures/certs.ts';

const TOKEN = 'panel-route-token';
const view = { self: 'n1', leader: 'n1', converged: true, members: [] };
const target: AdminTarget = { view: () => view, resolve: () => undefined, leaveMember: () => false, down: () => false };

t.test('the panel route over an https admin API', { skip: !hasOpenssl && 'openssl is not on PATH' }, async (t) => {
  const certs = makeCerts();
  t.teardown(certs.remove);
  const admin = await startAdminHttp(target, '127.0.0.1', 0, TOKEN, () => undefined, {
    cert: certs.read('node.crt'),
    key: certs.read('node.key'),
  });
  t.teardown(() => admin.close());
  t.ok(admin.secure);
  const adminUrl = `https://127.0.0.1:${admin.port}`;
  const panel = async (deps: Omit<PageDeps, 'lag'>, token = TOKEN) => {
    const server = new HttpServer(new Metrics(), () => undefined);
    pageRoutes(server, { lag: () => [], ...deps });
    const port = await server.listen('127.0.0.1', 0);
    try {
      const res = await fetch(`http://127.0.0.1:${port}/api/cluster/panel`, { headers: { authorization: `Bearer ${token}` } });
      return { status: res.status, body: (await res.json()) as { cluster?: unknown; detail?: string; title?: string } };
    } finally {
      await server.close(100);
    }
  };

  const ok = await panel({ adminUrl, adminCa: certs.file('ca.crt') });
  t.equal(ok.status, 200, 'served with the cluster CA');
  t.same(ok.body.cluster, view, 'the members from the admin API');

  const untrusted = await panel({ adminUrl });
  t.equal(untrusted.status, 503, 'without the CA the certificate is not trusted');
  t.match(JSON.stringify(untrusted.body), /not reachable from this node: .*certificate/);

  const insecure = await panel({ adminUrl, adminInsecure: true });
  t.equal(insecure.status, 200, 'a cluster on --tls-insecure: any certificate');

  const missing = await panel({ adminUrl, adminCa: '/nonexistent/aloft-ca.crt' });
  t.equal(missing.status, 503, 'an unreadable CA file: the route says so');
  t.match(JSON.stringify(missing.body), /cannot read the admin API's CA file \/nonexistent\/aloft-ca\.crt/);

  const wrong = await panel({ adminUrl, adminCa: certs.file('ca.crt') }, 'not-the-token');
  t.equal(wrong.status, 401, 'a wrong token: 401');
});
