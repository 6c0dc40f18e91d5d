/**
 * An SSIM import survives kill -9 of the node running it. A node process imports a generated
 * season and is killed while applying it; restarted on the same data directory, with no client
 * asking, the import keeper resumes the job from its journalled progress and it finishes: every
 * command applied once (the journal holds exactly one RotationCreated per rotation and one LegAdded
 * per leg, the counts add up, nothing refused), GET /api/imports lists it, and WebSocket clients of
 * the restarted node see its progress to the end.
 */
import t from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, until } from '../../ops/lib/loopback.ts';
import { ready, startNode, type Node } from './fixtures/node-process.ts';
import { generateSeason } from '../../src/domain/season/season.ts';
import { ssimText } from '../../ops/season/files.ts';
import { parseSsimText, planImport } from '../../src/domain/index.ts';
import { connectLive } from '../http/live-client.ts';

const get = async (url: string): Promise<Record<string, unknown>> => (await fetch(url)).json() as Promise<Record<string, unknown>>;

t.test('kill -9 in the middle of an import: after a restart it resumes by itself and applies every command once', async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'aloft-import-crash-'));
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const nodes: Node[] = [];
  t.teardown(async () => {
    for (const n of nodes) if (n.child.exitCode === null && n.child.signalCode === null) n.child.kill('SIGKILL');
    await Promise.all(nodes.map((n) => n.exited));
    rmSync(dir, { recursive: true, force: true });
  });

  const text = ssimText(generateSeason({ airplanes: 90, airports: 30, days: 90, seed: 3 }));
  const plan = planImport(parseSsimText(text), { onError: 'valid-only' });
  if (plan._tag !== 'ImportReady') throw new Error('the generated season does not plan');
  const commandsTotal = plan.rotations.length + plan.legCount;

  let node = startNode(dir, port);
  nodes.push(node);
  await ready(base, node);
  const accepted = await fetch(`${base}/api/imports?onError=valid-only`, { method: 'POST', body: text });
  t.equal(accepted.status, 202);
  const { importId } = (await accepted.json()) as { importId: string };
  let seen: Record<string, unknown> | undefined;
  const before = await until(
    async () => {
      const s = await get(`${base}/api/imports/${importId}`);
      seen = s;
      // Killed as soon as it is seen applying: on a loaded machine the status can lag the work by
      // most of the import, and a job seen only once done cannot be killed in the middle.
      return s.state === 'applying' && (s.commandsApplied as number) > 0 ? s : undefined;
    },
    60_000,
    'the import to be under way',
  ).catch((error: unknown) => {
    // What the job was doing, and what the node said, make a stalled import diagnosable.
    const { problems: _, ...status } = seen ?? {};
    throw new Error(`${String(error)}; last status ${JSON.stringify(status)}; the node's output ends:\n${node.output().slice(-3000)}`);
  });
  node.child.kill('SIGKILL');
  t.equal(await node.exited, 'SIGKILL');
  t.ok(
    (before.commandsApplied as number) < commandsTotal,
    `killed with ${String(before.commandsApplied)} of ${commandsTotal} commands applied`,
  );

  node = startNode(dir, port);
  nodes.push(node);
  await ready(base, node);
  const live = await connectLive(port);
  t.teardown(() => live.ws.close());
  live.ws.send(JSON.stringify({ subscribe: 'imports' }));
  const done = await until(
    async () => {
      const s = await get(`${base}/api/imports/${importId}`);
      return ['done', 'failed', 'rejected'].includes(s.state as string) ? s : undefined;
    },
    90_000,
    'the resumed import to finish',
  );
  t.match(
    done,
    { state: 'done', commandsTotal, commandsApplied: commandsTotal, commandsRejected: 0 },
    'every command applied, none refused',
  );
  t.ok((done.resumes as number) >= 1, 'it was resumed');

  // Exactly one event per command in the journal: nothing applied twice, nothing skipped.
  let created = 0;
  let legs = 0;
  for (let from = 1; ; ) {
    const page = await get(`${base}/api/feed?from=${from}&limit=50000`);
    for (const e of page.events as Array<{ type: string }>) {
      if (e.type === 'RotationCreated') created++;
      if (e.type === 'LegAdded') legs++;
    }
    if ((page.next as number) > (page.head as number)) break;
    from = page.next as number;
  }
  t.equal(created, plan.rotations.length, 'one RotationCreated per rotation');
  t.equal(legs, plan.legCount, 'one LegAdded per leg');

  const list = await get(`${base}/api/imports`);
  t.match(list, { imports: [{ importId, state: 'done' }] }, 'GET /api/imports lists the job');
  await until(
    () =>
      live.messages.some(
        (m) =>
          m.type === 'import' &&
          (m.status as { importId?: string; state?: string }).importId === importId &&
          (m.status as { state?: string }).state === 'done',
      ),
    10_000,
    'the WebSocket to tell the end',
  );
  t.ok(
    live.messages.some((m) => m.type === 'import' && (m.status as { importId?: string }).importId === importId),
    'progress over the WebSocket after the restart',
  );
});
