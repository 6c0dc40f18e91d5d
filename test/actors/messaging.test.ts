import t from 'tap';
import {
  childSpec,
  isActorStopped,
  isAskTimeout,
  isMailboxFull,
  isNameTaken,
  serviceKey,
  stateful,
  stateless,
  type ActorRef,
  type DeadLetter,
  type Terminated,
} from '../../src/actors/index.ts';
import { manualSystem, recorder, settle } from './helpers.ts';

type Msg =
  | { _tag: 'Add'; n: number }
  | { _tag: 'Get'; replyTo: ActorRef<number> }
  | { _tag: 'Ignore'; replyTo: ActorRef<number> }
  | { _tag: 'Stop' };

const counter = stateful<number, Msg>({
  initial: 0,
  receive(n, m, ctx) {
    switch (m._tag) {
      case 'Add':
        return n + m.n;
      case 'Get':
        m.replyTo.tell(n);
        return n;
      case 'Ignore':
        return n;
      case 'Stop':
        ctx.stop(ctx.self as ActorRef<never>);
        return n;
    }
  },
});

t.test('ask gets a typed reply; an unanswered ask times out on the injected clock', async (t) => {
  const { system, clock } = manualSystem();
  const c = system.spawn(counter);
  c.tell({ _tag: 'Add', n: 2 });
  const reply = c.ask<number>((replyTo) => ({ _tag: 'Get', replyTo }), 500);
  await settle();
  t.equal(await reply, 2);
  const lost = c.ask<number>((replyTo) => ({ _tag: 'Ignore', replyTo }), 500);
  let settled = false;
  lost.then(
    () => (settled = true),
    () => (settled = true),
  );
  await clock.advance(499);
  t.notOk(settled, 'still pending at 499 ms');
  await clock.advance(1);
  const err = await lost.catch((e: unknown) => e);
  t.ok(isAskTimeout(err), 'rejects at the deadline with a tagged AskTimeout');
  await t.rejects(
    c.ask<number>((replyTo) => ({ _tag: 'Get', replyTo }), 0),
    RangeError,
    'a timeout is mandatory',
  );
  system.shutdown();
});

t.test('an ask to an actor that does not exist fails at once with ActorStopped', async (t) => {
  const { system } = manualSystem();
  const ghost = system.refAt<Msg>('ghost');
  const err = await ghost.ask<number>((replyTo) => ({ _tag: 'Get', replyTo }), 60_000).catch((e: unknown) => e);
  t.ok(isActorStopped(err), 'no timeout needed');
  t.equal(system.deadLetters.countOf('no-such-actor'), 1, 'and it is a dead letter');
  system.shutdown();
});

t.test('mailbox overflow: tells past the bound are dead letters, asks fail with MailboxFull, accepted ones are kept', async (t) => {
  const { system } = manualSystem();
  const c = system.spawn(counter, { mailboxCapacity: 10 });
  const dead: DeadLetter[] = [];
  system.deadLetters.subscribe((d) => dead.push(d));
  for (let i = 0; i < 15; i++) c.tell({ _tag: 'Add', n: 1 });
  t.equal(system.mailboxSize(c as ActorRef<never>), 10, 'the mailbox holds exactly its capacity');
  t.equal(dead.length, 5, 'five dead letters');
  t.ok(
    dead.every((d) => d.reason === 'mailbox-full'),
    'all for mailbox-full',
  );
  const err = await c.ask<number>((replyTo) => ({ _tag: 'Get', replyTo }), 60_000).catch((e: unknown) => e);
  t.ok(isMailboxFull(err), 'an ask into a full mailbox fails fast');
  await settle();
  const n = c.ask<number>((replyTo) => ({ _tag: 'Get', replyTo }), 1000);
  await settle();
  t.equal(await n, 10, 'every accepted message was handled, none twice');
  system.shutdown();
});

t.test('dead letters are logged at a bounded rate', async (t) => {
  const { system, logs } = manualSystem();
  const ghost = system.refAt<Msg>('ghost');
  for (let i = 0; i < 100; i++) ghost.tell({ _tag: 'Add', n: 1 });
  t.equal(system.deadLetters.count, 100, 'all counted');
  t.equal(logs.filter((l) => l.includes('dead letter')).length, 10, 'only ten logged in the window');
  system.shutdown();
});

t.test('death watch: Terminated for stop, for an unknown actor, and never after unwatch', async (t) => {
  const { system } = manualSystem();
  const seen = recorder<Terminated>(system);
  const a = system.spawn(counter, { name: 'a' });
  const b = system.spawn(counter, { name: 'b' });
  type W = { _tag: 'Watch'; ref: ActorRef<never> } | { _tag: 'Unwatch'; ref: ActorRef<never> } | Terminated;
  const w = system.spawn(
    stateless<W>((m, ctx) => {
      if (m._tag === 'Watch') ctx.watch(m.ref);
      else if (m._tag === 'Unwatch') ctx.unwatch(m.ref);
      else seen.ref.tell(m);
    }),
  );
  w.tell({ _tag: 'Watch', ref: a as ActorRef<never> });
  w.tell({ _tag: 'Watch', ref: b as ActorRef<never> });
  w.tell({ _tag: 'Watch', ref: system.refAt('nobody') });
  w.tell({ _tag: 'Unwatch', ref: b as ActorRef<never> });
  await settle();
  a.tell({ _tag: 'Stop' });
  system.stop(b as ActorRef<never>);
  await settle();
  t.same(
    seen.seen.map((x) => `${x.ref.address.path}:${x.reason}`).sort(),
    ['a:stopped', 'nobody:unknown-actor'],
    'a stopped, nobody unknown, b unwatched',
  );
  system.shutdown();
});

t.test('passivation: idle entities stop, and the next message starts them again from scratch', async (t) => {
  const { system, clock } = manualSystem();
  let starts = 0;
  const host = system.spawn(
    stateless<never>(() => undefined),
    {
      name: 'rotations',
      childFactory: (id) =>
        id.startsWith('r')
          ? childSpec(
              stateful<number, Msg>({
                initial: () => {
                  starts++;
                  return 0;
                },
                receive: counter.receive as never,
              }),
              { idleTimeoutMs: 1000 },
            )
          : undefined,
    },
  );
  const r1 = system.refAt<Msg>(`${host.address.path}/r1`);
  r1.tell({ _tag: 'Add', n: 4 });
  await settle();
  t.equal(starts, 1, 'the first message started the entity');
  await clock.advance(600);
  r1.tell({ _tag: 'Add', n: 1 });
  await settle();
  await clock.advance(600);
  t.ok(system.isAlive(r1 as ActorRef<never>), 'activity postponed passivation');
  await clock.advance(500);
  t.notOk(system.isAlive(r1 as ActorRef<never>), 'passivated after 1000 ms idle');
  const got = r1.ask<number>((replyTo) => ({ _tag: 'Get', replyTo }), 1000);
  await settle();
  t.equal(await got, 0, 'restarted transparently with fresh state (the journal restores it for persistent entities)');
  t.equal(starts, 2);
  const bad = system.refAt<Msg>(`${host.address.path}/x1`);
  const err = await bad.ask<number>((replyTo) => ({ _tag: 'Get', replyTo }), 1000).catch((e: unknown) => e);
  t.ok(isActorStopped(err), 'an id the factory refuses is a dead letter');
  system.shutdown();
});

t.test('explicit passivate keeps later messages for the next incarnation', async (t) => {
  const { system } = manualSystem();
  type E = { _tag: 'Bye' } | { _tag: 'Add'; n: number } | { _tag: 'Get'; replyTo: ActorRef<number> };
  const entity = stateful<number, E>({
    initial: 0,
    receive(n, m, ctx) {
      if (m._tag === 'Bye') ctx.passivate();
      if (m._tag === 'Add') return n + m.n;
      if (m._tag === 'Get') m.replyTo.tell(n);
      return n;
    },
  });
  const host = system.spawn(
    stateless<never>(() => undefined),
    { childFactory: () => childSpec(entity) },
  );
  const e = system.refAt<E>(`${host.address.path}/e1`);
  e.tell({ _tag: 'Add', n: 3 });
  e.tell({ _tag: 'Bye' });
  e.tell({ _tag: 'Add', n: 5 });
  const got = e.ask<number>((replyTo) => ({ _tag: 'Get', replyTo }), 1000);
  await settle(6);
  t.equal(await got, 5, 'the messages after passivate reached a new incarnation, in order');
  system.shutdown();
});

t.test('registry: register, look up by typed key, NameTaken, gone when the actor stops', async (t) => {
  const { system } = manualSystem();
  const key = serviceKey<Msg>('counter');
  const a = system.spawn(counter);
  const b = system.spawn(counter);
  await system.registry.register(key, a);
  const found = system.registry.lookup(key);
  t.ok(found?.equals(a as ActorRef<never>), 'found by name');
  const taken = await system.registry.register(key, b).then(
    () => 'registered',
    (e: unknown) => e,
  );
  t.ok(isNameTaken(taken), 'a second actor under the same name is refused with NameTaken');
  system.stop(a as ActorRef<never>);
  await settle();
  t.equal(system.registry.lookup(key), undefined, 'removed when its actor stopped');
  await system.registry.register(key, b);
  t.ok(system.registry.lookup(key)?.equals(b as ActorRef<never>), 'the name is free again');
  system.shutdown();
});

t.test('serializeLocal: local messages go through the codec, refs inside them still work', async (t) => {
  const { system } = manualSystem({ serializeLocal: true });
  const c = system.spawn(counter);
  const original = { _tag: 'Add' as const, n: 1 };
  c.tell(original);
  const got = c.ask<number>((replyTo) => ({ _tag: 'Get', replyTo }), 1000);
  await settle();
  t.equal(await got, 1, 'a ref survived encoding and the reply came back');
  system.shutdown();
});
