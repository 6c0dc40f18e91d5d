/**
 * The write load generator (ops/load) without a node: airplane registrations are unique and
 * valid for the domain however many planners and rounds there are (they used to collide past
 * 36 of either), and the closed loop drives the bare baseline server with the workload's whole
 * mix, one connection per slot, without errors.
 */
import t from 'tap';
import uws from '@trufflesuite/uws-js-unofficial';
import { bareApp } from '../../ops/load/bare.ts';
import { closedLoop } from '../../ops/load/closed.ts';
import { registrations } from '../../ops/load/write.ts';

/** The domain's rule (src/domain/airplane.ts) and the HTTP route's. */
const VALID = /^[A-Z0-9][A-Z0-9-]{1,9}$/;

t.test('registrations: unique within a run and valid, 100,000 of them', async (t) => {
  const next = registrations('K7QZ');
  const seen = new Set<string>();
  for (let i = 0; i < 100_000; i++) seen.add(next());
  t.equal(seen.size, 100_000);
  t.ok(
    [...seen].every((r) => VALID.test(r)),
    'every one matches the domain rule',
  );
  t.equal(registrations('K7QZ')(), 'K7QZ-00000', 'the tag, a dash and a 5-digit base-36 counter');
});

t.test('registrations: a random tag per run; a bad tag is refused', async (t) => {
  t.match(registrations()(), /^[A-Z0-9]{4}-00000$/);
  t.throws(() => registrations('k7'), /4 capitals or digits/);
});

t.test('the closed loop against the bare server: every command of the mix, no errors, unique registrations', async (t) => {
  const routes = new Map<string, number>();
  const registered: string[] = [];
  const app = bareApp((route, body) => {
    routes.set(route, (routes.get(route) ?? 0) + 1);
    if (route === 'POST /api/airplanes') registered.push(String(body.registration));
  });
  const socket = await new Promise<uws.us_listen_socket>((resolve, reject) =>
    app.listen('127.0.0.1', 0, (s) => (s ? resolve(s) : reject(new Error('cannot listen')))),
  );
  t.teardown(() => uws.us_listen_socket_close(socket));
  const origin = `http://127.0.0.1:${uws.us_socket_local_port(socket)}`;
  const { rec, seconds } = await closedLoop(origin, {
    connections: 4,
    warmupMs: 50,
    durationMs: 400,
    legsPerRotation: 3,
    timeoutMs: 5000,
    runId: 'T',
    registration: registrations('TEST'),
  });
  t.equal(rec.errors, 0);
  t.ok(rec.ok > 0 && seconds >= 0.4, `${rec.ok} commands recorded in ${seconds.toFixed(2)} s`);
  t.same([...routes.keys()].sort(), [
    'POST /api/airplanes',
    'POST /api/rotations',
    'POST /api/rotations/:id/legs',
    'PUT /api/airplanes/:id/rotation',
  ]);
  const rotations = routes.get('POST /api/rotations') ?? 0;
  t.ok((routes.get('POST /api/rotations/:id/legs') ?? 0) >= 2 * rotations, 'about 3 legs a rotation (the last rounds may be cut short)');
  t.equal(new Set(registered).size, registered.length, 'no registration sent twice');
});
