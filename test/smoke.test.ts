import t from 'tap';
import { percentile } from '../ops/bench/harness.ts';
t.test('ts imports with .ts extension', async (t) => {
  t.equal(percentile([3, 1, 2], 50), 2);
});
