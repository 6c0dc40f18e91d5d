/**
 * The OpenAPI 3.1 document of the HTTP API, served at GET /api/openapi.json: made at start by
 * walking the route table (api.ts), with the schemas the requests are validated by. Nothing here
 * is written by hand but the frame, so the document cannot drift from what the routes check.
 */
import type { TSchema } from '@sinclair/typebox';
import { API } from './api.ts';
import type { Answer, RouteSpec } from './route-spec.ts';
import { COMPONENTS } from './schemas.ts';

type JsonObject = { [key: string]: unknown };

const refs = new Map<object, string>(Object.entries(COMPONENTS).map(([name, schema]) => [schema, `#/components/schemas/${name}`]));

/** A schema as plain JSON (TypeBox's symbols dropped), named components as $refs. */
function json(schema: unknown, top = false): unknown {
  if (Array.isArray(schema)) return schema.map((s) => json(s));
  if (schema === null || typeof schema !== 'object') return schema;
  const ref = top ? undefined : refs.get(schema);
  if (ref !== undefined) return { $ref: ref };
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(schema)) out[key] = json(value);
  return out;
}

const PROBLEM_CONTENT = { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } };

function response(answer: Answer): JsonObject {
  if (answer.noBody) return { description: answer.description };
  if (answer.schema === undefined) return { description: answer.description, content: PROBLEM_CONTENT };
  const types = answer.contentType === undefined ? ['application/json'] : [answer.contentType].flat();
  const schema = json(answer.schema);
  return { description: answer.description, content: Object.fromEntries(types.map((t) => [t, { schema }])) };
}

function parameters(spec: RouteSpec): JsonObject[] {
  const out: JsonObject[] = [];
  for (const [where, schema] of [
    ['path', spec.params],
    ['query', spec.query],
  ] as const) {
    if (schema === undefined) continue;
    const required = new Set(schema.required ?? []);
    for (const [name, s] of Object.entries(schema.properties)) {
      const { description, ...rest } = json(s) as JsonObject;
      out.push({
        name,
        in: where,
        required: where === 'path' || required.has(name),
        ...(description === undefined ? {} : { description }),
        schema: rest,
      });
    }
  }
  return out;
}

function requestBody(spec: RouteSpec): JsonObject | undefined {
  if (spec.body === undefined) return undefined;
  const content: JsonObject = {};
  const raw = spec.rawBody;
  if (raw)
    content[raw.contentType] = {
      schema: { type: 'string', description: raw.description, ...(raw.example !== undefined ? { examples: [raw.example] } : {}) },
    };
  content['application/json'] = { schema: json(spec.body) };
  return { required: spec.bodyOptional !== true, content };
}

/** What any route may answer besides its own: a bad request where it takes input, a body over
 * the limit, an unparseable path parameter, and a node that is stopping. */
function withDefaults(spec: RouteSpec): Readonly<Record<number, Answer>> {
  const defaults: Record<number, Answer> = {
    503: { description: 'This node is stopping, or cannot answer now (retriable)' },
  };
  if (spec.query || spec.body) defaults[400] = { description: 'A parameter or the body is invalid (`field` names it)' };
  if (spec.params) defaults[404] = { description: 'Nothing has this id' };
  if (spec.body) defaults[413] = { description: 'The body is over the limit' };
  return { ...defaults, ...spec.responses };
}

function operation(id: string, spec: RouteSpec): JsonObject {
  const params = parameters(spec);
  const body = requestBody(spec);
  const responses = Object.fromEntries(Object.entries(withDefaults(spec)).map(([status, answer]) => [status, response(answer)]));
  return {
    operationId: id,
    summary: spec.summary,
    ...(spec.description === undefined ? {} : { description: spec.description }),
    ...(params.length > 0 ? { parameters: params } : {}),
    ...(body === undefined ? {} : { requestBody: body }),
    responses,
  };
}

function document(): JsonObject {
  const paths: Record<string, JsonObject> = {};
  for (const [id, spec] of Object.entries(API) as [string, RouteSpec][]) {
    const item = paths[spec.path] ?? {};
    item[spec.method] = operation(id, spec);
    paths[spec.path] = item;
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Aloft flight scheduling',
      version: '0.1.0',
      description:
        "Commands on rotations, legs, airplanes and airports; the four validation checks; the planner's windows; SSIM imports. Errors are problem details (RFC 9457).",
    },
    paths,
    components: {
      schemas: Object.fromEntries(Object.entries(COMPONENTS).map(([name, schema]: [string, TSchema]) => [name, json(schema, true)])),
    },
  };
}

export const openApi: JsonObject = document();
