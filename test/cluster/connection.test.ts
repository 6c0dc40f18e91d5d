/**
 * When the outbound writer writes (src/cluster/connection.ts), on an in-memory socket that
 * records each write: a lone message leaves at the end of the job that sent it, never a later
 * turn of the event loop; what one job sends shares a write; a link that already wrote in this
 * turn batches until the loop's check phase, without delaying another link; 'drain' resumes a
 * blocked link. The handshake is the real one, answered by the test.
 */
import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import t, { type Test } from 'tap';
import { ActorSystem, decodeWith } from '../../src/actors/index.ts';
import { Outbound } from '../../src/cluster/connection.ts';
import { proof } from '../../src/cluster/handshake.ts';
import { controlFrame, decodeControl, FrameReader, FrameType, PREAMBLE, type HandshakeMessage } from '../../src/cluster/wire.ts';

const CLUSTER = 'c';
const SECRET = 'connection-test-secret';
const ME = 'h:1#a';
const PEER = 'h:2#b';

/** The socket surface Outbound uses; `writes` holds what each write() call handed to the kernel. */
class MemorySocket extends EventEmitter {
  readonly writes: Buffer[][] = [];
  remoteAddress = '127.0.0.1';
  /** What write() returns: false simulates a full kernel buffer. */
  accept = true;
  private corked: Buffer[] | undefined;

  setNoDelay(): this {
    return this;
  }
  cork(): void {
    this.corked = [];
  }
  uncork(): void {
    const batch = this.corked;
    this.corked = undefined;
    if (batch && batch.length > 0) this.writes.push(batch);
  }
  write(chunk: Buffer): boolean {
    if (this.corked) this.corked.push(chunk);
    else this.writes.push([chunk]);
    return this.accept;
  }
  end(): void {}
  destroy(): void {}

  /** Every frame written after the preamble, in order, as [type, payload]. */
  frames(from = 0): Array<[number, Buffer]> {
    const out: Array<[number, Buffer]> = [];
    const reader = new FrameReader((type, payload) => out.push([type, payload]));
    reader.push(PREAMBLE);
    for (const w of this.writes.slice(from)) for (const chunk of w) if (!chunk.equals(PREAMBLE)) reader.push(chunk);
    return out;
  }
}

const macrotask = () => new Promise<void>((r) => setImmediate(r));

/** An Outbound over a MemorySocket, through the handshake (the test plays the server). */
function connected(t: Test): { conn: Outbound; socket: MemorySocket; closed: string[] } {
  const socket = new MemorySocket();
  const closed: string[] = [];
  const conn = new Outbound(
    socket as unknown as Socket,
    { cluster: CLUSTER, node: ME, secret: SECRET },
    1 << 20,
    5_000,
    () => undefined,
    () => undefined,
    (reason) => closed.push(reason),
  );
  t.teardown(() => conn.close('test over'));
  const serverNonce = new Uint8Array(32).fill(1);
  socket.emit(
    'data',
    Buffer.concat([PREAMBLE, controlFrame(FrameType.Handshake, { _tag: 'Challenge', cluster: CLUSTER, node: PEER, nonce: serverNonce })]),
  );
  const hello = decodeControl(socket.frames().at(-1)?.[1] as Buffer) as Extract<HandshakeMessage, { _tag: 'Hello' }>;
  socket.emit(
    'data',
    controlFrame(FrameType.Handshake, { _tag: 'Welcome', proof: proof(SECRET, 'server', CLUSTER, hello.nonce, PEER, ME) }),
  );
  if (conn.state !== 'ready') throw new Error(`handshake did not complete: ${closed.join(', ')}`);
  socket.writes.length = 0;
  return { conn, socket, closed };
}

const to = (path: string) => ({ node: PEER, thread: 0, path });

t.test('a lone message leaves at the end of the job that sent it, in one write', async (t) => {
  const { conn, socket } = connected(t);
  conn.send(to('echo'), { _tag: 'Ping', n: 1 }, undefined);
  t.equal(socket.writes.length, 0, 'nothing written inside send: the rest of the job may add to the frame');
  await Promise.resolve();
  t.equal(socket.writes.length, 1, 'written before any later turn of the event loop');
  const sys = new ActorSystem({ node: PEER, log: () => undefined });
  t.teardown(() => sys.shutdown());
  const [[type, payload]] = socket.frames() as [[number, Buffer]];
  t.equal(type, FrameType.Messages);
  t.same(decodeWith(sys, payload), [PEER, 0, ['echo'], [0, { _tag: 'Ping', n: 1 }, null]]);
});

t.test('what one job sends shares one write; a second job in the same turn waits for the check phase', async (t) => {
  const { conn, socket } = connected(t);
  for (let i = 0; i < 100; i++) conn.send(to(i % 2 === 0 ? 'a' : 'b'), i, undefined);
  await Promise.resolve();
  t.equal(socket.writes.length, 1, 'a burst: one write');
  t.equal(socket.frames().length, 1, 'one MESSAGES frame, both paths in its table');

  // Another job of the same turn (as the next actor's turn would be): batched, not written yet.
  conn.send(to('a'), 'later', undefined);
  await Promise.resolve();
  t.equal(socket.writes.length, 1, 'a link that wrote in this turn does not write again at once');
  conn.send(to('b'), 'later still', undefined);
  await macrotask();
  t.equal(socket.writes.length, 2, 'the rest of the turn leaves together in the check phase');
  t.equal(socket.frames(1).length, 1, 'as one frame');

  // A new turn: the link is idle again.
  await macrotask();
  conn.send(to('a'), 'next turn', undefined);
  await Promise.resolve();
  t.equal(socket.writes.length, 3, 'an idle link in a new turn writes at the end of the job');
});

t.test("one link's write does not delay another link", async (t) => {
  const one = connected(t);
  const two = connected(t);
  one.conn.send(to('a'), 1, undefined);
  await Promise.resolve();
  two.conn.send(to('a'), 2, undefined);
  await Promise.resolve();
  t.equal(one.socket.writes.length, 1);
  t.equal(two.socket.writes.length, 1, 'the second link flushed in the same turn, at the end of its job');
});

t.test('a full socket stops the writer until drain; frames keep their order', async (t) => {
  const { conn, socket } = connected(t);
  socket.accept = false;
  conn.send(to('a'), 1, undefined);
  await Promise.resolve();
  t.equal(socket.writes.length, 1, 'the write that filled the socket');
  conn.send(to('a'), 2, undefined);
  conn.send(to('a'), 3, undefined);
  await macrotask();
  await macrotask();
  t.equal(socket.writes.length, 1, 'nothing more while blocked');
  socket.accept = true;
  socket.emit('drain');
  t.equal(socket.writes.length, 2, 'drain writes what waited');
  const sys = new ActorSystem({ node: PEER, log: () => undefined });
  t.teardown(() => sys.shutdown());
  const messages = socket
    .frames()
    .flatMap(([, p]) => decodeWith<[string, number, string[], unknown[]]>(sys, p)[3].filter((_, i) => i % 3 === 1));
  t.same(messages, [1, 2, 3]);
});
