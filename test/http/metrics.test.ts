/**
 * GET /metrics of a real node: commands accepted and refused move the command counters by
 * exactly as much, the HTTP histogram is in seconds by route pattern, method and status, the
 * process metrics are there, and actor figures of a worker thread come from that worker.
 */
import t, { type Test } from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startService, type Service } from '../../src/service/service.ts';
import { parseExposition, select, value, type Exposition } from './prom-text.ts';

const dirs: string[] = [];
t.teardown(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function start(t: Test, workers: number, maxEntities?: number): Promise<string> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'aloft-metrics-'));
  dirs.push(dir);
  const service: Service = await startService(
    {
      host: '127.0.0.1',
      port: 0,
      data: dir,
      workers,
      demoSeason: false,
      durability: 'commit',
      ...(maxEntities !== undefined ? { maxEntities } : {}),
    },
    () => undefined,
  );
  t.teardown(() => service.stop());
  return `http://127.0.0.1:${service.port}`;
}

async function send(base: string, method: string, url: string, body: unknown): Promise<number> {
  const res = await fetch(`${base}${url}`, { method, body: JSON.stringify(body) });
  await res.arrayBuffer();
  return res.status;
}

async function scrape(base: string): Promise<{ type: string; e: Exposition }> {
  const res = await fetch(`${base}/metrics`);
  if (res.status !== 200) throw new Error(`/metrics answered ${res.status}`);
  return { type: res.headers.get('content-type') ?? '', e: parseExposition(await res.text()) };
}

t.test('commands by outcome, requests in seconds by route and status, process metrics', async (t) => {
  const base = await start(t, 0);
  const before = (await scrape(base)).e;
  t.equal(
    value(before, 'aloft_commands_total', { aggregate: 'airplane', outcome: 'accepted' }),
    0,
    'every outcome is exported from the start',
  );

  t.equal(await send(base, 'POST', '/api/airports', { code: 'FRA', minGroundTimeMinutes: 45 }), 201);
  t.equal(await send(base, 'POST', '/api/airplanes', { registration: 'D-AIMA', aircraftType: '388', minGroundTimeMinutes: 60 }), 201);
  t.equal(await send(base, 'POST', '/api/airplanes', { registration: 'D-AIMA', aircraftType: '388', minGroundTimeMinutes: 60 }), 409);
  t.equal(await send(base, 'POST', '/api/airplanes', { registration: 'D-AIMA', aircraftType: '388', minGroundTimeMinutes: 60 }), 409);
  t.equal(await send(base, 'POST', '/api/rotations', { name: 'R1' }), 201);
  t.equal(await send(base, 'POST', '/api/rotations', { name: 'R1' }), 409);
  // Refused before any command is sent: counted as a request, not as a command.
  t.equal(await send(base, 'POST', '/api/airports', { code: 'frankfurt', minGroundTimeMinutes: 45 }), 400);

  const { type, e } = await scrape(base);
  t.match(type, /^text\/plain; version=0\.0\.4/, 'Prometheus text format');

  const commands = (aggregate: string, outcome: string) => value(e, 'aloft_commands_total', { aggregate, outcome });
  t.equal(e.types.get('aloft_commands_total'), 'counter');
  t.equal(commands('airport', 'accepted'), 1);
  t.equal(commands('airport', 'rejected'), 0);
  t.equal(commands('airplane', 'accepted'), 1);
  t.equal(commands('airplane', 'rejected'), 2);
  t.equal(commands('rotation', 'accepted'), 1);
  t.equal(commands('rotation', 'rejected'), 1);
  for (const outcome of ['failed', 'unavailable', 'outcome_unknown', 'timeout', 'error'])
    t.equal(commands('airplane', outcome), 0, `airplane ${outcome}`);

  const http = 'aloft_http_request_duration_seconds';
  t.equal(e.types.get(http), 'histogram');
  const count = (route: string, method: string, status: string) => value(e, `${http}_count`, { route, method, status });
  t.equal(count('/api/airplanes', 'POST', '201'), 1);
  t.equal(count('/api/airplanes', 'POST', '409'), 2);
  t.equal(count('/api/rotations', 'POST', '409'), 1);
  t.equal(count('/api/airports', 'POST', '400'), 1);
  t.equal(count('/metrics', 'GET', '200'), 1, 'the first scrape, recorded once it was answered');
  const buckets = select(e, `${http}_bucket`, { route: '/api/airplanes', method: 'POST', status: '409' }).map((s) => s.labels.le);
  t.same(
    buckets,
    ['0.0005', '0.001', '0.0025', '0.005', '0.01', '0.025', '0.05', '0.1', '0.25', '0.5', '1', '2.5', '5', '10', '+Inf'],
    'bounds in seconds',
  );
  const sum = value(e, `${http}_sum`, { route: '/api/airplanes', method: 'POST', status: '409' });
  t.ok(sum > 0 && sum < 2, `two quick requests took ${sum} s, not milliseconds`);
  t.equal(select(e, `${http}_count`, { route: '/api/airplanes/D-AIMA' }).length, 0, 'routes by pattern, not by URL');

  // Four commands stored events: each is one append in a group commit.
  t.ok(value(e, 'aloft_journal_commit_appends_sum') >= 3, 'appends in group commits');
  t.ok(value(e, 'aloft_journal_commit_duration_seconds_count') >= 1);
  t.ok(value(e, 'aloft_journal_head_offset') >= 3);
  t.equal(value(e, 'aloft_journal_reachable'), 1);

  for (const name of [
    'process_cpu_seconds_total',
    'process_resident_memory_bytes',
    'nodejs_eventloop_lag_seconds',
    'nodejs_eventloop_lag_p99_seconds',
    'nodejs_heap_size_used_bytes',
  ])
    t.ok(select(e, name).length > 0, `${name} is exported`);

  t.ok(value(e, 'aloft_actors', { thread: '0' }) > 0, 'entities on the main thread with --workers 0');
  t.equal(value(e, 'aloft_dead_letters_total', { thread: '0', reason: 'mailbox-full' }), 0);
  t.ok(value(e, 'aloft_shards', { state: 'active' }) > 0, 'a node alone has every shard');
  t.equal(value(e, 'aloft_cluster_members', { status: 'up' }), 0, 'no cluster');
  t.equal(select(e, 'aloft_entities_lru_passivated_main').length, 0, 'the old main-thread-only gauge is gone');
  for (const [name, type] of e.types) {
    if (type === 'counter') t.match(name, /_total$/, `counter ${name} ends in _total`);
    t.notMatch(name, /_ms$|_milliseconds/, `${name} is in base units`);
  }
});

t.test('actor figures of a worker thread come from the worker', async (t) => {
  // One entity per aggregate type and thread: the second airport passivates the first.
  const base = await start(t, 1, 3);
  t.equal(await send(base, 'POST', '/api/airports', { code: 'FRA', minGroundTimeMinutes: 45 }), 201);
  t.equal(await send(base, 'POST', '/api/airports', { code: 'MUC', minGroundTimeMinutes: 45 }), 201);
  const { e } = await scrape(base);
  t.ok(value(e, 'aloft_entities_passivated_lru_total', { thread: '1' }) >= 1, 'an LRU passivation in the worker');
  t.equal(value(e, 'aloft_entities_passivated_lru_total', { thread: '0' }), 0, 'none on the main thread');
  t.ok(value(e, 'aloft_actors', { thread: '1' }) >= 1);
  t.ok(value(e, 'aloft_mailbox_messages', { thread: '1' }) >= 0);
  t.equal(value(e, 'aloft_dead_letters_total', { thread: '1', reason: 'no-such-actor' }), 0);
});
