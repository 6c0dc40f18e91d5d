import t from 'tap';
import { problem } from '../../src/http/problem.ts';

t.test('an extension never replaces a standard member of a problem', async (t) => {
  const p = problem(503, 'not-ready', 'the views are catching up', {
    status: 'catching-up',
    type: 'x',
    title: 'y',
    detail: 'z',
    replicas: 2,
  }).problem;
  t.same(p, {
    type: 'https://aloft.dev/problems/not-ready',
    title: 'Service Unavailable',
    status: 503,
    detail: 'the views are catching up',
    replicas: 2,
  });
  t.same(Object.keys(p).slice(0, 4), ['type', 'title', 'status', 'detail'], 'the standard members come first');
});

t.test('a problem thrown by a route is sent with its headers (Retry-After with a 503)', async (t) => {
  const { HttpServer } = await import('../../src/http/server.ts');
  const { Metrics } = await import('../../src/http/metrics.ts');
  const server = new HttpServer(new Metrics(), () => undefined);
  server.route('get', '/busy', () => {
    throw problem(503, 'outcome-unknown', 'the member was lost with the request in flight', { retriable: true }, { 'retry-after': '1' });
  });
  const port = await server.listen('127.0.0.1', 0);
  t.teardown(() => server.close(100));
  const res = await fetch(`http://127.0.0.1:${port}/busy`);
  t.equal(res.status, 503);
  t.equal(res.headers.get('retry-after'), '1');
  t.equal(res.headers.get('content-type'), 'application/problem+json');
  t.match(await res.json(), { type: 'https://aloft.dev/problems/outcome-unknown', retriable: true });
});
