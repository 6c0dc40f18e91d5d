/**
 * The OpenAPI document against the server that serves it: every route a started node registers
 * is documented, every documented operation is registered (the WebSocket upgrade is opened), the
 * document is structurally OpenAPI 3.1 (its shape, $refs that resolve, path parameters declared,
 * every schema valid JSON Schema 2020-12), and the node serves exactly this document.
 */
import t from 'tap';
import { Type } from '@sinclair/typebox';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { openApi } from '../../src/http/openapi.ts';
import { fileNode } from '../fixtures/service.ts';
import { documentedFetch } from '../fixtures/api-schema.ts';
import { connectLive } from './live-client.ts';

const node = fileNode('openapi');

type Doc = {
  paths: Record<string, Record<string, { operationId: string; parameters?: { name: string; in: string; required: boolean }[] }>>;
  components: { schemas: Record<string, unknown> };
};
const doc = openApi as unknown as Doc;
const METHODS = ['get', 'put', 'post', 'delete'] as const;

t.test('every registered route is documented, and every documented operation is registered', async (t) => {
  const registered = new Set(
    node.service.routes.map((r) => `${r.method === 'del' ? 'delete' : r.method} ${r.pattern.replace(/:(\w+)/g, '{$1}')}`),
  );
  const documented = new Set(Object.entries(doc.paths).flatMap(([p, item]) => Object.keys(item).map((m) => `${m} ${p}`)));
  t.ok(registered.size > 20, `the node registered its routes (${registered.size})`);
  t.same(
    [...registered].filter((r) => !documented.has(r)),
    [],
    'no route is served undocumented',
  );
  t.same(
    [...documented].filter((d) => !registered.has(d)),
    [],
    'every documented operation is served',
  );
  t.ok(documented.has('get /api/cluster/panel'), 'the cluster panel is documented');
  t.same(
    (openApi as { paths: Record<string, Record<string, { responses: Record<string, unknown> }>> }).paths['/api/live']?.get?.responses[
      '101'
    ],
    { description: 'Switching Protocols: the WebSocket is open' },
    'the upgrade has no body',
  );
  const { ws } = await connectLive(node.service.port);
  ws.close();
  t.pass('GET /api/live upgrades to a WebSocket');
  const plain = await documentedFetch(`http://127.0.0.1:${node.service.port}/api/live`);
  t.match(plain, { status: 426, body: { type: /upgrade-required/ } }, 'a plain GET /api/live is told to upgrade');
  const panel = await documentedFetch(`http://127.0.0.1:${node.service.port}/api/cluster/panel`);
  t.match(panel, { status: 404, body: { type: /no-cluster/ } }, 'no cluster panel on a node without a cluster');
});

t.test('the read routes, the page and refused path parameters answer as documented', async (t) => {
  await node.service.views.ready;
  const base = `http://127.0.0.1:${node.service.port}`;
  // documentedFetch throws when an answer is off its documented route, status or schema.
  const cases: Array<[string, string, number]> = [
    ['GET', '/healthz', 200],
    ['GET', '/readyz', 200],
    ['GET', '/metrics', 200],
    ['GET', '/', 200],
    ['GET', '/app.js', 200],
    ['GET', '/no-such-file.js', 404],
    ['GET', '/api/imports', 200],
    ['GET', '/api/imports/no-such-import', 404],
    ['GET', '/api/feed?from=1&limit=10', 200],
    ['GET', '/api/feed?limit=0', 400],
    ['GET', '/api/feed?from=x', 400],
    ['GET', '/api/feed?toString=1', 400],
    ['POST', '/api/imports?onErrors=reject', 400],
    ['GET', '/api/rotations/no-such-rotation', 404],
    ['GET', '/api/airplanes/NOPE', 404],
    ['GET', '/api/assignments/no-such-assignment', 404],
    ['GET', '/api/assignments/-not-an-id', 404],
    ['PUT', '/api/airports/fra', 404],
    ['DELETE', '/api/rotations/bad%20id', 404],
    ['GET', '/api/window?by=sideways', 400],
    ['GET', '/api/checks/continuity?limit=abc', 400],
    ['GET', '/api/checks/continuity?colour=red', 400],
  ];
  for (const [method, url, status] of cases) {
    const r = await documentedFetch(`${base}${url}`, { method, ...(method === 'PUT' ? { body: '{"minGroundTimeMinutes": 5}' } : {}) });
    t.equal(r.status, status, `${method} ${url}: ${status}`);
  }
  const refused = await documentedFetch(`${base}/api/checks/continuity?limit=abc`);
  t.match(refused.body, { field: 'limit', detail: 'query parameter "limit" must be an integer between 1 and 1000' });
  const bad = await documentedFetch(`${base}/api/assignments/-not-an-id`);
  t.match(bad.body, { type: /not-found/, detail: /no assignment "-not-an-id"/ }, 'a path parameter that cannot be an id names it');
});

t.test('the node serves this document', async (t) => {
  const r = await documentedFetch(`http://127.0.0.1:${node.service.port}/api/openapi.json`);
  t.equal(r.status, 200);
  t.same(r.body, JSON.parse(JSON.stringify(openApi)));
});

// The parts of OpenAPI 3.1 the document uses, strictly: a misspelt or misplaced member fails.
const SchemaObject = Type.Object({});
const MediaTypes = Type.Record(
  Type.String({ pattern: '^[a-z]+/[a-z0-9.+-]+$' }),
  Type.Object({ schema: SchemaObject }, { additionalProperties: false }),
);
const Parameter = Type.Object(
  {
    name: Type.String({ minLength: 1 }),
    in: Type.Union([Type.Literal('path'), Type.Literal('query')]),
    required: Type.Boolean(),
    description: Type.Optional(Type.String()),
    schema: SchemaObject,
  },
  { additionalProperties: false },
);
const Operation = Type.Object(
  {
    operationId: Type.String({ pattern: '^[A-Za-z][A-Za-z0-9]*$' }),
    summary: Type.String({ minLength: 1 }),
    description: Type.Optional(Type.String()),
    parameters: Type.Optional(Type.Array(Parameter)),
    requestBody: Type.Optional(Type.Object({ required: Type.Boolean(), content: MediaTypes }, { additionalProperties: false })),
    responses: Type.Record(
      Type.String({ pattern: '^[1-5][0-9][0-9]$' }),
      Type.Object({ description: Type.String({ minLength: 1 }), content: Type.Optional(MediaTypes) }, { additionalProperties: false }),
      { minProperties: 1 },
    ),
  },
  { additionalProperties: false },
);
const Document = Type.Object(
  {
    openapi: Type.Literal('3.1.0'),
    info: Type.Object(
      { title: Type.String(), version: Type.String(), description: Type.Optional(Type.String()) },
      { additionalProperties: false },
    ),
    paths: Type.Record(
      Type.String({ pattern: '^/' }),
      Type.Partial(
        Type.Object(Object.fromEntries(METHODS.map((m) => [m, Operation])) as Record<(typeof METHODS)[number], typeof Operation>),
        {
          additionalProperties: false,
          minProperties: 1,
        },
      ),
    ),
    components: Type.Object(
      { schemas: Type.Record(Type.String({ pattern: '^[A-Z][A-Za-z]+$' }), SchemaObject) },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);

function* walk(value: unknown, at: string): Generator<[string, Record<string, unknown>]> {
  if (value === null || typeof value !== 'object') return;
  if (!Array.isArray(value)) yield [at, value as Record<string, unknown>];
  for (const [k, v] of Object.entries(value)) yield* walk(v, `${at}/${k}`);
}

t.test('the document is structurally OpenAPI 3.1', async (t) => {
  const ajv = new Ajv2020({ strict: true, allErrors: true, allowUnionTypes: true });
  addFormats.default(ajv);
  const shape = ajv.compile(Document);
  t.ok(shape(openApi), `its shape: ${ajv.errorsText(shape.errors)}`);

  const refs = [...walk(openApi, '#')].filter(([, o]) => typeof o.$ref === 'string');
  t.ok(refs.length > 0, 'it uses $refs');
  for (const [at, o] of refs) {
    const target = String(o.$ref)
      .slice(2)
      .split('/')
      .reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], openApi);
    t.ok(target !== undefined && String(o.$ref).startsWith('#/components/schemas/'), `${at}: ${String(o.$ref)} resolves`);
  }

  const ids = Object.values(doc.paths).flatMap((item) => Object.values(item).map((op) => op.operationId));
  t.equal(new Set(ids).size, ids.length, 'operationIds are unique');
  for (const [p, item] of Object.entries(doc.paths)) {
    const inPath = [...p.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
    for (const [method, op] of Object.entries(item)) {
      const declared = (op.parameters ?? []).filter((x) => x.in === 'path');
      t.same(
        declared.map((x) => x.name),
        inPath,
        `${method} ${p}: path parameters declared in order`,
      );
      t.ok(
        declared.every((x) => x.required),
        `${method} ${p}: path parameters required`,
      );
    }
  }

  // Every schema compiles as JSON Schema 2020-12 (strict: no unknown keywords), with the components.
  const schemas = new Ajv2020({ strict: true, allowUnionTypes: true });
  addFormats.default(schemas);
  const rebase = (schema: unknown) => JSON.parse(JSON.stringify(schema).replaceAll('"#/components/schemas/', '"doc#/$defs/')) as object;
  schemas.addSchema({ $id: 'doc', $defs: rebase(doc.components.schemas) });
  let compiled = 0;
  for (const [at, o] of walk(openApi, '#')) {
    if (!('schema' in o) || typeof o.schema !== 'object') continue;
    t.doesNotThrow(() => schemas.compile(rebase(o.schema)), `${at}/schema is valid JSON Schema`);
    compiled++;
  }
  t.ok(compiled > 50, `${compiled} schemas compiled`);
});
