/**
 * A node started on a data directory whose journal was written by the code before LegAdded v2
 * (test/fixtures/journal-v1): its entities, its views and its API read the old events and
 * snapshots through the domain's upcasters, and it carries on writing version-2 events.
 */
import t from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LmdbStore } from '../../src/persistence/index.ts';
import { startService, type Service } from '../../src/service/service.ts';
import { loadJournalV1, readJournalV1 } from '../fixtures/journal-v1/load.ts';

const fixture = readJournalV1();
const dir = mkdtempSync(path.join(os.tmpdir(), 'aloft-v1-node-'));
let service: Service;
let base: string;

t.before(async () => {
  const store = new LmdbStore({ path: path.join(dir, 'journal'), durability: 'commit' });
  await loadJournalV1(store, fixture);
  await store.close();
  service = await startService(
    { host: '127.0.0.1', port: 0, data: dir, workers: 1, demoSeason: false, durability: 'commit' },
    () => undefined,
  );
  base = `http://127.0.0.1:${service.port}`;
  await service.views.ready;
});
t.teardown(async () => {
  await service?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function call(method: string, url: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${base}${url}`, { method, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

t.test('the old events read as version 2, types unknown, everything else as it was', async (t) => {
  const feed = await call('GET', '/api/feed?from=1&limit=100');
  const events = feed.json.events as Array<{ type: string; event: { version: number; leg?: Record<string, unknown> } }>;
  t.equal(events.length, fixture.expected.head);
  const legs = events.filter((e) => e.type === 'LegAdded');
  t.equal(legs.length, 11);
  t.ok(
    legs.every((e) => e.event.version === 2 && e.event.leg?.aircraftType === null && e.event.leg.serviceType === null),
    'every LegAdded upcast on the feed',
  );
});

t.test('entities (through their v1 snapshots) and views answer what the old code did', async (t) => {
  for (const r of fixture.expected.rotations) {
    const got = await call('GET', `/api/rotations/${r.rotationId}`);
    t.equal(got.status, 200);
    t.same(
      (got.json.legs as Array<{ id: string; aircraftType: unknown; serviceType: unknown }>).map((l) => [
        l.id,
        l.aircraftType,
        l.serviceType,
      ]),
      r.legs.map((l) => [l.id, null, null]),
      `rotation ${r.rotationId} recovered`,
    );
  }
  const messages: string[] = [];
  for (const check of ['continuity', 'ground-time', 'designators']) {
    const page = await call('GET', `/api/checks/${check}?minOffset=${fixture.expected.head}`);
    messages.push(...(page.json.violations as Array<{ message: string }>).map((v) => v.message));
  }
  t.same(messages.sort(), [...fixture.expected.messages].sort());
  t.equal(
    (await call('GET', `/api/checks/equipment?minOffset=${fixture.expected.head}`)).json.total,
    0,
    'legs of unknown type are not judged',
  );
});

t.test('and the node carries on: a new leg is stored as v2 and judged by the equipment check', async (t) => {
  // R1 is flown by D-AIXA, a 359; its last leg lands at MUC at 2026-04-02T14:20Z.
  const r = await call('POST', '/api/rotations/R1/legs', {
    carrier: 'LH',
    flightNumber: 407,
    dateOfOrigin: '2026-04-02',
    departureAirport: 'MUC',
    arrivalAirport: 'FRA',
    departure: '2026-04-02T16:00:00Z',
    arrival: '2026-04-02T17:00:00Z',
    aircraftType: '320',
    serviceType: 'J',
  });
  t.equal(r.status, 201);
  t.equal(r.json.version, 10, "after the fixture's nine events of R1");
  const e = await call('GET', `/api/checks/equipment?minOffset=${r.json.offset as number}`);
  t.same(
    (e.json.violations as Array<{ legIds: string[]; registration: string; legAircraftType: string; airplaneAircraftType: string }>).map(
      (v) => [v.legIds, v.registration, v.legAircraftType, v.airplaneAircraftType],
    ),
    [[['LH-407-MUC-2026-04-02'], 'D-AIXA', '320', '359']],
  );
  const stored = await service.journal.read(r.json.offset as number, 1);
  t.same([stored[0]?.type, stored[0]?.version], ['LegAdded', 2]);
});
