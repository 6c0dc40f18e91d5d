/**
 * A supervised pool: a pool actor spawns three worker children and hands them jobs in turn. One
 * job crashes its worker; the pool's one-for-one strategy restarts only that worker (after a
 * short backoff), with fresh state and the same ref, while its siblings keep theirs.
 *
 * What a crash costs: the message that threw is gone (its asker times out), messages queued
 * behind it are kept for the new incarnation. Past `maxRestarts` within `withinMs` the failure
 * escalates to the pool's own supervisor, as an OTP supervisor gives up.
 *
 * The runtime's timers (ask timeouts, restart backoff) never keep a process alive on their own,
 * so a script whose only work is waiting on actors holds the event loop open itself while it
 * waits (a server or a worker thread does that in a real application).
 *
 *   npm run example examples/supervised-pool.ts
 */
import { ActorSystem, isAskTimeout, oneForOne, stateful, type ActorRef } from 'aloft';

type Done = { readonly worker: string; readonly incarnation: number; readonly handled: number; readonly result: string };
type WorkerMsg = { readonly _tag: 'Job'; readonly input: string; readonly replyTo: ActorRef<Done> };
type PoolMsg = { readonly _tag: 'Submit'; readonly input: string; readonly replyTo: ActorRef<Done> };

// Kept outside the actors on purpose, to show that a restart really makes a new incarnation.
const incarnations = new Map<string, number>();

const worker = (name: string) =>
  stateful<{ readonly incarnation: number; readonly handled: number }, WorkerMsg>({
    initial: () => {
      const incarnation = (incarnations.get(name) ?? 0) + 1;
      incarnations.set(name, incarnation);
      return { incarnation, handled: 0 };
    },
    receive(state, m) {
      if (m.input === 'poison') throw new Error(`${name} cannot digest "${m.input}"`);
      const next = { ...state, handled: state.handled + 1 };
      m.replyTo.tell({ worker: name, incarnation: next.incarnation, handled: next.handled, result: m.input.toUpperCase() });
      return next;
    },
  });

const pool = (size: number) =>
  stateful<{ readonly workers: readonly ActorRef<WorkerMsg>[]; readonly next: number }, PoolMsg>({
    initial: (ctx) => ({
      workers: Array.from({ length: size }, (_, i) => ctx.spawn(worker(`worker-${i + 1}`), { name: `worker-${i + 1}` })),
      next: 0,
    }),
    receive(state, m) {
      const target = state.workers[state.next % state.workers.length] as ActorRef<WorkerMsg>;
      target.tell({ _tag: 'Job', input: m.input, replyTo: m.replyTo });
      return { ...state, next: state.next + 1 };
    },
  });

const system = new ActorSystem({ log: (level, line) => level !== 'debug' && console.log(`  [${level}] ${line}`) });
const workers = system.spawn(pool(3), {
  name: 'pool',
  // Restart the failed child only; at most 3 restarts in 10 s, waiting 50 ms, then 100, 200...
  supervisor: oneForOne({ maxRestarts: 3, withinMs: 10_000, backoff: { minMs: 50, maxMs: 1_000, factor: 2 } }),
});

const alive = setInterval(() => undefined, 60_000);
const submit = (input: string) => workers.ask<Done>((replyTo) => ({ _tag: 'Submit', input, replyTo }), 500);

for (const input of ['alpha', 'beta', 'gamma', 'delta']) {
  const d = await submit(input);
  console.log(`${input} -> ${d.result} by ${d.worker} (incarnation ${d.incarnation}, job ${d.handled} of this incarnation)`);
}
// The fifth job goes to worker-2, which crashes on it.
try {
  await submit('poison');
} catch (error) {
  console.log(
    `poison -> no reply (${isAskTimeout(error) ? 'AskTimeout' : String(error)}): worker-2 crashed and its supervisor restarted it`,
  );
}
for (const input of ['epsilon', 'zeta', 'eta']) {
  const d = await submit(input);
  console.log(`${input} -> ${d.result} by ${d.worker} (incarnation ${d.incarnation}, job ${d.handled} of this incarnation)`);
}

system.shutdown();
clearInterval(alive);
