/**
 * A method no route serves on a path that routes do serve is a 405 problem with `Allow` (RFC 9110
 * §15.5.6); a path nothing serves stays a 404.
 */
import t from 'tap';
import http from 'node:http';
import { fileNode } from '../fixtures/service.ts';

const node = fileNode('methods');

/** node:http, not fetch: fetch refuses to send TRACE. */
function send(method: string, url: string): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: node.service.port, method, path: url }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end();
  });
}

t.test('405 with Allow for a known path, 404 for an unknown one', async (t) => {
  const cases: Array<[string, string, string | null]> = [
    ['TRACE', '/api/feed', 'GET'],
    ['DELETE', '/api/airplanes', 'POST'],
    ['PATCH', '/api/rotations/R1', 'DELETE, GET'],
    ['GET', '/api/rotations/R1/legs', 'POST'],
    ['OPTIONS', '/api/airports/FRA', 'PUT'],
    ['POST', '/healthz', 'GET'],
    ['PUT', '/api/imports', 'GET, POST'],
    ['GET', '/api/no/such/thing', null],
    ['DELETE', '/api/rotations/R1/legs/L1/extra', null],
  ];
  for (const [method, url, allow] of cases) {
    const res = await send(method, url);
    const body = JSON.parse(res.body) as { status: number; type: string; detail: string };
    t.equal(res.status, allow === null ? 404 : 405, `${method} ${url}: ${allow === null ? 404 : 405}`);
    t.equal(res.headers.allow, allow ?? undefined, allow === null ? 'no Allow' : `Allow: ${allow}`);
    t.equal(res.headers['content-type'], 'application/problem+json');
    t.equal(body.status, res.status, 'the problem carries the status');
    if (allow !== null) t.match(body, { type: /method-not-allowed$/, detail: `${method} is not served on ${url}; it answers ${allow}` });
  }
  const ok = await send('GET', '/api/feed');
  t.equal(ok.status, 200, 'the served method still works');
});
