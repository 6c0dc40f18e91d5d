/**
 * Loopback plumbing for a chaos run, on top of ops/lib/loopback.ts (free ports, waiting with a
 * deadline, LinkProxy/ProxyMesh). What chaos adds: ports reserved for the whole run, and cutting
 * one node off from all the others and healing it.
 */
import { freePort as probeFreePort, type ProxyMesh } from '../lib/loopback.ts';

export { LinkProxy, ProxyMesh, until } from '../lib/loopback.ts';

/** Ports handed out in this process: nodes bind theirs only when (re)started, so a later probe could find one free again. */
const handedOut = new Set<number>();

/** A free loopback port (outside the ephemeral range) not handed out before in this run. */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = await probeFreePort();
    if (handedOut.has(port)) continue;
    handedOut.add(port);
    return port;
  }
  throw new Error('no unreserved free port after 100 tries');
}

/** Cuts node i off from every other node of the mesh, both ways. */
export function isolate(mesh: ProxyMesh, i: number, nodes: number): void {
  mesh.partition(
    [i],
    Array.from({ length: nodes }, (_, j) => j).filter((j) => j !== i),
  );
}

export function healAll(mesh: ProxyMesh): void {
  for (const p of mesh.proxies.values()) p.heal();
}
