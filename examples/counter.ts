/**
 * A counter: the smallest actor. Shows `spawn`, `tell` and a typed `ask`.
 *
 * Messages are a tagged union of plain data. A reply goes to the `replyTo` ref inside the
 * message, so `ask<number>` is typed end to end; its timeout is mandatory.
 *
 *   npm run example examples/counter.ts
 */
import { ActorSystem, stateful, type ActorRef } from 'aloft';

type CounterMsg = { readonly _tag: 'Add'; readonly n: number } | { readonly _tag: 'Get'; readonly replyTo: ActorRef<number> };

const counter = () =>
  stateful<number, CounterMsg>({
    initial: 0,
    receive(count, m) {
      switch (m._tag) {
        case 'Add':
          return count + m.n;
        case 'Get':
          m.replyTo.tell(count);
          return count;
      }
    },
  });

const system = new ActorSystem();
const ref = system.spawn(counter(), { name: 'counter' });

ref.tell({ _tag: 'Add', n: 2 });
ref.tell({ _tag: 'Add', n: 40 });
// Messages from one sender arrive in order, so the Get sees both Adds.
const value = await ref.ask<number>((replyTo) => ({ _tag: 'Get', replyTo }), 1_000);
console.log(`${ref.toString()} counted ${value}`);

system.shutdown();
