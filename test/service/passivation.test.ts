/**
 * Passivation in a running node: --max-entities bounds the live entities of the node (least
 * recently used passivate first) and --entity-idle-ms stops idle ones; a passivated entity comes
 * back with its state from the journal on the next command.
 */
import t, { type Test } from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startService, type Service } from '../../src/service/service.ts';
import type { ServiceConfig } from '../../src/service/config.ts';

/** A one-worker node in a temp dir, stopped and removed when the test ends. */
async function node(t: Test, options: Partial<ServiceConfig>): Promise<{ service: Service; base: string }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'aloft-passivation-'));
  const service = await startService(
    { host: '127.0.0.1', port: 0, data: dir, workers: 1, demoSeason: false, durability: 'commit', ...options },
    () => undefined,
  );
  t.teardown(async () => {
    await service.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  return { service, base: `http://127.0.0.1:${service.port}` };
}

const live = async (s: { region: { entitiesPerShard(): Promise<Record<string, number>> } }) =>
  Object.values(await s.region.entitiesPerShard()).reduce((a, b) => a + b, 0);

t.test('LRU: no more live entities than --max-entities, and the passivated recover from the journal', async (t) => {
  // One worker, three entity types: 30 per type and thread.
  const { service, base } = await node(t, { maxEntities: 90 });
  const post = (url: string, body: unknown) => fetch(`${base}${url}`, { method: 'POST', body: JSON.stringify(body) }).then((r) => r.status);
  const created: number[] = [];
  for (let i = 0; i < 100; i++) created.push(await post('/api/rotations', { name: `R${i}` }));
  t.same(new Set(created), new Set([201]), '100 rotations created');
  const n = await live(service);
  t.ok(n <= 30, `at most 30 rotations live (${n})`);
  t.ok(n >= 25, `the most recent ones stay (${n})`);
  // R0 was passivated long ago: its state comes back from the journal.
  t.equal(await post('/api/rotations', { name: 'R0' }), 409, 'R0 still exists after passivation (recovered from the journal)');
  const r0 = await fetch(`${base}/api/rotations/R0`).then((r) => r.json() as Promise<{ version: number }>);
  t.equal(r0.version, 1, 'R0 read back at version 1');
});

t.test('idle entities passivate after --entity-idle-ms', async (t) => {
  const { service, base } = await node(t, { entityIdleMs: 300 });
  for (let i = 0; i < 5; i++) await fetch(`${base}/api/rotations`, { method: 'POST', body: JSON.stringify({ name: `I${i}` }) });
  t.equal(await live(service), 5, 'five live after their commands');
  const deadline = Date.now() + 10_000;
  while ((await live(service)) > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  t.equal(await live(service), 0, 'all passivated once idle');
  const again = await fetch(`${base}/api/rotations/I3`);
  t.equal(again.status, 200, 'and they answer again, from the journal');
});
