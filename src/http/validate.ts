/**
 * Request validation from the API's schemas (schemas.ts): each schema compiled once by Ajv when a
 * route is declared, never per request. A refusal is a 400 problem naming the field, in words a
 * client can act on ("field "code" is "fra"; expected a three-letter IATA airport code...").
 */
import type { Static, TObject } from '@sinclair/typebox';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { badRequest, notFound } from './problem.ts';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** JSON Schema 2020-12, the dialect of OpenAPI 3.1; union types as in `["string", "null"]`. */
function ajv(coerceTypes: boolean): Ajv2020 {
  const a = new Ajv2020({ allErrors: false, coerceTypes, allowUnionTypes: true, strict: true });
  addFormats.default(a, ['date', 'date-time']);
  return a;
}
/** Bodies are JSON: a string is never taken for a number. */
const bodies = ajv(false);
/** Query strings are text: "25" is the integer 25 where the schema says integer. */
const queries = ajv(true);

/**
 * Epoch ms of a date YYYY-MM-DD (its midnight) or a UTC instant whose form the schema checked;
 * NaN if it is not on the calendar. Date.parse alone rolls 2026-02-30 over into March.
 */
export function utcMs(value: string): number {
  const ms = Date.parse(value.length === 10 ? `${value}T00:00:00Z` : value);
  return Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== value.slice(0, 10) ? Number.NaN : ms;
}

export function parseJson(body: Buffer): unknown {
  if (body.length === 0) throw badRequest('the request body is empty; a JSON object was expected');
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch (error) {
    throw badRequest(`the request body is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw badRequest('the request body must be a JSON object');
  return value;
}

/** A body's validator: the value typed by its schema, or a 400 naming the field. */
export function bodyValidator<T extends TObject>(schema: T): (value: unknown) => Static<T> {
  const check = bodies.compile<Static<T>>(schema);
  return (value) => {
    if (check(value)) return value;
    throw refusal(check, schema, value, 'field');
  };
}

/** A query string's validator: empty parameters count as absent, integers are converted,
 * unknown parameters refused where the schema says so. */
export function queryValidator<T extends TObject>(schema: T): (query: URLSearchParams) => Static<T> {
  const check = queries.compile<Static<T>>(schema);
  return (query) => {
    // No prototype: a parameter named toString or __proto__ is a parameter like any other (refused).
    const value: Record<string, string> = Object.create(null);
    for (const [key, v] of query) if (v !== '' && !Object.hasOwn(value, key)) value[key] = v;
    if (check(value)) return value;
    throw refusal(check, schema, value, 'query parameter');
  };
}

/** Path parameters, in the order of the pattern: one that cannot name anything is a 404. */
export function paramsValidator<T extends TObject>(schema: T): (values: readonly string[]) => Static<T> {
  const names = Object.keys(schema.properties);
  const check = bodies.compile<Static<T>>(schema);
  return (values) => {
    const value: Record<string, string> = {};
    names.forEach((name, i) => {
      value[name] = values[i] ?? '';
    });
    if (check(value)) return value;
    const name = fieldOf(check.errors?.[0]);
    const s = schema.properties[name] as { title?: string; description?: string } | undefined;
    throw notFound(`no ${s?.title ?? name} "${value[name] ?? ''}": ${s?.description ?? 'malformed'}`);
  };
}

function fieldOf(e: ErrorObject | undefined): string {
  if (e === undefined) return '';
  if (e.keyword === 'required') return String(e.params.missingProperty);
  if (e.keyword === 'additionalProperties') return String(e.params.additionalProperty);
  return e.instancePath.slice(1).replaceAll('/', '.');
}

interface Described {
  readonly description?: string;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly maxLength?: number;
}

/** The first error Ajv found, in the words the API has always used. */
function refusal(check: ValidateFunction, schema: TObject, value: unknown, what: 'field' | 'query parameter') {
  const e = check.errors?.[0];
  const key = fieldOf(e);
  const s = (schema.properties[key.split('.')[0] ?? ''] ?? {}) as Described;
  const got = (value as Record<string, unknown>)[key];
  const name = `${what} "${key}"`;
  switch (e?.keyword) {
    case 'additionalProperties':
      return badRequest(`unknown ${what} "${key}"; allowed: ${Object.keys(schema.properties).join(', ')}`, key);
    case 'required':
      return badRequest(`${name} is required`, key);
    case 'type':
      if (what === 'query parameter' || e.params.type === 'integer') return badRequest(`${name} must be an integer${range(s)}`, key);
      return badRequest(`${name} must be ${typeNames(e.params.type)}, got ${got === null ? 'null' : typeof got}`, key);
    case 'minimum':
    case 'maximum':
      return what === 'query parameter'
        ? badRequest(`${name} must be an integer${range(s)}`, key)
        : badRequest(`${name} must be ${e.keyword === 'minimum' ? '>=' : '<='} ${String(e.params.limit)}`, key);
    case 'maxLength':
      return badRequest(`${name} is longer than ${String(e.params.limit)} characters`, key);
    case 'pattern':
    case 'format':
      return badRequest(`${name} is "${String(got)}"; expected ${s.description ?? String(e.params.pattern ?? e.params.format)}`, key);
    case 'enum':
      return badRequest(`${name} must be one of ${(e.params.allowedValues as unknown[]).join(', ')}, got "${String(got)}"`, key);
    default:
      return badRequest(`${name} ${e?.message ?? 'is invalid'}`, key);
  }
}

const range = (s: Described) => (s.minimum !== undefined && s.maximum !== undefined ? ` between ${s.minimum} and ${s.maximum}` : '');
/** "a string", "a string or null" (Ajv gives a type list as an array). */
const typeNames = (types: unknown) =>
  [types]
    .flat()
    .map((t) => (t === 'null' ? 'null' : /^[aeiou]/.test(String(t)) ? `an ${String(t)}` : `a ${String(t)}`))
    .join(' or ');
