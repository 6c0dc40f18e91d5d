/**
 * Bad input: every malformed record is reported with its line, column and what was expected, all
 * of them, and the import either refuses the file or loads only the sound legs, by the caller's
 * choice. Also: chunk boundaries never change what is parsed.
 */
import t from 'tap';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { parseSsim, parseSsimText } from '../../src/domain/ssim/parser.ts';
import { planImport } from '../../src/domain/ssim/import-plan.ts';
import { parseRotationCsv } from '../../src/domain/ssim/rotations.ts';
import { createDesignatorCounter } from '../../src/domain/ssim/designator-counter.ts';

// ---- Located problems, import policy, chunking
{
  const sampleText = readFileSync(new URL('../fixtures/ssim/sample.ssim', import.meta.url), 'latin1');
  const lines = sampleText.split('\n');
  const header = lines.slice(0, 10); // type 1, padding, type 2 (time mode L), padding
  const leg41 = lines[10] as string; // 3 XX   410101F09JUN0509JUN05   4    RUN21302130+0400  DZA2240...

  /** Overwrites columns (1-based) of a record. */
  function put(record: string, column: number, text: string): string {
    return record.slice(0, column - 1) + text + record.slice(column - 1 + text.length);
  }

  function file(...records: string[]): string {
    return [...header, ...records].map((r) => `${r}\n`).join('');
  }

  t.test('the untouched record parses (the fixtures are right)', async (t) => {
    const r = parseSsimText(file(leg41));
    t.equal(r.problemCount, 0);
    t.equal(r.legs.length, 1);
  });

  t.test('each malformed field is located', async (t) => {
    const cases: [string, number, string, string][] = [
      ['flight number', 6, ' 4X1', 'flight number'],
      ['period from', 15, '31FEB05', 'period of operation from'],
      ['period to before from', 22, '01JAN05', 'period of operation to'],
      ['days of operation', 29, '   5   ', 'days of operation'],
      ['frequency rate', 36, '7', 'frequency rate'],
      ['departure station', 37, 'R1N', 'departure station'],
      ['aircraft STD', 44, '2460', 'aircraft STD'],
      ['UTC variation', 48, '04:00', 'departure UTC/local time variation'],
      ['arrival station', 55, '   ', 'arrival station'],
      ['aircraft STA', 58, '12x0', 'aircraft STA'],
      ['onward flight number', 141, '    ', 'onward flight number'],
      ['date variation', 194, 'Z', 'date variation, arrival'],
      ['aircraft type', 73, '7-3', 'aircraft type'],
      ['service type', 14, '1', 'service type'],
    ];
    for (const [name, column, text, field] of cases) {
      const r = parseSsimText(file(leg41, put(leg41, column, text)));
      t.equal(r.legs.length, 1, `${name}: only the good record becomes a leg`);
      t.equal(r.problemCount, 1, `${name}: one problem`);
      const p = r.problems[0];
      t.match(p, { line: 12, column, field, found: text }, name);
      t.match(p?.message, /^line 12, column \d+: .*expected/, `${name}: message says where and what`);
    }
  });

  t.test('aircraft type and service type: blank is unknown (null), otherwise carried on the leg', async (t) => {
    const r = parseSsimText(file(leg41, put(put(put(leg41, 6, '  43'), 73, '   '), 14, ' '), put(put(leg41, 6, '  44'), 73, '32N')));
    t.equal(r.problemCount, 0);
    t.same(
      r.legs.map((l) => [l.leg.flightNumber, l.leg.aircraftType, l.leg.serviceType]),
      [
        [41, '733', 'F'],
        [43, null, null],
        [44, '32N', 'F'],
      ],
    );
  });

  t.test('all problems are reported, not just the first', async (t) => {
    const bad = put(put(leg41, 6, 'ABCD'), 44, '9999');
    const r = parseSsimText(file(bad, leg41, `9${leg41.slice(1)}`, `${leg41}EXTRA`, put('0'.repeat(200), 50, '1')));
    t.same(
      r.problems.map((p) => [p.line, p.column]),
      [
        [11, 6],
        [11, 44],
        [13, 1],
        [14, 201],
        [15, 50],
      ],
    );
    t.equal(r.legs.length, 1, 'only the good record: the over-long one is not trusted even though its 200 columns are sound');
  });

  t.test('a file without line breaks is reported once, in bounded memory', async (t) => {
    const blob = 'x'.repeat(10_000);
    const r = await parseSsim([blob, blob, `${blob}\n`, `${header.join('\n')}\n${leg41}\n`]);
    t.same(
      r.problems.map((p) => [p.line, p.field]),
      [[1, 'record length']],
    );
    t.equal(r.legs.length, 1, 'the lines after the long one are read normally');
    t.equal(r.legs[0]?.line, 12);
  });

  t.test('a flight leg before any carrier record has no time mode', async (t) => {
    const r = parseSsimText(`${leg41}\n`);
    t.match(r.problems[0], { line: 1, column: 1, field: 'record type' });
    t.equal(r.legs.length, 0);
  });

  t.test('trailing blanks stripped by an editor are read as blanks; no final newline is fine', async (t) => {
    const r = parseSsimText([...header, leg41.trimEnd()].join('\n'));
    t.equal(r.problemCount, 0);
    t.equal(r.legs[0]?.leg.arrivalAirport, 'DZA');
  });

  t.test('time mode U reads times as UTC', async (t) => {
    const r = parseSsimText(file(leg41).replace('\n2L', '\n2U'));
    t.equal(r.legs[0]?.leg.departureUtc, Date.parse('2005-06-09T21:30:00Z'));
  });

  t.test('explicit date variations are honoured; A is the day before', async (t) => {
    const r = parseSsimText(file(put(leg41, 193, '01'), put(leg41, 193, '12')));
    t.equal(r.legs[0]?.leg.arrivalUtc, Date.parse('2005-06-10T19:40:00Z'));
    t.equal(r.legs[1]?.leg.departureUtc, Date.parse('2005-06-10T17:30:00Z'));
    t.equal(r.legs[1]?.leg.arrivalUtc, Date.parse('2005-06-11T19:40:00Z'));
    const back = parseSsimText(file(put(leg41, 193, '0A')));
    t.match(back.problems[0], { line: 11, field: 'aircraft STA' }, 'landing the day before it leaves is reported');
  });

  t.test('import policy: reject whole, or valid legs only with every skip listed', async (t) => {
    // Without its onward fields (XX 42, not in this file: that would be a problem of its own).
    const alone = put(leg41, 138, ' '.repeat(9));
    const parsed = parseSsimText(file(alone, put(alone, 37, '123')));
    const rejected = planImport(parsed, { onError: 'reject' });
    t.equal(rejected._tag, 'ImportRejected');
    t.equal(rejected.problemCount, 1);
    const partial = planImport(parsed, { onError: 'valid-only' });
    if (partial._tag !== 'ImportReady') return void t.fail('expected a plan');
    t.equal(partial.legCount, 1);
    t.equal(partial.skipped.length, 1);
    t.match(partial.skipped[0], { line: 12, column: 37 });
  });

  t.test('rotation file: legs by designator, problems located, overlaps and strays reported', async (t) => {
    const parsed = parseSsimText(file(leg41, lines[11] as string, put(leg41, 6, '  43')));
    const csv = [
      'rotation_id,carrier,flight_number,suffix,departure_airport,date_of_origin,occurrence',
      'r1,XX,41,,RUN,2005-06-09,',
      'r1,XX,43,,RUN,2005-06-09',
      'r2,XX,99,,RUN,2005-06-09',
      'r2,XX,4x,,RUN,2005-13-09',
    ].join('\n');
    const plan = planImport(parsed, { onError: 'valid-only', rotationCsv: csv });
    if (plan._tag !== 'ImportReady') return void t.fail('expected a plan');
    t.same(
      plan.rotations.map((r) => [r.rotationId, r.legs.map((l) => l.id)]),
      [['r1', ['XX-41-RUN-2005-06-09']]],
    );
    const tags = plan.skipped.map((p) => (p._tag === 'SsimProblem' ? `${p.line}:${p.column}:${p.field}` : `${p._tag}:${p.legId}`));
    // "r2,XX,4x,,RUN,2005-13-09": the flight number starts at column 7, the date at 15.
    t.same(tags, [
      '5:7:flight_number',
      '5:15:date_of_origin',
      'LegOverlapsInRotation:XX-43-RUN-2005-06-09',
      '4:1:leg',
      'LegNotInRotationFile:XX-42-DZA-2005-06-09',
    ]);
    t.equal(parseRotationCsv('nonsense,header\n').problems[0]?.field, 'header');
  });

  t.test('chunk boundaries never change the result', async (t) => {
    const whole = parseSsimText(sampleText);
    const bytes = Buffer.from(sampleText, 'latin1');
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 1, max: 700 }), { minLength: 1, maxLength: 40 }), async (sizes) => {
        const chunks: Buffer[] = [];
        for (let at = 0, i = 0; at < bytes.length; i++) {
          const n = sizes[i % sizes.length] as number;
          chunks.push(bytes.subarray(at, at + n));
          at += n;
        }
        const streamed = await parseSsim(
          (async function* () {
            yield* chunks;
          })(),
        );
        return (
          streamed.legs.length === whole.legs.length &&
          JSON.stringify(streamed.legs) === JSON.stringify(whole.legs) &&
          streamed.records === whole.records
        );
      }),
      { numRuns: 25 },
    );
    t.pass('streamed and whole parses agree');
  });

  t.test('a 3-letter carrier and a 2-letter carrier with a suffix are different designators', async (t) => {
    const xxa = put(put(leg41, 2, ' '), 3, 'XXA');
    const xxSuffixA = put(leg41, 2, 'A');
    const r = parseSsimText(file(xxa, xxSuffixA));
    t.same(
      r.legs.map((l) => l.leg.id),
      ['XXA-41-RUN-2005-06-09', 'XX-41A-RUN-2005-06-09'],
      'neither is counted as a repeat of the other',
    );
  });
}

// ---- The designator occurrence counter
t.test('counts like a Map, through growth and collisions', async (t) => {
  fc.assert(
    fc.property(fc.array(fc.oneof(fc.nat(50), fc.maxSafeNat()), { maxLength: 3000 }), (keys) => {
      const counter = createDesignatorCounter(2);
      const reference = new Map<number, number>();
      for (const k of keys) {
        const want = (reference.get(k) ?? 0) + 1;
        reference.set(k, want);
        if (counter.next(k) !== want) return false;
      }
      return true;
    }),
    { numRuns: 60 },
  );
  t.pass('agrees with Map');
});
