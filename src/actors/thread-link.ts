/**
 * A link between two threads of a node over a MessagePort: envelopes are batched per destination
 * and each batch is encoded with msgpackr into one transferable buffer, so that a burst of a
 * million tells is a few hundred postMessage calls, not a million.
 *
 * Backpressure: the receiver acknowledges every batch once it has dispatched it. At most
 * `maxInFlight` batches may be unacknowledged; past that, envelopes wait here, and past
 * `maxBuffered` waiting envelopes new ones become dead letters (link-overflow) instead of growing
 * memory without bound.
 */
import type { MessagePort } from 'node:worker_threads';
import { decodeWith, encode } from './codec.ts';
import type { Envelope } from './envelope.ts';
import type { ActorSystem, Link } from './system.ts';

export interface LinkOptions {
  readonly maxBatch?: number;
  readonly maxInFlight?: number;
  readonly maxBuffered?: number;
}

export class ThreadLink implements Link {
  private out: Envelope[] = [];
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

  send(envelope: Envelope): void {
    if (this.closed) return;
    if (this.out.length >= this.maxBuffered) {
      const target = envelope[0] === 0 ? envelope[1] : '$system';
      this.system.deadLetters.publish(`thread ${this.peer}: ${target}`, 'link-overflow', envelope[0] === 0 ? envelope[2] : envelope[1]);
      return;
    }
    this.out.push(envelope);
    if (this.out.length >= this.maxBatch && this.inFlight < this.maxInFlight) this.flush();
    else if (!this.flushScheduled) {
      this.flushScheduled = true;
      // A microtask, not setImmediate: a burst told in one go still leaves as one batch, and a
      // lone ask does not wait for the next turn of the event loop.
      queueMicrotask(() => {
        this.flushScheduled = false;
        this.flush();
      });
    }
  }

  private flush(): void {
    while (this.out.length > 0 && this.inFlight < this.maxInFlight && !this.closed) {
      const batch = this.out.length <= this.maxBatch ? this.out : this.out.slice(0, this.maxBatch);
      this.out = batch === this.out ? [] : this.out.slice(this.maxBatch);
      let bytes: Uint8Array;
      try {
        bytes = encode(batch);
      } catch (error) {
        // One unencodable message must not sink the batch: encode one by one and drop the bad ones.
        bytes = encode(batch.filter((e) => this.encodable(e, error)));
      }
      this.inFlight++;
      this.port.postMessage(bytes, [bytes.buffer as ArrayBuffer]);
    }
  }

  private encodable(envelope: Envelope, batchError: unknown): boolean {
    try {
      encode(envelope);
      return true;
    } catch (error) {
      this.system.logLine('error', `message to thread ${this.peer} cannot be encoded (${String(error ?? batchError)}); dropped`);
      return false;
    }
  }

  private onMessage(data: Uint8Array | number): void {
    if (typeof data === 'number') {
      this.inFlight -= data;
      if (this.out.length > 0) this.flush();
      return;
    }
    let batch: Envelope[];
    try {
      batch = decodeWith<Envelope[]>(this.system, data);
    } catch (error) {
      this.system.logLine('error', `undecodable batch from thread ${this.peer}: ${String(error)}`);
      this.port.postMessage(1);
      return;
    }
    for (const envelope of batch) {
      try {
        this.system.receive(envelope);
      } catch (error) {
        this.system.logLine('error', `envelope from thread ${this.peer} failed: ${String(error)}`);
      }
    }
    this.port.postMessage(1);
  }

  close(): void {
    this.closed = true;
    this.out = [];
    this.port.close();
  }
}
