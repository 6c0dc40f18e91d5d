/**
 * The OpenAPI 3.1 document of the HTTP API, served at GET /api/openapi.json. Kept beside the
 * routes it describes; the e2e tests check that every route answers as documented.
 */

const problem = {
  description: 'A problem (RFC 9457)',
  content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
};
const json = (schema: object, description = 'OK') => ({ description, content: { 'application/json': { schema } } });
const body = (schema: object) => ({ required: true, content: { 'application/json': { schema } } });
const withOffset = (props: Record<string, object> = {}) => ({
  type: 'object',
  properties: {
    ...props,
    offset: { type: 'integer', description: 'global feed offset of the last event produced' },
    version: {
      type: 'integer',
      description: "the aggregate's sequence number after the command (absent for the assignment saga, which touches two aggregates)",
    },
  },
  required: ['offset'],
});
const idParam = (name: string, description: string) => ({ name, in: 'path', required: true, schema: { type: 'string' }, description });
const query = (name: string, schema: object, description: string) => ({ name, in: 'query', required: false, schema, description });
const errors = { '400': problem, '404': problem, '409': problem, '413': problem, '503': problem, '504': problem };

const checkParams = [
  query('rotation', { type: 'string' }, 'only violations of this rotation'),
  query('from', { type: 'string', format: 'date' }, 'only violations on or after this date'),
  query('to', { type: 'string', format: 'date' }, 'only violations on or before this date'),
  query('limit', { type: 'integer', minimum: 1, maximum: 1000, default: 100 }, 'page size'),
  query('cursor', { type: 'string' }, 'the `next` of the previous page'),
  query('minOffset', { type: 'integer', minimum: 0 }, 'answer only once the view has applied this offset (read your writes)'),
];

const check = (summary: string) => ({
  get: {
    summary,
    parameters: checkParams,
    responses: {
      '200': json({
        type: 'object',
        properties: {
          violations: { type: 'array', items: { $ref: '#/components/schemas/Violation' } },
          total: { type: 'integer' },
          offset: { type: 'integer' },
          next: { type: ['string', 'null'] },
        },
        required: ['violations', 'total', 'offset', 'next'],
      }),
      '400': problem,
      '504': problem,
    },
  },
});

export const openApi = {
  openapi: '3.1.0',
  info: {
    title: 'Aloft flight scheduling',
    version: '0.1.0',
    description: "Commands on rotations, legs, airplanes and airports; the four validation checks; the planner's windows; SSIM imports.",
  },
  paths: {
    '/api/airports': {
      post: {
        summary: 'Create an airport or set its minimum ground time',
        requestBody: body({
          type: 'object',
          properties: {
            code: { type: 'string', pattern: '^[A-Z]{3}$' },
            minGroundTimeMinutes: { type: 'integer', minimum: 0, maximum: 1440 },
          },
          required: ['code', 'minGroundTimeMinutes'],
          additionalProperties: false,
        }),
        responses: { '201': json(withOffset({ code: { type: 'string' } }), 'Created'), ...errors },
      },
    },
    '/api/airports/{code}': {
      put: {
        summary: "Change an airport's minimum ground time",
        parameters: [idParam('code', 'IATA code')],
        requestBody: body({
          type: 'object',
          properties: { minGroundTimeMinutes: { type: 'integer', minimum: 0, maximum: 1440 } },
          required: ['minGroundTimeMinutes'],
          additionalProperties: false,
        }),
        responses: { '200': json(withOffset()), ...errors },
      },
    },
    '/api/airplanes': {
      post: {
        summary: 'Create an airplane',
        requestBody: body({
          type: 'object',
          properties: {
            registration: { type: 'string' },
            aircraftType: { type: 'string', pattern: '^[A-Z0-9]{3}$' },
            minGroundTimeMinutes: { type: 'integer', minimum: 0, maximum: 1440 },
          },
          required: ['registration', 'aircraftType', 'minGroundTimeMinutes'],
          additionalProperties: false,
        }),
        responses: { '201': json(withOffset({ id: { type: 'string' } }), 'Created'), ...errors },
      },
    },
    '/api/airplanes/{id}': {
      get: {
        summary: 'An airplane and its rotation',
        parameters: [idParam('id', 'registration')],
        responses: { '200': json({ type: 'object' }), '404': problem },
      },
    },
    '/api/airplanes/{id}/rotation': {
      put: {
        summary: 'Assign a rotation (or, without rotationId, unassign): a durable saga over both aggregates',
        description:
          'The saga runs to its end even if this request does not: 200 (or the problem of its failure) when it finishes in time, 202 with its assignmentId otherwise; GET /api/assignments/{assignmentId} tells the outcome. With a client-chosen assignmentId, the same request sent again joins the same saga.',
        parameters: [idParam('id', 'registration')],
        requestBody: body({
          type: 'object',
          properties: {
            rotationId: { type: ['string', 'null'] },
            assignmentId: {
              type: 'string',
              pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$',
              description: 'names the saga (idempotency key); generated when absent',
            },
          },
          additionalProperties: false,
        }),
        responses: {
          '200': json(
            withOffset({
              _tag: { enum: ['Assigned', 'Unassigned'] },
              assignmentId: { type: 'string' },
              rotationId: { type: 'string' },
              replaced: { type: ['string', 'null'] },
            }),
          ),
          '202': json(
            {
              type: 'object',
              properties: { assignmentId: { type: 'string' }, state: { const: 'running' }, href: { type: 'string' } },
              required: ['assignmentId', 'state', 'href'],
            },
            'Not finished in time; it goes on',
          ),
          ...errors,
        },
      },
    },
    '/api/assignments/{assignmentId}': {
      get: {
        summary: 'An assignment saga: running, or completed with its outcome (asking also resumes an unfinished one)',
        parameters: [idParam('assignmentId', 'the assignmentId a PUT /api/airplanes/{id}/rotation answered or was given')],
        responses: {
          '200': json({
            type: 'object',
            properties: {
              assignmentId: { type: 'string' },
              kind: { enum: ['assign', 'unassign'] },
              registration: { type: 'string' },
              rotationId: { type: ['string', 'null'] },
              state: { enum: ['running', 'completed'] },
              phase: { type: 'string' },
              outcome: {
                type: ['object', 'null'],
                description: 'Assigned, Unassigned, AssignmentFailed or UnassignmentFailed (with the domain error)',
              },
              offset: { type: 'integer' },
              steps: { type: 'integer' },
              startedAt: { type: ['string', 'null'], format: 'date-time' },
              finishedAt: { type: ['string', 'null'], format: 'date-time' },
            },
            required: ['assignmentId', 'kind', 'registration', 'state', 'phase', 'outcome', 'offset'],
          }),
          '404': problem,
          '503': problem,
          '504': problem,
        },
      },
    },
    '/api/rotations': {
      post: {
        summary: 'Create a rotation (the name, if given, is its id)',
        requestBody: {
          required: false,
          content: {
            'application/json': { schema: { type: 'object', properties: { name: { type: 'string' } }, additionalProperties: false } },
          },
        },
        responses: { '201': json(withOffset({ id: { type: 'string' } }), 'Created'), ...errors },
      },
    },
    '/api/rotations/{id}': {
      get: {
        summary: 'A rotation with its legs',
        parameters: [idParam('id', 'rotation id')],
        responses: { '200': json({ type: 'object' }), '404': problem },
      },
      delete: {
        summary: 'Remove a rotation',
        parameters: [idParam('id', 'rotation id')],
        responses: { '200': json(withOffset()), ...errors },
      },
    },
    '/api/rotations/{id}/legs': {
      post: {
        summary: 'Add a leg; an overlapping leg is refused with 409',
        parameters: [idParam('id', 'rotation id')],
        requestBody: body({ $ref: '#/components/schemas/LegInput' }),
        responses: { '201': json(withOffset({ legId: { type: 'string' } }), 'Created'), ...errors },
      },
    },
    '/api/rotations/{id}/legs/{legId}': {
      delete: {
        summary: 'Remove a leg',
        parameters: [idParam('id', 'rotation id'), idParam('legId', 'leg id')],
        responses: { '200': json(withOffset()), ...errors },
      },
    },
    '/api/imports': {
      get: {
        summary: 'Every import job of the cluster, newest first (summaries: GET one for its problems and rejections)',
        responses: {
          '200': json({ type: 'object', properties: { imports: { type: 'array', items: { type: 'object' } } }, required: ['imports'] }),
        },
      },
      post: {
        summary: 'Import an SSIM file (raw body, or JSON {ssim, rotations?, onError?} with a rotation CSV)',
        parameters: [
          query(
            'onError',
            { enum: ['reject', 'valid-only'] },
            'reject the whole file on any problem (default), or apply only the valid legs',
          ),
        ],
        requestBody: {
          required: true,
          content: {
            'text/plain': { schema: { type: 'string' } },
            'application/json': {
              schema: {
                type: 'object',
                properties: { ssim: { type: 'string' }, rotations: { type: 'string' }, onError: { enum: ['reject', 'valid-only'] } },
                required: ['ssim'],
              },
            },
          },
        },
        responses: {
          '202': json({ type: 'object', properties: { importId: { type: 'string' } } }, 'Accepted: the job and its source are journalled'),
          '400': problem,
          '413': problem,
          '503': problem,
        },
      },
    },
    '/api/imports/{importId}': {
      get: {
        summary:
          'Progress of an import (on any member); when done, counts and per-line problems. A job whose member died is resumed elsewhere (`resumes` counts it)',
        parameters: [idParam('importId', 'import id')],
        responses: {
          '200': json({
            type: 'object',
            properties: {
              importId: { type: 'string' },
              state: { enum: ['parsing', 'applying', 'done', 'rejected', 'failed'] },
              rotations: { type: 'integer' },
              rotationsDone: { type: 'integer' },
              commandsTotal: { type: 'integer' },
              commandsApplied: { type: 'integer' },
              commandsRejected: { type: 'integer' },
              problems: { type: 'array', items: { type: 'object' } },
              problemCount: { type: 'integer' },
              rejections: { type: 'array', items: { type: 'object' } },
              offset: { type: 'integer' },
              resumes: { type: 'integer' },
              startedAt: { type: 'string' },
              finishedAt: { type: ['string', 'null'] },
            },
          }),
          '404': problem,
        },
      },
    },
    '/api/checks/continuity': check('Rotation continuity: consecutive legs share the airport'),
    '/api/checks/ground-time': check('Minimum ground time between consecutive legs'),
    '/api/checks/designators': check('Flight designator uniqueness'),
    '/api/checks/equipment': check(
      "Equipment: legs scheduled for another aircraft type than their rotation's airplane (legs of unknown type are not judged)",
    ),
    '/api/window': {
      get: {
        summary:
          "The planner's window: a page of rows (rotations, or airplanes then the unassigned rotations) with their legs in a time range and the violations touching them",
        description:
          'Rows are filtered and sorted by the server; `total` counts every matching row (a scrollbar), `extent` and `counts` describe the whole schedule. A row carries only its legs inside [from, to) in a short form, and the violations with one of those legs. Answered by the schedule view replicas; wait for a write with `minOffset`.',
        parameters: [
          query(
            'by',
            { enum: ['rotation', 'airplane'], default: 'rotation' },
            'rows are rotations, or airplanes (each with its assigned rotation) followed by the rotations no airplane flies',
          ),
          query(
            'from',
            { type: 'string' },
            'legs still in the air at this instant or later: a date YYYY-MM-DD (its midnight UTC), a UTC instant or epoch ms; default: the day of the first departure',
          ),
          query(
            'to',
            { type: 'string' },
            'legs departing before this instant (exclusive); default from + 14 days; at most 400 days after from',
          ),
          query('start', { type: 'integer', minimum: 0, default: 0 }, 'index of the first row'),
          query('limit', { type: 'integer', minimum: 1, maximum: 500, default: 50 }, 'rows'),
          query('rotation', { type: 'string', maxLength: 100 }, 'rotation id contains (case-insensitive)'),
          query(
            'airplane',
            { type: 'string', maxLength: 100 },
            'registration contains (case-insensitive); rows without an airplane drop out',
          ),
          query(
            'violations',
            { type: 'boolean' },
            'only rows whose rotation has a violation (of `check`, when given) anywhere in the season',
          ),
          query(
            'check',
            { enum: ['continuity', 'ground-time', 'designators', 'equipment'] },
            "count, filter and carry only this check's violations",
          ),
          query(
            'sort',
            { enum: ['start', 'id', 'violations'], default: 'start' },
            'by first departure, by id (registration for airplanes), or most violations first; in the airplane view within each group',
          ),
          query(
            'focus',
            { type: 'string' },
            'a rotation id or registration: the page is the one centred on its row (`focus` in the answer tells its index, null if no row matches)',
          ),
          query('minOffset', { type: 'integer', minimum: 0 }, 'answer only once the view has applied this offset (read your writes)'),
          query('timeoutMs', { type: 'integer', minimum: 1, maximum: 30000, default: 5000 }, 'how long to wait for minOffset'),
        ],
        responses: { '200': json({ $ref: '#/components/schemas/Window' }), '400': problem, '503': problem, '504': problem },
      },
    },
    '/api/live': {
      get: {
        summary:
          'WebSocket: subscribe to "imports", "feed", "violations" (optionally per rotation) and "window" (one planner window per connection, with the parameters of GET /api/window: only changes inside it are sent)',
        responses: { '101': { description: 'Switching Protocols' } },
      },
    },
    '/api/feed': {
      get: {
        summary: 'The global event feed in offset order (for clients that fold their own schedule)',
        parameters: [
          query('from', { type: 'integer', minimum: 1, default: 1 }, 'first offset'),
          query('limit', { type: 'integer', minimum: 1, maximum: 50000, default: 10000 }, 'most events'),
        ],
        responses: {
          '200': json({
            type: 'object',
            properties: { events: { type: 'array', items: { type: 'object' } }, next: { type: 'integer' }, head: { type: 'integer' } },
          }),
          '400': problem,
        },
      },
    },
    '/healthz': { get: { summary: 'Liveness', responses: { '200': json({ type: 'object' }) } } },
    '/readyz': {
      get: {
        summary: 'Readiness: 200 once the views have caught up with the journal',
        responses: { '200': json({ type: 'object' }), '503': problem },
      },
    },
    '/metrics': {
      get: {
        summary: 'Prometheus metrics',
        responses: { '200': { description: 'text format 0.0.4', content: { 'text/plain': { schema: { type: 'string' } } } } },
      },
    },
  },
  components: {
    schemas: {
      Problem: {
        type: 'object',
        properties: {
          type: { type: 'string' },
          title: { type: 'string' },
          status: { type: 'integer' },
          detail: { type: 'string' },
          field: { type: 'string' },
        },
        required: ['type', 'title', 'status', 'detail'],
      },
      LegInput: {
        type: 'object',
        additionalProperties: false,
        required: ['carrier', 'flightNumber', 'dateOfOrigin', 'departureAirport', 'arrivalAirport', 'departure', 'arrival'],
        properties: {
          carrier: { type: 'string', pattern: '^[A-Z0-9]{2}[A-Z]?$' },
          flightNumber: { type: 'integer', minimum: 1, maximum: 9999 },
          suffix: { type: 'string', pattern: '^[A-Z]?$' },
          dateOfOrigin: { type: 'string', format: 'date' },
          departureAirport: { type: 'string', pattern: '^[A-Z]{3}$' },
          arrivalAirport: { type: 'string', pattern: '^[A-Z]{3}$' },
          departure: { type: 'string', format: 'date-time', description: 'UTC' },
          arrival: { type: 'string', format: 'date-time', description: 'UTC, after departure' },
          aircraftType: {
            type: ['string', 'null'],
            pattern: '^[A-Z0-9]{3}$',
            description: 'IATA aircraft type the leg is scheduled for (e.g. 32N); omitted or null: unknown, never an equipment violation',
          },
          serviceType: {
            type: ['string', 'null'],
            pattern: '^[A-Z]$',
            description: 'SSIM service type (e.g. J); omitted or null: unknown',
          },
        },
      },
      Violation: {
        type: 'object',
        properties: { legIds: { type: 'array', items: { type: 'string' } }, rotationId: { type: 'string' } },
        required: ['legIds'],
        additionalProperties: true,
      },
      WindowLeg: {
        type: 'object',
        description: 'A leg in the short form of the chart',
        properties: {
          id: { type: 'string' },
          flight: { type: 'string', description: 'carrier, number and suffix: "AL 12A"' },
          from: { type: 'string' },
          to: { type: 'string' },
          dep: { type: 'integer', description: 'departure, epoch ms UTC' },
          arr: { type: 'integer', description: 'arrival, epoch ms UTC' },
          date: { type: 'string', format: 'date', description: 'date of origin' },
          type: { type: ['string', 'null'], description: 'aircraft type the leg is scheduled for' },
        },
        required: ['id', 'flight', 'from', 'to', 'dep', 'arr', 'date', 'type'],
      },
      WindowRow: {
        type: 'object',
        properties: {
          kind: { enum: ['rotation', 'airplane', 'unassigned'] },
          id: { type: 'string', description: 'the rotation id, or the registration of an airplane row' },
          rotationId: { type: ['string', 'null'] },
          registration: { type: ['string', 'null'] },
          aircraftType: { type: ['string', 'null'], description: "the airplane's" },
          legCount: { type: 'integer', description: 'legs of the whole rotation' },
          first: { type: ['integer', 'null'], description: 'first departure of the rotation' },
          last: { type: ['integer', 'null'], description: 'last arrival of the rotation' },
          violationCount: { type: 'integer', description: "the rotation's violations in the whole season (of `check`, when given)" },
          legs: { type: 'array', items: { $ref: '#/components/schemas/WindowLeg' } },
          violations: {
            type: 'array',
            items: {
              allOf: [
                { $ref: '#/components/schemas/Violation' },
                {
                  type: 'object',
                  properties: { check: { enum: ['continuity', 'ground-time', 'designators', 'equipment'] } },
                  required: ['check'],
                },
              ],
            },
          },
        },
        required: ['kind', 'id', 'rotationId', 'registration', 'legCount', 'violationCount', 'legs', 'violations'],
      },
      Window: {
        type: 'object',
        properties: {
          by: { enum: ['rotation', 'airplane'] },
          from: { type: 'integer' },
          to: { type: 'integer' },
          start: { type: 'integer' },
          total: { type: 'integer', description: 'rows matching the filters, all pages' },
          airplaneRows: {
            type: 'integer',
            description: 'airplane view: rows before this index are airplanes, the rest unassigned rotations',
          },
          focus: { type: ['integer', 'null'] },
          rows: { type: 'array', items: { $ref: '#/components/schemas/WindowRow' } },
          extent: {
            type: ['object', 'null'],
            properties: { from: { type: 'integer' }, to: { type: 'integer' } },
            description: 'first departure and last arrival of the schedule',
          },
          counts: {
            type: 'object',
            properties: {
              rotations: { type: 'integer' },
              airplanes: { type: 'integer' },
              legs: { type: 'integer' },
              unassigned: { type: 'integer' },
            },
          },
          totals: {
            type: 'object',
            properties: {
              continuity: { type: 'integer' },
              groundTime: { type: 'integer' },
              designators: { type: 'integer' },
              equipment: { type: 'integer' },
            },
          },
          offset: { type: 'integer', description: 'the feed offset the answer reflects' },
        },
        required: ['by', 'from', 'to', 'start', 'total', 'airplaneRows', 'focus', 'rows', 'extent', 'counts', 'totals', 'offset'],
      },
    },
  },
} as const;
