import t from 'tap';
import { allForOne, backoffDelay, decideFailure, oneForOne, stateful, type ActorRef, type Terminated } from '../../src/actors/index.ts';
import { manualSystem, recorder, settle } from './helpers.ts';

type Msg = { _tag: 'Add'; n: number } | { _tag: 'Get'; replyTo: ActorRef<number> } | { _tag: 'Crash' } | { _tag: 'CrashAsync' };

const counter = (onInit?: () => void) =>
  stateful<number, Msg>({
    initial: () => {
      onInit?.();
      return 0;
    },
    receive(n, m) {
      switch (m._tag) {
        case 'Add':
          return n + m.n;
        case 'Get':
          m.replyTo.tell(n);
          return n;
        case 'Crash':
          throw new Error('crash');
        case 'CrashAsync':
          return Promise.reject(new Error('async crash'));
      }
    },
  });

t.test('decideFailure: table of cases', async (t) => {
  const s = oneForOne({ maxRestarts: 3, withinMs: 1000, backoff: { minMs: 10, maxMs: 50, factor: 2 } });
  const cases: Array<[string, readonly number[], number, string, number | undefined]> = [
    ['first restart waits minMs', [], 5000, 'Restart', 10],
    ['second within window doubles', [4900], 5000, 'Restart', 20],
    ['third within window doubles again', [4800, 4900], 5000, 'Restart', 40],
    ['fourth within window escalates', [4700, 4800, 4900], 5000, 'Escalate', undefined],
    ['old restarts fall out of the window', [1000, 2000, 3000], 5000, 'Restart', 10],
  ];
  for (const [name, history, now, tag, delay] of cases) {
    const plan = decideFailure(s, new Error('x'), history, now);
    t.equal(plan._tag, tag, name);
    if (plan._tag === 'Restart') t.equal(plan.delayMs, delay, `${name}: delay`);
  }
  t.equal(backoffDelay({ minMs: 10, maxMs: 50, factor: 2 }, 10), 50, 'backoff is capped');
  t.equal(decideFailure(oneForOne({ decide: () => 'resume' }), 1, [], 0)._tag, 'Resume');
  t.equal(decideFailure(oneForOne({ decide: () => 'stop' }), 1, [], 0)._tag, 'Stop');
  t.equal(
    decideFailure(
      oneForOne({
        decide: () => {
          throw new Error('bad decider');
        },
      }),
      1,
      [],
      0,
    )._tag,
    'Escalate',
    'a throwing decider escalates',
  );
  const all = decideFailure(allForOne(), 1, [], 0);
  t.equal(all._tag === 'Restart' && all.scope, 'all', 'all-for-one restarts every child');
});

t.test('one-for-one restart waits for the backoff, keeps the mailbox, resets state', async (t) => {
  const { system, clock } = manualSystem();
  let inits = 0;
  const parent = system.spawn(
    stateful<ActorRef<Msg> | null, { _tag: 'Noop' }>({
      initial: (ctx) =>
        ctx.spawn(
          counter(() => inits++),
          { name: 'c' },
        ),
      receive: (s) => s,
    }),
    { supervisor: oneForOne({ backoff: { minMs: 100, maxMs: 1000, factor: 2 } }) },
  );
  await settle();
  const child = system.refAt<Msg>(`${parent.address.path}/c`);
  const sibling = system.spawn(counter());
  child.tell({ _tag: 'Add', n: 5 });
  child.tell({ _tag: 'Crash' });
  child.tell({ _tag: 'Add', n: 1 });
  sibling.tell({ _tag: 'Add', n: 7 });
  await settle();
  t.equal(inits, 1, 'not restarted before the backoff elapses');
  t.equal(system.mailboxSize(child as ActorRef<never>), 1, 'the message after the crash waits in the mailbox');
  await clock.advance(99);
  t.equal(inits, 1, 'still waiting at 99 ms');
  await clock.advance(1);
  t.equal(inits, 2, 'restarted at 100 ms');
  const got = child.ask<number>((replyTo) => ({ _tag: 'Get', replyTo }), 1000);
  await settle();
  t.equal(await got, 1, 'state was reset (5 lost) and the queued message was handled');
  const sib = sibling.ask<number>((replyTo) => ({ _tag: 'Get', replyTo }), 1000);
  await settle();
  t.equal(await sib, 7, 'a sibling is untouched');
  system.shutdown();
});

t.test('resume keeps state; stop terminates and tells watchers', async (t) => {
  const { system } = manualSystem();
  const watcher = recorder<Terminated>(system);
  const host = system.spawn(
    stateful<{ resumer: ActorRef<Msg>; stopper: ActorRef<Msg> }, { _tag: 'Noop' }>({
      initial: (ctx) => ({
        resumer: ctx.spawn(stateful<number, Msg>({ initial: 0, receive: counterReceive }), { name: 'r', supervisor: oneForOne() }),
        stopper: ctx.spawn(counter(), { name: 's' }),
      }),
      receive: (s) => s,
    }),
    { supervisor: oneForOne({ decide: (e) => ((e as Error).message === 'crash' ? 'resume' : 'stop') }) },
  );
  await settle();
  const r = system.refAt<Msg>(`${host.address.path}/r`);
  const s = system.refAt<Msg>(`${host.address.path}/s`);
  const w = system.spawn(
    stateful<null, Terminated | { _tag: 'W' }>({
      initial: (ctx) => {
        ctx.watch(s as ActorRef<never>);
        return null;
      },
      receive: (_s, m) => {
        if (m._tag === 'Terminated') watcher.ref.tell(m);
        return null;
      },
    }),
  );
  await settle();
  r.tell({ _tag: 'Add', n: 3 });
  r.tell({ _tag: 'Crash' });
  r.tell({ _tag: 'Add', n: 4 });
  s.tell({ _tag: 'CrashAsync' });
  await settle(6);
  const got = r.ask<number>((replyTo) => ({ _tag: 'Get', replyTo }), 1000);
  await settle();
  t.equal(await got, 7, 'resumed with its state: the crashing message was dropped');
  t.equal(system.isAlive(s as ActorRef<never>), false, 'the async failure stopped the child');
  t.equal(watcher.seen.length, 1, 'watcher told once');
  t.equal(watcher.seen[0]?.reason, 'failed');
  t.ok(watcher.seen[0]?.ref.equals(s as ActorRef<never>), 'Terminated names the stopped actor');
  t.ok(system.isAlive(w as ActorRef<never>));
  system.shutdown();
});

function counterReceive(n: number, m: Msg): number {
  if (m._tag === 'Add') return n + m.n;
  if (m._tag === 'Get') m.replyTo.tell(n);
  if (m._tag === 'Crash') throw new Error('crash');
  return n;
}

t.test('restart intensity: past N restarts in T the failure escalates to the parent', async (t) => {
  const { system, clock } = manualSystem();
  let parentInits = 0;
  let childInits = 0;
  const grand = system.spawn(
    stateful<null, { _tag: 'Noop' }>({
      initial: (ctx) => {
        ctx.spawn(
          stateful<null, { _tag: 'Noop' }>({
            initial: (c2) => {
              parentInits++;
              c2.spawn(
                counter(() => childInits++),
                { name: 'child' },
              );
              return null;
            },
            receive: (s) => s,
          }),
          { name: 'parent', supervisor: oneForOne({ maxRestarts: 2, withinMs: 10_000, backoff: { minMs: 10, maxMs: 10, factor: 1 } }) },
        );
        return null;
      },
      receive: (s) => s,
    }),
    { name: 'grand', supervisor: oneForOne({ backoff: { minMs: 10, maxMs: 10, factor: 1 } }) },
  );
  await settle();
  const child = system.refAt<Msg>(`${grand.address.path}/parent/child`);
  for (let i = 0; i < 2; i++) {
    child.tell({ _tag: 'Crash' });
    await settle();
    await clock.advance(10);
  }
  t.equal(childInits, 3, 'two restarts of the child within the intensity');
  t.equal(parentInits, 1, 'the parent has not been touched yet');
  child.tell({ _tag: 'Crash' });
  await settle();
  await clock.advance(10);
  t.equal(parentInits, 2, 'the third crash escalated: the parent was restarted by its own supervisor');
  t.equal(childInits, 4, 'and its restart started a fresh child');
  t.ok(system.isAlive(grand as ActorRef<never>), 'the grandparent survives');
  system.shutdown();
});

t.test('all-for-one restarts every child of the supervisor', async (t) => {
  const { system, clock } = manualSystem();
  const inits: Record<string, number> = { a: 0, b: 0 };
  const sup = system.spawn(
    stateful<null, { _tag: 'Noop' }>({
      initial: (ctx) => {
        ctx.spawn(
          counter(() => inits.a!++),
          { name: 'a' },
        );
        ctx.spawn(
          counter(() => inits.b!++),
          { name: 'b' },
        );
        return null;
      },
      receive: (s) => s,
    }),
    { supervisor: allForOne({ backoff: { minMs: 50, maxMs: 50, factor: 1 } }) },
  );
  await settle();
  const a = system.refAt<Msg>(`${sup.address.path}/a`);
  const b = system.refAt<Msg>(`${sup.address.path}/b`);
  b.tell({ _tag: 'Add', n: 9 });
  a.tell({ _tag: 'Crash' });
  await settle();
  await clock.advance(50);
  t.same(inits, { a: 2, b: 2 }, 'both restarted');
  const got = b.ask<number>((replyTo) => ({ _tag: 'Get', replyTo }), 1000);
  await settle();
  t.equal(await got, 0, "the sibling's state was reset too");
  system.shutdown();
});

t.test('a top-level actor that keeps crashing is stopped, never the process', async (t) => {
  const { system, clock, logs } = manualSystem({
    guardian: oneForOne({ maxRestarts: 3, withinMs: 10_000, backoff: { minMs: 10, maxMs: 10, factor: 1 } }),
  });
  const a = system.spawn(counter(), { name: 'flaky' });
  for (let i = 0; i < 3; i++) {
    a.tell({ _tag: 'Crash' });
    await settle();
    await clock.advance(10);
    t.ok(system.isAlive(a as ActorRef<never>), `alive after restart ${i + 1}`);
  }
  a.tell({ _tag: 'Crash' });
  await settle();
  await clock.advance(10);
  t.equal(system.isAlive(a as ActorRef<never>), false, 'stopped after the guardian intensity was exceeded');
  t.ok(
    logs.some((l) => l.includes('escalated to the guardian')),
    'and the reason is logged',
  );
  system.shutdown();
});
