/**
 * A node in production mode (`--journal scylla`) loses its CQL server for about ten seconds
 * under a write load, and gets it back:
 *   - while it is down, commands fail fast (well under their 10 s timeout) with 503
 *     problem+json, and /readyz answers 503 naming the journal, while /healthz stays 200;
 *   - once it is back the node is ready again by itself and takes commands;
 *   - every command acknowledged before, during or after the outage is stored exactly once.
 *
 * A fault test: it stops the shared CQL server started by `npm run backends -- up`, so it runs in
 * the serial phase after the main suite.
 */
import t from 'tap';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer, stopServer } from '../../ops/backends/control.ts';
import { freePort, until } from '../../ops/lib/loopback.ts';
import { liveEnv } from '../fixtures/live.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const OUTAGE_MS = 10_000;

interface Outcome {
  readonly name: string;
  readonly status: number;
  readonly ms: number;
  readonly type?: string;
}

const contactPoints = liveEnv(t, 'SCYLLA_CONTACT_POINTS', 'a production-mode node through a CQL outage');
if (contactPoints) {
  t.test('a production-mode node through a CQL outage: 503 fast, unready with the reason, nothing acknowledged lost', async (t) => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'aloft-prod-outage-'));
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const keyspace = `aloft_outage_${process.pid}`;
    const node = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        'src/main.ts',
        '--port',
        String(port),
        '--data',
        dir,
        '--workers',
        '1',
        '--journal',
        'scylla',
        '--scylla-contact-points',
        contactPoints,
        '--scylla-dc',
        process.env.SCYLLA_DC ?? 'datacenter1',
        '--scylla-keyspace',
        keyspace,
      ],
      { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NODE_OPTIONS: '' } },
    );
    let output = '';
    node.stdout.on('data', (d: Buffer) => (output += d.toString()));
    node.stderr.on('data', (d: Buffer) => (output += d.toString()));
    let serverStopped = false;
    t.teardown(async () => {
      if (serverStopped) await startServer('cql').catch(() => undefined);
      node.kill('SIGKILL');
      await new Promise((r) => (node.exitCode !== null ? r(undefined) : node.once('exit', r)));
      rmSync(dir, { recursive: true, force: true });
    });
    await until(
      () =>
        fetch(`${base}/readyz`).then(
          (r) => r.ok,
          () => false,
        ),
      60_000,
      `the node to be ready (log: ${output.slice(-500)})`,
    );

    const outcomes: Outcome[] = [];
    let stop = false;
    let n = 0;
    const writer = async (w: number) => {
      while (!stop) {
        const name = `P${w}-${n++}`;
        const started = Date.now();
        const r = await fetch(`${base}/api/rotations`, {
          method: 'POST',
          body: JSON.stringify({ name }),
          signal: AbortSignal.timeout(30_000),
        }).catch(() => undefined);
        const body = r ? ((await r.json().catch(() => ({}))) as { type?: string }) : {};
        outcomes.push({ name, status: r?.status ?? 0, ms: Date.now() - started, ...(body.type ? { type: body.type } : {}) });
        if (r?.status !== 201) await new Promise((res) => setTimeout(res, 50));
      }
    };
    const writers = [0, 1, 2, 3].map(writer);
    await until(() => outcomes.filter((o) => o.status === 201).length >= 50, 30_000, '50 acknowledged commands before the outage');

    await stopServer('cql', { kill: true });
    serverStopped = true;
    const downAt = Date.now();
    await until(
      () =>
        fetch(`${base}/readyz`).then(
          (r) => r.status === 503,
          () => false,
        ),
      8_000,
      '/readyz to say 503',
    );
    const ready = await fetch(`${base}/readyz`);
    const problem = (await ready.json()) as { type?: string; detail?: string };
    t.equal(ready.headers.get('content-type'), 'application/problem+json', 'problem+json');
    t.match(problem.detail, /journal \(scylla\) is down/, `/readyz names the journal: ${problem.detail}`);
    t.equal((await fetch(`${base}/healthz`)).status, 200, '/healthz stays 200: the process is alive');
    const marker = outcomes.length;
    await new Promise((r) => setTimeout(r, Math.max(0, OUTAGE_MS - (Date.now() - downAt))));
    const during = outcomes.slice(marker);
    t.ok(during.length >= 20, `commands kept coming during the outage (${during.length})`);
    const refused = during.filter((o) => o.status === 503);
    t.ok(
      refused.length >= during.length - 8,
      `all but those in flight at the cut were refused with 503 (${refused.length} of ${during.length})`,
    );
    const slow = refused.filter((o) => o.ms > 1_000);
    t.ok(slow.length <= 8, `503s came fast: ${slow.length} took over 1 s (the ones in flight at the cut wait for the driver's bound)`);
    t.notOk(
      during.some((o) => o.status === 500),
      'never a 500',
    );

    await startServer('cql');
    serverStopped = false;
    await until(
      () =>
        fetch(`${base}/readyz`).then(
          (r) => r.ok,
          () => false,
        ),
      60_000,
      'the node to be ready again',
    );
    const back = outcomes.length;
    const statuses = () => {
      const counts: Record<string, number> = {};
      for (const o of outcomes.slice(back)) {
        const key = o.type ? `${o.status} ${o.type}` : `${o.status}`;
        counts[key] = (counts[key] ?? 0) + 1;
      }
      return JSON.stringify(counts);
    };
    await until(
      () => outcomes.slice(back).filter((o) => o.status === 201).length >= 30,
      30_000,
      `30 acknowledged commands after the outage (answers so far: ${statuses()}; log: ${output.slice(-800)})`,
    ).catch((e: unknown) => {
      throw new Error(`${(e as Error).message.slice(0, 60)}; answers since the restart: ${statuses()}; node log: ${output.slice(-1500)}`);
    });
    stop = true;
    await Promise.all(writers);

    const acked = outcomes.filter((o) => o.status === 201).map((o) => o.name);
    const feed: Array<{ persistenceId: string; seq: number }> = [];
    for (let from = 1; ; ) {
      const page = (await (await fetch(`${base}/api/feed?from=${from}&limit=5000`)).json()) as {
        events: Array<{ persistenceId: string; seq: number }>;
        next: number;
        head: number;
      };
      feed.push(...page.events);
      if (page.events.length === 0 || page.next > page.head) break;
      from = page.next;
    }
    const counts = new Map<string, number>();
    for (const e of feed) counts.set(`${e.persistenceId}#${e.seq}`, (counts.get(`${e.persistenceId}#${e.seq}`) ?? 0) + 1);
    const missing = acked.filter((name) => counts.get(`rotation-${name}#1`) !== 1);
    t.same(missing.slice(0, 10), [], `every acknowledged command is in the journal (${acked.length} acknowledged)`);
    for (const name of acked.slice(0, 200)) {
      const r = await fetch(`${base}/api/rotations/${name}`);
      if (r.status !== 200) t.fail(`${name} reads back as ${r.status}`);
    }
    const twice = [...counts.entries()].filter(([, c]) => c > 1);
    t.same(twice, [], 'no event is in the feed twice');
  });
}
