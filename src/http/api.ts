/**
 * Every route of the HTTP API in one table: its path, parameters, body and answers, named by
 * the schemas in schemas.ts. The route files serve these declarations (route-spec.ts `serve`),
 * openapi.ts walks the table to make the document, and the tests check that the server
 * registers exactly these routes.
 */
import { Type } from '@sinclair/typebox';
import { type Answer, route } from './route-spec.ts';
import * as S from './schemas.ts';
import { SSIM_EXAMPLE } from './ssim-example.ts';

const ok = (schema: Answer['schema'], description = 'OK'): Answer => ({ description, ...(schema ? { schema } : {}) });
const problem = (description: string): Answer => ({ description });

/** What a command's answer can be besides its success (the domain's refusals, and the entity's). */
const commandErrors = {
  404: problem('No such aggregate (the domain error is `error`)'),
  409: problem('Conflicts with what is there (the domain error is `error`)'),
  422: problem('Refused by the aggregate for another reason (the domain error is `error`)'),
  503: problem('Not applied: the journal failed, or the entity is moving or unreachable (retriable), or its member was lost'),
  504: problem('The entity did not answer in time; the command may or may not have been applied'),
};
/** An entity's state, asked of the entity. */
const readErrors = {
  404: problem('No such aggregate'),
  503: problem("The entity's shard is moving or unreachable; retry"),
  504: problem('The entity did not answer in time'),
};
const viewErrors = {
  503: problem('No view replica can answer now (retriable)'),
  504: problem('The view did not reach minOffset within timeoutMs'),
};

const check = (name: string, summary: string) =>
  route({
    method: 'get',
    path: `/api/checks/${name}`,
    summary,
    description:
      '`from`/`to` take a date (YYYY-MM-DD: `to` includes that whole day) or a UTC instant (`to` exclusive). Answered by the schedule view replicas; wait for a write with `minOffset`.',
    query: S.CheckQuery,
    responses: { 200: ok(S.CheckAnswer), ...viewErrors },
  });

export const API = {
  createAirport: route({
    method: 'post',
    path: '/api/airports',
    summary: 'Create an airport or set its minimum ground time',
    body: S.CreateAirport,
    responses: { 201: ok(S.Written({ code: S.AirportCode }), 'Created'), ...commandErrors },
  }),
  setAirportGroundTime: route({
    method: 'put',
    path: '/api/airports/{code}',
    summary: "Change an existing airport's minimum ground time",
    params: S.AirportPath,
    body: S.SetAirportGroundTime,
    responses: { 200: ok(S.Written({ code: S.AirportCode })), ...commandErrors },
  }),
  createAirplane: route({
    method: 'post',
    path: '/api/airplanes',
    summary: 'Create an airplane',
    body: S.CreateAirplane,
    responses: { 201: ok(S.Written({ id: Type.String({ description: 'the registration' }) }), 'Created'), ...commandErrors },
  }),
  getAirplane: route({
    method: 'get',
    path: '/api/airplanes/{id}',
    summary: 'An airplane and its rotation',
    params: S.AnyAirplanePath,
    responses: { 200: ok(S.Airplane), ...readErrors },
  }),
  assignRotation: route({
    method: 'put',
    path: '/api/airplanes/{id}/rotation',
    summary: 'Assign a rotation (or, without rotationId, unassign): a durable saga over both aggregates',
    description:
      'The saga runs to its end even if this request does not: 200 (or the problem of its failure) when it finishes in time, 202 with its assignmentId otherwise; GET /api/assignments/{assignmentId} tells the outcome. With a client-chosen assignmentId, the same request sent again joins the same saga.',
    params: S.AirplanePath,
    body: S.AssignRotation,
    responses: {
      200: ok(S.AssignmentOutcome),
      202: ok(S.AssignmentPending, 'Not finished in time; it goes on'),
      ...commandErrors,
      409: problem('The rotation is flown by another airplane, or the assignmentId names another assignment'),
    },
  }),
  getAssignment: route({
    method: 'get',
    path: '/api/assignments/{id}',
    summary: 'An assignment saga: running, or completed with its outcome (asking also resumes an unfinished one)',
    params: S.AssignmentPath,
    responses: { 200: ok(S.AssignmentStatus), ...readErrors },
  }),
  createRotation: route({
    method: 'post',
    path: '/api/rotations',
    summary: 'Create a rotation (the name, if given, is its id; the body may be empty)',
    body: S.CreateRotation,
    bodyOptional: true,
    responses: { 201: ok(S.Written({ id: Type.String({ description: 'the rotation id' }) }), 'Created'), ...commandErrors },
  }),
  getRotation: route({
    method: 'get',
    path: '/api/rotations/{id}',
    summary: 'A rotation with its legs',
    params: S.AnyRotationPath,
    responses: { 200: ok(S.Rotation), ...readErrors },
  }),
  removeRotation: route({
    method: 'delete',
    path: '/api/rotations/{id}',
    summary: 'Remove a rotation',
    params: S.RotationPath,
    responses: { 200: ok(S.Written({ rotationId: Type.String() })), ...commandErrors },
  }),
  addLeg: route({
    method: 'post',
    path: '/api/rotations/{id}/legs',
    summary: 'Add a leg; an overlapping leg is refused with 409',
    params: S.RotationPath,
    body: S.LegInput,
    responses: { 201: ok(S.Written({ legId: Type.String() }), 'Created'), ...commandErrors },
  }),
  removeLeg: route({
    method: 'delete',
    path: '/api/rotations/{id}/legs/{legId}',
    summary: 'Remove a leg',
    params: S.RotationLegPath,
    responses: {
      200: ok(S.Written({ rotationId: Type.String(), legId: Type.String() })),
      ...commandErrors,
    },
  }),
  listImports: route({
    method: 'get',
    path: '/api/imports',
    summary: 'Every import job of the cluster, newest first (summaries: GET one for its problems and rejections)',
    responses: { 200: ok(S.ImportList) },
  }),
  startImport: route({
    method: 'post',
    path: '/api/imports',
    summary: 'Import an SSIM file (raw body, or JSON {ssim, rotations?, onError?} with a rotation CSV)',
    description:
      'Answers 202 once the job and its source are journalled; the work runs in the background and goes on after a crash of this member (another resumes it).',
    query: S.ImportQuery,
    body: S.ImportJson,
    rawBody: { contentType: 'text/plain', description: 'the SSIM file itself (any content type but JSON)', example: SSIM_EXAMPLE },
    responses: {
      202: ok(S.ImportAccepted, 'Accepted: the job and its source are journalled'),
      503: problem('The journal cannot be written now (retriable)'),
    },
  }),
  getImport: route({
    method: 'get',
    path: '/api/imports/{id}',
    summary:
      'Progress of an import (on any member); when done, counts and per-line problems. A job whose member died is resumed elsewhere (`resumes` counts it)',
    params: S.ImportPath,
    responses: { 200: ok(S.ImportStatus), 404: problem('No such import') },
  }),
  checkContinuity: check('continuity', 'Rotation continuity: consecutive legs share the airport'),
  checkGroundTime: check('ground-time', 'Minimum ground time between consecutive legs'),
  checkDesignators: check('designators', 'Flight designator uniqueness'),
  checkEquipment: check(
    'equipment',
    "Equipment: legs scheduled for another aircraft type than their rotation's airplane (legs of unknown type are not judged)",
  ),
  window: route({
    method: 'get',
    path: '/api/window',
    summary:
      "The planner's window: a page of rows (rotations, or airplanes then the unassigned rotations) with their legs in a time range and the violations touching them",
    description:
      'Rows are filtered and sorted by the server; `total` counts every matching row (a scrollbar), `extent` and `counts` describe the whole schedule. A row carries only its legs inside [from, to) in a short form, and the violations with one of those legs. Answered by the schedule view replicas; wait for a write with `minOffset`.',
    query: S.WindowQuery,
    responses: { 200: ok(S.Window), ...viewErrors },
  }),
  live: route({
    method: 'get',
    path: '/api/live',
    summary:
      'WebSocket: subscribe to "imports", "feed", "violations" (optionally per rotation) and "window" (one planner window per connection, with the parameters of GET /api/window: only changes inside it are sent)',
    responses: {
      101: { description: 'Switching Protocols: the WebSocket is open', noBody: true },
      426: problem('A plain GET, without `Upgrade: websocket`'),
    },
  }),
  feed: route({
    method: 'get',
    path: '/api/feed',
    summary: 'The global event feed in offset order (for clients that fold their own schedule)',
    query: S.FeedQuery,
    responses: { 200: ok(S.Feed), 503: problem('The journal cannot be read now (retriable)') },
  }),
  openApi: route({
    method: 'get',
    path: '/api/openapi.json',
    summary: 'This document',
    responses: { 200: ok(S.OpenApiDocument) },
  }),
  clusterPanel: route({
    method: 'get',
    path: '/api/cluster/panel',
    summary:
      "The planner's cluster panel: the cluster admin API's members and shards (asked with the request's bearer token) and this node's view replicas and actors",
    responses: {
      200: ok(S.ClusterPanel),
      401: problem('The cluster admin API refused the token'),
      404: problem('This node runs no cluster: there is no cluster panel'),
      503: problem('The cluster admin API is unreachable from this node, or failed'),
    },
  }),
  healthz: route({ method: 'get', path: '/healthz', summary: 'Liveness', responses: { 200: ok(S.Health) } }),
  readyz: route({
    method: 'get',
    path: '/readyz',
    summary:
      "Readiness: 200 once the views have caught up with the journal and a cluster member has joined and has its shard table, and while the journal and this member's jobs are reachable",
    responses: {
      200: ok(S.Ready),
      503: problem('Not ready: catching up, joining the cluster, or a backend is down (the problem lists them)'),
    },
  }),
  metrics: route({
    method: 'get',
    path: '/metrics',
    summary: 'Prometheus metrics',
    responses: { 200: { description: 'Prometheus text format', schema: S.Text200, contentType: 'text/plain' } },
  }),
  page: route({
    method: 'get',
    path: '/',
    summary: 'The planner page',
    responses: { 200: { description: 'index.html', schema: S.Text200, contentType: 'text/html' } },
  }),
  pageFile: route({
    method: 'get',
    path: '/{file}',
    summary: 'A static file of the planner page (its scripts, styles and icons)',
    params: S.FilePath,
    responses: {
      200: { description: 'the file', schema: S.Text200, contentType: ['text/html', 'text/javascript', 'text/css', 'image/svg+xml'] },
      404: problem('No such file'),
    },
  }),
} as const;

export type ApiRoute = (typeof API)[keyof typeof API];
