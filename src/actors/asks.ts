/**
 * Asks in flight: each ask gets a temporary ref (`$temp/<id>`) whose first message settles its
 * promise; the timeout comes from the injected clock. A reply that finds no pending ask (too late,
 * or twice) is a dead letter. An actor that cannot take a message answers an ask's temporary ref
 * with an AskFailure, so the asker fails at once instead of waiting for its timeout.
 */
import type { Clock } from './clock.ts';
import { ActorError, actorStopped, askTimeout } from './errors.ts';

export const TEMP_PREFIX = '$temp/';
export const ASK_FAILURE = '$AskFailure';

/** The plain-data form of an ActorError, as it crosses threads inside an AskFailure. */
export interface AskFailure {
  readonly _tag: typeof ASK_FAILURE;
  readonly error: { _tag: ActorError['_tag']; target: string; message: string; retriable: boolean };
}

export function askFailure(error: ActorError): AskFailure {
  return { _tag: ASK_FAILURE, error: { _tag: error._tag, target: error.target, message: error.message, retriable: error.retriable } };
}

export function isAskFailure(m: unknown): m is AskFailure {
  return typeof m === 'object' && m !== null && (m as { _tag?: unknown })._tag === ASK_FAILURE;
}

interface Pending {
  resolve(value: unknown): void;
  reject(error: unknown): void;
  timer: ReturnType<Clock['setTimeout']>;
}

export class PendingAsks {
  private readonly pending = new Map<string, Pending>();
  private nextId = 0;

  constructor(private readonly clock: Clock) {}

  /**
   * Registers an ask and returns its temporary path and promise; `send` is called with the path
   * once the ask is registered (so a reply can never arrive before it is expected).
   */
  start<R>(target: string, timeoutMs: number, send: (path: string) => void): Promise<R> {
    if (!(timeoutMs > 0)) return Promise.reject(new RangeError(`ask timeout must be a positive number of ms, got ${timeoutMs}`));
    const path = `${TEMP_PREFIX}${(this.nextId++).toString(36)}`;
    return new Promise<R>((resolve, reject) => {
      const timer = this.clock.setTimeout(() => {
        this.pending.delete(path);
        reject(askTimeout(target, timeoutMs));
      }, timeoutMs);
      this.pending.set(path, { resolve: resolve as (v: unknown) => void, reject, timer });
      try {
        send(path);
      } catch (error) {
        this.clock.clearTimeout(timer);
        this.pending.delete(path);
        reject(error);
      }
    });
  }

  /** Settles the ask waiting at `path`; false if none is (a late or repeated reply). */
  complete(path: string, message: unknown): boolean {
    const pending = this.pending.get(path);
    if (!pending) return false;
    this.pending.delete(path);
    this.clock.clearTimeout(pending.timer);
    if (isAskFailure(message)) {
      const e = message.error;
      pending.reject(new ActorError(e._tag, e.target, e.message, e.retriable));
    } else pending.resolve(message);
    return true;
  }

  /** Fails every ask still waiting (the system is shutting down). */
  failAll(where: string): void {
    for (const [path, ask] of this.pending) {
      this.clock.clearTimeout(ask.timer);
      ask.reject(actorStopped(`${where}/${path}`));
    }
    this.pending.clear();
  }
}
