import t from 'tap';
import fc from 'fast-check';
import { createDesignatorCounter } from '../../src/domain/ssim/designator-counter.ts';

t.test('counts like a Map, through growth and collisions', async (t) => {
  fc.assert(
    fc.property(fc.array(fc.oneof(fc.nat(50), fc.maxSafeNat()), { maxLength: 3000 }), (keys) => {
      const counter = createDesignatorCounter(2);
      const reference = new Map<number, number>();
      for (const k of keys) {
        const want = (reference.get(k) ?? 0) + 1;
        reference.set(k, want);
        if (counter.next(k) !== want) return false;
      }
      return true;
    }),
    { numRuns: 60 },
  );
  t.pass('agrees with Map');
});
