import t from 'tap';
import { problem } from '../../src/http/problem.ts';

t.test('an extension never replaces a standard member of a problem', async (t) => {
  const p = problem(503, 'not-ready', 'the views are catching up', { status: 'catching-up', type: 'x', title: 'y', detail: 'z', replicas: 2 }).problem;
  t.same(p, { type: 'https://aloft.dev/problems/not-ready', title: 'Service Unavailable', status: 503, detail: 'the views are catching up', replicas: 2 });
  t.same(Object.keys(p).slice(0, 4), ['type', 'title', 'status', 'detail'], 'the standard members come first');
});
