/**
 * Entity -> shard -> node. The hash is pinned (changing it re-homes every entity), and the
 * allocation is checked with tables: balance within one shard, order independence, and how many
 * shards move on a join or a leave compared with the share that has to move.
 */
import t from 'tap';
import fc from 'fast-check';
import { allocate, moves, shardOf, stableHash } from '../../src/cluster/index.ts';

const nodes = (k: number, base = 25520) => Array.from({ length: k }, (_, i) => `127.0.0.1:${base + i}`);

t.test('golden: the hash and the shard of known keys', async (t) => {
  // FNV-1a 32: the empty string is the offset basis, "a" the published test vector.
  t.equal(stableHash(''), 0x811c9dc5);
  t.equal(stableHash('a'), 0xe40c292c);
  t.equal(stableHash('rotations/LH-A1'), 2717851382);
  t.equal(shardOf('rotations/LH-A1', 1024), 758);
  t.equal(shardOf('airplanes/D-AIAB', 1024), 503);
  t.equal(shardOf('airports/FRA', 1024), 129);
  t.equal(shardOf('rotations/Ω', 1024), 264);
});

t.test('golden: a small table', async (t) => {
  const table = allocate(16, ['127.0.0.1:2552', '127.0.0.1:2553', '127.0.0.1:2554']).map((n) => n.slice(-4));
  t.same(table, [
    '2552',
    '2553',
    '2553',
    '2554',
    '2553',
    '2552',
    '2553',
    '2552',
    '2553',
    '2554',
    '2552',
    '2554',
    '2553',
    '2554',
    '2552',
    '2554',
  ]);
});

t.test('balance: every node within one shard of an even share', async (t) => {
  for (const shardCount of [1024, 100, 7, 1]) {
    for (let n = 1; n <= 7; n++) {
      const table = allocate(shardCount, nodes(n));
      const counts = new Map<string, number>();
      for (const o of table) counts.set(o, (counts.get(o) ?? 0) + 1);
      const values = [...counts.values()];
      t.equal(table.length, shardCount, `${shardCount} shards over ${n}: every shard has an owner`);
      t.ok(
        Math.max(...values) - Math.min(...(values.length < n ? [0] : values)) <= 1,
        `${shardCount} shards over ${n} nodes: spread ${Math.min(...values)}..${Math.max(...values)}`,
      );
    }
  }
});

t.test('moves on join and leave: close to the share that must move', async (t) => {
  // [nodes before, nodes after, shards, most moves allowed]. The minimum on a join from n to
  // n+1 is S/(n+1); bounded load adds a few percent.
  const cases: Array<[number, number, number, number]> = [
    [1, 2, 1024, 512],
    [2, 3, 1024, 360],
    [3, 4, 1024, 270],
    [4, 5, 1024, 220],
    [5, 6, 1024, 185],
    [3, 2, 1024, 360],
    [4, 3, 1024, 270],
    [2, 3, 100, 36],
  ];
  for (const [from, to, shardCount, most] of cases) {
    const a = allocate(shardCount, nodes(from));
    const b = allocate(shardCount, nodes(to));
    const moved = moves(a, b);
    const minimum = Math.ceil((shardCount * Math.abs(to - from)) / Math.max(from, to));
    t.ok(
      moved >= minimum && moved <= most,
      `${from} -> ${to} nodes, ${shardCount} shards: ${moved} moved (minimum ${minimum}, allowed ${most})`,
    );
  }
});

t.test("a leave moves only the leaver's shards plus a few to keep balance; survivors keep most of theirs", async (t) => {
  const before = allocate(1024, nodes(4));
  const after = allocate(
    1024,
    nodes(4).filter((n) => n !== '127.0.0.1:25522'),
  );
  let keptBySurvivors = 0;
  let survivorShards = 0;
  for (let s = 0; s < 1024; s++) {
    if (before[s] === '127.0.0.1:25522') continue;
    survivorShards++;
    if (after[s] === before[s]) keptBySurvivors++;
  }
  t.ok(keptBySurvivors / survivorShards > 0.95, `survivors kept ${keptBySurvivors} of ${survivorShards} shards`);
});

t.test('deterministic in the set of nodes, whatever their order; empty with no nodes', async (t) => {
  fc.assert(
    fc.property(
      fc.uniqueArray(fc.integer({ min: 1024, max: 65535 }), { minLength: 1, maxLength: 8 }),
      fc.integer({ min: 1, max: 300 }),
      (ports, shardCount) => {
        const list = ports.map((p) => `10.0.0.1:${p}`);
        const a = allocate(shardCount, list);
        const b = allocate(shardCount, [...list].reverse());
        return a.length === shardCount && a.every((o, i) => o === b[i] && list.includes(o));
      },
    ),
    { numRuns: 100 },
  );
  t.same(allocate(16, []), []);
  t.throws(() => allocate(0, nodes(2)), /positive integer/);
});
