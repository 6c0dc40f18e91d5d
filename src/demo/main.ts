/**
 * `npm run demo`: runs one Aloft node and shows its actors working: cross-worker tells and asks to
 * entities, a crash and its supervised restart, death watch, then a stats line every few seconds
 * until SIGINT/SIGTERM, when it stops gracefully. A tour of the runtime; `npm start` runs the
 * flight-scheduling service.
 *
 *   npm run demo -- [--workers N] [--entities N] [--once]
 */
import os from 'node:os';
import { defineCli, EXIT_USAGE, UsageError } from '../cli/args.ts';
import { AloftNode, stateless, type ActorRef, type Terminated } from '../actors/index.ts';
import type { CounterMsg, FlakyMsg, StatsMsg } from './boot.ts';
import { createLogger, leveled } from '../log.ts';

const DEMO_CLI = defineCli({
  name: 'aloft',
  usage: 'usage: npm run demo -- [--workers N] [--entities N] [--once]',
  flags: {
    workers: { type: 'string', defaultText: 'one per core', help: 'worker threads, at least 1' },
    entities: { type: 'string', default: '10000', help: 'counter entities to spread over the workers' },
    once: { type: 'boolean', help: 'stop after the tour instead of printing stats until Ctrl-C' },
  },
});

interface Flags {
  workers: number;
  entities: number;
  once: boolean;
}

/** The demo's flags; 'help' when --help was asked for. Throws a UsageError naming a bad one. */
function parseFlags(argv: readonly string[]): Flags | 'help' {
  const parsed = DEMO_CLI.parse(argv);
  if (parsed.help) return 'help';
  const v = parsed.values;
  const int = (name: 'workers' | 'entities', raw: string, min: number) => {
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min) throw new UsageError(`--${name} must be an integer >= ${min}, got "${raw}"`);
    return n;
  };
  return {
    workers: int('workers', v.workers ?? String(os.availableParallelism()), 1),
    entities: int('entities', v.entities, 1),
    once: v.once,
  };
}

async function main(): Promise<void> {
  let flags: Flags | 'help';
  try {
    flags = parseFlags(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(DEMO_CLI.usageText(error));
    process.exit(EXIT_USAGE);
  }
  if (flags === 'help') {
    console.log(DEMO_CLI.help());
    return;
  }
  const started = performance.now();
  const node = await AloftNode.start({
    workers: flags.workers,
    boot: new URL('./boot.ts', import.meta.url),
    // The runtime's own lines through the node's logger (readable on a terminal, JSON otherwise);
    // the walkthrough below is the demo's output and stays plain text.
    log: leveled(createLogger({ level: 'info' }).child({ component: 'actors' })),
  });
  console.log(`Aloft node up: main thread + ${node.workerCount} workers in ${Math.round(performance.now() - started)} ms`);

  const threads = node.threads.filter((t) => t > 0);
  const at = <M>(thread: number, path: string) => node.refAt<M>(thread, path);

  // 1. Entities spread over the workers by id; each started by its first message.
  const perEntity = 10;
  let t0 = performance.now();
  for (let i = 0; i < flags.entities; i++) {
    const ref = at<CounterMsg>(threads[i % threads.length] as number, `counters/c${i}`);
    for (let k = 0; k < perEntity; k++) ref.tell({ _tag: 'Add', n: 1 });
  }
  const sample = await Promise.all(
    [0, 1, flags.entities - 1].map((i) =>
      at<CounterMsg>(threads[i % threads.length] as number, `counters/c${i}`).ask<{ _tag: 'Value'; n: number; thread: number }>(
        (replyTo) => ({ _tag: 'Get', replyTo }),
        10_000,
      ),
    ),
  );
  const ms = performance.now() - t0;
  console.log(
    `1. ${flags.entities * perEntity} tells to ${flags.entities} entities across ${threads.length} workers in ${Math.round(ms)} ms (${Math.round((flags.entities * perEntity) / (ms / 1000))} msg/s)`,
  );
  for (const v of sample) console.log(`   an entity on worker ${v.thread} counted ${v.n}`);

  // 2. A crash, and the supervisor's restart with backoff; the ref stays valid.
  const flaky = at<FlakyMsg>(threads[0] as number, 'supervisor/flaky');
  const before = await flaky.ask<number>((replyTo) => ({ _tag: 'Incarnation', replyTo }), 5_000);
  flaky.tell({ _tag: 'Crash' });
  t0 = performance.now();
  const after = await flaky.ask<number>((replyTo) => ({ _tag: 'Incarnation', replyTo }), 5_000);
  console.log(
    `2. flaky actor crashed in incarnation ${before}; its supervisor restarted it as incarnation ${after} after ${Math.round(performance.now() - t0)} ms of backoff`,
  );

  // 3. Death watch across threads: the main thread watches an entity that passivates when idle.
  const watched = at<CounterMsg>(threads[threads.length - 1] as number, 'counters/c1');
  const terminated = new Promise<Terminated>((resolve) => {
    const w = node.system.spawn(
      stateless<Terminated | { _tag: 'Go' }>((m, ctx) => (m._tag === 'Go' ? ctx.watch(watched as ActorRef<never>) : resolve(m))),
    );
    w.tell({ _tag: 'Go' });
  });
  const term = await terminated;
  console.log(
    `3. main thread was told ${term.ref.address.path} on worker ${term.ref.address.thread} terminated: ${term.reason} (idle passivation after 2 s)`,
  );

  const stats = async () => {
    const all = await Promise.all(
      threads.map((t) =>
        at<StatsMsg>(t, 'stats').ask<{ thread: number; actors: number; deadLetters: number }>(
          (replyTo) => ({ _tag: 'Stats', replyTo }),
          5_000,
        ),
      ),
    );
    return all.map((s) => `worker ${s.thread}: ${s.actors} actors, ${s.deadLetters} dead letters`).join('; ');
  };
  console.log(`4. ${await stats()}`);

  const shutdown = async (signal: string) => {
    console.log(`${signal}: stopping`);
    await node.stop();
    process.exit(0);
  };
  if (flags.once) return shutdown('--once');
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  console.log('node running; Ctrl-C to stop');
  setInterval(() => void stats().then((s) => console.log(`   ${s}`)), 5_000);
}

main().catch((error: unknown) => {
  console.error(`aloft: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
