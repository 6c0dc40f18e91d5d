/**
 * The shapes of the HTTP API, written once as TypeBox schemas (JSON Schema 2020-12): request
 * bodies, path and query parameters, answers. The route table (api.ts) names them per route;
 * validate.ts compiles the request shapes with Ajv at start, openapi.ts puts all of them in the
 * document, and the HTTP tests check every answer against them.
 *
 * A pattern's `description` is also the hint a 400 gives ("expected <description>"), so write it
 * for a client who sent the wrong thing.
 */
import { type Static, type TSchema, Type } from '@sinclair/typebox';
import { CHECK_KINDS, MAX_WINDOW_ROWS, WINDOW_SORTS } from '../views/window.ts';
import { SSIM_EXAMPLE } from './ssim-example.ts';

/** `T`, or null (JSON Schema's type list, not an anyOf: one error, naming the field, when wrong). */
export const Nullable = <T extends TSchema & { type: string }>(schema: T) =>
  Type.Unsafe<Static<T> | null>({ ...schema, type: [schema.type, 'null'] });

const DAY_SOURCE = '\\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\\d|3[01])';
const TIME_SOURCE = 'T([01]\\d|2[0-3]):[0-5]\\d(:[0-5]\\d(\\.\\d{1,3})?)?(Z|[+-]00:?00)';
/** An ISO-8601 UTC instant; seconds and milliseconds optional (the calendar is checked by the route). */
const INSTANT_SOURCE = `^${DAY_SOURCE}${TIME_SOURCE}$`;
const ID_SOURCE = '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$';
const ID_HINT = "1-64 letters, digits, '.', '_' or '-'";

export const AirportCode = Type.String({ pattern: '^[A-Z]{3}$', description: 'a three-letter IATA airport code in capitals, e.g. FRA' });
export const Minutes = Type.Integer({ minimum: 0, maximum: 24 * 60, description: 'minutes (0-1440)' });
export const AircraftType = Type.String({ pattern: '^[A-Z0-9]{3}$', description: 'a three-character IATA aircraft type, e.g. 388' });
/** One of `values` (JSON Schema's enum: one error, that lists them, when wrong). */
const Enum = <const T extends readonly string[]>(values: T, description: string, defaultValue?: T[number]) =>
  Type.Unsafe<T[number]>({ type: 'string', enum: values, description, ...(defaultValue === undefined ? {} : { default: defaultValue }) });
const Instant = (description: string) => Type.String({ pattern: INSTANT_SOURCE, description });

// ---- Problems ----

export const Problem = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer({ minimum: 400, maximum: 599 }),
    detail: Type.String(),
    field: Type.Optional(Type.String({ description: 'the request field or parameter at fault' })),
  },
  { description: 'A problem (RFC 9457); some carry more members, e.g. the domain `error`, `retriable`, `assignmentId`' },
);

// ---- Path parameters ----

const Id = (title: string, description: string) => Type.String({ title, pattern: ID_SOURCE, description: `${description}: ${ID_HINT}` });
export const RotationPath = Type.Object({ id: Id('rotation', 'rotation id') });
export const RotationLegPath = Type.Object({
  id: Id('rotation', 'rotation id'),
  legId: Type.String({ title: 'leg', description: 'leg id' }),
});
export const AirplanePath = Type.Object({ id: Id('airplane', 'registration') });
export const AirportPath = Type.Object({
  code: Type.String({ title: 'airport', pattern: '^[A-Z]{3}$', description: 'airport codes are three capital letters' }),
});
export const AssignmentPath = Type.Object({
  id: Id('assignment', 'the assignmentId a PUT /api/airplanes/{id}/rotation answered or was given'),
});
export const ImportPath = Type.Object({ id: Type.String({ title: 'import', description: 'the importId POST /api/imports answered' }) });
export const FilePath = Type.Object({ file: Type.String({ title: 'page file', description: 'a file of the planner page, e.g. app.js' }) });
/** What read routes take as an entity id: anything (an unknown one is a 404 from the entity). */
export const AnyRotationPath = Type.Object({ id: Type.String({ title: 'rotation', description: 'rotation id' }) });
export const AnyAirplanePath = Type.Object({ id: Type.String({ title: 'airplane', description: 'registration' }) });

// ---- Request bodies ----

export const CreateAirport = Type.Object({ code: AirportCode, minGroundTimeMinutes: Minutes }, { additionalProperties: false });
export const SetAirportGroundTime = Type.Object({ minGroundTimeMinutes: Minutes }, { additionalProperties: false });
export const CreateAirplane = Type.Object(
  {
    registration: Type.String({
      pattern: '^[A-Z0-9][A-Z0-9-]{1,9}$',
      description: 'a registration like D-AIMA (capitals, digits, dashes)',
    }),
    aircraftType: AircraftType,
    minGroundTimeMinutes: Minutes,
  },
  { additionalProperties: false },
);
export const CreateRotation = Type.Object(
  { name: Type.Optional(Type.String({ pattern: ID_SOURCE, description: `the rotation's id: ${ID_HINT}` })) },
  { additionalProperties: false },
);
export const LegInput = Type.Object(
  {
    carrier: Type.String({ pattern: '^[A-Z0-9]{2}[A-Z]?$', description: 'a two- or three-character airline code, e.g. LH' }),
    flightNumber: Type.Integer({ minimum: 1, maximum: 9999 }),
    suffix: Type.Optional(Type.String({ pattern: '^[A-Z]?$', description: 'one capital letter, or empty' })),
    dateOfOrigin: Type.String({ format: 'date', description: 'a date YYYY-MM-DD' }),
    departureAirport: AirportCode,
    arrivalAirport: AirportCode,
    departure: Instant('an ISO-8601 UTC instant like 2026-03-29T06:00:00Z'),
    arrival: Instant('an ISO-8601 UTC instant like 2026-03-29T06:00:00Z, after departure'),
    aircraftType: Type.Optional(
      Nullable(
        Type.String({
          pattern: '^[A-Z0-9]{3}$',
          description: 'a three-character IATA aircraft type, e.g. 32N (omit or null when not known: never an equipment violation)',
        }),
      ),
    ),
    serviceType: Type.Optional(
      Nullable(
        Type.String({ pattern: '^[A-Z]$', description: 'an SSIM service type, one capital letter, e.g. J (omit or null when not known)' }),
      ),
    ),
  },
  {
    additionalProperties: false,
    examples: [
      {
        carrier: 'LH',
        flightNumber: 400,
        dateOfOrigin: '2026-03-29',
        departureAirport: 'FRA',
        arrivalAirport: 'JFK',
        departure: '2026-03-29T10:00:00Z',
        arrival: '2026-03-29T18:00:00Z',
        aircraftType: '388',
        serviceType: 'J',
      },
    ],
  },
);
export const AssignRotation = Type.Object(
  {
    rotationId: Type.Optional(Nullable(Type.String({ pattern: ID_SOURCE, description: 'a rotation id, or null (or absent) to unassign' }))),
    assignmentId: Type.Optional(
      Type.String({ pattern: ID_SOURCE, description: `names the saga (idempotency key; generated when absent): ${ID_HINT}` }),
    ),
  },
  { additionalProperties: false },
);

const OnError = Enum(['reject', 'valid-only'] as const, 'reject the whole file on any problem (default), or apply only the valid legs');
export const ImportJson = Type.Object(
  {
    ssim: Type.String({ description: 'the SSIM file' }),
    rotations: Type.Optional(Type.String({ description: 'a rotation CSV: which legs fly together' })),
    onError: Type.Optional(OnError),
  },
  { additionalProperties: false, examples: [{ ssim: SSIM_EXAMPLE }] },
);

// ---- Query parameters (strings on the wire; integers are converted) ----

const WaitParams = {
  minOffset: Type.Optional(
    Type.Integer({
      minimum: 0,
      maximum: Number.MAX_SAFE_INTEGER,
      description: 'answer only once the view has applied this offset (read your writes)',
    }),
  ),
  timeoutMs: Type.Optional(Type.Integer({ minimum: 1, maximum: 30_000, default: 5_000, description: 'how long to wait for minOffset' })),
};
const DATE_OR_INSTANT = `^${DAY_SOURCE}(${TIME_SOURCE})?$`;
export const CheckQuery = Type.Object(
  {
    rotation: Type.Optional(Type.String({ description: 'only violations of this rotation' })),
    from: Type.Optional(
      Type.String({ pattern: DATE_OR_INSTANT, description: 'a date YYYY-MM-DD or a UTC instant: violations on or after it' }),
    ),
    to: Type.Optional(
      Type.String({
        pattern: DATE_OR_INSTANT,
        description: 'a date YYYY-MM-DD (that whole day) or a UTC instant (exclusive): violations before it',
      }),
    ),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100, description: 'page size' })),
    cursor: Type.Optional(Type.String({ description: 'the `next` of the previous page' })),
    ...WaitParams,
  },
  { additionalProperties: false },
);
const WINDOW_INSTANT = `^(\\d{1,15}|${DAY_SOURCE}(${TIME_SOURCE})?)$`;
const WINDOW_INSTANT_HINT = 'a date YYYY-MM-DD (its midnight UTC), a UTC instant like 2026-03-29T06:00:00Z or epoch milliseconds';
const Text = (description: string) => Type.Optional(Type.String({ maxLength: 100, description }));
export const WindowParams = {
  by: Type.Optional(
    Enum(
      ['rotation', 'airplane'] as const,
      'rows are rotations, or airplanes (each with its assigned rotation) followed by the rotations no airplane flies',
      'rotation',
    ),
  ),
  from: Type.Optional(
    Type.String({
      pattern: WINDOW_INSTANT,
      description: `legs still in the air at this instant or later: ${WINDOW_INSTANT_HINT}; default: the day of the first departure`,
    }),
  ),
  to: Type.Optional(
    Type.String({
      pattern: WINDOW_INSTANT,
      description: `legs departing before this instant (exclusive): ${WINDOW_INSTANT_HINT}; default from + 14 days; at most 400 days after from`,
    }),
  ),
  start: Type.Optional(Type.Integer({ minimum: 0, maximum: 10_000_000, default: 0, description: 'index of the first row' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_WINDOW_ROWS, default: 50, description: 'rows' })),
  rotation: Text('rotation id contains (case-insensitive)'),
  airplane: Text('registration contains (case-insensitive); rows without an airplane drop out'),
  violations: Type.Optional(
    Enum(['true', 'false', '1', '0'] as const, 'only rows whose rotation has a violation (of `check`, when given) anywhere in the season'),
  ),
  check: Type.Optional(Enum(CHECK_KINDS, "count, filter and carry only this check's violations")),
  sort: Type.Optional(
    Enum(
      WINDOW_SORTS,
      'by first departure, by id (registration for airplanes), or most violations first; in the airplane view within each group',
      'start',
    ),
  ),
  focus: Text(
    'a rotation id or registration: the page is the one centred on its row (`focus` in the answer tells its index, null if no row matches)',
  ),
};
/** A window as a WebSocket subscription names it: the parameters of GET /api/window without the wait. */
export const WindowSubscription = Type.Object(WindowParams, { additionalProperties: false });
export const WindowQuery = Type.Object({ ...WindowParams, ...WaitParams }, { additionalProperties: false });
export const FeedQuery = Type.Object(
  {
    from: Type.Optional(Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER, default: 1, description: 'first offset' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 50_000, default: 10_000, description: 'most events' })),
  },
  { additionalProperties: false },
);
export const ImportQuery = Type.Object({ onError: Type.Optional(OnError) }, { additionalProperties: false });

// ---- Answers ----

const offsetMembers = {
  offset: Type.Integer({ description: 'global feed offset of the last event produced' }),
  version: Type.Optional(Type.Integer({ description: "the aggregate's sequence number after the command" })),
};
/** A command's answer: what it names, and where its events are. */
export const Written = <P extends Record<string, TSchema>>(props: P) => Type.Object({ ...props, ...offsetMembers });

export const AssignmentOutcome = Type.Object({
  _tag: Type.Union([Type.Literal('Assigned'), Type.Literal('Unassigned')]),
  registration: Type.String(),
  rotationId: Type.String(),
  replaced: Type.Optional(Nullable(Type.String({ description: 'the rotation the airplane flew before (Assigned)' }))),
  assignmentId: Type.String(),
  offset: Type.Integer(),
});
export const AssignmentPending = Type.Object({
  assignmentId: Type.String(),
  state: Type.Literal('running'),
  href: Type.String(),
  detail: Type.String(),
});
export const AssignmentStatus = Type.Object({
  assignmentId: Type.String(),
  kind: Type.Union([Type.Literal('assign'), Type.Literal('unassign')]),
  registration: Type.String(),
  rotationId: Nullable(Type.String()),
  state: Type.Union([Type.Literal('running'), Type.Literal('completed')]),
  phase: Type.String(),
  outcome: Nullable(
    Type.Object(
      { _tag: Type.Union(['Assigned', 'Unassigned', 'AssignmentFailed', 'UnassignmentFailed'].map((t) => Type.Literal(t))) },
      { description: 'Assigned, Unassigned, AssignmentFailed or UnassignmentFailed (with the domain error)' },
    ),
  ),
  offset: Type.Integer(),
  steps: Type.Integer(),
  startedAt: Nullable(Type.String()),
  finishedAt: Nullable(Type.String()),
});

const StoredLeg = Type.Object({
  id: Type.String(),
  carrier: Type.String(),
  flightNumber: Type.Integer(),
  suffix: Type.String(),
  dateOfOrigin: Type.String(),
  departureAirport: Type.String(),
  arrivalAirport: Type.String(),
  departureUtc: Type.Integer({ description: 'epoch ms' }),
  arrivalUtc: Type.Integer({ description: 'epoch ms' }),
  departure: Type.String({ description: 'ISO-8601 UTC' }),
  arrival: Type.String({ description: 'ISO-8601 UTC' }),
  aircraftType: Nullable(Type.String()),
  serviceType: Nullable(Type.String()),
});
export const Rotation = Type.Object({
  id: Type.String(),
  version: Type.Integer(),
  airplane: Nullable(Type.String({ description: 'registration of the airplane flying it' })),
  legs: Type.Array(StoredLeg),
});
export const Airplane = Type.Object({
  id: Type.String(),
  version: Type.Integer(),
  registration: Type.String(),
  aircraftType: Type.String(),
  minGroundTimeMinutes: Type.Integer(),
  rotationId: Nullable(Type.String()),
});

export const Feed = Type.Object({
  events: Type.Array(
    Type.Object({ offset: Type.Integer(), persistenceId: Type.String(), seq: Type.Integer(), type: Type.String(), event: Type.Object({}) }),
  ),
  next: Type.Integer({ description: 'the `from` of the next page' }),
  head: Type.Integer({ description: 'the highest offset stored' }),
});

export const Violation = Type.Object({ legIds: Type.Array(Type.String()), rotationId: Type.Optional(Type.String()) });
export const CheckAnswer = Type.Object({
  violations: Type.Array(Violation),
  total: Type.Integer(),
  offset: Type.Integer(),
  next: Nullable(Type.String()),
});

export const WindowLeg = Type.Object(
  {
    id: Type.String(),
    flight: Type.String({ description: 'carrier, number and suffix: "AL 12A"' }),
    from: Type.String(),
    to: Type.String(),
    dep: Type.Integer({ description: 'departure, epoch ms UTC' }),
    arr: Type.Integer({ description: 'arrival, epoch ms UTC' }),
    date: Type.String({ format: 'date', description: 'date of origin' }),
    type: Nullable(Type.String({ description: 'aircraft type the leg is scheduled for' })),
  },
  { description: 'A leg in the short form of the chart' },
);
export const WindowRow = Type.Object({
  kind: Type.Union([Type.Literal('rotation'), Type.Literal('airplane'), Type.Literal('unassigned')]),
  id: Type.String({ description: 'the rotation id, or the registration of an airplane row' }),
  rotationId: Nullable(Type.String()),
  registration: Nullable(Type.String()),
  aircraftType: Type.Optional(Nullable(Type.String({ description: "the airplane's" }))),
  legCount: Type.Integer({ description: 'legs of the whole rotation' }),
  first: Type.Optional(Nullable(Type.Integer({ description: 'first departure of the rotation' }))),
  last: Type.Optional(Nullable(Type.Integer({ description: 'last arrival of the rotation' }))),
  violationCount: Type.Integer({ description: "the rotation's violations in the whole season (of `check`, when given)" }),
  legs: Type.Array(WindowLeg),
  violations: Type.Array(Type.Intersect([Violation, Type.Object({ check: Enum(CHECK_KINDS, 'the check that found it') })])),
});
export const Window = Type.Object({
  by: Type.Union([Type.Literal('rotation'), Type.Literal('airplane')]),
  from: Type.Integer(),
  to: Type.Integer(),
  start: Type.Integer(),
  total: Type.Integer({ description: 'rows matching the filters, all pages' }),
  airplaneRows: Type.Integer({ description: 'airplane view: rows before this index are airplanes, the rest unassigned rotations' }),
  focus: Nullable(Type.Integer()),
  rows: Type.Array(WindowRow),
  extent: Nullable(
    Type.Object({ from: Type.Integer(), to: Type.Integer() }, { description: 'first departure and last arrival of the schedule' }),
  ),
  counts: Type.Object({ rotations: Type.Integer(), airplanes: Type.Integer(), legs: Type.Integer(), unassigned: Type.Integer() }),
  totals: Type.Object({ continuity: Type.Integer(), groundTime: Type.Integer(), designators: Type.Integer(), equipment: Type.Integer() }),
  offset: Type.Integer({ description: 'the feed offset the answer reflects' }),
});

const ImportState = Type.Union(['parsing', 'applying', 'done', 'rejected', 'failed'].map((s) => Type.Literal(s)));
const importSummary = {
  importId: Type.String(),
  state: ImportState,
  bytes: Type.Integer(),
  bytesTotal: Type.Integer(),
  records: Type.Integer(),
  legs: Type.Integer(),
  rotations: Type.Integer(),
  rotationsDone: Type.Integer(),
  commandsTotal: Type.Integer(),
  commandsApplied: Type.Integer(),
  commandsRejected: Type.Integer(),
  problemCount: Type.Integer(),
  offset: Type.Integer({ description: "the highest offset the import's events got: query with minOffset to see them all" }),
  message: Type.String(),
  startedAt: Type.String(),
  finishedAt: Nullable(Type.String()),
  resumes: Type.Integer({ description: 'how many times a member took the job over after its runner stopped' }),
};
export const ImportStatus = Type.Object({
  ...importSummary,
  problems: Type.Array(
    Type.Object({ line: Type.Integer(), message: Type.String() }, { description: 'a problem in the files, with its line (first 1,000)' }),
  ),
  rejections: Type.Array(
    Type.Object(
      {
        rotationId: Type.String(),
        command: Type.String(),
        legId: Type.Optional(Type.String()),
        error: Type.String(),
        message: Type.String(),
      },
      { description: 'a command the aggregates refused (first 1,000)' },
    ),
  ),
});
export const ImportList = Type.Object({ imports: Type.Array(Type.Object(importSummary)) });
export const ImportAccepted = Type.Object({ importId: Type.String(), state: ImportState });

const ReplicaLag = Type.Object({
  name: Type.String(),
  state: Type.String(),
  offset: Type.Integer(),
  head: Type.Integer(),
  lag: Type.Integer(),
});
const Backend = Type.Object({
  name: Type.String(),
  state: Type.String(),
  reason: Type.Optional(Type.String()),
  position: Type.Optional(Type.Integer()),
  lag: Type.Optional(Type.Integer()),
});
export const Health = Type.Object({ status: Type.Literal('ok') });
export const Ready = Type.Object({
  status: Type.Literal('ready'),
  offset: Type.Integer(),
  replicas: Type.Array(ReplicaLag),
  backends: Type.Array(Backend),
});
export const ClusterPanel = Type.Object({
  cluster: Type.Unknown({ description: "the cluster admin API's members answer" }),
  shards: Type.Unknown({ description: "the admin API's brief shard table, or null when it has none" }),
  replicas: Type.Array(ReplicaLag),
  mainThreadActors: Nullable(Type.Integer()),
  at: Type.String({ description: 'when this node answered' }),
});
export const OpenApiDocument = Type.Object({ openapi: Type.String(), info: Type.Object({}), paths: Type.Object({}) });
export const Text200 = Type.String();

/** Named in the document's components (and referred to by $ref where used). */
export const COMPONENTS: Readonly<Record<string, TSchema>> = {
  Problem,
  LegInput,
  Violation,
  WindowLeg,
  WindowRow,
  Window,
  AssignmentStatus,
  ImportStatus,
};
