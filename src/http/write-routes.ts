/**
 * The write side of the HTTP API: one route per command. Each translates the body into a domain
 * command, sends it through the gateway and maps the entity's reply to HTTP: 201/200 with the
 * global `offset` of the events produced, 4xx problem+json for a rejection (the domain error is
 * included as `error`), 503 when the journal failed or the entity's shard is moving or unreachable
 * (nothing applied; retry), 504 when the entity did not answer in time.
 */
import type { CommandReply } from '../actors/index.ts';
import { legId as makeLegId, type Leg } from '../domain/index.ts';
import type { CommandGateway } from '../app/gateway.ts';
import { isUnavailable, isActorStopped } from '../actors/index.ts';
import type { AssignmentStatus, StartReply } from '../app/assignment.ts';
import { command, problem, notFound } from './problem.ts';
import type { HttpServer, Reply } from './server.ts';
import { fields, parseJson } from './validate.ts';

const AIRPORT = { type: 'string', pattern: /^[A-Z]{3}$/, hint: 'a three-letter IATA airport code in capitals, e.g. FRA' } as const;
const MINUTES = { type: 'integer', min: 0, max: 24 * 60 } as const;
const ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** Domain errors that mean "no such thing" and those that mean "conflicts with what is there". */
const NOT_FOUND = new Set(['RotationNotFound', 'AirplaneNotFound', 'UnknownLeg']);
const CONFLICT = new Set([
  'RotationAlreadyExists',
  'AirplaneAlreadyExists',
  'LegOverlaps',
  'LegAlreadyInRotation',
  'RotationIsAssigned',
  'RotationAlreadyAssigned',
  'RotationWasRemoved',
  'AirplaneNotAssigned',
  'AssignmentChanged',
]);

export function statusOf(errorTag: string): number {
  if (NOT_FOUND.has(errorTag)) return 404;
  if (CONFLICT.has(errorTag)) return 409;
  return 422;
}

type DomainError = { readonly _tag: string; readonly message: string };

function replyOf<E>(reply: CommandReply<E, DomainError>, status: number, extra: Record<string, unknown> = {}): Reply {
  switch (reply._tag) {
    case 'Accepted':
      return { status, body: { ...extra, offset: reply.offset, version: reply.seq } };
    case 'Rejected':
      throw problem(statusOf(reply.error._tag), kebab(reply.error._tag), reply.error.message, { error: reply.error });
    case 'Failed':
      throw problem(503, 'journal-unavailable', `the command was not stored: ${reply.error.message}`, { retriable: reply.error.retriable });
  }
}

function kebab(tag: string): string {
  return tag.replace(/([a-z])([A-Z])/g, '$1-$2').toLowerCase();
}

function pathId(value: string | undefined, what: string): string {
  if (value === undefined || !ID.test(value)) throw notFound(`no ${what} "${value ?? ''}": ids are 1-64 letters, digits, '.', '_' or '-'`);
  return value;
}

export interface IdSource {
  next(): string;
}

export function writeRoutes(server: HttpServer, gateway: CommandGateway, ids: IdSource): void {
  server.route('post', '/api/airports', async (req) => {
    const b = fields(parseJson(req.body), { code: AIRPORT, minGroundTimeMinutes: MINUTES });
    const r = await command(() =>
      gateway.airport(b.code, { _tag: 'SetAirportMinimumGroundTime', iata: b.code, minimumGroundTimeMin: b.minGroundTimeMinutes }),
    );
    return replyOf(r, 201, { code: b.code });
  });

  server.route('put', '/api/airports/:code', async (req) => {
    const code = req.params[0] ?? '';
    if (!/^[A-Z]{3}$/.test(code)) throw notFound(`no airport "${code}": airport codes are three capital letters`);
    const b = fields(parseJson(req.body), { minGroundTimeMinutes: MINUTES });
    const known = await command(() => gateway.airportState(code));
    if (known.state.status === 'none') throw notFound(`no airport ${code}; create it with POST /api/airports`);
    const r = await command(() =>
      gateway.airport(code, { _tag: 'SetAirportMinimumGroundTime', iata: code, minimumGroundTimeMin: b.minGroundTimeMinutes }),
    );
    return replyOf(r, 200, { code });
  });

  server.route('post', '/api/airplanes', async (req) => {
    const b = fields(parseJson(req.body), {
      registration: { type: 'string', pattern: /^[A-Z0-9][A-Z0-9-]{1,9}$/, hint: 'a registration like D-AIMA (capitals, digits, dashes)' },
      aircraftType: { type: 'string', pattern: /^[A-Z0-9]{3}$/, hint: 'a three-character IATA aircraft type, e.g. 388' },
      minGroundTimeMinutes: MINUTES,
    });
    const r = await command(() =>
      gateway.airplane(b.registration, {
        _tag: 'CreateAirplane',
        registration: b.registration,
        aircraftType: b.aircraftType,
        minimumGroundTimeMin: b.minGroundTimeMinutes,
      }),
    );
    return replyOf(r, 201, { id: b.registration });
  });

  server.route('post', '/api/rotations', async (req) => {
    const body = req.body.length === 0 ? {} : parseJson(req.body);
    const b = fields(body, { name: { type: 'string', optional: true, pattern: ID, hint: "1-64 letters, digits, '.', '_' or '-'" } });
    const id = b.name ?? ids.next();
    const r = await command(() => gateway.rotation(id, { _tag: 'CreateRotation', rotationId: id }));
    return replyOf(r, 201, { id });
  });

  server.route('post', '/api/rotations/:id/legs', async (req) => {
    const rotationId = pathId(req.params[0], 'rotation');
    const b = fields(parseJson(req.body), {
      carrier: { type: 'string', pattern: /^[A-Z0-9]{2}[A-Z]?$/, hint: 'a two- or three-character airline code, e.g. LH' },
      flightNumber: { type: 'integer', min: 1, max: 9999 },
      suffix: { type: 'string', optional: true, pattern: /^[A-Z]?$/, hint: 'one capital letter, or empty' },
      dateOfOrigin: { type: 'string', pattern: /^\d{4}-\d{2}-\d{2}$/, hint: 'a date YYYY-MM-DD' },
      departureAirport: AIRPORT,
      arrivalAirport: AIRPORT,
      departure: { type: 'instant' },
      arrival: { type: 'instant' },
      aircraftType: {
        type: 'string',
        optional: true,
        pattern: /^[A-Z0-9]{3}$/,
        hint: 'a three-character IATA aircraft type, e.g. 32N (omit or null when not known)',
      },
      serviceType: {
        type: 'string',
        optional: true,
        pattern: /^[A-Z]$/,
        hint: 'an SSIM service type, one capital letter, e.g. J (omit or null when not known)',
      },
    });
    if (Number.isNaN(Date.parse(`${b.dateOfOrigin}T00:00:00Z`)))
      throw problem(400, 'invalid-request', `field "dateOfOrigin" is not a calendar date: ${b.dateOfOrigin}`, { field: 'dateOfOrigin' });
    const departureUtc = Date.parse(b.departure);
    const arrivalUtc = Date.parse(b.arrival);
    if (arrivalUtc <= departureUtc)
      throw problem(400, 'invalid-request', `field "arrival" (${b.arrival}) must be after "departure" (${b.departure})`, {
        field: 'arrival',
      });
    const designator = {
      carrier: b.carrier,
      flightNumber: b.flightNumber,
      suffix: b.suffix ?? '',
      departureAirport: b.departureAirport,
      dateOfOrigin: b.dateOfOrigin,
    };
    const leg: Leg = {
      id: makeLegId(designator),
      ...designator,
      arrivalAirport: b.arrivalAirport,
      departureUtc,
      arrivalUtc,
      aircraftType: b.aircraftType ?? null,
      serviceType: b.serviceType ?? null,
    };
    const r = await command(() => gateway.rotation(rotationId, { _tag: 'AddLeg', rotationId, leg }));
    return replyOf(r, 201, { legId: leg.id });
  });

  server.route('del', '/api/rotations/:id/legs/:legId', async (req) => {
    const rotationId = pathId(req.params[0], 'rotation');
    const legId = req.params[1] ?? '';
    const r = await command(() => gateway.rotation(rotationId, { _tag: 'RemoveLeg', rotationId, legId }));
    return replyOf(r, 200, { rotationId, legId });
  });

  server.route('del', '/api/rotations/:id', async (req) => {
    const rotationId = pathId(req.params[0], 'rotation');
    const r = await command(() => gateway.rotation(rotationId, { _tag: 'RemoveRotation', rotationId }));
    return replyOf(r, 200, { rotationId });
  });

  // The assignment saga is durable (src/app/assignment.ts): it runs to its end whatever
  // happens to this request. Finished in time, the answer is the outcome as for any command;
  // otherwise 202 with the assignment id, whose outcome GET /api/assignments/{id} tells later.
  // A client may name the assignment (`assignmentId`): sending the same request again then joins
  // the same saga instead of starting a second one.
  server.route('put', '/api/airplanes/:id/rotation', async (req) => {
    const registration = pathId(req.params[0], 'airplane');
    const body = parseJson(req.body);
    const b = fields(body, {
      rotationId: { type: 'string', optional: true, pattern: ID, hint: 'a rotation id, or null to unassign' },
      assignmentId: { type: 'string', optional: true, pattern: ID, hint: "1-64 letters, digits, '.', '_' or '-'" },
    });
    const sagaId = b.assignmentId ?? ids.next();
    const input =
      b.rotationId === undefined
        ? ({ _tag: 'StartUnassignment', sagaId, registration } as const)
        : ({ _tag: 'StartAssignment', sagaId, registration, rotationId: b.rotationId } as const);
    const deadline = Date.now() + ASSIGNMENT_WAIT_MS;
    let reply: StartReply;
    try {
      reply = await gateway.startAssignment(input, ASSIGNMENT_WAIT_MS);
    } catch (error) {
      // Refused before it reached the saga (its shard moving, its home unreachable): nothing started.
      if (isUnavailable(error) || isActorStopped(error))
        throw problem(503, 'entity-unavailable', `the assignment was not started: ${error.message}`, {
          retriable: true,
          assignmentId: sagaId,
        });
      // No answer in time (a step waits on a moving shard, a member died): the saga, if it
      // started, finishes on its own.
      return { status: 202, body: pending(sagaId) };
    }
    // Handed off before it finished: it goes on at its new home; wait for it there, within the time left.
    while (reply._tag === 'Moved' && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      const status = await gateway.assignmentStatus(sagaId, Math.max(100, deadline - Date.now())).catch(() => null);
      if (status?.state === 'completed') reply = { _tag: 'Completed', status };
    }
    if (reply._tag === 'Moved') return { status: 202, body: pending(sagaId) };
    if (reply._tag === 'NotStarted')
      throw problem(503, 'journal-unavailable', `the assignment was not started: ${reply.message}`, {
        retriable: true,
        assignmentId: sagaId,
      });
    if (reply._tag === 'Conflict')
      throw problem(
        409,
        'assignment-id-taken',
        `assignment ${sagaId} exists and is another assignment (${reply.status.kind} of ${reply.status.registration})`,
        { assignmentId: sagaId },
      );
    return assignmentReply(reply.status);
  });

  server.route('get', '/api/assignments/:id', async (req) => {
    const sagaId = pathId(req.params[0], 'assignment');
    const status = await command(() => gateway.assignmentStatus(sagaId));
    if (status === null) throw notFound(`no assignment ${sagaId}`);
    return { status: 200, body: status };
  });
}

/** How long the assignment PUT waits for its saga before answering 202. */
const ASSIGNMENT_WAIT_MS = 10_000;

function pending(sagaId: string): Record<string, unknown> {
  return {
    assignmentId: sagaId,
    state: 'running',
    href: `/api/assignments/${sagaId}`,
    detail: `the assignment did not finish in time; it goes on without this request: GET /api/assignments/${sagaId} for its outcome`,
  };
}

/** A completed saga as the PUT answers it: the outcome, or the domain error's problem. */
function assignmentReply(status: AssignmentStatus): Reply {
  const o = status.outcome;
  if (o === null) return { status: 202, body: pending(status.assignmentId) };
  if (o._tag === 'AssignmentFailed' || o._tag === 'UnassignmentFailed')
    throw problem(statusOf(o.error._tag), kebab(o.error._tag), o.message, { error: o.error, assignmentId: status.assignmentId });
  return { status: 200, body: { ...o, offset: status.offset, assignmentId: status.assignmentId } };
}
