import t from 'tap';
import fc from 'fast-check';
import {
  addJoining,
  applyEvent,
  converged,
  digest,
  emptyState,
  leader,
  leaderActions,
  merge,
  setReachability,
  unreachable,
  type GossipState,
} from '../../src/cluster/membership-state.ts';

const A = 'h:1#a';
const B = 'h:2#b';
const C = 'h:3#c';

function cluster(...nodes: string[]): GossipState {
  let s = emptyState;
  for (const x of nodes) s = addJoining(s, x, []);
  return leaderActions(s);
}

t.test('leader moves members on only through leaderActions, one step per convergence', async (t) => {
  let s = addJoining(emptyState, A, []);
  t.equal(leader(s), A, 'a lone joining node leads its own bootstrap');
  s = leaderActions(s);
  t.same(
    s.members.map((m) => [m.status, m.upNumber]),
    [['up', 1]],
  );
  s = addJoining(s, C, []);
  s = addJoining(s, B, []);
  t.same(
    s.members.map((m) => m.node),
    [A, B, C],
    'address order',
  );
  s = leaderActions(s);
  t.same(
    s.members.map((m) => m.upNumber),
    [1, 2, 3],
  );
  s = applyEvent(s, B, 'leave');
  s = leaderActions(s);
  t.equal(s.members[1]?.status, 'exiting');
  s = leaderActions(s);
  t.same(
    s.members.map((m) => m.node),
    [A, C],
  );
  t.same(s.removed, [B], 'tombstone');
  t.equal(addJoining(s, B, []), s, 'a removed incarnation cannot join again');
});

t.test('convergence needs every reachable member to have seen the digest', async (t) => {
  const s = cluster(A, B, C);
  const d = digest(s);
  t.notOk(converged(s, new Map([[B, d]]), A));
  t.ok(
    converged(
      s,
      new Map([
        [B, d],
        [C, d],
      ]),
      A,
    ),
  );
  const lost = setReachability(s, A, [C]);
  t.same([...unreachable(lost)], [C]);
  const dl = digest(lost);
  t.notOk(
    converged(
      lost,
      new Map([
        [B, dl],
        [C, dl],
      ]),
      A,
    ),
    'an unreachable member blocks convergence',
  );
  const downed = applyEvent(lost, C, 'down');
  const dd = digest(downed);
  t.ok(converged(downed, new Map([[B, dd]]), A), 'unless it is down');
  t.equal(leader(lost), A);
  t.equal(leader(setReachability(s, B, [A])), B, 'an unreachable leader is replaced');
});

t.test('merge is commutative, associative and idempotent', async (t) => {
  const nodes = [A, B, C];
  const op = fc.oneof(
    fc.record({ k: fc.constant('join' as const), n: fc.constantFrom(...nodes) }),
    fc.record({ k: fc.constant('leave' as const), n: fc.constantFrom(...nodes) }),
    fc.record({ k: fc.constant('down' as const), n: fc.constantFrom(...nodes) }),
    fc.record({ k: fc.constant('lead' as const), n: fc.constantFrom(...nodes) }),
    fc.record({ k: fc.constant('unreach' as const), n: fc.constantFrom(...nodes) }),
  );
  const build = (ops: Array<{ k: string; n: string }>) =>
    ops.reduce<GossipState>((s, o) => {
      if (o.k === 'join') return addJoining(s, o.n, []);
      if (o.k === 'leave' || o.k === 'down') return applyEvent(s, o.n, o.k);
      if (o.k === 'unreach') return setReachability(s, A, [o.n]);
      return leaderActions(s);
    }, emptyState);
  fc.assert(
    fc.property(fc.array(op, { maxLength: 12 }), fc.array(op, { maxLength: 12 }), fc.array(op, { maxLength: 12 }), (x, y, z) => {
      const [a, b, c] = [build(x), build(y), build(z)];
      const eq = (p: GossipState, q: GossipState) => digest(p) === digest(q);
      return eq(merge(a, b), merge(b, a)) && eq(merge(merge(a, b), c), merge(a, merge(b, c))) && eq(merge(a, a), a);
    }),
    { numRuns: 300 },
  );
  t.pass('properties held');
});
