/**
 * GET /api/window against a real node: rows of rotations or of airplanes (with the unassigned
 * rotations after them), legs cut to the time range, the violations touching them, filters,
 * sorts, the total, focus, read-your-writes with minOffset, problem+json for bad parameters, the
 * OpenAPI entry; and window subscriptions on /api/live, which carry only changes inside the window.
 */
import t from 'tap';
import { connectLive } from './live-client.ts';
import type { WindowAnswer } from '../../src/views/window.ts';
import { eventually } from '../actors/helpers.ts';
import { documentedFetch } from '../fixtures/api-schema.ts';
import { leg } from '../fixtures/bodies.ts';
import { fileNode } from '../fixtures/service.ts';

const node = fileNode('window', { workers: 1 });
t.before(() => node.service.views.ready);

/** Every answer is checked against the OpenAPI document (its route, status and schema). */
async function call(method: string, url: string, body?: unknown): Promise<{ status: number; type: string; json: Record<string, unknown> }> {
  const r = await documentedFetch(`${node.base}${url}`, { method, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  return { status: r.status, type: r.type, json: r.body as Record<string, unknown> };
}
const window = async (q: string) => {
  const r = await call('GET', `/api/window?${q}`);
  if (r.status !== 200) throw new Error(`${q}: ${r.status} ${JSON.stringify(r.json)}`);
  return r.json as unknown as WindowAnswer;
};

let last = 0;
async function send(method: string, url: string, body?: unknown): Promise<Record<string, unknown>> {
  const r = await call(method, url, body);
  if (r.status >= 300) throw new Error(`${method} ${url}: ${r.status} ${JSON.stringify(r.json)}`);
  last = Math.max(last, (r.json.offset as number | undefined) ?? 0);
  return r.json;
}

t.test('rows, legs in the range, violations, filters, sorts and the total', async (t) => {
  await send('POST', '/api/airports', { code: 'JFK', minGroundTimeMinutes: 90 });
  // A: two days, continuous, then a break on day 3 (leaves MUC after landing in FRA).
  await send('POST', '/api/rotations', { name: 'A' });
  await send('POST', '/api/rotations/A/legs', leg(100, 'FRA', 'JFK', '2026-04-01T08:00:00Z', '2026-04-01T16:00:00Z'));
  await send('POST', '/api/rotations/A/legs', leg(101, 'JFK', 'FRA', '2026-04-02T08:00:00Z', '2026-04-02T16:00:00Z'));
  await send('POST', '/api/rotations/A/legs', leg(102, 'MUC', 'JFK', '2026-04-03T08:00:00Z', '2026-04-03T16:00:00Z'));
  // B starts earlier and is clean; C starts later with a too-short ground time at JFK.
  await send('POST', '/api/rotations', { name: 'B' });
  await send('POST', '/api/rotations/B/legs', leg(200, 'FRA', 'MUC', '2026-03-30T08:00:00Z', '2026-03-30T09:00:00Z'));
  await send('POST', '/api/rotations', { name: 'C' });
  await send('POST', '/api/rotations/C/legs', leg(300, 'FRA', 'JFK', '2026-04-05T08:00:00Z', '2026-04-05T16:00:00Z'));
  await send('POST', '/api/rotations/C/legs', leg(301, 'JFK', 'FRA', '2026-04-05T16:30:00Z', '2026-04-06T00:30:00Z'));
  // An empty rotation, and an airplane flying B.
  await send('POST', '/api/rotations', { name: 'D' });
  await send('POST', '/api/airplanes', { registration: 'D-AAAA', aircraftType: '320', minGroundTimeMinutes: 30 });
  await send('POST', '/api/airplanes', { registration: 'D-BBBB', aircraftType: '320', minGroundTimeMinutes: 30 });
  await send('PUT', '/api/airplanes/D-AAAA/rotation', { rotationId: 'B' });

  const all = await window(`minOffset=${last}`);
  t.ok(all.offset >= last, 'the answer reflects the writes (minOffset)');
  t.same(
    all.rows.map((r) => r.id),
    ['B', 'A', 'C', 'D'],
    'by first departure, the empty rotation last',
  );
  t.equal(all.total, 4);
  t.same(all.counts, { rotations: 4, airplanes: 2, legs: 6, unassigned: 3 });
  t.same(all.totals, { continuity: 1, groundTime: 1, designators: 0, equipment: 0 });
  t.same(all.extent, { from: Date.parse('2026-03-30T08:00:00Z'), to: Date.parse('2026-04-06T00:30:00Z') });
  t.equal(all.from, Date.parse('2026-03-30T00:00:00Z'), 'from defaults to the day of the first departure');
  t.equal(all.to - all.from, 14 * 86_400_000, 'and the range to two weeks');
  const b = all.rows[0];
  t.match(b, { kind: 'rotation', rotationId: 'B', registration: 'D-AAAA', aircraftType: '320', legCount: 1, violationCount: 0 });
  t.same(
    b?.legs[0],
    {
      id: 'LH-200-FRA-2026-03-30',
      flight: 'LH 200',
      from: 'FRA',
      to: 'MUC',
      dep: Date.parse('2026-03-30T08:00:00Z'),
      arr: Date.parse('2026-03-30T09:00:00Z'),
      date: '2026-03-30',
      type: null,
    },
    'legs in their short form',
  );

  // The time range cuts legs; a violation is there when one of its legs is.
  const day2 = await window('from=2026-04-02&to=2026-04-03');
  const a2 = day2.rows.find((r) => r.id === 'A');
  t.same(
    a2?.legs.map((l) => l.flight),
    ['LH 101'],
    'only the leg of that day',
  );
  t.same(
    a2?.violations.map((v) => v.check),
    ['continuity'],
    'the break from 101 to 102 touches 101',
  );
  t.equal(a2?.violationCount, 1, "the row counts its rotation's violations, all season");
  t.same(
    day2.rows.map((r) => r.id),
    ['B', 'A', 'C', 'D'],
    'rows stay while the range moves',
  );
  const c = (await window('from=2026-04-05T12:00:00Z&to=2026-04-05T17:00:00Z')).rows.find((r) => r.id === 'C');
  t.same(
    c?.legs.map((l) => l.flight),
    ['LH 300', 'LH 301'],
    'a leg still in the air at from, and one leaving before to',
  );
  t.match(c?.violations[0], {
    check: 'ground-time',
    airport: 'JFK',
    actualMinutes: 30,
    requiredMinutes: 90,
    legIds: ['LH-300-FRA-2026-04-05', 'LH-301-JFK-2026-04-05'],
  });

  // Filters.
  t.same(
    (await window('violations=true')).rows.map((r) => r.id),
    ['A', 'C'],
    'only with violations',
  );
  t.same(
    (await window('violations=true&check=ground-time')).rows.map((r) => r.id),
    ['C'],
    'of one check',
  );
  const gtOnly = (await window('check=ground-time&from=2026-04-01&to=2026-04-10')).rows.find((r) => r.id === 'A');
  t.same([gtOnly?.violationCount, gtOnly?.violations.length], [0, 0], 'check also narrows what rows count and carry');
  t.same(
    (await window('rotation=a')).rows.map((r) => r.id),
    ['A'],
    'rotation id contains, any case',
  );
  t.same(
    (await window('airplane=aaa')).rows.map((r) => r.id),
    ['B'],
    'airplane registration contains',
  );
  // Sorts and pages.
  t.same(
    (await window('sort=id')).rows.map((r) => r.id),
    ['A', 'B', 'C', 'D'],
  );
  t.same(
    (await window('sort=violations')).rows.map((r) => r.id),
    ['A', 'C', 'B', 'D'],
    'most violations first, then by start',
  );
  const page = await window('sort=id&start=1&limit=2');
  t.same([page.rows.map((r) => r.id), page.total, page.start], [['B', 'C'], 4, 1], 'a page of rows and the total');
  const focused = await window('sort=id&limit=2&focus=D');
  t.same([focused.focus, focused.start, focused.rows.map((r) => r.id)], [3, 2, ['C', 'D']], 'focus: the page that holds its row');
  t.equal((await window('focus=NOPE')).focus, null, 'focus on nothing: null, first page');
});

t.test('the airplane view: airplanes with their rotations, then the unassigned rotations', async (t) => {
  const v = await window(`by=airplane&minOffset=${last}`);
  t.same(
    v.rows.map((r) => [r.kind, r.id, r.rotationId]),
    [
      ['airplane', 'D-AAAA', 'B'],
      ['airplane', 'D-BBBB', null],
      ['unassigned', 'A', 'A'],
      ['unassigned', 'C', 'C'],
      ['unassigned', 'D', 'D'],
    ],
  );
  t.same([v.total, v.airplaneRows], [5, 2]);
  t.same(
    v.rows[0]?.legs.map((l) => l.flight),
    ['LH 200'],
    "an airplane row carries its rotation's legs",
  );
  t.same(
    (await window('by=airplane&airplane=D-')).rows.map((r) => r.id),
    ['D-AAAA', 'D-BBBB'],
    'an airplane filter leaves the unassigned out',
  );
  t.same(
    (await window('by=airplane&focus=C&limit=1')).rows.map((r) => r.id),
    ['C'],
    'focus on an unassigned rotation',
  );
  t.same(
    (await window('by=airplane&focus=B&limit=1')).rows.map((r) => r.id),
    ['D-AAAA'],
    'focus on a rotation finds its airplane',
  );
  await send('PUT', '/api/airplanes/D-BBBB/rotation', { rotationId: 'C' });
  const after = await window(`by=airplane&minOffset=${last}`);
  t.same(
    after.rows.map((r) => r.id),
    ['D-AAAA', 'D-BBBB', 'A', 'D'],
    'an assignment moves the rotation under its airplane',
  );
  t.same(after.counts.unassigned, 2);
});

t.test('bad parameters are 400 problems naming the parameter, and so is an offset no write produced', async (t) => {
  const cases: Array<[string, string]> = [
    ['by=train', 'by'],
    ['from=yesterday', 'from'],
    ['from=2026-04-02&to=2026-04-01', 'to'],
    ['from=2026-01-01&to=2027-06-01', 'to'],
    ['limit=0', 'limit'],
    ['limit=501', 'limit'],
    ['start=-1', 'start'],
    ['check=weather', 'check'],
    ['sort=colour', 'sort'],
    ['violations=maybe', 'violations'],
    ['colour=red', 'colour'],
    [`rotation=${'x'.repeat(101)}`, 'rotation'],
  ];
  for (const [q, field] of cases) {
    const r = await call('GET', `/api/window?${q}`);
    t.equal(r.status, 400, `${q.slice(0, 40)}: 400`);
    t.match(r.type, 'application/problem+json');
    t.equal(r.json.field, field, `names ${field}`);
  }
  const r = await call('GET', `/api/window?minOffset=${last + 1000}&timeoutMs=200`);
  t.equal(r.status, 400, 'a minOffset nothing has produced yet: 400 at once');
  t.match(r.type, 'application/problem+json');
});

t.test('the OpenAPI document describes the window', async (t) => {
  const doc = (await call('GET', '/api/openapi.json')).json as {
    paths: Record<string, { get?: { parameters?: Array<{ name: string }> } }>;
  };
  const names = doc.paths['/api/window']?.get?.parameters?.map((p) => p.name) ?? [];
  for (const p of ['by', 'from', 'to', 'start', 'limit', 'rotation', 'airplane', 'violations', 'check', 'sort', 'focus', 'minOffset'])
    t.ok(names.includes(p), `documents ${p}`);
});

t.test('a window subscription carries only changes inside the window', async (t) => {
  const q = { by: 'rotation', from: '2026-04-01', to: '2026-04-03', sort: 'id', limit: 2 };
  const params = new URLSearchParams(Object.entries(q).map(([k, v]): [string, string] => [k, String(v)]));
  params.set('minOffset', String(last));
  const held = await window(params.toString());
  t.same(
    held.rows.map((r) => r.id),
    ['A', 'B'],
  );
  const { ws, messages } = await connectLive(node.service.port);
  t.teardown(() => ws.close());
  ws.send(JSON.stringify({ subscribe: 'window', window: { ...q, colour: 'red' } }));
  await eventually(() => messages.find((m) => m.type === 'error'), 5_000, 'an error for a bad window');
  t.match(messages.find((m) => m.type === 'error')?.detail, /colour/);
  ws.send(JSON.stringify({ subscribe: 'window', window: q, offset: held.offset, id: 'w1' }));
  await eventually(() => messages.find((m) => m.type === 'subscribed' && m.id === 'w1'), 5_000, 'ack');

  // Outside the window: a leg of A weeks later, a leg of C (not a row on this page). Nothing comes.
  await send('POST', '/api/rotations/A/legs', leg(110, 'JFK', 'FRA', '2026-05-01T08:00:00Z', '2026-05-01T16:00:00Z'));
  await send('POST', '/api/rotations/C/legs', leg(310, 'FRA', 'JFK', '2026-04-02T08:00:00Z', '2026-04-02T09:00:00Z'));
  // Inside: a leg of A on April 2nd, which also breaks continuity before it.
  const inside = await send('POST', '/api/rotations/A/legs', leg(103, 'FRA', 'MUC', '2026-04-02T18:00:00Z', '2026-04-02T19:00:00Z'));
  const msg = await eventually(
    () => messages.find((m) => m.type === 'window' && (m.offset as number) >= (inside.offset as number)),
    10_000,
    'the change inside the window',
  );
  const windowMessages = messages.filter((m) => m.type === 'window');
  t.equal(windowMessages.length, 1, 'one message: the changes outside the window sent nothing');
  t.equal(msg.id, 'w1');
  const rows = msg.rows as WindowAnswer['rows'];
  t.same(
    rows.map((r) => r.id),
    ['A'],
    'only the row that changed',
  );
  t.same(
    rows[0]?.legs.map((l) => l.flight),
    ['LH 100', 'LH 101', 'LH 103'],
    'its legs in the window, the new one among them',
  );
  t.notOk('order' in msg, 'rows did not move: no order');
  t.equal(msg.total, 4);

  // A new rotation sorting before A on this page: the order comes with the new row.
  await send('POST', '/api/rotations', { name: '0-NEW' });
  const moved = await eventually(() => messages.find((m) => m.type === 'window' && Array.isArray(m.order)), 10_000, 'a reordered window');
  t.same(moved.order, ['rotation:0-NEW', 'rotation:A']);
  t.same(
    (moved.rows as WindowAnswer['rows']).map((r) => r.id),
    ['0-NEW'],
    'A came before: only the new row is sent',
  );
  t.equal(moved.total, 5);
});

t.test('subscribing with an old offset sends the whole window first', async (t) => {
  const { ws, messages } = await connectLive(node.service.port);
  t.teardown(() => ws.close());
  ws.send(JSON.stringify({ subscribe: 'window', window: { sort: 'id', limit: 3 }, offset: 1, id: 'old' }));
  const full = await eventually(() => messages.find((m) => m.type === 'window'), 10_000, 'the full window');
  t.equal(full.full, true);
  t.same(
    (full.rows as WindowAnswer['rows']).map((r) => r.id),
    ['0-NEW', 'A', 'B'],
  );
  t.same(full.order, ['rotation:0-NEW', 'rotation:A', 'rotation:B']);
});
