/**
 * What a client may send, against a real node (README, Limits): a body over its route's limit is
 * a 413 problem whether the client announced its length or streamed it chunked, and nothing of it
 * reaches the journal; a WebSocket message over the limit closes the socket with 1009; a
 * subscription past the limit per connection is refused with an error message.
 */
import t, { type Test } from 'tap';
import net from 'node:net';
import { connectLive } from './live-client.ts';
import { fileNode } from '../fixtures/service.ts';
import { DEFAULT_MAX_BODY } from '../../src/http/server.ts';
import { MAX_IMPORT_BYTES } from '../../src/http/import-routes.ts';
import { MAX_FRAME_BYTES, MAX_MESSAGE_BYTES, MAX_SUBSCRIPTIONS } from '../../src/http/live.ts';
import { eventually } from '../actors/helpers.ts';

const node = fileNode('limits');

interface RawResponse {
  readonly status: number;
  readonly headers: ReadonlyMap<string, string>;
  readonly body: string;
}

/**
 * One request over a raw socket, so the test decides what the client announces and how much it
 * sends: `head` (request line and headers), then `chunks` (written while the server reads them;
 * the server may answer and close before the last). Resolves with the response once the server
 * closed the connection.
 */
function raw(head: string, chunks: Iterable<Buffer | string>): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(node.service.port, '127.0.0.1');
    const received: Buffer[] = [];
    let answered = false;
    socket.on('data', (d) => {
      received.push(d);
      answered = true;
    });
    // The server closing mid-upload is what a 413 looks like from here: not an error of the test.
    socket.on('error', () => undefined);
    socket.on('close', () => {
      const text = Buffer.concat(received).toString('latin1');
      const end = text.indexOf('\r\n\r\n');
      if (end < 0) return reject(new Error(`no response (got ${JSON.stringify(text.slice(0, 200))})`));
      const [statusLine = '', ...lines] = text.slice(0, end).split('\r\n');
      const headers = new Map(
        lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()] as [string, string]),
      );
      resolve({ status: Number(statusLine.split(' ')[1]), headers, body: text.slice(end + 4) });
    });
    socket.once('connect', async () => {
      socket.write(head);
      for (const chunk of chunks) {
        if (answered || socket.destroyed) break;
        // Wait for the kernel to take each chunk: the server reads (and refuses) as it arrives.
        if (!socket.write(chunk)) await new Promise((r) => socket.once('drain', r).once('close', r));
      }
      // The server has answered (and closes); or everything was sent and it answers now.
    });
  });
}

/** `bytes` in HTTP/1.1 chunks of 64 KiB, then the terminating chunk. */
function* chunked(bytes: number): Generator<Buffer | string> {
  const piece = Buffer.alloc(64 * 1024, 'x');
  for (let sent = 0; sent < bytes; sent += piece.length) {
    yield `${piece.length.toString(16)}\r\n`;
    yield piece;
    yield '\r\n';
  }
  yield '0\r\n\r\n';
}

const problemOf = (r: RawResponse) => {
  const i = r.body.indexOf('{');
  return JSON.parse(r.body.slice(i, r.body.lastIndexOf('}') + 1)) as { type: string; status: number; detail: string };
};

async function nothingStored(t: Test, before: number, what: string): Promise<void> {
  t.equal(await node.service.journal.headOffset(), before, `${what}: nothing was journalled`);
}

t.test('a command body over its limit: 413 problem, announced or streamed, and nothing stored', async (t) => {
  const before = await node.service.journal.headOffset();
  const announced = await raw(
    `POST /api/rotations HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: ${DEFAULT_MAX_BODY + 1}\r\n\r\n`,
    ['{"rotationId": "R-too-big", "pad": "'],
  );
  t.equal(announced.status, 413, 'content-length over the limit: 413 before the body is read');
  t.equal(announced.headers.get('content-type'), 'application/problem+json');
  t.ok(announced.headers.get('x-request-id'), 'the refusal carries its request id');
  t.match(problemOf(announced), { status: 413, type: /body-too-large/, detail: new RegExp(`limit here is ${DEFAULT_MAX_BODY}`) });

  const streamed = await raw(
    'POST /api/rotations HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n',
    chunked(DEFAULT_MAX_BODY + 128 * 1024),
  );
  t.equal(streamed.status, 413, 'chunked, without content-length: 413 once the limit is passed');
  t.match(problemOf(streamed), { status: 413, detail: new RegExp(`over the limit of ${DEFAULT_MAX_BODY} bytes`) });
  await nothingStored(t, before, 'commands');

  // A body at the limit is read and judged on its content (not JSON here: a 400, not a 413).
  const atLimit = await fetch(`http://127.0.0.1:${node.service.port}/api/rotations`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: Buffer.alloc(DEFAULT_MAX_BODY, ' '),
  });
  t.equal(atLimit.status, 400, 'a body of exactly the limit is read');
  await atLimit.body?.cancel();
});

t.test('a body on a route that takes none (DELETE): 413, announced or streamed, and the rotation stays', async (t) => {
  const base = `http://127.0.0.1:${node.service.port}`;
  const made = await fetch(`${base}/api/rotations`, { method: 'POST', body: JSON.stringify({ name: 'R-keep' }) });
  t.equal(made.status, 201, 'a rotation to delete');
  const { id: rotationId } = (await made.json()) as { id: string };
  const before = await node.service.journal.headOffset();
  const r = await raw(`DELETE /api/rotations/${rotationId} HTTP/1.1\r\nhost: x\r\ncontent-length: 5\r\n\r\n`, ['hello']);
  t.equal(r.status, 413, 'with content-length');
  t.match(problemOf(r), { status: 413, detail: /limit here is 0/ });
  const streamed = await raw(`DELETE /api/rotations/${rotationId} HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\n\r\n`, [
    '5\r\nhello\r\n0\r\n\r\n',
  ]);
  t.equal(streamed.status, 413, 'chunked, without content-length');
  t.match(problemOf(streamed), { status: 413, detail: /takes no body/ });
  await nothingStored(t, before, 'delete');
  t.equal((await fetch(`${base}/api/rotations/${rotationId}`)).status, 200, 'the rotation was not deleted');
});

t.test('an import over its limit: 413 problem, announced or streamed, and no import job', async (t) => {
  const before = await node.service.journal.headOffset();
  const announced = await raw(
    `POST /api/imports HTTP/1.1\r\nhost: x\r\ncontent-type: text/plain\r\ncontent-length: ${MAX_IMPORT_BYTES + 1}\r\n\r\n`,
    ['AIRLINE'],
  );
  t.equal(announced.status, 413, 'content-length over the import limit');
  t.match(problemOf(announced), { status: 413, detail: new RegExp(`limit here is ${MAX_IMPORT_BYTES}`) });

  // 128 MiB and a bit through loopback: about a second.
  const streamed = await raw(
    'POST /api/imports HTTP/1.1\r\nhost: x\r\ncontent-type: text/plain\r\ntransfer-encoding: chunked\r\n\r\n',
    chunked(MAX_IMPORT_BYTES + 256 * 1024),
  );
  t.equal(streamed.status, 413, 'a chunked import over the limit');
  t.match(problemOf(streamed), { status: 413, detail: new RegExp(`over the limit of ${MAX_IMPORT_BYTES} bytes`) });
  await nothingStored(t, before, 'imports');
  const list = (await (await fetch(`http://127.0.0.1:${node.service.port}/api/imports`)).json()) as { imports: unknown[] };
  t.same(list.imports, [], 'no import job was started');
});

t.test('the node serves on after the refusals', async (t) => {
  const before = await node.service.journal.headOffset();
  const r = await fetch(`http://127.0.0.1:${node.service.port}/api/rotations`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{}',
  });
  t.equal(r.status, 201, `a small command is accepted (${await r.text()})`);
  t.ok((await node.service.journal.headOffset()) > before, 'and journalled');
  const small = await raw(
    'POST /api/rotations HTTP/1.1\r\nhost: x\r\nconnection: close\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n',
    ['2\r\n{}\r\n', '0\r\n\r\n'],
  );
  t.equal(small.status, 201, 'a chunked command under the limit is accepted');
});

t.test('a WebSocket message over the limit closes the connection with 1009; one far over it is cut off', async (t) => {
  const close = async (bytes: number) => {
    const { ws } = await connectLive(node.service.port);
    const closed = new Promise<[number, string]>((resolve) => ws.once('close', (code, reason) => resolve([code, String(reason)])));
    ws.on('error', () => undefined);
    ws.send(JSON.stringify({ subscribe: 'violations', rotation: 'x'.repeat(bytes) }));
    return closed;
  };
  const [code, reason] = await close(MAX_MESSAGE_BYTES);
  t.equal(code, 1009, 'message too big');
  t.match(reason, new RegExp(`limit is ${MAX_MESSAGE_BYTES} bytes`), 'the reason names the limit');
  const [cut] = await close(MAX_FRAME_BYTES);
  t.equal(cut, 1006, 'past the frame limit the connection is dropped before the message is read');
});

t.test('a message at the limit is read', async (t) => {
  const { ws, messages } = await connectLive(node.service.port);
  t.teardown(() => ws.close());
  const message = JSON.stringify({ subscribe: 'violations', rotation: '' });
  const padded = `${message.slice(0, -1)}${' '.repeat(MAX_MESSAGE_BYTES - message.length)}}`;
  t.equal(Buffer.byteLength(padded), MAX_MESSAGE_BYTES);
  ws.send(padded);
  await eventually(() => messages.find((m) => m.type === 'subscribed'), 5_000, 'the subscription ack');
});

t.test(`subscriptions past ${MAX_SUBSCRIPTIONS} per connection get an error message; the connection lives on`, async (t) => {
  const { ws, messages } = await connectLive(node.service.port);
  t.teardown(() => ws.close());
  for (let i = 0; i < MAX_SUBSCRIPTIONS; i++) ws.send(JSON.stringify({ subscribe: 'violations', rotation: `R${i}` }));
  await eventually(() => messages.filter((m) => m.type === 'subscribed').length === MAX_SUBSCRIPTIONS || undefined, 5_000, 'every ack');
  ws.send(JSON.stringify({ subscribe: 'violations', rotation: 'one-too-many' }));
  const refused = await eventually(() => messages.find((m) => m.type === 'error'), 5_000, 'the refusal');
  t.match(refused, { type: 'error', topic: 'violations/one-too-many', detail: new RegExp(`at most ${MAX_SUBSCRIPTIONS} subscriptions`) });
  ws.send(JSON.stringify({ subscribe: 'window', window: { by: 'rotation' }, id: 'w1' }));
  await eventually(() => messages.filter((m) => m.type === 'error').length === 2 || undefined, 5_000, 'the window refused too');
  t.match(messages.filter((m) => m.type === 'error')[1], { topic: 'window', detail: /at most/ });
  ws.send(JSON.stringify({ subscribe: 'violations', rotation: 'R0' }));
  await eventually(
    () => messages.filter((m) => m.type === 'subscribed').length === MAX_SUBSCRIPTIONS + 1 || undefined,
    5_000,
    'again to one it holds: acknowledged, not counted twice',
  );
  ws.send(JSON.stringify({ unsubscribe: 'violations', rotation: 'R1' }));
  ws.send(JSON.stringify({ subscribe: 'violations', rotation: 'one-too-many' }));
  await eventually(
    () => messages.find((m) => m.type === 'subscribed' && m.topic === 'violations/one-too-many'),
    5_000,
    'after an unsubscribe there is room for one more',
  );
  t.equal(messages.filter((m) => m.type === 'error').length, 2, 'no other error');
});
