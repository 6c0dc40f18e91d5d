/**
 * Entry point of a node's worker thread: one actor system, links to every other thread, and the
 * node's boot module, which defines the kinds other threads may spawn here and starts this
 * worker's own actors (run again when a crashed worker is restarted).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { ActorSystem } from './system.ts';
import { ThreadLink } from './thread-link.ts';
import type { MainToWorker, WorkerData, WorkerToMain } from './worker-protocol.ts';

const data = workerData as WorkerData;
const port = parentPort;
if (port === null) throw new Error('worker-main.ts must run in a worker thread');

const system = new ActorSystem({
  node: data.node,
  thread: data.thread,
  ...(data.mailboxCapacity !== undefined ? { mailboxCapacity: data.mailboxCapacity } : {}),
  ...(data.throughput !== undefined ? { throughput: data.throughput } : {}),
  ...(data.logLevel !== undefined ? { logLevel: data.logLevel } : {}),
});
const links = new Map<number, ThreadLink>();
const send = (m: WorkerToMain) => port.postMessage(m);

port.on('message', (message: MainToWorker) => {
  switch (message.type) {
    case 'link': {
      links.get(message.peer)?.close();
      const link = new ThreadLink(system, message.peer, message.port);
      links.set(message.peer, link);
      system.attachLink(message.peer, link);
      return;
    }
    case 'peer-down':
      links.get(message.peer)?.close();
      links.delete(message.peer);
      system.threadDown(message.peer);
      return;
    case 'boot':
      void boot();
      return;
    case 'stop':
      system.shutdown();
      for (const link of links.values()) link.close();
      send({ type: 'stopped' });
      port.close();
      return;
  }
});

async function boot(): Promise<void> {
  try {
    if (data.boot !== undefined) {
      const mod = (await import(data.boot)) as { setup?: (system: ActorSystem, data: unknown) => void | Promise<void> };
      if (typeof mod.setup !== 'function') throw new Error(`boot module ${data.boot} has no exported setup(system, data)`);
      await mod.setup(system, data.bootData);
    }
    send({ type: 'ready' });
  } catch (error) {
    send({ type: 'boot-failed', error: error instanceof Error ? `${error.message}\n${error.stack ?? ''}` : String(error) });
  }
}
