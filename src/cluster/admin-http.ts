/**
 * The admin HTTP API of a cluster node (bound to the node's cluster host): HTTPS with the
 * cluster's certificate when cluster TLS is on, plain HTTP otherwise. Every request needs
 * `Authorization: Bearer <token>` (401 otherwise, compared in constant time, before any route
 * runs: a refused request changes nothing).
 *
 *   GET  /cluster/members                 -> MembersView (self, leader, converged, members)
 *   POST /cluster/members/{node}/leave    -> 202 { ok, node }   node: id or host:port
 *   POST /cluster/members/{node}/down     -> 202 { ok, node }
 *
 * plus the routes the node's services add (`AdminTarget.extra`): the service adds shards,
 * rebalance, drain and view lag (src/service/admin-routes.ts).
 *
 * Errors are application/problem+json with a title and status.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { MembersView } from './members-view.ts';

/** An answer from an added route; undefined: not mine. */
export type AdminAnswer = { readonly status: number; readonly body: unknown };
/** Routes an application adds to the admin API (`cluster.extra`): answer a request, or undefined to pass. */
export type AdminRoutes = (
  method: string,
  path: string,
  query: URLSearchParams,
) => Promise<AdminAnswer | undefined> | AdminAnswer | undefined;

export interface AdminTarget {
  /** Routes added by the services running on the node, tried after the built-in ones. */
  readonly extra?: AdminRoutes | undefined;
  view(): MembersView;
  resolve(target: string): string | undefined;
  leaveMember(node: string): boolean;
  down(node: string): boolean;
}

export interface AdminServer {
  readonly port: number;
  /** Served over TLS. */
  readonly secure: boolean;
  close(): Promise<void>;
}

function digestOf(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}

export async function startAdminHttp(
  target: AdminTarget,
  host: string,
  port: number,
  token: string,
  log: (level: 'info' | 'warn', line: string) => void,
  tls?: { readonly cert: Buffer; readonly key: Buffer },
): Promise<AdminServer> {
  const expected = digestOf(token);
  const handle = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const send = (status: number, body: unknown, problem = false) => {
      res.writeHead(status, { 'content-type': problem ? 'application/problem+json' : 'application/json' });
      res.end(JSON.stringify(body));
    };
    const auth = req.headers.authorization ?? '';
    const given = auth.startsWith('Bearer ') ? auth.slice(7) : '';
    // Hash both sides so the comparison is constant-time whatever the lengths.
    if (!timingSafeEqual(digestOf(given), expected)) {
      res.setHeader('www-authenticate', 'Bearer');
      return send(401, { title: 'missing or wrong admin token', status: 401 }, true);
    }
    const url = new URL(req.url ?? '/', 'http://admin');
    if (req.method === 'GET' && url.pathname === '/cluster/members') return send(200, target.view());
    const m = /^\/cluster\/members\/([^/]+)\/(leave|down)$/.exec(url.pathname);
    if (m && req.method === 'POST') {
      const name = decodeSegment(m[1] as string);
      const node = name === undefined ? undefined : target.resolve(name);
      if (node === undefined) return send(404, { title: `no member ${name ?? m[1]}`, status: 404 }, true);
      const ok = m[2] === 'leave' ? target.leaveMember(node) : target.down(node);
      log('info', `admin: ${m[2]} ${node} (${ok ? 'accepted' : 'no change'})`);
      return send(202, { ok, node, action: m[2] });
    }
    const extra = target.extra;
    if (extra === undefined) return send(404, { title: `no route ${req.method} ${url.pathname}`, status: 404 }, true);
    Promise.resolve()
      .then(() => extra(req.method ?? 'GET', url.pathname, url.searchParams))
      .then(
        (answer) =>
          answer
            ? send(answer.status, answer.body, answer.status >= 400)
            : send(404, { title: `no route ${req.method} ${url.pathname}`, status: 404 }, true),
        (error: unknown) =>
          send(500, { title: `admin route failed: ${error instanceof Error ? error.message : String(error)}`, status: 500 }, true),
      );
  };
  const server = tls ? https.createServer({ cert: tls.cert, key: tls.key }, handle) : http.createServer(handle);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    secure: tls !== undefined,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A path segment percent-decoded; undefined when it is not valid percent-encoding (`%E0%A4%A`),
 * which names no member (decodeURIComponent would throw, here out of a request handler). */
export function decodeSegment(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}
