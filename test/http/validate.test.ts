/**
 * Request validation from the schemas: each kind of refusal Ajv reports becomes a 400 problem
 * naming the field, in words a client can act on (a table of cases); path parameters that cannot
 * name anything are 404s; query strings count empty parameters as absent and convert integers.
 */
import t from 'tap';
import { HttpProblem } from '../../src/http/problem.ts';
import { AssignRotation, AssignmentPath, CheckQuery, CreateAirport, ImportJson, LegInput, WindowQuery } from '../../src/http/schemas.ts';
import { bodyValidator, paramsValidator, parseJson, queryValidator, utcMs } from '../../src/http/validate.ts';

function refusal(work: () => unknown): { status: number; detail: string; field: string | undefined } {
  try {
    work();
  } catch (error) {
    if (error instanceof HttpProblem) return { status: error.problem.status, detail: error.problem.detail, field: error.problem.field };
    throw error;
  }
  throw new Error('accepted');
}

const leg = {
  carrier: 'LH',
  flightNumber: 400,
  dateOfOrigin: '2026-03-29',
  departureAirport: 'FRA',
  arrivalAirport: 'JFK',
  departure: '2026-03-29T10:00Z',
  arrival: '2026-03-29T18:00:00.000Z',
};

t.test('bodies: what is accepted comes back as sent', async (t) => {
  t.same(bodyValidator(LegInput)(leg), leg);
  t.same(bodyValidator(LegInput)({ ...leg, aircraftType: null, serviceType: 'J', suffix: '' }), {
    ...leg,
    aircraftType: null,
    serviceType: 'J',
    suffix: '',
  });
  t.same(bodyValidator(AssignRotation)({}), {});
  t.same(bodyValidator(ImportJson)({ ssim: 'x', onError: 'valid-only' }), { ssim: 'x', onError: 'valid-only' });
});

t.test('bodies: each refusal names the field and says what was expected', async (t) => {
  const airport = bodyValidator(CreateAirport);
  const legs = bodyValidator(LegInput);
  const cases: Array<[string, () => unknown, string, string]> = [
    [
      'unknown field',
      () => airport({ code: 'FRA', minGroundTimeMinutes: 1, extra: 1 }),
      'extra',
      'unknown field "extra"; allowed: code, minGroundTimeMinutes',
    ],
    ['missing', () => airport({ code: 'FRA' }), 'minGroundTimeMinutes', 'field "minGroundTimeMinutes" is required'],
    [
      'string for an integer',
      () => airport({ code: 'FRA', minGroundTimeMinutes: '45' }),
      'minGroundTimeMinutes',
      'field "minGroundTimeMinutes" must be an integer between 0 and 1440',
    ],
    [
      'fraction',
      () => airport({ code: 'FRA', minGroundTimeMinutes: 4.5 }),
      'minGroundTimeMinutes',
      'field "minGroundTimeMinutes" must be an integer between 0 and 1440',
    ],
    [
      'below the minimum',
      () => airport({ code: 'FRA', minGroundTimeMinutes: -1 }),
      'minGroundTimeMinutes',
      'field "minGroundTimeMinutes" must be >= 0',
    ],
    [
      'above the maximum',
      () => airport({ code: 'FRA', minGroundTimeMinutes: 1441 }),
      'minGroundTimeMinutes',
      'field "minGroundTimeMinutes" must be <= 1440',
    ],
    ['number for a string', () => airport({ code: 1, minGroundTimeMinutes: 1 }), 'code', 'field "code" must be a string, got number'],
    [
      'pattern',
      () => airport({ code: 'fra', minGroundTimeMinutes: 1 }),
      'code',
      'field "code" is "fra"; expected a three-letter IATA airport code in capitals, e.g. FRA',
    ],
    [
      'not a calendar date',
      () => legs({ ...leg, dateOfOrigin: '2026-02-30' }),
      'dateOfOrigin',
      'field "dateOfOrigin" is "2026-02-30"; expected a date YYYY-MM-DD',
    ],
    [
      'not an instant',
      () => legs({ ...leg, departure: 'tomorrow' }),
      'departure',
      'field "departure" is "tomorrow"; expected an ISO-8601 UTC instant like 2026-03-29T06:00:00Z',
    ],
    [
      'month 13',
      () => legs({ ...leg, departure: '2026-13-01T10:00Z' }),
      'departure',
      'field "departure" is "2026-13-01T10:00Z"; expected an ISO-8601 UTC instant like 2026-03-29T06:00:00Z',
    ],
    [
      'not UTC',
      () => legs({ ...leg, departure: '2026-03-29T10:00:00+02:00' }),
      'departure',
      'field "departure" is "2026-03-29T10:00:00+02:00"; expected an ISO-8601 UTC instant like 2026-03-29T06:00:00Z',
    ],
    [
      'nullable of the wrong type',
      () => legs({ ...leg, aircraftType: 320 }),
      'aircraftType',
      'field "aircraftType" must be a string or null, got number',
    ],
    [
      'one of',
      () => bodyValidator(ImportJson)({ ssim: 'x', onError: 'maybe' }),
      'onError',
      'field "onError" must be one of reject, valid-only, got "maybe"',
    ],
    [
      'an id',
      () => bodyValidator(AssignRotation)({ rotationId: 'a b' }),
      'rotationId',
      'field "rotationId" is "a b"; expected a rotation id, or null (or absent) to unassign',
    ],
  ];
  for (const [name, work, field, detail] of cases) t.same(refusal(work), { status: 400, detail, field }, name);
});

t.test('utcMs: dates and UTC instants on the calendar, NaN off it', async (t) => {
  t.equal(utcMs('2026-03-29'), Date.UTC(2026, 2, 29));
  t.equal(utcMs('2026-03-29T10:00Z'), Date.UTC(2026, 2, 29, 10));
  t.equal(utcMs('2026-03-29T10:00:00.5+00:00'), Date.UTC(2026, 2, 29, 10, 0, 0, 500));
  t.equal(utcMs('2028-02-29T00:00Z'), Date.UTC(2028, 1, 29), 'a leap day');
  for (const off of ['2026-02-30', '2026-02-29T10:00Z', '2026-04-31T00:00:00Z'])
    t.ok(Number.isNaN(utcMs(off)), `${off} is not on the calendar`);
});

t.test('a body that is no JSON object', async (t) => {
  t.match(
    refusal(() => parseJson(Buffer.from(''))),
    { status: 400, detail: /empty/ },
  );
  t.match(
    refusal(() => parseJson(Buffer.from('{"a":'))),
    { status: 400, detail: /not valid JSON/ },
  );
  t.match(
    refusal(() => parseJson(Buffer.from('[1]'))),
    { status: 400, detail: /must be a JSON object/ },
  );
  t.match(
    refusal(() => parseJson(Buffer.from('null'))),
    { status: 400, detail: /must be a JSON object/ },
  );
});

t.test('query strings: integers converted, empty means absent, unknown refused', async (t) => {
  const checks = queryValidator(CheckQuery);
  t.same(checks(new URLSearchParams('limit=25&minOffset=0&rotation=R1&cursor=')), { limit: 25, minOffset: 0, rotation: 'R1' });
  t.same(checks(new URLSearchParams('limit=5&limit=7')), { limit: 5 }, 'the first of a repeated parameter, as URLSearchParams.get');
  const cases: Array<[string, string, string]> = [
    ['limit=0', 'limit', 'query parameter "limit" must be an integer between 1 and 1000'],
    ['limit=ten', 'limit', 'query parameter "limit" must be an integer between 1 and 1000'],
    ['limit=1.5', 'limit', 'query parameter "limit" must be an integer between 1 and 1000'],
    [
      'from=yesterday',
      'from',
      'query parameter "from" is "yesterday"; expected a date YYYY-MM-DD or a UTC instant: violations on or after it',
    ],
    ['colour=red', 'colour', 'unknown query parameter "colour"; allowed: rotation, from, to, limit, cursor, minOffset, timeoutMs'],
    ['toString=1', 'toString', 'unknown query parameter "toString"; allowed: rotation, from, to, limit, cursor, minOffset, timeoutMs'],
  ];
  for (const [q, field, detail] of cases)
    t.same(
      refusal(() => checks(new URLSearchParams(q))),
      { status: 400, detail, field },
      q,
    );
  const window = queryValidator(WindowQuery);
  t.same(window(new URLSearchParams('by=airplane&violations=1&start=2')), { by: 'airplane', violations: '1', start: 2 });
  t.same(
    refusal(() => window(new URLSearchParams('sort=sideways'))),
    { status: 400, detail: 'query parameter "sort" must be one of start, id, violations, got "sideways"', field: 'sort' },
  );
  t.same(
    refusal(() => window(new URLSearchParams(`airplane=${'x'.repeat(101)}`))),
    { status: 400, detail: 'query parameter "airplane" is longer than 100 characters', field: 'airplane' },
  );
});

t.test('path parameters: one that cannot be an id is a 404 naming what it is not', async (t) => {
  const params = paramsValidator(AssignmentPath);
  t.same(params(['saga-1']), { id: 'saga-1' });
  t.match(
    refusal(() => params(['-x'])),
    { status: 404, detail: /^no assignment "-x": .*1-64 letters/, field: undefined },
  );
  t.match(
    refusal(() => params(['x'.repeat(65)])),
    { status: 404 },
  );
});
