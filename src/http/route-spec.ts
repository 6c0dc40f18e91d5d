/**
 * A route declared with its shapes: method, OpenAPI path, parameters, body and answers. `serve`
 * registers it on the server with its validators compiled once, and hands the handler the
 * request's parameters, query and body already checked and typed by their schemas. The same
 * declarations make the OpenAPI document (openapi.ts), so a route served this way is documented.
 */
import type { Static, TObject, TSchema } from '@sinclair/typebox';
import type { HttpServer, Reply, Request, RouteOptions } from './server.ts';
import { bodyValidator, paramsValidator, parseJson, queryValidator } from './validate.ts';

export type HttpMethod = 'get' | 'post' | 'put' | 'delete';

export interface Answer {
  readonly description: string;
  /** The body's schema; absent: the answer is a problem (application/problem+json), unless `noBody`. */
  readonly schema?: TSchema;
  /** An answer without a body (101 Switching Protocols). */
  readonly noBody?: true;
  /** Defaults to application/json. */
  readonly contentType?: string | readonly string[];
}

export interface RouteSpec {
  readonly method: HttpMethod;
  /** OpenAPI form: /api/rotations/{id}/legs; parameters in `params`, in the order they appear. */
  readonly path: string;
  readonly summary: string;
  readonly description?: string;
  readonly params?: TObject;
  readonly query?: TObject;
  /** A JSON object body. */
  readonly body?: TObject;
  /** The body may be empty (then `input.body` is undefined). */
  readonly bodyOptional?: boolean;
  /** The body may also be sent as is, in any other content type (then `input.body` is undefined). */
  readonly rawBody?: { readonly contentType: string; readonly description: string; readonly example?: string };
  /** By status. The server adds what every route can answer (see openapi.ts). */
  readonly responses: Readonly<Record<number, Answer>>;
}

export const route = <const S extends RouteSpec>(spec: S): S => spec;

type StaticOf<T, Otherwise> = T extends TSchema ? Static<T> : Otherwise;
export interface Input<S extends RouteSpec> {
  readonly params: StaticOf<S['params'], Record<string, never>>;
  readonly query: StaticOf<S['query'], Record<string, never>>;
  readonly body: S extends { bodyOptional: true } | { rawBody: object }
    ? StaticOf<S['body'], undefined> | undefined
    : StaticOf<S['body'], undefined>;
}

/** /api/rotations/{id} -> /api/rotations/:id (uWS's form). */
export const uwsPattern = (path: string) => path.replace(/\{([^}]+)\}/g, ':$1');
const UWS_METHOD = { get: 'get', post: 'post', put: 'put', delete: 'del' } as const;

const NONE = Object.freeze({}) as Record<string, never>;

export function serve<const S extends RouteSpec>(
  server: HttpServer,
  spec: S,
  handler: (req: Request, input: Input<S>) => Promise<Reply> | Reply,
  options?: RouteOptions,
): void {
  const params = spec.params ? paramsValidator(spec.params) : undefined;
  const query = spec.query ? queryValidator(spec.query) : undefined;
  const body = spec.body ? bodyValidator(spec.body) : undefined;
  const json = (req: Request) => !spec.rawBody || (req.headers.get('content-type') ?? '').includes('application/json');
  server.route(
    UWS_METHOD[spec.method],
    uwsPattern(spec.path),
    (req) => {
      const input = {
        params: params ? params(req.params) : NONE,
        query: query ? query(req.query) : NONE,
        body: body && json(req) && !(spec.bodyOptional && req.body.length === 0) ? body(parseJson(req.body)) : undefined,
      };
      return handler(req, input as Input<S>);
    },
    options,
  );
}
