/**
 * The resolver's fast path for a crashed process, on a manual clock with three memberships wired
 * in memory. A member whose address refuses connections (the transport's `goneFor`) for
 * gone-after, silent since, is unreachable, and once every other member has found the same it is
 * downed at once; a member that is only silent (a pause, a partition: nothing refuses) waits for
 * the heartbeats to time out and for stable-after; a member that still heartbeats is never judged
 * gone, whatever the dialer saw; one observer's refusals alone (a fault on its own link) do not
 * take the fast path.
 */
import t from 'tap';
import { ManualClock, settle } from '../../src/actors/index.ts';
import { Membership, type MembershipTimings } from '../../src/cluster/gossip.ts';
import { hostPort } from '../../src/cluster/member.ts';
import type { ControlMessage } from '../../src/cluster/wire.ts';

const timings: MembershipTimings = {
  gossipIntervalMs: 100,
  heartbeatIntervalMs: 100,
  phiThreshold: 8,
  acceptablePauseMs: 1_000,
  stableAfterMs: 5_000,
  joinRetryMs: 100,
  seedTimeoutMs: 300,
  goneAfterMs: 500,
};
const IDS = ['h:1#a', 'h:2#b', 'h:3#c'];

/**
 * Three members; `silent` nodes neither send nor receive, `cut` links ("from>to") carry nothing;
 * `refused(observer, node, now)` is how long `observer` has seen `node`'s address refuse.
 */
async function trio(refused: (observer: string, node: string, now: number) => number, mute: readonly string[] = []) {
  const clock = new ManualClock(1_000_000);
  const silent = new Set<string>();
  const cut = new Set<string>();
  /** Nodes whose heartbeats nobody receives (everything else they send arrives). */
  const muted = new Set<string>(mute);
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
        if (
          !to ||
          silent.has(self) ||
          silent.has(to.self) ||
          cut.has(`${self}>${to.self}`) ||
          (msg._tag === 'Heartbeat' && muted.has(self))
        )
          return;
        queueMicrotask(() => to.receive(self, msg));
      },
      goneFor: (node) => refused(self, node, clock.now()),
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
  return {
    clock,
    silent,
    cut,
    muted,
    a,
    downedAt,
    step,
    stop: () => {
      for (const m of byAddress.values()) m.stop();
    },
  };
}

t.test('a crashed member (its address refuses connections) is downed after gone-after, not stable-after', async (t) => {
  let killedAt = Number.POSITIVE_INFINITY;
  const c = await trio((_observer, node, now) => (node === 'h:3#c' && now > killedAt ? now - killedAt : 0));
  t.same(
    c.a.current.members.map((m) => m.status),
    ['up', 'up', 'up'],
    'three members up',
  );
  killedAt = c.clock.now();
  c.silent.add('h:3#c');
  await c.step(2_000);
  const at = c.downedAt.get('h:3#c');
  t.ok(at !== undefined, 'downed');
  const after = (at ?? 0) - killedAt;
  // Checked every 50 ms, not at the next heartbeat; no wait for two heartbeats of silence either.
  t.ok(after >= 500 && after <= 650, `downed ${after} ms after the crash (gone-after 500 ms; stable-after would be 5,000)`);
  c.stop();
});

t.test('a member killed before any of its heartbeats arrived (it had just joined) is downed as fast', async (t) => {
  let killedAt = Number.POSITIVE_INFINITY;
  const c = await trio((_observer, node, now) => (node === 'h:3#c' && now > killedAt ? now - killedAt : 0), ['h:3#c']);
  t.same(
    c.a.current.members.map((m) => m.status),
    ['up', 'up', 'up'],
    'three members up, c never heard from',
  );
  killedAt = c.clock.now();
  c.silent.add('h:3#c');
  await c.step(2_000);
  const at = c.downedAt.get('h:3#c');
  t.ok(
    at !== undefined && at - killedAt <= 650,
    `downed ${at === undefined ? 'never' : at - killedAt} ms after the crash (first contact and stable-after would be 6,000 ms more)`,
  );
  c.stop();
});

t.test("one observer's refusals alone (a fault on its own link) do not take the fast path", async (t) => {
  // a cannot reach c at all and sees c's address refuse; b still hears c and reaches it.
  let cutAt = Number.POSITIVE_INFINITY;
  const c = await trio((observer, node, now) => (observer === 'h:1#a' && node === 'h:3#c' && now > cutAt ? now - cutAt : 0));
  c.cut.add('h:1#a>h:3#c').add('h:3#c>h:1#a');
  cutAt = c.clock.now();
  await c.step(1_000);
  t.ok(c.a.unreachable().has('h:3#c'), 'a finds c unreachable');
  await c.step(3_000);
  t.equal(c.downedAt.get('h:3#c'), undefined, 'not downed within 4 s: b still hears c');
  await c.step(3_000);
  const at = c.downedAt.get('h:3#c');
  t.ok(
    at === undefined || at - cutAt >= timings.stableAfterMs,
    `only the resolver's ordinary rule, after stable-after, may act (${at === undefined ? 'not downed' : `downed after ${at - cutAt} ms`})`,
  );
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
  t.ok(
    at !== undefined && at - cutAt >= timings.stableAfterMs,
    `downed ${at === undefined ? 'never' : at - cutAt} ms after the cut, past stable-after`,
  );
  c.stop();
});

t.test('a member that still heartbeats is never judged gone, whatever the dialer saw', async (t) => {
  const c = await trio((_observer, node) => (node === 'h:3#c' ? 60_000 : 0));
  await c.step(3_000);
  t.equal(c.downedAt.get('h:3#c'), undefined, 'not downed');
  t.same(
    c.a.current.members.map((m) => m.status),
    ['up', 'up', 'up'],
  );
  c.stop();
});
