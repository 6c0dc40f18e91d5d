/**
 * End to end over HTTP against a real node (one worker, LMDB in a temp dir): every write command,
 * the entity reads, and the bad inputs the API must refuse with problem+json without changing
 * anything.
 */
import t from 'tap';
import { documentedFetch } from '../fixtures/api-schema.ts';
import { leg } from '../fixtures/bodies.ts';
import { fileNode } from '../fixtures/service.ts';

const node = fileNode('http');

/** Every answer is checked against the OpenAPI document (its route, status and schema). */
async function call(method: string, url: string, body?: unknown): Promise<{ status: number; type: string; json: Record<string, unknown> }> {
  const r = await documentedFetch(`${node.base}${url}`, {
    method,
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  return { status: r.status, type: r.type, json: typeof r.body === 'object' && r.body !== null ? (r.body as Record<string, unknown>) : {} };
}

t.test('every write command, with offsets, and the entity reads', async (t) => {
  const a = await call('POST', '/api/airports', { code: 'FRA', minGroundTimeMinutes: 45 });
  t.equal(a.status, 201);
  t.type(a.json.offset, 'number');
  const u = await call('PUT', '/api/airports/FRA', { minGroundTimeMinutes: 50 });
  t.equal(u.status, 200);
  t.ok((u.json.offset as number) > (a.json.offset as number), 'offsets grow');
  t.equal((await call('PUT', '/api/airports/MUC', { minGroundTimeMinutes: 50 })).status, 404, 'PUT on an unknown airport');

  t.same(
    (await call('POST', '/api/airplanes', { registration: 'D-AIMA', aircraftType: '388', minGroundTimeMinutes: 60 })).json.id,
    'D-AIMA',
  );
  t.equal(
    (await call('POST', '/api/airplanes', { registration: 'D-AIMA', aircraftType: '388', minGroundTimeMinutes: 60 })).status,
    409,
    'duplicate airplane',
  );

  const r = await call('POST', '/api/rotations', {});
  t.equal(r.status, 201);
  const id = r.json.id as string;
  t.match(id, /^r/);
  const l1 = await call('POST', `/api/rotations/${id}/legs`, {
    ...leg(400, 'FRA', 'JFK', '2026-03-29T10:00:00Z', '2026-03-29T18:00:00Z'),
    aircraftType: '388',
    serviceType: 'J',
  });
  t.equal(l1.status, 201);
  t.equal(l1.json.legId, 'LH-400-FRA-2026-03-29');
  const overlap = await call('POST', `/api/rotations/${id}/legs`, leg(401, 'JFK', 'FRA', '2026-03-29T17:00:00Z', '2026-03-30T01:00:00Z'));
  t.equal(overlap.status, 409, 'an overlapping leg is refused');
  t.equal(overlap.type, 'application/problem+json');
  t.equal((overlap.json.error as { _tag: string })._tag, 'LegOverlaps');
  const l2 = await call('POST', `/api/rotations/${id}/legs`, leg(401, 'JFK', 'FRA', '2026-03-29T20:00:00Z', '2026-03-30T04:00:00Z'));
  t.equal(l2.status, 201);
  t.same(
    [r.json.version, l1.json.version, l2.json.version],
    [1, 2, 3],
    "each reply carries the rotation's version after it (the refused leg stored nothing)",
  );

  const assign = await call('PUT', '/api/airplanes/D-AIMA/rotation', { rotationId: id });
  t.equal(assign.status, 200);
  t.equal(assign.json._tag, 'Assigned');
  const rot = await call('GET', `/api/rotations/${id}`);
  t.equal(rot.json.airplane, 'D-AIMA');
  t.equal((rot.json.legs as unknown[]).length, 2);
  t.same(
    (rot.json.legs as { aircraftType: unknown; serviceType: unknown }[]).map((l) => [l.aircraftType, l.serviceType]),
    [
      ['388', 'J'],
      [null, null],
    ],
    'aircraft and service type are optional; absent is null',
  );
  t.equal((await call('GET', '/api/airplanes/D-AIMA')).json.rotationId, id);

  await call('POST', '/api/airplanes', { registration: 'D-AIMB', aircraftType: '388', minGroundTimeMinutes: 60 });
  const second = await call('PUT', '/api/airplanes/D-AIMB/rotation', { rotationId: id });
  t.equal(second.status, 409, 'a rotation is flown by at most one airplane');
  t.equal((await call('GET', '/api/airplanes/D-AIMB')).json.rotationId, null, 'and the refused airplane holds nothing');

  t.equal((await call('DELETE', `/api/rotations/${id}/legs/LH-401-JFK-2026-03-29`)).status, 200);
  t.equal((await call('DELETE', `/api/rotations/${id}/legs/LH-401-JFK-2026-03-29`)).status, 404, 'unknown leg');
  t.equal((await call('PUT', '/api/airplanes/D-AIMA/rotation', {})).status, 200, 'unassign');
  t.equal((await call('DELETE', `/api/rotations/${id}`)).status, 200);
  t.equal(
    (await call('POST', `/api/rotations/${id}/legs`, leg(402, 'FRA', 'JFK', '2026-04-01T10:00:00Z', '2026-04-01T18:00:00Z'))).status,
    409,
    'a removed rotation takes no legs',
  );
  t.equal((await call('GET', `/api/rotations/${id}`)).status, 404);
});

t.test('bad input: 4xx problem+json naming the field, and nothing changes', async (t) => {
  const before = await node.service.journal.headOffset();
  const cases: Array<[string, string, string, unknown, number, string | undefined]> = [
    ['malformed JSON', 'POST', '/api/airports', '{"code": "FRA"', 400, undefined],
    ['not an object', 'POST', '/api/airports', '[1,2]', 400, undefined],
    ['unknown field', 'POST', '/api/airports', { code: 'FRA', minGroundTimeMinutes: 1, extra: true }, 400, 'extra'],
    ['wrong type', 'POST', '/api/airports', { code: 'FRA', minGroundTimeMinutes: '45' }, 400, 'minGroundTimeMinutes'],
    ['missing field', 'POST', '/api/airplanes', { registration: 'D-AIMC', aircraftType: '388' }, 400, 'minGroundTimeMinutes'],
    ['invalid airport code', 'POST', '/api/airports', { code: 'fra', minGroundTimeMinutes: 45 }, 400, 'code'],
    ['negative minutes', 'POST', '/api/airports', { code: 'FRA', minGroundTimeMinutes: -1 }, 400, 'minGroundTimeMinutes'],
    [
      'arrival before departure',
      'POST',
      '/api/rotations/x1/legs',
      leg(1, 'FRA', 'JFK', '2026-03-29T10:00:00Z', '2026-03-29T09:00:00Z'),
      400,
      'arrival',
    ],
    [
      'not an instant',
      'POST',
      '/api/rotations/x1/legs',
      { ...leg(1, 'FRA', 'JFK', '2026-03-29T10:00:00Z', '2026-03-29T12:00:00Z'), departure: 'tomorrow' },
      400,
      'departure',
    ],
    [
      'departure off the calendar',
      'POST',
      '/api/rotations/x1/legs',
      { ...leg(1, 'FRA', 'JFK', '2026-03-29T10:00:00Z', '2026-03-29T12:00:00Z'), departure: '2026-02-30T10:00:00Z' },
      400,
      'departure',
    ],
    [
      'bad aircraft type',
      'POST',
      '/api/rotations/x1/legs',
      { ...leg(1, 'FRA', 'JFK', '2026-03-29T10:00:00Z', '2026-03-29T12:00:00Z'), aircraftType: 'A320' },
      400,
      'aircraftType',
    ],
    [
      'bad service type',
      'POST',
      '/api/rotations/x1/legs',
      { ...leg(1, 'FRA', 'JFK', '2026-03-29T10:00:00Z', '2026-03-29T12:00:00Z'), serviceType: 'pax' },
      400,
      'serviceType',
    ],
    [
      'unknown rotation',
      'POST',
      '/api/rotations/no-such-rotation/legs',
      leg(1, 'FRA', 'JFK', '2026-03-29T10:00:00Z', '2026-03-29T12:00:00Z'),
      404,
      undefined,
    ],
    ['unknown airplane', 'GET', '/api/airplanes/NOPE', undefined, 404, undefined],
    ['unknown route', 'GET', '/api/nothing-here', undefined, 404, undefined],
    [
      'oversized body',
      'POST',
      '/api/airports',
      JSON.stringify({ code: 'FRA', minGroundTimeMinutes: 1, pad: 'x'.repeat(2 << 20) }),
      413,
      undefined,
    ],
  ];
  for (const [name, method, url, body, status, field] of cases) {
    const r = await call(method, url, body);
    t.equal(r.status, status, `${name}: ${status}`);
    t.equal(r.type, 'application/problem+json', `${name}: problem+json`);
    t.type(r.json.detail, 'string', `${name}: says why`);
    if (field !== undefined) t.equal(r.json.field, field, `${name}: names the field`);
  }
  t.equal(await node.service.journal.headOffset(), before, 'nothing was stored');
});

t.test('the feed lists every stored event in offset order', async (t) => {
  // Up to the head read first: a saga of an earlier test may still append its last step.
  const head = await node.service.journal.headOffset();
  const all: Array<{ offset: number; type: string }> = [];
  for (let from = 1, guard = 0; from <= head && guard < 100; guard++) {
    const page = (await call('GET', `/api/feed?from=${from}&limit=3`)).json as {
      events: Array<{ offset: number; type: string }>;
      next: number;
      head: number;
    };
    if (page.events.length === 0) break;
    all.push(...page.events.filter((e) => e.offset <= head));
    from = page.next;
  }
  t.equal(all.length, head, 'every event once');
  t.same(
    all.map((e) => e.offset),
    Array.from({ length: head }, (_, i) => i + 1),
    'in offset order, gap-free',
  );
  t.equal(all[0]?.type, 'AirportMinimumGroundTimeSet');
  t.equal((await call('GET', '/api/feed?limit=0')).status, 400);
});

t.test('assignments: the saga id in every answer, GET /api/assignments/{id}, a named assignment sent twice is one saga', async (t) => {
  await call('POST', '/api/airplanes', { registration: 'D-ASGA', aircraftType: '320', minGroundTimeMinutes: 30 });
  for (const name of ['AS1', 'AS2']) t.equal((await call('POST', '/api/rotations', { name })).status, 201);
  const first = await call('PUT', '/api/airplanes/D-ASGA/rotation', { rotationId: 'AS1' });
  t.equal(first.status, 200);
  t.type(first.json.assignmentId, 'string', 'a generated assignment id');
  const status = await call('GET', `/api/assignments/${String(first.json.assignmentId)}`);
  t.match(status, {
    status: 200,
    json: {
      assignmentId: first.json.assignmentId,
      kind: 'assign',
      registration: 'D-ASGA',
      rotationId: 'AS1',
      state: 'completed',
      outcome: { _tag: 'Assigned', rotationId: 'AS1', replaced: null },
    },
  });
  const named = await call('PUT', '/api/airplanes/D-ASGA/rotation', { rotationId: 'AS2', assignmentId: 'my-assignment-1' });
  t.match(named, { status: 200, json: { _tag: 'Assigned', rotationId: 'AS2', replaced: 'AS1', assignmentId: 'my-assignment-1' } });
  const again = await call('PUT', '/api/airplanes/D-ASGA/rotation', { rotationId: 'AS2', assignmentId: 'my-assignment-1' });
  t.match(
    again,
    { status: 200, json: { _tag: 'Assigned', replaced: 'AS1', assignmentId: 'my-assignment-1' } },
    'sent again: the same saga answers, nothing done twice',
  );
  t.equal((await call('GET', '/api/rotations/AS1')).json.airplane, null, 'the previous rotation was released');
  const other = await call('PUT', '/api/airplanes/D-ASGA/rotation', { assignmentId: 'my-assignment-1' });
  t.match(other, { status: 409, json: { type: /assignment-id-taken/ } }, 'the id of another assignment');
  t.equal((await call('GET', '/api/assignments/no-such-assignment')).status, 404);
  const failed = await call('PUT', '/api/airplanes/D-NOPE/rotation', { rotationId: 'AS1', assignmentId: 'failing-1' });
  t.match(
    failed,
    { status: 404, json: { assignmentId: 'failing-1', error: { _tag: 'AirplaneNotFound' } } },
    'an unknown airplane: the claim was compensated',
  );
  t.equal((await call('GET', '/api/rotations/AS1')).json.airplane, null, 'and AS1 is free again');
  t.match((await call('GET', '/api/assignments/failing-1')).json, { state: 'completed', outcome: { _tag: 'AssignmentFailed' } });
});
