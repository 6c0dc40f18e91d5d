/**
 * Counts how often each designator has been seen during one parse, so repeated designators get
 * "~2", "~3" ids. An open-addressing table over numbers in typed arrays: a Map keyed by a fresh
 * string (or a non-Smi number) per leg was the largest single cost of the parser.
 *
 * A key is a safe integer made from station, flight number and day; carrier and suffix pick the
 * table (see parser.ts), so the caller keeps one counter per carrier+suffix.
 */

export interface DesignatorCounter {
  /** Increments the count of `key` (a non-negative safe integer) and returns the new count. */
  next(key: number): number;
}

export function createDesignatorCounter(initialCapacity = 1024): DesignatorCounter {
  let capacity = initialCapacity;
  let keys = new Float64Array(capacity).fill(-1);
  let counts = new Uint32Array(capacity);
  let size = 0;

  const slot = (k: Float64Array, cap: number, key: number): number => {
    const lo = key >>> 0;
    const hi = (key / 4294967296) >>> 0;
    let i = (Math.imul(lo, 0x9e3779b1) ^ Math.imul(hi + 0x7f4a7c15, 0x85ebca77)) & (cap - 1);
    while (k[i] !== -1 && k[i] !== key) i = (i + 1) & (cap - 1);
    return i;
  };

  const grow = () => {
    const oldKeys = keys;
    const oldCounts = counts;
    capacity *= 2;
    keys = new Float64Array(capacity).fill(-1);
    counts = new Uint32Array(capacity);
    for (let i = 0; i < oldKeys.length; i++) {
      const key = oldKeys[i] as number;
      if (key === -1) continue;
      const j = slot(keys, capacity, key);
      keys[j] = key;
      counts[j] = oldCounts[i] as number;
    }
  };

  return {
    next(key) {
      let i = slot(keys, capacity, key);
      if (keys[i] === -1) {
        if ((size + 1) * 2 > capacity) {
          grow();
          i = slot(keys, capacity, key);
        }
        keys[i] = key;
        size++;
      }
      return ++(counts[i] as number);
    },
  };
}
