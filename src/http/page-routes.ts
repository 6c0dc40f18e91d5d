/**
 * The planner page and the cluster panel's data, on every node.
 *
 * The page is a handful of static files from src/http/page/, read once at start (a node serves
 * the same bytes until it restarts, and a request never touches the disk). Everything it shows
 * comes from the public API (the feed, the checks, the WebSocket); the only route it adds is
 * GET /api/cluster/panel, which forwards the planner's admin token to the cluster's admin HTTP
 * API and adds what this node knows itself (view-replica lag, actors on the main thread). The
 * admin API listens on another port without CORS, so the browser cannot ask it directly.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { adminRequest, type AdminClientTls } from '../cluster/admin-client.ts';
import { notFound, problem } from './problem.ts';
import type { HttpServer } from './server.ts';

const PAGE_DIR = path.join(import.meta.dirname, 'page');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

export interface PageDeps {
  /** Lag of each view replica (the service's `views.lag()`). */
  readonly lag: () => readonly { name: string; state: string; offset: number; head: number; lag: number }[];
  /** Live actors on this node's main thread. */
  readonly actors?: () => number;
  /** Base URL of a cluster admin HTTP API (e.g. http://127.0.0.1:7001); none: the node runs no cluster. */
  readonly adminUrl?: string | undefined;
  /** For an https admin URL: the PEM file of the CA that signed its certificate (else the system CAs). */
  readonly adminCa?: string | undefined;
  /** For an https admin URL: accept any certificate (the cluster runs with --tls-insecure). */
  readonly adminInsecure?: boolean;
  /** How long to wait for the admin API before saying it is unreachable. */
  readonly adminTimeoutMs?: number;
}

/** Reads src/http/page/ once: file name -> bytes and content type. */
function loadPage(): Map<string, { body: string; type: string }> {
  const files = new Map<string, { body: string; type: string }>();
  for (const name of readdirSync(PAGE_DIR)) {
    const type = TYPES[path.extname(name)];
    if (type !== undefined) files.set(name, { body: readFileSync(path.join(PAGE_DIR, name), 'utf8'), type });
  }
  return files;
}

export function pageRoutes(server: HttpServer, deps: PageDeps): void {
  const files = loadPage();
  const index = files.get('index.html');
  if (!index) throw new Error(`the planner page is missing: no index.html in ${PAGE_DIR}`);
  const serveFile = (name: string) => {
    const file = files.get(name);
    if (!file) throw notFound(`no page file /${name}`);
    return { status: 200, body: file.body, contentType: file.type };
  };
  server.route('get', '/', () => serveFile('index.html'));
  // One pattern for every static file, so a new file needs no new route; names are looked up in
  // the map read at start, so a path like /../x can never reach the disk.
  server.route('get', '/:file', (req) => serveFile(req.params[0] ?? ''));

  // Read once; a CA file that cannot be read is the panel's problem to report, not a failed start.
  let adminTls: AdminClientTls | string = { insecure: deps.adminInsecure === true };
  if (deps.adminCa !== undefined) {
    try {
      adminTls = { ca: readFileSync(deps.adminCa), insecure: deps.adminInsecure === true };
    } catch (error) {
      adminTls = `cannot read the admin API's CA file ${deps.adminCa}: ${error instanceof Error ? error.message : String(error)}`;
    }
  }
  server.route('get', '/api/cluster/panel', async (req) => {
    if (deps.adminUrl === undefined)
      throw problem(404, 'no-cluster', 'this node runs no cluster (it was started without one): there is no cluster panel');
    if (typeof adminTls === 'string') throw problem(503, 'admin-unreachable', adminTls);
    const authorization = req.headers.get('authorization') ?? '';
    const ask = (route: string) =>
      adminRequest(new URL(route, deps.adminUrl), {
        method: 'GET',
        authorization,
        tls: adminTls as AdminClientTls,
        timeoutMs: deps.adminTimeoutMs ?? 3_000,
      });
    let res: { status: number; body: unknown };
    try {
      res = await ask('/cluster/members');
    } catch (error) {
      throw problem(
        503,
        'admin-unreachable',
        `the cluster admin API at ${deps.adminUrl} is not reachable from this node: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    if (res.status === 401) throw problem(401, 'unauthorized', 'the cluster admin API refused the token');
    if (res.status !== 200) throw problem(503, 'admin-failed', `the cluster admin API answered ${res.status}`);
    const members = res.body;
    // Shards per member and this node's entities: from the same admin API, when the node shards.
    const shards: unknown = await ask('/cluster/shards?brief=1').then(
      (r) => (r.status === 200 ? r.body : null),
      () => null,
    );
    return {
      status: 200,
      body: { cluster: members, shards, replicas: deps.lag(), mainThreadActors: deps.actors?.() ?? null, at: new Date().toISOString() },
    };
  });
}
