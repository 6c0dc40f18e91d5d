/**
 * The resolver's fast path for a crashed process, on a manual clock with three memberships wired
 * in memory. A member whose address refuses connections (the transport's `goneFor`) and that has
 * been silent for gone-after is unreachable and downed at once; a member that is only silent (a
 * pause, a partition: nothing refuses) waits for the heartbeats to time out and for
 * stable-after; a member that still heartbeats is never judged gone, whatever the dialer saw.
 */
import t from 'tap';
import { ManualClock, settle } from '../../src/actors/index.ts';
import { Membership, type MembershipTimings } from '../../src/cluster/gossip.ts';
import { hostPort } from '../../src/cluster/member.ts';
import type { ControlMessage } from '../../src/cluster/wire.ts';

const timings: MembershipTimings = { gossipIntervalMs: 100, heartbeatIntervalMs: 100, phiThreshold: 8, acceptablePauseMs: 1_000, stableAfterMs: 5_000, joinRetryMs: 100, seedTimeoutMs: 300, goneAfterMs: 500 };
const IDS = ['h:1#a', 'h:2#b', 'h:3#c'];

/** Three members; `silent` nodes neither send nor receive; `refused(node)` is what every dialer sees. */
async function trio(refused: (node: string, now: number) => number) {
  const clock = new ManualClock(1_000_000);
  const silent = new Set<string>();
  const byAddress = new Map<string, Membership>();
  const downedAt = new Map<string, number>();
  for (const self of IDS) {
    const m = new Membership({
      self,
      roles: [],
      clock,
      timings,
      strategy: { _tag: 'KeepMajority' },
      seeds: () => Promise.resolve(IDS.map(hostPort)),
      send: (target: string, msg: ControlMessage) => {
        const to = byAddress.get(hostPort(target));
        if (!to || silent.has(self) || silent.has(to.self)) return;
        queueMicrotask(() => to.receive(self, msg));
      },
      goneFor: (node) => refused(node, clock.now()),
      log: () => undefined,
    });
    m.subscribe((e) => {
      if (e._tag === 'MemberDowned' && self === 'h:1#a') downedAt.set(e.member.node, clock.now());
    });
    byAddress.set(hostPort(self), m);
  }
  for (const m of byAddress.values()) m.start();
  const step = async (ms: number) => {
    for (let i = 0; i < ms / 50; i++) {
      await clock.advance(50);
      await settle(3);
    }
  };
  await step(2_000);
  const a = byAddress.get('h:1') as Membership;
  return { clock, silent, a, downedAt, step, stop: () => byAddress.forEach((m) => m.stop()) };
}

t.test('a crashed member (its address refuses connections) is downed after gone-after, not stable-after', async (t) => {
  let killedAt = Number.POSITIVE_INFINITY;
  const c = await trio((node, now) => (node === 'h:3#c' && now > killedAt ? now - killedAt : 0));
  t.same(c.a.current.members.map((m) => m.status), ['up', 'up', 'up'], 'three members up');
  killedAt = c.clock.now();
  c.silent.add('h:3#c');
  await c.step(2_000);
  const at = c.downedAt.get('h:3#c');
  t.ok(at !== undefined, 'downed');
  const after = (at ?? 0) - killedAt;
  t.ok(after >= 500 && after <= 1_000, `downed ${after} ms after the crash (gone-after 500 ms; stable-after would be 5,000)`);
  c.stop();
});

t.test('a silent member that refuses nothing (paused, partitioned) waits for detection and stable-after', async (t) => {
  const c = await trio(() => 0);
  const cutAt = c.clock.now();
  c.silent.add('h:3#c');
  await c.step(4_000);
  t.equal(c.downedAt.get('h:3#c'), undefined, 'not downed within 4 s');
  await c.step(4_000);
  const at = c.downedAt.get('h:3#c');
  t.ok(at !== undefined && at - cutAt >= timings.stableAfterMs, `downed ${at === undefined ? 'never' : at - cutAt} ms after the cut, past stable-after`);
  c.stop();
});

t.test('a member that still heartbeats is never judged gone, whatever the dialer saw', async (t) => {
  const c = await trio((node) => (node === 'h:3#c' ? 60_000 : 0));
  await c.step(3_000);
  t.equal(c.downedAt.get('h:3#c'), undefined, 'not downed');
  t.same(c.a.current.members.map((m) => m.status), ['up', 'up', 'up']);
  c.stop();
});
