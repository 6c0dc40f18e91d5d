import t from 'tap';
import { emptyPhi, heartbeat, isAvailable, phi, phiOf, type PhiOptions } from '../../src/cluster/phi-accrual.ts';

const options: PhiOptions = { threshold: 8, maxSamples: 200, minStdDevMs: 100, acceptablePauseMs: 0, firstIntervalMs: 1000 };

t.test('phi of elapsed time against a distribution', async (t) => {
  const table: Array<[number, number, number, number, number]> = [
    // elapsed, mean, std, min phi, max phi
    [0, 1000, 100, 0, 0.01],
    [1000, 1000, 100, 0.29, 0.32], // at the mean: P(later) = 0.5
    [1200, 1000, 100, 1.5, 1.8],
    [1500, 1000, 100, 6, 8],
    [1700, 1000, 100, 10, 20],
  ];
  for (const [elapsed, mean, std, lo, hi] of table) {
    const p = phiOf(elapsed, mean, std);
    t.ok(p >= lo && p <= hi, `phi(${elapsed}; ${mean}, ${std}) = ${p.toFixed(3)} in [${lo}, ${hi}]`);
  }
});

t.test('regular heartbeats stay available; silence crosses the threshold', async (t) => {
  let s = emptyPhi;
  for (let now = 0; now <= 10_000; now += 1000) s = heartbeat(s, now, options);
  t.equal(phi(s, 10_000, options), phiOf(0, 1000, 100) === 0 ? 0 : phi(s, 10_000, options));
  t.ok(isAvailable(s, 11_000, options), 'one interval later: fine');
  t.ok(isAvailable(s, 11_300, options), '300 ms late: fine');
  t.notOk(isAvailable(s, 12_000, options), 'a whole missed heartbeat with a tight distribution: suspected');
  const pause = { ...options, acceptablePauseMs: 3000 };
  t.ok(isAvailable(s, 13_500, pause), 'acceptable pause widens the window');
  t.notOk(isAvailable(s, 15_500, pause), 'but not forever');
});

t.test('the window is bounded', async (t) => {
  let s = emptyPhi;
  for (let i = 0; i < 500; i++) s = heartbeat(s, i * 10, { ...options, maxSamples: 50 });
  t.equal(s.intervals.length, 50);
  t.equal(phi(emptyPhi, 5, options), 0, 'no data, no suspicion');
});
