import t from 'tap';
import { decide, type DowningDecision, type DowningStrategy } from '../../src/cluster/downing.ts';
import type { Member } from '../../src/cluster/member.ts';

const m = (port: number, upNumber = port, status: Member['status'] = 'up', roles: string[] = []): Member => ({
  node: `h:${port}#x`,
  status,
  upNumber,
  roles,
});
const n = (port: number) => `h:${port}#x`;

function tagOf(d: DowningDecision): string {
  return d._tag === 'DownUnreachable' || d._tag === 'DownSelf' ? `${d._tag}[${d.nodes.map((x) => x.slice(2, -2)).join(',')}]` : d._tag;
}

t.test('split-brain decisions', async (t) => {
  const five = [m(1), m(2), m(3), m(4), m(5)];
  const four = [m(1), m(2), m(3), m(4)];
  const km: DowningStrategy = { _tag: 'KeepMajority' };
  const table: Array<[string, Member[], number[], number, DowningStrategy, string]> = [
    ['all reachable', five, [], 1, km, 'Nothing'],
    ['majority side keeps', five, [4, 5], 1, km, 'DownUnreachable[4,5]'],
    ['minority side goes', five, [1, 2, 3], 4, km, 'DownSelf[4,5]'],
    ['tie: side with lowest address keeps', four, [3, 4], 2, km, 'DownUnreachable[3,4]'],
    ['tie: other side goes', four, [1, 2], 3, km, 'DownSelf[3,4]'],
    ['joining members do not vote', [m(1), m(2), m(3, 0, 'joining'), m(4, 0, 'joining')], [3, 4], 1, km, 'DownUnreachable[3,4]'],
    ['down members are ignored', [m(1), m(2, 2, 'down'), m(3)], [2], 1, km, 'Nothing'],
    ['single node alone in 3', [m(1), m(2), m(3)], [1, 2], 3, km, 'DownSelf[3]'],
    ['static quorum 3 reached', five, [4, 5], 2, { _tag: 'StaticQuorum', quorum: 3 }, 'DownUnreachable[4,5]'],
    ['static quorum 3 missed', five, [3, 4, 5], 2, { _tag: 'StaticQuorum', quorum: 3 }, 'DownSelf[1,2]'],
    ['static quorum too small for the cluster', five, [5], 1, { _tag: 'StaticQuorum', quorum: 2 }, 'DownSelf[1,2,3,4]'],
    ['keep-oldest: oldest here', five, [2, 3, 4, 5], 1, { _tag: 'KeepOldest' }, 'DownUnreachable[2,3,4,5]'],
    ['keep-oldest: oldest there', five, [1], 3, { _tag: 'KeepOldest' }, 'DownSelf[2,3,4,5]'],
    [
      'role-scoped majority',
      [m(1, 1, 'up', ['a']), m(2, 2, 'up', ['a']), m(3, 3, 'up', ['b']), m(4, 4, 'up', ['b']), m(5, 5, 'up', ['b'])],
      [3, 4, 5],
      1,
      { _tag: 'KeepMajority', role: 'a' },
      'DownUnreachable[3,4,5]',
    ],
  ];
  for (const [name, members, lost, self, strategy, want] of table) {
    t.equal(tagOf(decide(members, new Set(lost.map(n)), n(self), strategy)), want, name);
  }
});

t.test('lease-majority: the majority tries first, the minority waits', async (t) => {
  const five = [m(1), m(2), m(3), m(4), m(5)];
  const s: DowningStrategy = { _tag: 'LeaseMajority', acquireDelayMs: 2000 };
  const maj = decide(five, new Set([n(4), n(5)]), n(1), s);
  const min = decide(five, new Set([n(1), n(2), n(3)]), n(4), s);
  t.equal(maj._tag, 'AcquireLease');
  t.equal(min._tag, 'AcquireLease');
  if (maj._tag === 'AcquireLease' && min._tag === 'AcquireLease') {
    t.equal(maj.delayMs, 0);
    t.equal(min.delayMs, 2000);
    t.equal(tagOf(maj.onAcquired), 'DownUnreachable[4,5]');
    t.equal(tagOf(min.onRefused), 'DownSelf[4,5]');
  }
});
