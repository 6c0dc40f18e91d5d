/**
 * The assignment saga survives kill -9 of its node between any two steps. A node process
 * (fixtures/saga-node.ts) reassigns an airplane from one rotation to the other and kills itself
 * at an injected point of the saga (before a step is sent, or after it was applied and before its
 * reply was journalled), for each of the four steps (claim, read the airplane, assign, release the
 * previous rotation). Restarted on the same data directory, with no client asking, the keeper
 * wakes the saga; it finishes, and every rotation claimed by an airplane is that airplane's
 * rotation and the other way round. GET /api/assignments/{id} then tells the outcome.
 */
import t from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, until } from '../../ops/lib/loopback.ts';
import { ready, startNode, type Node } from './fixtures/node-process.ts';

const REG = 'D-AKIL';
const ROTATIONS = ['kr1', 'kr2'];

async function call(base: string, method: string, url: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const r = await fetch(`${base}${url}`, {
    method,
    ...(body !== undefined ? { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } } : {}),
  });
  const text = await r.text();
  return { status: r.status, json: text.length > 0 ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

/** Every rotation claimed by an airplane is that airplane's rotation and vice versa. */
async function invariant(base: string): Promise<{ holds: string | null; wrong: string[] }> {
  const plane = (await call(base, 'GET', `/api/airplanes/${REG}`)).json;
  const wrong: string[] = [];
  for (const r of ROTATIONS) {
    const rot = (await call(base, 'GET', `/api/rotations/${r}`)).json;
    if (rot.airplane === REG && plane.rotationId !== r) wrong.push(`${r} is claimed by ${REG}, which holds ${String(plane.rotationId)}`);
    if (plane.rotationId === r && rot.airplane !== REG) wrong.push(`${REG} holds ${r}, whose claim is ${String(rot.airplane)}`);
  }
  return { holds: (plane.rotationId as string | null) ?? null, wrong };
}

t.test('kill -9 between each pair of saga steps: after a restart the saga finishes by itself', async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'aloft-saga-crash-'));
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const nodes: Node[] = [];
  t.teardown(async () => {
    for (const n of nodes) if (n.child.exitCode === null && n.child.signalCode === null) n.child.kill('SIGKILL');
    await Promise.all(nodes.map((n) => n.exited));
    rmSync(dir, { recursive: true, force: true });
  });

  let node = startNode(dir, port);
  nodes.push(node);
  await ready(base, node);
  t.equal((await call(base, 'POST', '/api/airplanes', { registration: REG, aircraftType: '320', minGroundTimeMinutes: 30 })).status, 201);
  for (const name of ROTATIONS) t.equal((await call(base, 'POST', '/api/rotations', { name })).status, 201);
  const first = await call(base, 'PUT', `/api/airplanes/${REG}/rotation`, { rotationId: ROTATIONS[0], assignmentId: 'k-setup' });
  t.ok([200, 202].includes(first.status), 'the first assignment, no crash (202 if a loaded machine makes it outlast the wait)');
  t.equal(first.json.assignmentId, 'k-setup');
  await until(
    async () => (await call(base, 'GET', '/api/assignments/k-setup')).json.state === 'completed',
    30_000,
    'the first assignment to finish',
  );
  node.child.kill('SIGTERM');
  await node.exited;

  let round = 0;
  for (const point of ['before-send', 'after-reply'] as const) {
    for (let step = 0; step < 4; step++, round++) {
      const target = ROTATIONS[(round + 1) % 2] as string;
      const sagaId = `k-${point}-${step}`;
      node = startNode(dir, port, `${point}:${step}:${sagaId}`);
      nodes.push(node);
      await ready(base, node);
      const answer = await call(base, 'PUT', `/api/airplanes/${REG}/rotation`, { rotationId: target, assignmentId: sagaId }).catch(
        () => undefined,
      );
      t.equal(answer, undefined, `${point} step ${step}: the node died under the request`);
      t.equal(await node.exited, 'SIGKILL', `${point} step ${step}: killed by the hook`);

      node = startNode(dir, port);
      nodes.push(node);
      await ready(base, node);
      // Nobody asks about the saga: the keeper must wake it. Wait until the airplane holds the
      // target and the rotations agree with it (the release of the previous one is the last step).
      const settled = await until(
        async () => {
          const inv = await invariant(base);
          return inv.holds === target && inv.wrong.length === 0 ? inv : undefined;
        },
        30_000,
        `${point} step ${step}: the airplane to hold ${target} with the rotations agreeing`,
      ).catch((error: unknown) => {
        t.fail(String(error));
        return undefined;
      });
      t.ok(settled, `${point} step ${step}: airplane and rotations agree`);
      const status = await until(
        async () => {
          const s = await call(base, 'GET', `/api/assignments/${sagaId}`);
          return s.json.state === 'completed' ? s : undefined;
        },
        10_000,
        `${point} step ${step}: the saga to be completed`,
      );
      t.match(
        status.json,
        { assignmentId: sagaId, state: 'completed', outcome: { _tag: 'Assigned', rotationId: target } },
        `${point} step ${step}: the outcome is there to read`,
      );
      node.child.kill('SIGTERM');
      await node.exited;
    }
  }
});
