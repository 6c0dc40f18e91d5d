/**
 * A path parameter that is not valid percent-encoding (`%E0%A4%A`, a `%` without two hex digits)
 * is a 404 problem on every route that takes one: it used to throw inside uWS's request
 * callback, which ended the process.
 */
import t from 'tap';
import http from 'node:http';
import { fileNode } from '../fixtures/service.ts';

const node = fileNode('malformed');

/** A request with the path sent byte for byte (fetch's URL parser would leave it alone too, but this says so). */
function send(method: string, rawPath: string, body?: string): Promise<{ status: number; type: string; json: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: node.service.port, method, path: rawPath }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({
          status: res.statusCode ?? 0,
          type: String(res.headers['content-type'] ?? ''),
          json: JSON.parse(text) as Record<string, unknown>,
        });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

t.test('a malformed escape in a path parameter is a 404 problem, and the node lives on', async (t) => {
  const cases: Array<[string, string, string?]> = [
    ['GET', '/api/rotations/%E0%A4%A'],
    ['GET', '/api/airplanes/%'],
    ['DELETE', '/api/rotations/R1/legs/%zz'],
    ['POST', '/api/rotations/%E0%A4%A/legs', '{}'],
    ['PUT', '/api/airplanes/%C3%28%/rotation', '{"rotationId":"R1"}'],
    ['GET', '/%E0%A4%A'],
  ];
  for (const [method, rawPath, body] of cases) {
    const r = await send(method, rawPath, body);
    t.equal(r.status, 404, `${method} ${rawPath}: 404`);
    t.match(r.type, 'application/problem+json');
    t.match(r.json, { status: 404, detail: /not valid percent-encoding/ }, 'the problem says why');
  }
  const ok = await send('GET', '/healthz');
  t.equal(ok.status, 200, 'still serving');
  t.equal((await send('POST', '/api/rotations', JSON.stringify({ name: 'R-1' }))).status, 201);
  const back = await send('GET', '/api/rotations/R%2D1');
  t.equal(back.status, 200, 'a valid escape is still decoded: R%2D1 is R-1');
  t.equal(back.json.id, 'R-1');
});
