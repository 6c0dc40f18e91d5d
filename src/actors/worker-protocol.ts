/**
 * Control messages between a node's main thread and its workers (over the Worker's own channel;
 * actor traffic uses the MessagePort links). Plain structured-clone data.
 */
import type { MessagePort } from 'node:worker_threads';
import type { LogLevel } from '../log.ts';

export interface WorkerData {
  readonly node: string;
  readonly thread: number;
  /** URL of the boot module: `export function setup(system, data)` defines kinds and starts actors. */
  readonly boot: string | undefined;
  readonly bootData: unknown;
  readonly mailboxCapacity: number | undefined;
  readonly throughput: number | undefined;
  /** The level of the worker's log (its node's --log-level). */
  readonly logLevel: LogLevel | undefined;
}

export type MainToWorker =
  | { readonly type: 'link'; readonly peer: number; readonly port: MessagePort }
  | { readonly type: 'boot' }
  | { readonly type: 'peer-down'; readonly peer: number }
  | { readonly type: 'stop' };

export type WorkerToMain =
  | { readonly type: 'ready' }
  | { readonly type: 'boot-failed'; readonly error: string }
  | { readonly type: 'stopped' };
