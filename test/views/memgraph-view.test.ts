/**
 * The view contract suite against MemgraphScheduleView, when MEMGRAPH_URL points at a live server
 * (e.g. `docker compose -f ops/compose/docker-compose.yml up memgraph`, then
 * MEMGRAPH_URL=bolt://localhost:7687). Each test gets a wiped database.
 */
import t from 'tap';
import { viewContract } from './fixtures/view-contract.ts';

const url = process.env['MEMGRAPH_URL'];
if (!url) {
  t.test('Memgraph view contract', { skip: 'MEMGRAPH_URL is not set: the Memgraph view contract suite needs a live Memgraph (see ops/compose/docker-compose.yml)' }, () => undefined);
} else {
  const { MemgraphScheduleView } = await import('../../src/views/memgraph-view.ts');
  const user = process.env['MEMGRAPH_USER'];
  const password = process.env['MEMGRAPH_PASSWORD'];
  // One server, so the tests that wipe it run one after another.
  t.jobs = 1;
  viewContract(t, () => MemgraphScheduleView.open({ url, reset: true, ...(user ? { user } : {}), ...(password ? { password } : {}) }), { seasonBatches: 10 });
}
