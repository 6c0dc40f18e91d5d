/**
 * A link between two threads of a node over a MessagePort: messages are batched into frames (see
 * envelope.ts) and each frame is encoded with msgpackr into one transferable buffer, so a burst
 * of a million tells is a few hundred postMessage calls, not a million.
 *
 * Backpressure: the receiver acknowledges every frame once it has dispatched it. At most
 * `maxInFlight` frames may be unacknowledged; past that, messages wait here, and past
 * `maxBuffered` waiting messages new ones become dead letters (link-overflow) instead of growing
 * memory without bound.
 */
import type { MessagePort } from 'node:worker_threads';
import { decodeWith, encode } from './codec.ts';
import type { Frame } from './envelope.ts';
import type { AnyRef } from './ref.ts';
import type { ActorSystem, Link } from './system.ts';

export interface LinkOptions {
  readonly maxBatch?: number;
  readonly maxInFlight?: number;
  readonly maxBuffered?: number;
}

class FrameBuilder {
  readonly paths: string[] = [];
  readonly entries: unknown[] = [];
  private readonly index = new Map<string, number>();

  private lastPath: string | undefined = undefined;
  private lastIndex = 0;

  add(path: string, message: unknown, sender: AnyRef | null): void {
    // Bursts usually go to one actor: skip the map for a repeat of the last path.
    let i = path === this.lastPath ? this.lastIndex : this.index.get(path);
    if (i === undefined) {
      i = this.paths.length;
      this.paths.push(path);
      this.index.set(path, i);
    }
    this.lastPath = path;
    this.lastIndex = i;
    this.entries.push(i, message, sender);
  }

  get count(): number {
    return this.entries.length / 3;
  }

  frame(): Frame {
    return [this.paths, this.entries];
  }
}

export class ThreadLink implements Link {
  private current = new FrameBuilder();
  private readonly sealed: FrameBuilder[] = [];
  private waiting = 0;
  private flushScheduled = false;
  private inFlight = 0;
  private closed = false;
  private readonly maxBatch: number;
  private readonly maxInFlight: number;
  private readonly maxBuffered: number;

  constructor(
    private readonly system: ActorSystem,
    readonly peer: number,
    private readonly port: MessagePort,
    options: LinkOptions = {},
  ) {
    this.maxBatch = options.maxBatch ?? 4096;
    this.maxInFlight = options.maxInFlight ?? 16;
    this.maxBuffered = options.maxBuffered ?? 1_000_000;
    port.on('message', (data: Uint8Array | number) => this.onMessage(data));
    // A link must not keep a process alive; the node's workers do that.
    port.unref();
  }

  send(path: string, message: unknown, sender: AnyRef | null): void {
    if (this.closed) return;
    if (this.waiting >= this.maxBuffered) {
      this.system.deadLetters.publish(`thread ${this.peer}: ${path}`, 'link-overflow', message);
      return;
    }
    this.current.add(path, message, sender);
    this.waiting++;
    if (this.current.count >= this.maxBatch) {
      this.sealed.push(this.current);
      this.current = new FrameBuilder();
      this.flush();
    } else if (!this.flushScheduled && this.inFlight === 0) {
      this.flushScheduled = true;
      // An idle link sends on a microtask: a burst told in one go still leaves as one frame, and
      // a lone ask does not wait for the next turn of the event loop. A busy link (frames in
      // flight) sends when the next ack comes back, which batches whatever arrived meanwhile
      // (Nagle's idea with acks instead of a timer): under load, fewer and larger frames.
      queueMicrotask(() => {
        this.flushScheduled = false;
        this.flush();
      });
    }
  }

  private flush(): void {
    while (this.inFlight < this.maxInFlight && !this.closed) {
      let next = this.sealed.shift();
      if (next === undefined) {
        if (this.current.count === 0) return;
        next = this.current;
        this.current = new FrameBuilder();
      }
      this.waiting -= next.count;
      const bytes = this.encodeFrame(next);
      if (bytes === undefined) continue;
      this.inFlight++;
      this.port.postMessage(bytes, [bytes.buffer as ArrayBuffer]);
    }
  }

  private encodeFrame(builder: FrameBuilder): Uint8Array | undefined {
    try {
      return encode(builder.frame());
    } catch {
      // One unencodable message (a function, a symbol) must not sink the frame: keep the rest.
      const clean = new FrameBuilder();
      const { paths, entries } = builder;
      for (let i = 0; i < entries.length; i += 3) {
        const path = paths[entries[i] as number] as string;
        try {
          encode(entries[i + 1]);
          clean.add(path, entries[i + 1], entries[i + 2] as AnyRef | null);
        } catch (error) {
          this.system.logLine('error', `message to thread ${this.peer} ${path} cannot be encoded (${String(error)}); dropped`);
        }
      }
      return clean.count > 0 ? encode(clean.frame()) : undefined;
    }
  }

  private onMessage(data: Uint8Array | number): void {
    if (typeof data === 'number') {
      this.inFlight -= data;
      this.flush();
      return;
    }
    try {
      const [paths, entries] = decodeWith<Frame>(this.system, data);
      this.system.receiveFrame(paths, entries);
    } catch (error) {
      this.system.logLine('error', `undecodable frame from thread ${this.peer}: ${String(error)}`);
    }
    this.port.postMessage(1);
  }

  close(): void {
    this.closed = true;
    this.current = new FrameBuilder();
    this.sealed.length = 0;
    this.port.close();
  }
}
