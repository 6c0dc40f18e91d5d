import t from 'tap';
import {
  compareAddress,
  hostPort,
  incarnation,
  newNodeId,
  transition,
  type MemberEvent,
  type MemberStatus,
} from '../../src/cluster/member.ts';

t.test('member status transitions', async (t) => {
  const table: Array<[MemberStatus, MemberEvent, MemberStatus | undefined]> = [
    ['joining', 'up', 'up'],
    ['up', 'up', undefined],
    ['up', 'leave', 'leaving'],
    ['joining', 'leave', 'leaving'],
    ['leaving', 'leave', undefined],
    ['leaving', 'exit', 'exiting'],
    ['up', 'exit', undefined],
    ['up', 'down', 'down'],
    ['joining', 'down', 'down'],
    ['exiting', 'down', 'down'],
    ['down', 'down', undefined],
    ['removed', 'down', undefined],
    ['exiting', 'remove', 'removed'],
    ['down', 'remove', 'removed'],
    ['up', 'remove', undefined],
  ];
  for (const [from, event, to] of table) t.equal(transition(from, event), to, `${from} --${event}--> ${to ?? 'illegal'}`);
});

t.test('node ids and address order', async (t) => {
  const id = newNodeId('127.0.0.1:2552', 1_700_000_000_000, () => 0.5);
  t.equal(hostPort(id), '127.0.0.1:2552');
  t.ok(incarnation(id).length > 4);
  t.not(newNodeId('h:1', 1), newNodeId('h:1', 2), 'a restart is a new incarnation');
  t.ok(compareAddress('h:9#a', 'h:10#a') < 0, 'ports compare as numbers');
  t.ok(compareAddress('a:10#a', 'b:9#a') < 0, 'host first');
  t.ok(compareAddress('h:9#a', 'h:9#b') < 0, 'incarnation last');
});
