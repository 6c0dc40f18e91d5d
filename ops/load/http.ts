/**
 * The load generator's HTTP path, kept cheap because the generator shares the machine's cores
 * with the server it measures.
 *
 * Requests go through undici's low-level `dispatch` with plain callbacks: no response stream, no
 * body mixin, one string per answer. Measured against the bare server (ops/load/bare.ts), 64
 * connections in a closed loop on this 2-core machine: `Pool.request` + `body.json()` cost about
 * 26 µs of client CPU per request, `Client.request` about 23, `dispatch` about 18. What remains
 * is mostly the socket write itself (writev was half of the client's busy time in a
 * `node --cpu-prof` profile), which no client avoids without pipelining.
 *
 * `connections` gives each simulated user (planner, closed-loop slot) its dispatcher: its own
 * Client (a browser's connection), or one Pool of N connections shared by all, where requests
 * wait in the client for a free connection.
 */
import { Client, Pool, type Dispatcher } from 'undici';

export interface Answer {
  readonly status: number;
  readonly body: string;
}

const JSON_HEADERS = ['content-type', 'application/json'];

/** One request; resolves with the status and the body as text, rejects with undici's error (its
 * `code` says what failed, e.g. UND_ERR_HEADERS_TIMEOUT). */
export function call(
  d: Dispatcher,
  method: 'GET' | 'POST' | 'PUT',
  path: string,
  body: string | undefined,
  timeoutMs: number,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    let status = 0;
    const chunks: Buffer[] = [];
    d.dispatch(
      {
        method,
        path,
        body: body ?? null,
        headers: body === undefined ? null : JSON_HEADERS,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      },
      {
        onConnect() {},
        onError: reject,
        onHeaders(statusCode) {
          status = statusCode;
          return true;
        },
        onData(chunk) {
          chunks.push(chunk);
          return true;
        },
        onComplete() {
          resolve({ status, body: chunks.length === 1 ? (chunks[0] as Buffer).toString() : Buffer.concat(chunks).toString() });
        },
      },
    );
  });
}

export interface Connections {
  /** The dispatcher user `i` sends through. */
  of(i: number): Dispatcher;
  readonly describe: string;
  close(): Promise<void>;
}

/** `shared` undefined: one connection per user (opened on its first request); otherwise one pool
 * of `shared` connections for everyone. */
export function connections(origin: string, shared: number | undefined): Connections {
  const options = { pipelining: 1, keepAliveTimeout: 30_000 };
  if (shared !== undefined) {
    const pool = new Pool(origin, { ...options, connections: shared });
    return { of: () => pool, describe: `${shared} shared`, close: () => pool.close() };
  }
  const clients = new Map<number, Client>();
  return {
    of(i) {
      let c = clients.get(i);
      if (c === undefined) clients.set(i, (c = new Client(origin, options)));
      return c;
    },
    describe: 'one per user',
    close: async () => {
      await Promise.all([...clients.values()].map((c) => c.close()));
    },
  };
}
