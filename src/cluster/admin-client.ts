/**
 * A client of a node's admin API (admin-http.ts), for the admin CLI and the planner page's
 * cluster panel: http or https by the URL, and for https the CA to trust (the cluster's, when
 * its certificates are not from a CA the system trusts). node:http(s) rather than fetch: fetch
 * takes no CA per request.
 */
import http from 'node:http';
import https from 'node:https';

export interface AdminClientTls {
  /** PEM of the CA that signed the admin API's certificate; absent: the system CAs. */
  readonly ca?: Buffer | undefined;
  /** Accept any certificate (the admin CLI's --insecure): the token then goes to whoever answers. */
  readonly insecure?: boolean;
}

export interface AdminResponse {
  readonly status: number;
  /** The parsed JSON body; undefined when there was none or it was not JSON. */
  readonly body: unknown;
}

/** Why a request got no answer: `code` is the system's or TLS's (ECONNREFUSED, DEPTH_ZERO_SELF_SIGNED_CERT…). */
export class AdminUnreachable extends Error {
  readonly _tag = 'AdminUnreachable';
  readonly retriable = true;
  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(message);
  }
}

export function adminRequest(
  url: URL,
  options: {
    readonly method: 'GET' | 'POST';
    /** The Authorization header to send as is (`Bearer <token>`). */
    readonly authorization: string;
    readonly tls?: AdminClientTls;
    readonly timeoutMs?: number;
  },
): Promise<AdminResponse> {
  const secure = url.protocol === 'https:';
  if (!secure && url.protocol !== 'http:')
    return Promise.reject(new AdminUnreachable(`${url.href}: the admin URL must be http:// or https://`, undefined));
  return new Promise((resolve, reject) => {
    const request = {
      method: options.method,
      headers: { authorization: options.authorization, accept: 'application/json' },
      timeout: options.timeoutMs ?? 5_000,
    };
    const onResponse = (res: http.IncomingMessage) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', (e) => reject(new AdminUnreachable(e.message, undefined)));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let body: unknown;
        try {
          body = text === '' ? undefined : JSON.parse(text);
        } catch {
          body = undefined;
        }
        resolve({ status: res.statusCode ?? 0, body });
      });
    };
    const t = options.tls;
    const req = secure
      ? https.request(
          url,
          { ...request, ...(t?.ca ? { ca: t.ca } : {}), rejectUnauthorized: t?.insecure !== true, agent: false },
          onResponse,
        )
      : http.request(url, request, onResponse);
    req.on('timeout', () => req.destroy(Object.assign(new Error(`no answer within ${request.timeout} ms`), { code: 'ETIMEDOUT' })));
    req.on('error', (e: NodeJS.ErrnoException) => reject(new AdminUnreachable(e.message, e.code)));
    req.end();
  });
}
