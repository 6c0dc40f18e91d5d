/**
 * Asks in flight to a member that is then lost, in one process on a manual clock: a shard region
 * on node a whose table gives some shards to node b, and a transport that takes every message for
 * b and never answers (it is "on the wire"). When b is found lost, the asks sent to it fail at
 * once with OutcomeUnknown, not at their timeout; asks that were not sent (refused by the link,
 * or buffered during a handoff) keep failing as not applied, or wait; answered asks are forgotten.
 * The multi-process version with a real kill -9 is sharding-failover.test.ts.
 */
import t from 'tap';
import {
  ActorSystem,
  askFailure,
  childSpec,
  isAskTimeout,
  isUnavailable,
  ManualClock,
  settle,
  stateful,
  unavailable,
  type ActorRef,
  type Address,
  type AnyRef,
} from '../../src/actors/index.ts';
import {
  isOutcomeUnknown,
  REGION_PATH,
  shardHost,
  ShardRegion,
  type LostCause,
  type RegionMsg,
  type ShardHosts,
} from '../../src/cluster/index.ts';

const A = '127.0.0.1:1#a';
const B = '127.0.0.1:2#b';

type CounterMsg = { readonly _tag: 'Inc'; readonly replyTo: ActorRef<number> };

interface Sent {
  readonly to: Address;
  readonly message: unknown;
  readonly sender: AnyRef | undefined;
}

function setup() {
  const clock = new ManualClock(1_000_000);
  const system = new ActorSystem({ node: A, clock, log: () => undefined });
  const sent: Sent[] = [];
  /** When set, the link refuses messages the way the transport does (the ask fails at once, not applied). */
  let linkDown = false;
  system.attachRemote({
    send(to, message, sender) {
      if (linkDown && sender !== undefined)
        return (sender as ActorRef<unknown>).tell(
          askFailure(unavailable(`aloft://${to.node}/0/${to.path}`, 'its node cannot be reached now')),
        );
      sent.push({ to, message, sender });
    },
  });
  system.spawn(shardHost(), {
    name: 'counters',
    childFactory: () =>
      childSpec(
        stateful<number, CounterMsg>({
          initial: 0,
          receive: (n, m) => {
            m.replyTo.tell(n + 1);
            return n + 1;
          },
        }),
      ),
  });
  const listeners = new Set<() => void>();
  const state = { reachable: true, lost: undefined as LostCause | undefined, others: [B] };
  const hosts: ShardHosts = {
    self: A,
    hosts: () => [A, B],
    others: () => state.others,
    reachable: (n) => n !== B || state.reachable,
    lost: (n) => (n === B ? state.lost : undefined),
    onChange: (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
  };
  const region = new ShardRegion({ system, hosts, threads: [0], entityHosts: ['counters'], settings: { shardCount: 16 } });
  const shards = region.shards();
  const onB = (n: number) =>
    Array.from({ length: 1000 }, (_, i) => `counters/e${i}`)
      .filter((p) => shards[region.shardOf(p)]?.owner === B)
      .slice(0, n);
  const onA = (n: number) =>
    Array.from({ length: 1000 }, (_, i) => `counters/e${i}`)
      .filter((p) => shards[region.shardOf(p)]?.owner === A)
      .slice(0, n);
  const ask = (path: string) => {
    const outcome: { value?: number; error?: unknown; at?: number } = {};
    region
      .ask<number>(path, (replyTo) => ({ _tag: 'Inc', replyTo }), 10_000)
      .then(
        (value) => Object.assign(outcome, { value, at: clock.now() }),
        (error: unknown) => Object.assign(outcome, { error, at: clock.now() }),
      );
    return outcome;
  };
  const forwarded = () => sent.filter((s) => s.to.path === REGION_PATH && (s.message as RegionMsg)._tag === 'Deliver');
  return {
    clock,
    system,
    region,
    state,
    sent,
    forwarded,
    onA,
    onB,
    ask,
    setLinkDown: (v: boolean) => (linkDown = v),
    changed: () => {
      for (const l of listeners) l();
    },
    stop: () => region.stop(),
  };
}

t.test('asks on the wire to a member whose connection is lost fail at once with OutcomeUnknown, well before their timeout', async (t) => {
  const s = setup();
  const asks = s.onB(3).map((p) => s.ask(p));
  await settle();
  t.equal(s.forwarded().length, 3, 'three asks forwarded to b');
  await s.clock.advance(1_000);
  t.ok(
    asks.every((a) => a.at === undefined),
    'no answer yet',
  );
  const lostAt = s.clock.now();
  s.state.lost = 'gone';
  await s.clock.advance(30);
  for (const a of asks) {
    t.ok(isOutcomeUnknown(a.error), `failed with OutcomeUnknown: ${String(a.error)}`);
    t.ok((a.at ?? Infinity) - lostAt <= 30, `within ${(a.at ?? Infinity) - lostAt} ms of the loss (the timeout was 10 s)`);
  }
  const e = asks[0]?.error as { node?: string; lost?: string; retriable?: boolean; message?: string };
  t.equal(e.node, B, 'names the member');
  t.equal(e.lost, 'gone', 'and why it is lost');
  t.equal(e.retriable, true);
  t.match(e.message ?? '', /may or may not have been applied/);
  t.equal(s.region.stats.lostInFlight, 3);
  // The runtime's own pending asks were settled with them: a late answer from b is a dead letter,
  // and nothing waits for the 10 s timeout any more.
  const late = s.forwarded()[0]?.sender as ActorRef<number>;
  const before = s.system.deadLetters.count;
  late.tell(7);
  await settle();
  t.equal(s.system.deadLetters.count, before + 1, 'a late answer is a dead letter');
  await s.clock.advance(10_000);
  t.ok(
    asks.every((a) => !isAskTimeout(a.error)),
    'no ask timed out afterwards',
  );
  s.stop();
});

t.test('a member found unreachable or downed fails its asks in flight on the membership change itself', async (t) => {
  for (const change of ['unreachable', 'downed'] as const) {
    const s = setup();
    const [a] = s.onB(1).map((p) => s.ask(p));
    await s.clock.advance(500);
    const at = s.clock.now();
    if (change === 'unreachable') s.state.reachable = false;
    else s.state.others = [];
    s.state.lost = change;
    s.changed();
    await settle();
    t.ok(isOutcomeUnknown(a?.error), `${change}: OutcomeUnknown`);
    t.equal(a?.at, at, `${change}: at once, with no clock time passing`);
    s.stop();
  }
});

t.test('answered asks are forgotten; asks the link refused are not applied (Unavailable), not unknown', async (t) => {
  const s = setup();
  const [answered] = s.onB(1).map((p) => s.ask(p));
  await settle();
  const deliver = s.forwarded()[0] as Sent;
  const inner = (deliver.message as { message: CounterMsg }).message;
  inner.replyTo.tell(41);
  await settle();
  t.equal(answered?.value, 41, 'the answer came back');

  s.setLinkDown(true);
  const [refused] = s.onB(1).map((p) => s.ask(p));
  await settle();
  t.ok(isUnavailable(refused?.error), `refused by the link: ${String(refused?.error)}`);

  s.state.lost = 'gone';
  await s.clock.advance(100);
  t.equal(s.region.stats.lostInFlight, 0, 'nothing was in flight when b was lost');
  s.stop();
});

t.test('an ask buffered during a handoff is not in flight: it waits, and is delivered once the shard is active', async (t) => {
  const s = setup();
  // Shards of a wait for b to confirm it runs none of their entities.
  const [path] = s.onA(1);
  const a = s.ask(path as string);
  await settle();
  t.equal(s.region.counts().buffered, 1, 'buffered while a waits for b');
  s.state.lost = 'gone';
  await s.clock.advance(100);
  t.equal(a.at, undefined, 'not failed: it was never sent');
  const shards = s.region
    .shards()
    .filter((x) => x.owner === A && x.state === 'waiting')
    .map((x) => x.shard);
  const released: RegionMsg = { _tag: 'Released', shards, from: B };
  s.system.deliver({ node: A, thread: 0, path: REGION_PATH }, released, undefined);
  await s.clock.advance(10);
  t.equal(a.value, 1, 'answered by its entity here once the shard is active');
  s.stop();
});
