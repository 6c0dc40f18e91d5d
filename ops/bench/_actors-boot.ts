/**
 * Boot module for the actor benchmarks' worker threads: a sink that counts messages and a blaster
 * that sends a burst to a ref in another worker.
 */
import { kind, stateful, type ActorRef, type ActorSystem } from '../../src/actors/index.ts';

export type SinkMsg =
  | { readonly _tag: 'Hit'; readonly i: number }
  | { readonly _tag: 'Expect'; readonly n: number; readonly replyTo: ActorRef<{ readonly _tag: 'Done'; readonly n: number }> };
export type BlastMsg = {
  readonly _tag: 'Blast';
  readonly to: ActorRef<SinkMsg>;
  readonly n: number;
  readonly replyTo: ActorRef<{ readonly _tag: 'Done'; readonly n: number }>;
};
export type PingMsg = { readonly _tag: 'Ping'; readonly replyTo: ActorRef<{ readonly _tag: 'Pong' }> };

export const sinkKind = kind<null, SinkMsg>('sink');
export const blasterKind = kind<null, BlastMsg>('blaster');
export const pongKind = kind<null, PingMsg>('pong');

export function setup(system: ActorSystem): void {
  system.define(sinkKind, () =>
    stateful<{ count: number; expect: number; replyTo: ActorRef<{ _tag: 'Done'; n: number }> | null }, SinkMsg>({
      initial: { count: 0, expect: -1, replyTo: null },
      receive(s, m) {
        if (m._tag === 'Expect') {
          s.count = 0;
          s.expect = m.n;
          s.replyTo = m.replyTo;
        } else if (++s.count === s.expect) s.replyTo?.tell({ _tag: 'Done', n: s.count });
        return s;
      },
    }),
  );
  system.define(blasterKind, () =>
    stateful<null, BlastMsg>({
      initial: null,
      receive(_s, m) {
        // Send in slices so the link's batching and flow control run as they would under load.
        // Expect travels on the same link as the burst, so it arrives first.
        m.to.tell({ _tag: 'Expect', n: m.n, replyTo: m.replyTo });
        let i = 0;
        const step = () => {
          const end = Math.min(m.n, i + 50_000);
          for (; i < end; i++) m.to.tell({ _tag: 'Hit', i });
          if (i < m.n) setImmediate(step);
        };
        step();
        return null;
      },
    }),
  );
  system.define(pongKind, () =>
    stateful<null, PingMsg>({
      initial: null,
      receive(_s, m) {
        m.replyTo.tell({ _tag: 'Pong' });
        return null;
      },
    }),
  );
}
