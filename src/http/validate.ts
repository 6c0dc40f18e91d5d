/**
 * Request body validation: every field named, typed and bounded; unknown fields refused. Errors
 * name the field, so a client knows what to fix. Small on purpose: the bodies are flat.
 */
import { badRequest } from './problem.ts';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export function parseJson(body: Buffer): Record<string, Json> {
  if (body.length === 0) throw badRequest('the request body is empty; a JSON object was expected');
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch (error) {
    throw badRequest(`the request body is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw badRequest('the request body must be a JSON object');
  return value as Record<string, Json>;
}

type FieldSpec =
  | { readonly type: 'string'; readonly optional?: boolean; readonly pattern?: RegExp; readonly hint?: string; readonly maxLength?: number }
  | { readonly type: 'integer'; readonly optional?: boolean; readonly min?: number; readonly max?: number }
  | { readonly type: 'instant'; readonly optional?: boolean };

type Out<S extends Record<string, FieldSpec>> = {
  [K in keyof S]: S[K] extends { type: 'integer' }
    ? S[K] extends { optional: true }
      ? number | undefined
      : number
    : S[K] extends { optional: true }
      ? string | undefined
      : string;
};

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]00:?00)$/;

/** Validates `body` against `spec`; instants come back as ISO strings checked to parse. */
export function fields<S extends Record<string, FieldSpec>>(body: Record<string, Json>, spec: S): Out<S> {
  for (const key of Object.keys(body))
    if (!(key in spec)) throw badRequest(`unknown field "${key}"; allowed: ${Object.keys(spec).join(', ')}`, key);
  const out: Record<string, unknown> = {};
  for (const [key, f] of Object.entries(spec)) {
    const v = body[key];
    if (v === undefined || v === null) {
      if (f.optional) continue;
      throw badRequest(`field "${key}" is required`, key);
    }
    switch (f.type) {
      case 'string':
        if (typeof v !== 'string') throw badRequest(`field "${key}" must be a string, got ${typeof v}`, key);
        if (f.maxLength !== undefined && v.length > f.maxLength)
          throw badRequest(`field "${key}" is longer than ${f.maxLength} characters`, key);
        if (f.pattern && !f.pattern.test(v)) throw badRequest(`field "${key}" is "${v}"; expected ${f.hint ?? f.pattern.source}`, key);
        out[key] = v;
        break;
      case 'integer':
        if (typeof v !== 'number' || !Number.isInteger(v)) throw badRequest(`field "${key}" must be an integer`, key);
        if (f.min !== undefined && v < f.min) throw badRequest(`field "${key}" must be >= ${f.min}`, key);
        if (f.max !== undefined && v > f.max) throw badRequest(`field "${key}" must be <= ${f.max}`, key);
        out[key] = v;
        break;
      case 'instant':
        if (typeof v !== 'string' || !ISO_INSTANT.test(v) || Number.isNaN(Date.parse(v)))
          throw badRequest(`field "${key}" must be an ISO-8601 UTC instant like 2026-03-29T06:00:00Z`, key);
        out[key] = v;
        break;
    }
  }
  return out as Out<S>;
}

export function queryInt(value: string | undefined, name: string, min: number, max: number): number | undefined {
  if (value === undefined || value === '') return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max)
    throw badRequest(`query parameter "${name}" must be an integer between ${min} and ${max}`, name);
  return n;
}
