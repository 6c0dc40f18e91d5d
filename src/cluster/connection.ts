/**
 * One TCP (or TLS) connection to a peer, either side: the handshake, then frames.
 *
 * Connections are one-way for application traffic: a node sends on the connection it opened
 * (`Outbound`) and receives on the ones it accepted (`acceptInbound`). That avoids the race of two
 * nodes dialling each other at once and keeps each side's write path single-owner. Handshake
 * frames go both ways on both.
 *
 * The writer batches, per link and per turn of the event loop (see `Outbound.kick`): a link that
 * has not written in the current turn writes at the end of the current job (a microtask), so a
 * lone ask or reply waits for nothing, and everything that job sent goes in that one write; a
 * link that has already written in this turn waits for the loop's check phase, so the replies of
 * a whole turn's worth of actors share one write. Messages for one (node, thread) share a
 * MESSAGES frame (up to `BATCH` messages); a burst of tells costs a few syscalls, not one per
 * message. Backpressure: when `socket.write` returns false we stop and wait for 'drain'; frames
 * wait in our queue, which is bounded in bytes. Past the bound, messages become dead letters
 * (link-overflow, logged at a bounded rate) instead of memory.
 */
import type { Socket } from 'node:net';
import type { Address, AnyRef } from '../actors/index.ts';
// The runtime's codec without its defensive copy: `seal` copies the bytes into the frame at once.
import { encodeShared } from '../actors/codec.ts';
import { nonce, proof, sessionBinding, verify } from './handshake.ts';
import {
  controlFrame,
  decodeControl,
  frame,
  FrameReader,
  FrameType,
  PREAMBLE,
  WireError,
  type ControlMessage,
  type HandshakeMessage,
} from './wire.ts';

/** Messages per MESSAGES frame: big enough to amortise, small enough to keep latency and frame size low. */
export const BATCH = 4096;

export interface Identity {
  readonly cluster: string;
  readonly node: string;
  readonly secret: string;
}

export type Log = (level: 'debug' | 'info' | 'warn' | 'error', line: string) => void;

export class Outbound {
  state: 'handshaking' | 'ready' | 'closed' = 'handshaking';
  /** The peer's node id, learned from its Challenge. */
  remoteNode: string | undefined;
  private readonly reader: FrameReader;
  private readonly frames: Buffer[] = [];
  private queuedBytes = 0;
  private batchNode: string | undefined;
  private batchThread = 0;
  private paths: string[] = [];
  private pathIndex = new Map<string, number>();
  private items: unknown[] = [];
  private flushScheduled = false;
  /** The turn of the event loop (see `currentTurn`) in which this link last wrote. */
  private wroteIn = -1;
  private readonly runFlush = (): void => {
    this.flushScheduled = false;
    this.flush();
  };
  private blocked = false;
  private myNonce: Uint8Array | undefined;
  /** The TLS session's exported keying material (undefined on plain TCP), taken at the Challenge. */
  private binding: Uint8Array | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly socket: Socket,
    private readonly me: Identity,
    private readonly maxQueuedBytes: number,
    handshakeTimeoutMs: number,
    private readonly log: Log,
    private readonly onReady: (remoteNode: string) => void,
    private readonly onClose: (reason: string) => void,
  ) {
    this.reader = new FrameReader((type, payload) => this.onFrame(type, payload));
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      try {
        this.reader.push(chunk);
      } catch (error) {
        this.close(`protocol error: ${(error as Error).message}`);
      }
    });
    socket.on('drain', () => {
      this.blocked = false;
      this.flush();
    });
    socket.on('error', (error) => this.close(`socket error: ${error.message}`));
    socket.on('close', () => this.close('closed by peer'));
    socket.write(PREAMBLE);
    this.timer = setTimeout(() => this.close('handshake timed out'), handshakeTimeoutMs);
  }

  private onFrame(type: number, payload: Buffer): void {
    if (type !== FrameType.Handshake) throw new WireError(`frame type ${type} from the server side`);
    const m = decodeControl(payload) as HandshakeMessage;
    if (this.state !== 'handshaking') throw new WireError(`unexpected ${m._tag} after the handshake`);
    if (m._tag === 'Challenge') {
      if (m.cluster !== this.me.cluster) return this.close(`peer belongs to cluster "${m.cluster}", not "${this.me.cluster}"`);
      this.remoteNode = m.node;
      this.myNonce = nonce();
      this.binding = sessionBinding(this.socket);
      const hello: HandshakeMessage = {
        _tag: 'Hello',
        cluster: this.me.cluster,
        node: this.me.node,
        nonce: this.myNonce,
        proof: proof(this.me.secret, 'client', this.me.cluster, m.nonce, this.me.node, m.node, this.binding),
      };
      this.socket.write(controlFrame(FrameType.Handshake, hello));
    } else if (m._tag === 'Welcome') {
      if (!this.myNonce || !this.remoteNode) throw new WireError('Welcome before Challenge');
      if (!verify(proof(this.me.secret, 'server', this.me.cluster, this.myNonce, this.remoteNode, this.me.node, this.binding), m.proof))
        return this.close(
          `peer ${this.remoteNode} failed the handshake (wrong cluster secret${this.binding ? ', or not the same TLS session: a relay in between?' : ''})`,
        );
      if (this.timer) clearTimeout(this.timer);
      this.state = 'ready';
      this.onReady(this.remoteNode);
      this.flush();
    } else if (m._tag === 'Reject') {
      this.close(`refused by peer: ${m.reason}`);
    } else throw new WireError(`unexpected ${m._tag} in the handshake`);
  }

  /** Queues one application message; false if the queue is over its bound (the caller dead-letters it). */
  send(to: Address, message: unknown, sender: AnyRef | undefined): boolean {
    if (this.queuedBytes > this.maxQueuedBytes) return false;
    if ((this.batchNode !== to.node || this.batchThread !== to.thread) && this.items.length > 0) this.seal();
    this.batchNode = to.node;
    this.batchThread = to.thread;
    let index = this.pathIndex.get(to.path);
    if (index === undefined) {
      index = this.paths.length;
      this.paths.push(to.path);
      this.pathIndex.set(to.path, index);
    }
    this.items.push(index, message, sender ?? null);
    if (this.items.length >= BATCH * 3) this.seal();
    this.kick();
    return true;
  }

  /** Control frames wait through the handshake (bounded by its timeout), never across a reconnect. */
  sendControl(message: ControlMessage): void {
    if (this.state === 'closed') return;
    this.enqueue(controlFrame(FrameType.Control, message));
    this.kick();
  }

  private seal(): void {
    if (this.items.length === 0) return;
    let bytes: Uint8Array;
    try {
      bytes = encodeShared([this.batchNode, this.batchThread, this.paths, this.items]);
    } catch (error) {
      // One unencodable message must not lose the batch: encode one by one, drop the bad ones.
      const ok: unknown[] = [];
      for (let i = 0; i < this.items.length; i += 3) {
        try {
          encodeShared(this.items[i + 1]);
          ok.push(this.items[i], this.items[i + 1], this.items[i + 2]);
        } catch {
          this.log('warn', `dropped a message for ${this.batchNode}: not encodable (${(error as Error).message})`);
        }
      }
      bytes = encodeShared([this.batchNode, this.batchThread, this.paths, ok]);
    }
    this.items = [];
    this.paths = [];
    this.pathIndex = new Map();
    // `frame` copies the codec's shared buffer before anything else can encode into it.
    this.enqueue(frame(FrameType.Messages, bytes));
  }

  private enqueue(f: Buffer): void {
    this.frames.push(f);
    this.queuedBytes += f.length;
  }

  /**
   * Gets what is queued on its way. A link that has not written in this turn of the event loop
   * flushes at the end of the current job (a microtask): a lone message never waits for the
   * loop, and whatever else the job sends (a burst of tells, the asks a frame of replies set off)
   * leaves in the same write. A link that already wrote in this turn flushes in the loop's check
   * phase: under request/response load each actor's reply is its own job, and one write then
   * carries the replies of the whole turn instead of one write per actor. (Writing an idle
   * link's first message synchronously, inside `send`, saves about a microsecond per hop but
   * splits a job's burst into two writes: with 16 asks in flight between two nodes, half the
   * asks per second.) The turn is per link: a write on one link never delays another.
   */
  private kick(): void {
    if (this.flushScheduled || this.blocked || this.state !== 'ready') return; // 'drain' and the handshake flush
    this.flushScheduled = true;
    if (this.wroteIn !== currentTurn()) queueMicrotask(this.runFlush);
    else setImmediate(this.runFlush);
  }

  private flush(): void {
    if (this.state !== 'ready') return;
    this.seal();
    if (this.blocked || this.frames.length === 0) return;
    this.wroteIn = currentTurn();
    if (this.frames.length === 1) {
      // The common case of a lone message: no round through the stream's cork buffer.
      const f = this.frames.pop() as Buffer;
      this.queuedBytes -= f.length;
      if (!this.socket.write(f)) this.blocked = true;
      return;
    }
    this.socket.cork();
    let i = 0;
    while (i < this.frames.length) {
      const f = this.frames[i++] as Buffer;
      this.queuedBytes -= f.length;
      if (!this.socket.write(f)) {
        this.blocked = true;
        break;
      }
    }
    this.frames.splice(0, i);
    this.socket.uncork();
  }

  /** Sends what is queued (e.g. the gossip that tells a peer it is down), then closes. */
  finish(reason: string): void {
    if (this.state === 'ready') {
      this.blocked = false;
      this.flush();
      this.socket.end();
    }
    this.close(reason, false);
  }

  close(reason: string, destroy = true): void {
    if (this.state === 'closed') return;
    const wasReady = this.state === 'ready';
    this.state = 'closed';
    if (this.timer) clearTimeout(this.timer);
    if (destroy) this.socket.destroy();
    const why =
      !wasReady && reason === 'closed by peer'
        ? 'closed by peer during the handshake (refused: wrong TLS certificate, or not an Aloft node?)'
        : reason;
    this.log(wasReady ? 'info' : 'warn', `connection to ${this.remoteNode ?? this.socket.remoteAddress ?? 'peer'} closed: ${why}`);
    this.onClose(reason);
  }

  /** Messages still waiting (for dead-lettering when the peer is gone for good). */
  drainPending(): Array<[Address, unknown, AnyRef | undefined]> {
    const out: Array<[Address, unknown, AnyRef | undefined]> = [];
    for (let i = 0; i < this.items.length; i += 3)
      out.push([
        { node: this.batchNode ?? '', thread: this.batchThread, path: this.paths[this.items[i] as number] ?? '' },
        this.items[i + 1],
        (this.items[i + 2] ?? undefined) as AnyRef | undefined,
      ]);
    this.items = [];
    return out;
  }
}

/**
 * Turns of the event loop, numbered: one shared setImmediate ends the current turn in the loop's
 * check phase, so a link can tell whether it already wrote in this one.
 */
let turnNumber = 0;
let turnEnding = false;
const endTurn = () => {
  turnNumber++;
  turnEnding = false;
};
function currentTurn(): number {
  if (!turnEnding) {
    turnEnding = true;
    setImmediate(endTurn);
  }
  return turnNumber;
}

export interface InboundHandlers {
  /** Decides whether a peer may connect at all (e.g. not a downed incarnation); a reason refuses it. */
  admit(node: string): string | undefined;
  onControl(from: string, message: ControlMessage): void;
  onMessages(payload: Buffer): void;
}

/** Runs the server side of the handshake on an accepted socket, then hands frames to `handlers`. */
export function acceptInbound(socket: Socket, me: Identity, handlers: InboundHandlers, handshakeTimeoutMs: number, log: Log): void {
  let peer: string | undefined;
  let closed = false;
  const challenge = nonce();
  const close = (reason: string, level: 'info' | 'warn' = 'warn') => {
    if (closed) return;
    closed = true;
    clearTimeout(timer);
    log(level, `inbound connection from ${peer ?? socket.remoteAddress ?? 'unknown'} closed: ${reason}`);
    socket.destroy();
  };
  const timer = setTimeout(() => close('handshake timed out'), handshakeTimeoutMs);
  const reject = (reason: string) => {
    socket.end(controlFrame(FrameType.Handshake, { _tag: 'Reject', reason }));
    close(reason);
  };
  const reader = new FrameReader((type, payload) => {
    if (peer === undefined) {
      if (type !== FrameType.Handshake) throw new WireError(`frame type ${type} before the handshake`);
      const m = decodeControl(payload);
      if (m._tag !== 'Hello') throw new WireError(`expected Hello, got ${m._tag}`);
      if (m.cluster !== me.cluster) return reject(`wrong cluster "${m.cluster}"`);
      // The TLS handshake is over when the Hello arrives through it: the export is final.
      const binding = sessionBinding(socket);
      if (typeof m.node !== 'string' || !verify(proof(me.secret, 'client', me.cluster, challenge, m.node, me.node, binding), m.proof))
        return reject(`handshake failed: wrong cluster secret${binding ? ', or not the same TLS session (a relay in between?)' : ''}`);
      const refused = handlers.admit(m.node);
      if (refused !== undefined) return reject(refused);
      peer = m.node;
      clearTimeout(timer);
      socket.write(
        controlFrame(FrameType.Handshake, {
          _tag: 'Welcome',
          proof: proof(me.secret, 'server', me.cluster, m.nonce, me.node, m.node, binding),
        }),
      );
      return;
    }
    if (type === FrameType.Messages) handlers.onMessages(payload);
    else if (type === FrameType.Control) handlers.onControl(peer, decodeControl(payload) as ControlMessage);
    else throw new WireError(`unexpected frame type ${type}`);
  });
  socket.setNoDelay(true);
  socket.on('data', (chunk: Buffer) => {
    if (closed) return;
    try {
      reader.push(chunk);
    } catch (error) {
      close(`protocol error: ${(error as Error).message}`);
    }
  });
  socket.on('error', (error) => close(`socket error: ${error.message}`, 'info'));
  socket.on('close', () => close('closed by peer', 'info'));
  socket.write(PREAMBLE);
  socket.write(controlFrame(FrameType.Handshake, { _tag: 'Challenge', cluster: me.cluster, node: me.node, nonce: challenge }));
}
