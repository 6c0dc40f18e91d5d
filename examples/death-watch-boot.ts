/**
 * The boot module of examples/death-watch.ts: `setup` runs in every worker thread of the node
 * when it starts, and again when a crashed worker is restarted. Each worker gets one actor,
 * `sensor`, that stops itself when told to.
 */
import { stateless, type ActorRef, type ActorSystem } from 'aloft';

export type SensorMsg = { readonly _tag: 'Read'; readonly replyTo: ActorRef<string> } | { readonly _tag: 'Stop' };

export function setup(system: ActorSystem): void {
  system.spawn(
    stateless<SensorMsg>((m, ctx) => {
      if (m._tag === 'Read') m.replyTo.tell(`sensor on thread ${system.thread} is alive`);
      else ctx.stop(ctx.self);
    }),
    { name: 'sensor' },
  );
}
