/**
 * A node: one OS process, its main thread (thread 0, for I/O) and K worker threads (default: one
 * per core), each with its own actor system, joined by a full mesh of MessagePort links.
 *
 * The node supervises its workers like any supervisor supervises children: a worker that dies is
 * reported to every other thread (watchers get Terminated with reason thread-down, its registry
 * entries vanish) and restarted with backoff, up to a restart intensity; its boot module runs
 * again so it recreates its own actors.
 */
import os from 'node:os';
import { MessageChannel, Worker } from 'node:worker_threads';
import { ActorSystem, type SystemOptions } from './system.ts';
import type { ActorRef } from './ref.ts';
import { ThreadLink } from './thread-link.ts';
import { decideFailure, oneForOne, type SupervisorStrategy } from './supervision.ts';
import type { MainToWorker, WorkerData, WorkerToMain } from './worker-protocol.ts';

/** How `AloftNode.start` sets up a node: the system options of every thread, and its workers. */
export interface NodeOptions extends Omit<SystemOptions, 'thread'> {
  /** Worker threads; default: number of cores. 0 runs everything on the main thread. */
  readonly workers?: number;
  /** Module URL whose `setup(system, data)` runs in every worker at start and after a restart. */
  readonly boot?: URL | string;
  /** Passed to every worker's `setup` as its second argument; must survive structured clone. */
  readonly bootData?: unknown;
  /** How dead workers are restarted. Default: restart, at most 5 in 30 s, backoff from 50 ms. */
  readonly workerSupervision?: SupervisorStrategy;
  /** Time allowed for a worker to boot. */
  readonly bootTimeoutMs?: number;
}

/**
 * What happened to a worker thread, as `onWorkerEvent` listeners get it: it exited (crashed, or
 * was killed), it was restarted and booted again, or it crashed too often and stays down.
 */
export type WorkerEvent =
  | { readonly _tag: 'WorkerExited'; readonly thread: number; readonly code: number; readonly error?: string }
  | { readonly _tag: 'WorkerRestarted'; readonly thread: number }
  | { readonly _tag: 'WorkerAbandoned'; readonly thread: number };

/**
 * The script a worker starts with. It imports worker-main from beside this module: the .ts source
 * while Aloft runs from TypeScript, the compiled .js file in the built package (so the package's
 * workers boot from dist/ with plain `node`).
 *
 * Node 20 does not run the main thread's `--import` loaders in workers, and checks an entry
 * file's extension before any loader could help; so when the worker has TypeScript to load (its
 * own entry while running from sources, or a boot module ending in .ts while the package itself is
 * compiled, as when an application runs under tsx), the script first registers tsx's loader (the
 * fastest to start: a worker boots in well under a second). Compiled and booting a .js module,
 * the worker registers nothing, and tsx need not be installed.
 */
function workerEntry(): string {
  const fromSource = new URL(import.meta.url).pathname.endsWith('.ts');
  const entry = new URL(fromSource ? './worker-main.ts' : './worker-main.js', import.meta.url).href;
  let tsx: string | undefined;
  try {
    tsx = import.meta.resolve('tsx/esm/api');
  } catch {
    tsx = undefined; // not installed: only a .ts boot module needs it, and its import says so
  }
  // Runs in the worker as a script (CommonJS), before any module of ours is loaded.
  const needsLoader = fromSource
    ? 'true'
    : `/\\.[cm]?tsx?$/.test(String(require('node:worker_threads').workerData?.boot ?? '').replace(/[?#].*$/, ''))`;
  const register = tsx === undefined ? '' : `if (${needsLoader}) (await import(${JSON.stringify(tsx)})).register();`;
  return `(async () => { ${register} await import(${JSON.stringify(entry)}); })().catch((e) => { console.error(e); process.exit(70); });`;
}

/**
 * A node: the main thread's actor system and K worker threads, each with its own, linked so that
 * any ref works from any thread. Start one with `AloftNode.start`; stop it with `stop`.
 */
export class AloftNode {
  /** The main thread's actor system (thread 0). */
  readonly system: ActorSystem;
  private readonly workers = new Map<number, Worker>();
  private readonly links = new Map<number, ThreadLink>();
  private readonly listeners = new Set<(e: WorkerEvent) => void>();
  private history: readonly number[] = [];
  private stopping = false;

  private constructor(
    private readonly options: NodeOptions,
    /** Worker threads the node started with. */
    readonly workerCount: number,
  ) {
    this.system = new ActorSystem({ ...options, thread: 0 });
  }

  /**
   * Starts the workers, links every thread to every other, and resolves once each worker has run
   * its boot module's `setup`; rejects (after stopping what started) if one fails to boot.
   */
  static async start(options: NodeOptions = {}): Promise<AloftNode> {
    const count = options.workers ?? os.availableParallelism();
    if (!Number.isInteger(count) || count < 0) throw new RangeError(`workers must be a non-negative integer, got ${count}`);
    const node = new AloftNode(options, count);
    const threads = Array.from({ length: count }, (_, i) => i + 1);
    const workers = threads.map((t) => node.createWorker(t));
    // Mesh first, boot after: a boot module may message any thread the moment it runs.
    for (let i = 0; i < workers.length; i++) {
      node.linkMain(threads[i] as number);
      for (let j = i + 1; j < workers.length; j++) node.linkWorkers(threads[i] as number, threads[j] as number);
    }
    try {
      await Promise.all(threads.map((t) => node.boot(t)));
    } catch (error) {
      await node.stop();
      throw error;
    }
    return node;
  }

  /** A ref to `path` in `thread` of this node (0 is the main thread). */
  refAt<M = never>(thread: number, path: string): ActorRef<M> {
    return this.system.ref<M>({ node: this.system.node, thread, path });
  }

  /** The main thread (0) and the workers running now. */
  get threads(): number[] {
    return [0, ...this.workers.keys()].sort((a, b) => a - b);
  }

  /** Calls `listener` with every worker exit, restart and abandonment; returns the unsubscribe function. */
  onWorkerEvent(listener: (e: WorkerEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(e: WorkerEvent): void {
    for (const l of this.listeners) l(e);
  }

  private createWorker(thread: number): Worker {
    const data: WorkerData = {
      node: this.system.node,
      thread,
      boot: this.options.boot === undefined ? undefined : String(this.options.boot),
      bootData: this.options.bootData,
      mailboxCapacity: this.options.mailboxCapacity,
      throughput: this.options.throughput,
      logLevel: this.options.logLevel,
    };
    const worker = new Worker(workerEntry(), { eval: true, workerData: data });
    let lastError: string | undefined;
    worker.on('error', (error) => {
      lastError = error instanceof Error ? error.message : String(error);
    });
    worker.on('exit', (code) => {
      if (this.workers.get(thread) !== worker) return;
      this.workers.delete(thread);
      this.onWorkerExit(thread, code, lastError);
    });
    this.workers.set(thread, worker);
    return worker;
  }

  private post(thread: number, message: MainToWorker): void {
    const worker = this.workers.get(thread);
    if (!worker) return;
    worker.postMessage(message, message.type === 'link' ? [message.port] : []);
  }

  private linkMain(thread: number): void {
    const { port1, port2 } = new MessageChannel();
    this.links.get(thread)?.close();
    const link = new ThreadLink(this.system, thread, port1);
    this.links.set(thread, link);
    this.system.attachLink(thread, link);
    this.post(thread, { type: 'link', peer: 0, port: port2 });
    this.system.registry.syncTo(thread);
  }

  private linkWorkers(a: number, b: number): void {
    const { port1, port2 } = new MessageChannel();
    this.post(a, { type: 'link', peer: b, port: port1 });
    this.post(b, { type: 'link', peer: a, port: port2 });
  }

  private boot(thread: number): Promise<void> {
    const worker = this.workers.get(thread);
    if (!worker) return Promise.reject(new Error(`worker ${thread} is gone`));
    return new Promise<void>((resolve, reject) => {
      const timeoutMs = this.options.bootTimeoutMs ?? 30_000;
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`worker ${thread} did not boot within ${timeoutMs} ms`));
      }, timeoutMs);
      const onMessage = (m: WorkerToMain) => {
        if (m.type === 'ready') {
          cleanup();
          resolve();
        } else if (m.type === 'boot-failed') {
          cleanup();
          reject(new Error(`worker ${thread} failed to boot: ${m.error}`));
        }
      };
      const onExit = (code: number) => {
        cleanup();
        reject(new Error(`worker ${thread} exited with code ${code} while booting`));
      };
      const cleanup = () => {
        clearTimeout(timer);
        worker.off('message', onMessage);
        worker.off('exit', onExit);
      };
      worker.on('message', onMessage);
      worker.on('exit', onExit);
      this.post(thread, { type: 'boot' });
    });
  }

  private onWorkerExit(thread: number, code: number, error: string | undefined): void {
    this.links.get(thread)?.close();
    this.links.delete(thread);
    this.system.threadDown(thread);
    for (const t of this.workers.keys()) this.post(t, { type: 'peer-down', peer: thread });
    this.emit({ _tag: 'WorkerExited', thread, code, ...(error !== undefined ? { error } : {}) });
    if (this.stopping) return;
    this.system.logLine('error', `worker ${thread} exited (code ${code}${error ? `: ${error}` : ''})`);
    const strategy =
      this.options.workerSupervision ?? oneForOne({ maxRestarts: 5, withinMs: 30_000, backoff: { minMs: 50, maxMs: 5_000, factor: 2 } });
    const plan = decideFailure(strategy, new Error(error ?? `exit ${code}`), this.history, this.system.clock.now());
    if (plan._tag !== 'Restart') {
      this.system.logLine('error', `worker ${thread} will not be restarted (${plan._tag})`);
      this.emit({ _tag: 'WorkerAbandoned', thread });
      return;
    }
    this.history = plan.history;
    this.system.clock.setTimeout(() => void this.restartWorker(thread), plan.delayMs);
  }

  private async restartWorker(thread: number): Promise<void> {
    if (this.stopping) return;
    this.createWorker(thread);
    this.linkMain(thread);
    for (const other of this.workers.keys()) if (other !== thread) this.linkWorkers(thread, other);
    try {
      await this.boot(thread);
      this.emit({ _tag: 'WorkerRestarted', thread });
    } catch (error) {
      this.system.logLine('error', String(error));
    }
  }

  /** Stops every worker and the main system. */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    const exits = [...this.workers.values()].map(
      (w) =>
        new Promise<void>((resolve) => {
          const timer = setTimeout(() => void w.terminate(), 5_000);
          w.once('exit', () => {
            clearTimeout(timer);
            resolve();
          });
          w.postMessage({ type: 'stop' } satisfies MainToWorker);
        }),
    );
    await Promise.all(exits);
    for (const link of this.links.values()) link.close();
    this.system.shutdown();
  }

  /** Kills a worker thread outright (for tests and chaos): the node treats it as a crash. */
  async killWorker(thread: number): Promise<void> {
    await this.workers.get(thread)?.terminate();
  }
}
