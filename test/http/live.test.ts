/**
 * WebSocket /api/live against a real node: subscriptions are acknowledged, import progress
 * arrives with its offset, nonsense gets an error message (and the connection lives on).
 */
import t from 'tap';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import { startService, type Service } from '../../src/service/service.ts';
import { eventually } from '../actors/helpers.ts';

const corpus = path.resolve(import.meta.dirname, '../../../shared/corpus/ssim');
let service: Service;
const dir = mkdtempSync(path.join(os.tmpdir(), 'aloft-live-'));

t.before(async () => {
  service = await startService({ host: '127.0.0.1', port: 0, data: dir, workers: 1, demoSeason: false, durability: 'commit' }, () => undefined);
});
t.teardown(async () => {
  await service.stop();
  rmSync(dir, { recursive: true, force: true });
});

t.test('import progress over the WebSocket', async (t) => {
  const ws = new WebSocket(`ws://127.0.0.1:${service.port}/api/live`);
  const messages: Array<Record<string, unknown>> = [];
  ws.on('message', (data) => messages.push(JSON.parse(String(data)) as Record<string, unknown>));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  t.teardown(() => ws.close());
  ws.send('not json');
  ws.send(JSON.stringify({ subscribe: 'weather' }));
  ws.send(JSON.stringify({ subscribe: 'imports' }));
  await eventually(() => messages.find((m) => m.type === 'subscribed'), 5_000, 'subscription ack');
  t.same(messages.filter((m) => m.type === 'error').length, 2, 'two errors for two bad messages');
  t.same(messages.find((m) => m.type === 'subscribed'), { type: 'subscribed', topic: 'imports' });
  const res = await fetch(`http://127.0.0.1:${service.port}/api/imports`, { method: 'POST', body: readFileSync(path.join(corpus, 'sample.ssim')) });
  const { importId } = (await res.json()) as { importId: string };
  const done = await eventually(() => messages.find((m) => m.type === 'import' && (m.status as { state: string; importId: string }).state === 'done' && (m.status as { importId: string }).importId === importId), 60_000, 'import done over the socket');
  t.ok((done.offset as number) > 0, 'the final message carries the offset of the last event');
  const states = messages.filter((m) => m.type === 'import').map((m) => (m.status as { state: string }).state);
  t.ok(states.includes('applying'), 'progress was reported while applying');
});
