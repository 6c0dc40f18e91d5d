/**
 * What each worker of the demo node runs: an entity host of counters (passivated after 2 s
 * idle) and a "flaky" actor that crashes on demand so the supervisor's restart can be seen.
 * The flight-scheduling service replaces this with rotation and airplane entities.
 */
import { childSpec, oneForOne, stateful, stateless, type ActorRef, type ActorSystem } from '../actors/index.ts';

export type CounterMsg =
  | { readonly _tag: 'Add'; readonly n: number }
  | { readonly _tag: 'Get'; readonly replyTo: ActorRef<{ readonly _tag: 'Value'; readonly n: number; readonly thread: number }> };

export type FlakyMsg = { readonly _tag: 'Crash' } | { readonly _tag: 'Incarnation'; readonly replyTo: ActorRef<number> };

export type StatsMsg = {
  readonly _tag: 'Stats';
  readonly replyTo: ActorRef<{ readonly thread: number; readonly actors: number; readonly deadLetters: number }>;
};

let incarnations = 0;

export function setup(system: ActorSystem): void {
  const counter = () =>
    stateful<number, CounterMsg>({
      initial: 0,
      receive(n, m) {
        if (m._tag === 'Add') return n + m.n;
        m.replyTo.tell({ _tag: 'Value', n, thread: system.thread });
        return n;
      },
    });
  system.spawn(
    stateless<never>(() => undefined),
    {
      name: 'counters',
      childFactory: () => childSpec(counter(), { idleTimeoutMs: 2_000 }),
    },
  );
  system.spawn(
    stateless<never>(() => undefined),
    {
      name: 'supervisor',
      supervisor: oneForOne({ maxRestarts: 5, withinMs: 10_000, backoff: { minMs: 100, maxMs: 1_000, factor: 2 } }),
      childFactory: (name) =>
        name === 'flaky'
          ? childSpec(
              stateful<number, FlakyMsg>({
                initial: () => ++incarnations,
                receive(incarnation, m) {
                  if (m._tag === 'Crash') throw new Error('asked to crash');
                  m.replyTo.tell(incarnation);
                  return incarnation;
                },
              }),
            )
          : undefined,
    },
  );
  system.spawn(
    stateless<StatsMsg>((m) => m.replyTo.tell({ thread: system.thread, actors: system.actorCount, deadLetters: system.deadLetters.count })),
    { name: 'stats' },
  );
}
