/**
 * WebSocket /api/live against a real node: subscriptions are acknowledged, import progress
 * arrives with its offset, nonsense gets an error message (and the connection lives on).
 */
import t from 'tap';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { connectLive } from './live-client.ts';
import { startService, type Service } from '../../src/service/service.ts';
import { eventually } from '../actors/helpers.ts';

const corpus = path.resolve(import.meta.dirname, '../fixtures/ssim');
let service: Service;
const dir = mkdtempSync(path.join(os.tmpdir(), 'aloft-live-'));

t.before(async () => {
  service = await startService(
    { host: '127.0.0.1', port: 0, data: dir, workers: 1, demoSeason: false, durability: 'commit' },
    () => undefined,
  );
});
t.teardown(async () => {
  await service.stop();
  rmSync(dir, { recursive: true, force: true });
});

t.test('import progress over the WebSocket', async (t) => {
  const { ws, messages } = await connectLive(service.port);
  t.teardown(() => ws.close());
  ws.send('not json');
  ws.send(JSON.stringify({ subscribe: 'weather' }));
  ws.send(JSON.stringify({ subscribe: 'imports' }));
  await eventually(() => messages.find((m) => m.type === 'subscribed'), 5_000, 'subscription ack');
  t.same(messages.filter((m) => m.type === 'error').length, 2, 'two errors for two bad messages');
  t.same(
    messages.find((m) => m.type === 'subscribed'),
    { type: 'subscribed', topic: 'imports' },
  );
  // valid-only: the file names two onward flights it does not have (lines 31 and 203), problems that reject it by default.
  const res = await fetch(`http://127.0.0.1:${service.port}/api/imports?onError=valid-only`, {
    method: 'POST',
    body: readFileSync(path.join(corpus, 'sample.ssim')),
  });
  const { importId } = (await res.json()) as { importId: string };
  const done = await eventually(
    () =>
      messages.find(
        (m) =>
          m.type === 'import' &&
          (m.status as { state: string; importId: string }).state === 'done' &&
          (m.status as { importId: string }).importId === importId,
      ),
    60_000,
    'import done over the socket',
  );
  t.ok((done.offset as number) > 0, 'the final message carries the offset of the last event');
  const states = messages.filter((m) => m.type === 'import').map((m) => (m.status as { state: string }).state);
  t.ok(states.includes('applying'), 'progress was reported while applying');
});

t.test('the feed topic announces every stored batch with its offset', async (t) => {
  const { ws, messages } = await connectLive(service.port);
  t.teardown(() => ws.close());
  ws.send(JSON.stringify({ subscribe: 'feed' }));
  await eventually(() => messages.find((m) => m.type === 'subscribed'), 5_000, 'ack');
  const res = await fetch(`http://127.0.0.1:${service.port}/api/airplanes`, {
    method: 'POST',
    body: JSON.stringify({ registration: 'D-FEED', aircraftType: '320', minGroundTimeMinutes: 30 }),
  });
  const { offset } = (await res.json()) as { offset: number };
  const seen = await eventually(() => messages.find((m) => m.type === 'feed' && (m.offset as number) >= offset), 5_000, 'a feed message');
  t.ok(seen, 'an airplane created (no rotation touched) is still announced');
});

t.test('a graceful stop closes open WebSockets with 1001', async (t) => {
  const dir2 = mkdtempSync(path.join(os.tmpdir(), 'aloft-live2-'));
  t.teardown(() => rmSync(dir2, { recursive: true, force: true }));
  const other = await startService(
    { host: '127.0.0.1', port: 0, data: dir2, workers: 1, demoSeason: false, durability: 'commit' },
    () => undefined,
  );
  const { ws } = await connectLive(other.port);
  const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
  await other.stop();
  t.equal(await closed, 1001, 'told the server is going away');
});
