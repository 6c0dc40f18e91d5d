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
import { API } from './api.ts';
import { badRequest, command, notFound, problem } from './problem.ts';
import { serve } from './route-spec.ts';
import type { HttpServer, Reply } from './server.ts';
import { utcMs } from './validate.ts';

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

export interface IdSource {
  next(): string;
}

export function writeRoutes(server: HttpServer, gateway: CommandGateway, ids: IdSource): void {
  serve(server, API.createAirport, async (req, { body: b }) => {
    const r = await command(() =>
      gateway.airport(b.code, { _tag: 'SetAirportMinimumGroundTime', iata: b.code, minimumGroundTimeMin: b.minGroundTimeMinutes }, req.id),
    );
    return replyOf(r, 201, { code: b.code });
  });

  serve(server, API.setAirportGroundTime, async (req, { params: { code }, body: b }) => {
    const known = await command(() => gateway.airportState(code));
    if (known.state.status === 'none') throw notFound(`no airport ${code}; create it with POST /api/airports`);
    const r = await command(() =>
      gateway.airport(code, { _tag: 'SetAirportMinimumGroundTime', iata: code, minimumGroundTimeMin: b.minGroundTimeMinutes }, req.id),
    );
    return replyOf(r, 200, { code });
  });

  serve(server, API.createAirplane, async (req, { body: b }) => {
    const r = await command(() =>
      gateway.airplane(
        b.registration,
        {
          _tag: 'CreateAirplane',
          registration: b.registration,
          aircraftType: b.aircraftType,
          minimumGroundTimeMin: b.minGroundTimeMinutes,
        },
        req.id,
      ),
    );
    return replyOf(r, 201, { id: b.registration });
  });

  serve(server, API.createRotation, async (req, { body }) => {
    const id = body?.name ?? ids.next();
    const r = await command(() => gateway.rotation(id, { _tag: 'CreateRotation', rotationId: id }, req.id));
    return replyOf(r, 201, { id });
  });

  serve(server, API.addLeg, async (req, { params: { id: rotationId }, body: b }) => {
    const departureUtc = utcMs(b.departure);
    const arrivalUtc = utcMs(b.arrival);
    // The pattern lets February 30th through; the calendar does not.
    if (Number.isNaN(departureUtc)) throw badRequest(`field "departure" is not a real instant: ${b.departure}`, 'departure');
    if (Number.isNaN(arrivalUtc)) throw badRequest(`field "arrival" is not a real instant: ${b.arrival}`, 'arrival');
    if (arrivalUtc <= departureUtc)
      throw badRequest(`field "arrival" (${b.arrival}) must be after "departure" (${b.departure})`, 'arrival');
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
    const r = await command(() => gateway.rotation(rotationId, { _tag: 'AddLeg', rotationId, leg }, req.id));
    return replyOf(r, 201, { legId: leg.id });
  });

  serve(server, API.removeLeg, async (req, { params: { id: rotationId, legId } }) => {
    const r = await command(() => gateway.rotation(rotationId, { _tag: 'RemoveLeg', rotationId, legId }, req.id));
    return replyOf(r, 200, { rotationId, legId });
  });

  serve(server, API.removeRotation, async (req, { params: { id: rotationId } }) => {
    const r = await command(() => gateway.rotation(rotationId, { _tag: 'RemoveRotation', rotationId }, req.id));
    return replyOf(r, 200, { rotationId });
  });

  // The assignment saga is durable (src/app/assignment.ts): it runs to its end whatever
  // happens to this request. Finished in time, the answer is the outcome as for any command;
  // otherwise 202 with the assignment id, whose outcome GET /api/assignments/{id} tells later.
  // A client may name the assignment (`assignmentId`): sending the same request again then joins
  // the same saga instead of starting a second one.
  serve(server, API.assignRotation, async (req, { params: { id: registration }, body: b }) => {
    const sagaId = b.assignmentId ?? ids.next();
    const input =
      b.rotationId === undefined || b.rotationId === null
        ? ({ _tag: 'StartUnassignment', sagaId, registration } as const)
        : ({ _tag: 'StartAssignment', sagaId, registration, rotationId: b.rotationId } as const);
    const deadline = Date.now() + ASSIGNMENT_WAIT_MS;
    let reply: StartReply;
    try {
      reply = await gateway.startAssignment(input, ASSIGNMENT_WAIT_MS, req.id);
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

  serve(server, API.getAssignment, async (_req, { params: { id: sagaId } }) => {
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
