/**
 * A thin layer over uWebSockets.js: routes as async functions from a parsed request to a reply,
 * with uWS's rules kept in one place — onAborted registered before anything async, headers and
 * parameters read before the first await, onData chunks copied (uWS reuses their memory), writes
 * corked after an await, a body size limit enforced while reading.
 *
 * A route throws HttpProblem for a 4xx; anything else becomes a logged 500 and never takes the
 * process down.
 *
 * Every request has an id (Request.id): the client's `x-request-id` when it is sane (REQUEST_ID),
 * else this server's prefix and a counter. It goes back in the `x-request-id` response header and
 * on every log line about the request (`reqId`), the gateway's included. A line costs only when it
 * is written: no child logger per request, the access line is debug and built only when enabled.
 */
import { randomBytes } from 'node:crypto';
import uws from '@trufflesuite/uws-js-unofficial';
import { toLogger, type Logger, type LogSink } from '../log.ts';
import { HttpProblem, notFound, problem, STATUS_TEXT } from './problem.ts';
import type { Metrics } from './metrics.ts';

export interface Request {
  readonly method: string;
  readonly url: string;
  readonly query: URLSearchParams;
  readonly params: readonly string[];
  /** The request id: the client's x-request-id if sane, else generated; sent back and logged as reqId. */
  readonly id: string;
  /** content-type, content-length, authorization, accept and x-request-id, when sent (READ_HEADERS). */
  readonly headers: ReadonlyMap<string, string>;
  /** The body, read up to the route's limit (empty for GET/DELETE). */
  readonly body: Buffer;
}

export interface Reply {
  readonly status: number;
  readonly body: unknown;
  /** Defaults to application/json; a string body with another type is sent as is. */
  readonly contentType?: string;
  /** The body is a string already serialised (e.g. JSON made in a worker): send it as is. */
  readonly raw?: boolean;
  /** Extra response headers (lower-case names), e.g. retry-after with a 503. */
  readonly headers?: Readonly<Record<string, string>>;
}

export type Handler = (req: Request) => Promise<Reply> | Reply;

export interface RouteOptions {
  /** Largest accepted body in bytes (default DEFAULT_MAX_BODY); over it the client gets 413. */
  readonly maxBody?: number;
}

type Method = 'get' | 'post' | 'put' | 'del';

/** The body limit of a route that sets none: the JSON commands are a few hundred bytes, so 64 KiB
 * leaves room for any real one and bounds what a client can make the node buffer (README, Limits). */
export const DEFAULT_MAX_BODY = 64 * 1024;

/** A client's x-request-id is taken when it is 1-64 of these characters; otherwise one is made. */
export const REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/;

/** The request headers routes see (Request.headers): read one by one, which costs a fraction of
 * copying every header the client sent (`forEach` calls back into JavaScript once per header). */
const READ_HEADERS = ['content-type', 'content-length', 'transfer-encoding', 'authorization', 'accept', 'x-request-id'] as const;

export class HttpServer {
  readonly app: uws.TemplatedApp = uws.App();
  private listenSocket: uws.us_listen_socket | undefined;
  private inFlight = 0;
  private idle: (() => void) | undefined;
  /** Set by close(): new requests get a 503, and every response closes its connection, so
   * keep-alive clients cannot keep a stopping (or downed) node busy. */
  private closing = false;
  /** Generated request ids: this server's random prefix and a counter (unique across restarts and members). */
  private readonly idPrefix = `${randomBytes(4).toString('hex')}-`;
  private nextId = 0;
  private readonly log: Logger;

  constructor(
    private readonly metrics: Metrics,
    log: LogSink,
  ) {
    this.log = toLogger(log);
  }

  /** The id of a request: the client's when sane, else a new one. */
  private requestId(given: string | undefined): string {
    return given !== undefined && REQUEST_ID.test(given) ? given : `${this.idPrefix}${(this.nextId++).toString(36)}`;
  }

  /** Every route registered, as method and uWS pattern (the tests hold them against the OpenAPI document). */
  readonly routes: { readonly method: Method; readonly pattern: string }[] = [];

  route(method: Method, pattern: string, handler: Handler, options: RouteOptions = {}): this {
    this.routes.push({ method, pattern });
    this.patterns = undefined;
    const maxBody = options.maxBody ?? DEFAULT_MAX_BODY;
    const paramCount = (pattern.match(/:/g) ?? []).length;
    this.app[method](pattern, (res, req) => {
      if (this.closing) return this.refuseClosing(res);
      const state = { aborted: false };
      res.onAborted(() => {
        state.aborted = true;
      });
      // Everything from `req` must be read now: it is invalid after this callback returns.
      const headers = new Map<string, string>();
      for (const name of READ_HEADERS) {
        const value = req.getHeader(name);
        if (value !== '') headers.set(name, value);
      }
      const params: string[] = [];
      // Decoded in `serve`, where a malformed escape becomes a 404 instead of an exception here.
      for (let i = 0; i < paramCount; i++) params.push(req.getParameter(i));
      const request = {
        method: req.getMethod().toUpperCase(),
        url: req.getUrl(),
        query: new URLSearchParams(req.getQuery() ?? ''),
        params,
        id: this.requestId(headers.get('x-request-id')),
        headers,
      };
      const started = performance.now();
      this.inFlight++;
      void this.serve(res, state, request, method === 'get' || method === 'del' ? 0 : maxBody, handler, started)
        .then(
          (status) => this.metrics.request(pattern, request.method, status, (performance.now() - started) / 1000),
          // serve() answers every error a route throws; this is a failure after that (writing the reply).
          (error: unknown) => this.log.error({ reqId: request.id, method: request.method, url: request.url, err: error }, 'reply failed'),
        )
        .finally(() => {
          if (--this.inFlight === 0) this.idle?.();
        });
    });
    return this;
  }

  private async serve(
    res: uws.HttpResponse,
    state: { aborted: boolean },
    partial: Omit<Request, 'body'>,
    maxBody: number,
    handler: Handler,
    started: number,
  ): Promise<number> {
    let reply: Reply;
    try {
      const length = Number(partial.headers.get('content-length') ?? '0');
      if (length > maxBody) throw problem(413, 'body-too-large', `the request body is ${length} bytes; the limit here is ${maxBody}`);
      // A streamed body where none is read (GET, DELETE) would otherwise be ignored and the request run.
      if (maxBody === 0 && partial.headers.has('transfer-encoding'))
        throw problem(413, 'body-too-large', `a ${partial.method} request takes no body; this one is sent chunked`);
      const body = maxBody === 0 ? Buffer.alloc(0) : await readBody(res, maxBody);
      reply = await handler({ ...partial, params: decodeParams(partial.params), body });
    } catch (error) {
      if (error instanceof HttpProblem)
        reply = { status: error.problem.status, body: error.problem, contentType: 'application/problem+json', headers: error.headers };
      else {
        this.log.error(
          { reqId: partial.id, method: partial.method, url: partial.url, err: error },
          `${partial.method} ${partial.url} failed: ${error instanceof Error ? error.message : String(error)}`,
        );
        reply = {
          status: 500,
          body: problem(500, 'internal', 'the server failed to handle this request; it has been logged').problem,
          contentType: 'application/problem+json',
        };
      }
    }
    const status = reply.status;
    // A 5xx the route chose (a view timeout, outcome unknown…) is worth a warning; a 500 was logged
    // above. Not a 503: not applied while shards move or a backend is down is routine, logged where
    // it is decided (the gateway at debug, the backend's health when it changes), and a warning per
    // command would cost a synchronous write each just when the node is busiest.
    if (status > 500 && status !== 503)
      this.log.warn(
        { reqId: partial.id, method: partial.method, url: partial.url, status },
        `${partial.method} ${partial.url} answered ${status}`,
      );
    if (this.log.isLevelEnabled('debug')) {
      const ms = Math.round((performance.now() - started) * 10) / 10;
      this.log.debug({ reqId: partial.id, method: partial.method, url: partial.url, status, ms, aborted: state.aborted }, 'request');
    }
    if (state.aborted) return status;
    // A body refused part way has bytes still coming: close the connection rather than read them
    // as the next request.
    const close = this.closing || status === 413;
    res.cork(() => {
      res.writeStatus(`${status} ${STATUS_TEXT[status] ?? ''}`);
      res.writeHeader('x-request-id', partial.id);
      if (status === 204) return void res.end(undefined, close);
      const type = reply.contentType ?? 'application/json';
      res.writeHeader('content-type', type);
      if (reply.headers !== undefined) for (const name in reply.headers) res.writeHeader(name, reply.headers[name] as string);
      res.end(
        typeof reply.body === 'string' && (reply.raw === true || !type.includes('json')) ? reply.body : JSON.stringify(reply.body),
        close,
      );
    });
    return reply.status;
  }

  private refuseClosing(res: uws.HttpResponse): void {
    const id = this.requestId(undefined);
    res.cork(() => {
      res.writeStatus('503 Service Unavailable').writeHeader('x-request-id', id).writeHeader('content-type', 'application/problem+json');
      res.end(
        JSON.stringify(
          problem(503, 'shutting-down', 'this node is stopping; send the request to another node', { retriable: true }).problem,
        ),
        true,
      );
    });
  }

  /** Unknown routes: a problem, not uWS's silence. A path that routes serve with other methods is a
   * 405 naming them in `Allow` (RFC 9110 §15.5.6); any other path is a 404. */
  fallback(): this {
    this.app.any('/*', (res, req) => {
      const url = req.getUrl();
      const method = req.getMethod().toUpperCase();
      const id = this.requestId(req.getHeader('x-request-id'));
      const allow = this.methodsOf(url);
      const status = allow.length > 0 ? 405 : 404;
      if (this.log.isLevelEnabled('debug')) this.log.debug({ reqId: id, method, url, status }, 'request');
      const body =
        status === 405
          ? problem(405, 'method-not-allowed', `${method} is not served on ${url}; it answers ${allow.join(', ')}`).problem
          : problem(404, 'no-such-route', `no route for ${method} ${url}`).problem;
      res.cork(() => {
        res
          .writeStatus(`${status} ${STATUS_TEXT[status]}`)
          .writeHeader('x-request-id', id)
          .writeHeader('content-type', 'application/problem+json');
        if (status === 405) res.writeHeader('allow', allow.join(', '));
        res.end(JSON.stringify(body));
      });
    });
    return this;
  }

  /** Compiled route patterns, made on the first request nothing routed (every route is registered by then). */
  private patterns: { readonly method: string; readonly match: RegExp }[] | undefined;

  /** The methods the routes serve on this path, sorted. */
  private methodsOf(url: string): string[] {
    this.patterns ??= this.routes.map((r) => ({
      method: r.method === 'del' ? 'DELETE' : r.method.toUpperCase(),
      match: patternRegExp(r.pattern),
    }));
    return [...new Set(this.patterns.filter((p) => p.match.test(url)).map((p) => p.method))].sort();
  }

  listen(host: string, port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      this.app.listen(host, port, (socket) => {
        if (!socket) return reject(new Error(`cannot listen on ${host}:${port} (in use, or not an address of this machine)`));
        this.listenSocket = socket;
        resolve(uws.us_socket_local_port(socket));
      });
    });
  }

  /** Stops accepting connections and refuses new requests on open ones (503, connection
   * closed), then waits (bounded) for requests in flight to finish. */
  async close(timeoutMs = 10_000): Promise<void> {
    this.closing = true;
    if (this.listenSocket) uws.us_listen_socket_close(this.listenSocket);
    this.listenSocket = undefined;
    if (this.inFlight > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, timeoutMs);
        this.idle = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }
}

/** A uWS route pattern as a regular expression over the raw path: `:name` is one segment, `*` the rest. */
function patternRegExp(pattern: string): RegExp {
  const source = pattern
    .split('/')
    .map((segment) => (segment.startsWith(':') ? '[^/]+' : segment === '*' ? '.*' : segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('/');
  return new RegExp(`^${source}$`);
}

/** Path parameters as the routes see them, percent-decoded. A malformed escape (`%E0%A4%A`) names
 * nothing a route could hold: 404, as for any unknown id. */
function decodeParams(raw: readonly string[]): string[] {
  return raw.map((p) => {
    try {
      return decodeURIComponent(p);
    } catch {
      throw notFound(`nothing is named "${p}": it is not valid percent-encoding (RFC 3986)`);
    }
  });
}

function readBody(res: uws.HttpResponse, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    res.onData((chunk, isLast) => {
      if (failed) return;
      size += chunk.byteLength;
      if (size > limit) {
        failed = true;
        return reject(problem(413, 'body-too-large', `the request body is over the limit of ${limit} bytes`));
      }
      // uWS owns `chunk` and reuses it after this callback: copy (once: most bodies are one chunk).
      const copy = Buffer.from(chunk.slice(0));
      if (isLast && chunks.length === 0) return resolve(copy);
      chunks.push(copy);
      if (isLast) resolve(Buffer.concat(chunks, size));
    });
  });
}
