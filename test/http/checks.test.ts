/**
 * The read side end to end: the four checks over HTTP against a real node with view replicas in
 * two workers — answers equal the domain's oracle over the journal, read-your-writes with
 * minOffset, filters and pagination, bad query parameters, a minOffset the view cannot reach,
 * live violation changes over the WebSocket, and the corpus file with duplicate designators.
 */
import t from 'tap';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { connectLive } from './live-client.ts';
import {
  EVENT_VERSIONS,
  checkContinuity,
  checkDesignatorUniqueness,
  checkEquipment,
  checkGroundTime,
  scheduleFromEvents,
  type DomainEvent,
} from '../../src/domain/index.ts';
import { eventually } from '../actors/helpers.ts';
import { documentedFetch } from '../fixtures/api-schema.ts';
import { leg } from '../fixtures/bodies.ts';
import { fileNode } from '../fixtures/service.ts';

const corpus = path.resolve(import.meta.dirname, '../fixtures/ssim');
const node = fileNode('checks', { workers: 2 });
t.before(() => node.service.views.ready);

/** Every answer is checked against the OpenAPI document (its route, status and schema). */
async function call(method: string, url: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const r = await documentedFetch(`${node.base}${url}`, { method, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  return { status: r.status, json: r.body as Record<string, unknown> };
}

async function oracle() {
  const events: DomainEvent[] = [];
  for (let from = 1; ; ) {
    const page = await node.service.journal.read(from, 10_000);
    if (page.length === 0) break;
    // The schedule aggregates' events only: the feed also carries the assignment sagas' own.
    for (const e of page) if (e.type in EVENT_VERSIONS) events.push(e.event as DomainEvent);
    from = (page[page.length - 1] as { offset: number }).offset + 1;
  }
  const schedule = scheduleFromEvents(events);
  return {
    continuity: checkContinuity(schedule),
    groundTime: checkGroundTime(schedule),
    designators: checkDesignatorUniqueness(schedule),
    equipment: checkEquipment(schedule),
  };
}

t.test('checks answer what the oracle says, with read-your-writes', async (t) => {
  await call('POST', '/api/airports', { code: 'FRA', minGroundTimeMinutes: 60 });
  await call('POST', '/api/airports', { code: 'JFK', minGroundTimeMinutes: 90 });
  await call('POST', '/api/rotations', { name: 'R1' });
  await call('POST', '/api/rotations/R1/legs', leg(400, 'FRA', 'JFK', '2026-03-29T10:00:00Z', '2026-03-29T18:00:00Z'));
  // Departs from BOS though the previous leg landed in JFK: continuity. 30 minutes on the ground at JFK (90 needed): ground time.
  await call('POST', '/api/rotations/R1/legs', leg(401, 'BOS', 'FRA', '2026-03-29T18:30:00Z', '2026-03-30T02:00:00Z'));
  await call('POST', '/api/rotations', { name: 'R2' });
  const last = await call('POST', '/api/rotations/R2/legs', leg(400, 'FRA', 'JFK', '2026-03-29T10:00:00Z', '2026-03-29T18:00:00Z'));
  const offset = last.json.offset as number;

  const want = await oracle();
  const c = await call('GET', `/api/checks/continuity?minOffset=${offset}`);
  t.equal(c.status, 200);
  t.ok((c.json.offset as number) >= offset, 'the answer reflects the write');
  t.equal(c.json.total, want.continuity.length);
  const cv = (c.json.violations as Array<{ rotationId: string; legIds: string[] }>)[0];
  t.equal(cv?.rotationId, 'R1');
  t.same(cv?.legIds, ['LH-400-FRA-2026-03-29', 'LH-401-BOS-2026-03-29'], 'legIds name both legs');
  const g = await call('GET', `/api/checks/ground-time?minOffset=${offset}`);
  t.equal(g.json.total, want.groundTime.length);
  const gv = (g.json.violations as Array<{ requiredMinutes: number; actualMinutes: number; airport: string }>)[0];
  t.same([gv?.airport, gv?.requiredMinutes, gv?.actualMinutes], ['JFK', 90, 30], 'required and actual ground time');
  const d = await call('GET', `/api/checks/designators?minOffset=${offset}`);
  t.equal(d.json.total, want.designators.length);
  t.equal(d.json.total, 1, 'LH 400 FRA planned twice');

  // Filters and pages.
  t.equal((await call('GET', `/api/checks/continuity?rotation=R2&minOffset=${offset}`)).json.total, 0, 'R2 is continuous');
  t.equal((await call('GET', '/api/checks/continuity?from=2026-04-01')).json.total, 0, 'nothing after April');
  t.equal((await call('GET', '/api/checks/continuity?from=2026-03-29&to=2026-03-29')).json.total, 1, 'a one-day range');
});

t.test('bad query parameters and an offset the view cannot reach', async (t) => {
  for (const q of ['limit=0', 'limit=x', 'from=yesterday', 'from=2026-03-02&to=2026-03-01', 'colour=red', 'cursor=not-a-cursor']) {
    const r = await call('GET', `/api/checks/continuity?${q}`);
    t.equal(r.status, 400, `${q}: 400`);
    t.type(r.json.detail, 'string');
  }
  const head = await node.service.journal.headOffset();
  const asked = performance.now();
  const r = await call('GET', `/api/checks/continuity?minOffset=${head + 1000}&timeoutMs=30000`);
  t.equal(r.status, 400, 'a minOffset no write has produced is a bad query: 400');
  t.ok(performance.now() - asked < 10_000, 'at once, not after waiting out timeoutMs');
});

t.test('pagination walks every violation once', async (t) => {
  await call('POST', '/api/rotations', { name: 'R3' });
  let offset = 0;
  for (let i = 0; i < 7; i++) {
    // Each leg departs from an airport the previous one did not land at.
    const day = `2026-05-${String(10 + i).padStart(2, '0')}`;
    const r = await call(
      'POST',
      '/api/rotations/R3/legs',
      leg(500 + i, i % 2 ? 'FRA' : 'MUC', 'JFK', `${day}T08:00:00Z`, `${day}T16:00:00Z`),
    );
    offset = r.json.offset as number;
  }
  const seen: string[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const q: string = `/api/checks/continuity?rotation=R3&limit=2&minOffset=${offset}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    const r = await call('GET', q);
    for (const v of r.json.violations as Array<{ legIds: string[] }>) seen.push(v.legIds.join('>'));
    cursor = r.json.next as string | null;
    pages++;
  } while (cursor !== null && pages < 10);
  t.equal(seen.length, 6, 'six breaks in seven legs');
  t.equal(new Set(seen).size, 6, 'none twice');
  t.equal(pages, 3, 'in pages of two');
});

t.test('live violation changes for one rotation over the WebSocket', async (t) => {
  const { ws, messages } = await connectLive(node.service.port);
  t.teardown(() => ws.close());
  ws.send(JSON.stringify({ subscribe: 'violations', rotation: 'R4' }));
  await eventually(() => messages.find((m) => m.type === 'subscribed'), 5_000, 'ack');
  await call('POST', '/api/rotations', { name: 'R4' });
  await call('POST', '/api/rotations/R4/legs', leg(600, 'FRA', 'JFK', '2026-06-01T08:00:00Z', '2026-06-01T16:00:00Z'));
  const r = await call('POST', '/api/rotations/R4/legs', leg(601, 'MUC', 'FRA', '2026-06-02T08:00:00Z', '2026-06-02T16:00:00Z'));
  const update = await eventually(
    () => messages.find((m) => m.type === 'violations' && (m.offset as number) >= (r.json.offset as number)),
    10_000,
    'a violations message for the write',
  );
  t.equal(update.rotationId, 'R4');
  t.equal((update.continuity as unknown[]).length, 1, 'the break is in the message');
});

t.test('equipment: legs for another aircraft type than the assigned airplane, over HTTP and live', async (t) => {
  const { ws, messages } = await connectLive(node.service.port);
  t.teardown(() => ws.close());
  ws.send(JSON.stringify({ subscribe: 'violations', rotation: 'R5' }));
  ws.send(JSON.stringify({ subscribe: 'violations' }));
  await eventually(() => messages.filter((m) => m.type === 'subscribed').length >= 2 || undefined, 5_000, 'acks');
  t.equal((await call('POST', '/api/airplanes', { registration: 'D-AIEQ', aircraftType: '320', minGroundTimeMinutes: 30 })).status, 201);
  await call('POST', '/api/rotations', { name: 'R5' });
  const typed = (n: number, dep: string, arr: string, from: string, to: string, aircraftType?: string) => ({
    ...leg(n, dep, arr, from, to),
    ...(aircraftType ? { aircraftType, serviceType: 'J' } : {}),
  });
  await call('POST', '/api/rotations/R5/legs', typed(700, 'FRA', 'MUC', '2026-07-01T08:00:00Z', '2026-07-01T09:00:00Z', '320'));
  await call('POST', '/api/rotations/R5/legs', typed(701, 'MUC', 'FRA', '2026-07-01T11:00:00Z', '2026-07-01T12:00:00Z', '333'));
  const plain = await call('POST', '/api/rotations/R5/legs', typed(702, 'FRA', 'MUC', '2026-07-01T14:00:00Z', '2026-07-01T15:00:00Z'));
  const before = await call('GET', `/api/checks/equipment?rotation=R5&minOffset=${plain.json.offset as number}`);
  t.equal(before.status, 200);
  t.equal(before.json.total, 0, 'no airplane yet: nothing to compare with');
  const assigned = await call('PUT', '/api/airplanes/D-AIEQ/rotation', { rotationId: 'R5' });
  t.equal(assigned.status, 200);
  const offset = assigned.json.offset as number;
  const e = await call('GET', `/api/checks/equipment?minOffset=${offset}`);
  t.equal(e.status, 200);
  const want = await oracle();
  t.equal(e.json.total, want.equipment.length, 'as the oracle');
  t.same(
    (
      e.json.violations as Array<{
        rotationId: string;
        registration: string;
        legIds: string[];
        legAircraftType: string;
        airplaneAircraftType: string;
      }>
    ).map((v) => [v.rotationId, v.registration, v.legIds, v.legAircraftType, v.airplaneAircraftType]),
    [['R5', 'D-AIEQ', ['LH-701-MUC-2026-07-01'], '333', '320']],
    'only the 333 leg: the 320 leg fits, the untyped one is not judged',
  );
  t.equal((await call('GET', '/api/checks/equipment?rotation=R5&from=2026-07-02')).json.total, 0, 'filtered by date like the others');
  const update = await eventually(
    () =>
      messages.find(
        (m) =>
          m.type === 'violations' && m.rotationId === 'R5' && (m.offset as number) >= offset && (m.equipment as unknown[]).length === 1,
      ),
    10_000,
    'the per-rotation message',
  );
  t.match((update.equipment as unknown[])[0], { legAircraftType: '333', airplaneAircraftType: '320' });
  const totals = await eventually(
    () => messages.find((m) => m.type === 'violations' && m.totals !== undefined && (m.offset as number) >= offset),
    10_000,
    'the totals message',
  );
  t.equal((totals.totals as { equipment: number }).equipment, 1, 'totals carry the fourth check');
  const unassigned = await call('PUT', '/api/airplanes/D-AIEQ/rotation', {});
  t.equal((await call('GET', `/api/checks/equipment?minOffset=${unassigned.json.offset as number}`)).json.total, 0, 'unassigned: gone');
});

t.test('the corpus file with duplicate designators shows them as the oracle does', async (t) => {
  // valid-only: each XX 41 names onward flight XX 42, which the file has twice (an ambiguous reference is a problem).
  const res = await documentedFetch(`${node.base}/api/imports?onError=valid-only`, {
    method: 'POST',
    body: readFileSync(path.join(corpus, 'sample_with_duplicates.ssim')),
  });
  const { importId } = res.body as { importId: string };
  const done = await eventually(
    async () => {
      const s = (await call('GET', `/api/imports/${importId}`)).json;
      return s.state === 'done' ? s : undefined;
    },
    30_000,
    'import',
  );
  const want = await oracle();
  const d = await call('GET', `/api/checks/designators?minOffset=${done.offset as number}&limit=1000`);
  t.equal(d.json.total, want.designators.length, 'as many duplicates as the oracle finds');
  t.ok((d.json.total as number) > 1, 'the file does repeat designators');
  const keys = (d.json.violations as Array<{ key: string }>).map((v) => v.key).sort();
  t.same(keys, want.designators.map((v) => v.key).sort());
});
