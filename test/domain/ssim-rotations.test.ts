/**
 * Rotations derived from the onward-flight fields of a small hand-written SSIM file: the links the
 * file declares are kept (also to an onward flight leaving from another airport, where the
 * continuity check then reports the break), and references that cannot be followed (missing,
 * ambiguous, already continuing another leg) are import problems with their line numbers.
 *
 * The records are laid out here column by column from the SSIM chapter 7 layout (not with the
 * parser's own tables), and every expectation (leg ids, rotations, violations, problem lines) is
 * written out by hand from reading the records below.
 */
import t from 'tap';
import { checkContinuity, parseSsimText, planImport } from '../../src/domain/index.ts';

/** A 200-column record: `fields` are [first column (1-based), text]. */
function record(fields: readonly (readonly [number, string])[], serial: number): string {
  const r = Array.from({ length: 200 }, () => ' ');
  for (const [column, text] of fields) for (let i = 0; i < text.length; i++) r[column - 1 + i] = text[i] as string;
  const s = String(serial).padStart(6, '0');
  for (let i = 0; i < 6; i++) r[194 + i] = s[i] as string;
  return r.join('');
}

interface Flight {
  readonly number: number;
  readonly suffix?: string;
  readonly from: string;
  readonly dep: string; // HHMM UTC
  readonly to: string;
  readonly arr: string;
  readonly period?: readonly [string, string]; // DDMMMYY
  readonly days?: string; // columns 29-35
  readonly onward?: { readonly number: number; readonly layover?: string; readonly suffix?: string };
}

/** A type-3 record of airline XX in UTC: times without variation, aircraft type 320. */
function leg(f: Flight, serial: number): string {
  const [from, to] = f.period ?? ['06APR26', '06APR26'];
  return record(
    [
      [1, '3'],
      [2, f.suffix ?? ' '],
      [3, 'XX '],
      [6, String(f.number).padStart(4)],
      [10, '01'],
      [12, '01'],
      [14, 'J'],
      [15, from],
      [22, to],
      [29, f.days ?? '1      '],
      [36, ' '],
      [37, f.from],
      [40, f.dep],
      [44, f.dep],
      [48, '+0000'],
      [55, f.to],
      [58, f.arr],
      [62, f.arr],
      [66, '+0000'],
      [73, '320'],
      ...(f.onward
        ? ([
            [138, 'XX '],
            [141, String(f.onward.number).padStart(4)],
            [145, f.onward.layover ?? ' '],
            [146, f.onward.suffix ?? ' '],
          ] as const)
        : []),
      [193, '0'],
      [194, '0'],
    ],
    serial,
  );
}

// Monday 6 April 2026. Line numbers: 1 header, 2 carrier, then one line per flight in this order.
const flights: Flight[] = [
  /* line 3 */ { number: 10, from: 'AAA', dep: '0800', to: 'BBB', arr: '0900', onward: { number: 11 } },
  /* line 4 */ { number: 11, from: 'CCC', dep: '1000', to: 'AAA', arr: '1100' }, // the only XX 11: leaves from CCC, not BBB
  /* line 5 */ { number: 20, from: 'AAA', dep: '0800', to: 'BBB', arr: '0900', onward: { number: 21 } },
  /* line 6 */ { number: 21, from: 'DDD', dep: '0930', to: 'EEE', arr: '1030' },
  /* line 7 */ { number: 21, from: 'BBB', dep: '1000', to: 'AAA', arr: '1100' }, // the XX 21 at BBB is preferred
  /* line 8 */ { number: 30, from: 'AAA', dep: '0800', to: 'BBB', arr: '0900', onward: { number: 31 } }, // no XX 31 at all
  /* line 9 */ { number: 40, from: 'AAA', dep: '0800', to: 'BBB', arr: '0900', onward: { number: 41 } },
  /* line 10 */ { number: 41, from: 'CCC', dep: '1000', to: 'AAA', arr: '1100' },
  /* line 11 */ { number: 41, from: 'DDD', dep: '1000', to: 'AAA', arr: '1100' }, // two XX 41, neither at BBB: ambiguous
  /* line 12 */ { number: 50, from: 'AAA', dep: '2200', to: 'BBB', arr: '2300', onward: { number: 51, layover: '1' } },
  /* line 13 */ { number: 51, from: 'BBB', dep: '0600', to: 'AAA', arr: '0700', period: ['06APR26', '07APR26'], days: '12     ' }, // Mon and Tue
  /* line 14 */ { number: 60, from: 'AAA', dep: '0800', to: 'BBB', arr: '0900', onward: { number: 61 } },
  /* line 15 */ { number: 62, from: 'CCC', dep: '0830', to: 'BBB', arr: '0930', onward: { number: 61 } }, // XX 60 got there first
  /* line 16 */ { number: 61, from: 'BBB', dep: '1100', to: 'AAA', arr: '1200' },
  /* line 17 */ { number: 70, from: 'AAA', dep: '0800', to: 'BBB', arr: '0900', onward: { number: 71 } }, // blank onward suffix
  /* line 18 */ { number: 71, suffix: 'A', from: 'BBB', dep: '1000', to: 'AAA', arr: '1100' },
  /* line 19 */ { number: 80, from: 'AAA', dep: '0800', to: 'BBB', arr: '0900', onward: { number: 81, suffix: 'B' } }, // XX 81B: there is only 81A
  /* line 20 */ { number: 81, suffix: 'A', from: 'BBB', dep: '1000', to: 'AAA', arr: '1100' },
];

const text = [
  record([[1, '1AIRLINE STANDARD SCHEDULE DATA SET']], 1),
  record(
    [
      [1, '2'],
      [2, 'U'],
      [3, 'XX '],
      [11, 'S26'],
      [15, '29MAR26'],
      [22, '24OCT26'],
    ],
    2,
  ),
  ...flights.map((f, i) => leg(f, i + 3)),
].join('\n');

const D = '2026-04-06';
const id = (n: string, from: string, date = D) => `XX-${n}-${from}-${date}`;

t.test('the hand-written file parses as written', async (t) => {
  const parsed = parseSsimText(text);
  t.same(parsed.problems, []);
  t.equal(parsed.legs.length, 19, '18 records, XX 51 on two days');
});

t.test('reject: the references that cannot be followed refuse the file, each with its line', async (t) => {
  const plan = planImport(parseSsimText(text), { onError: 'reject' });
  if (plan._tag !== 'ImportRejected') return void t.fail('expected a rejection');
  t.equal(plan.problemCount, 4);
  t.same(
    plan.problems.map((p) => [p._tag, 'line' in p ? p.line : null, 'legId' in p ? p.legId : null]),
    [
      ['OnwardFlightMissing', 8, id('30', 'AAA')],
      ['OnwardFlightAmbiguous', 9, id('40', 'AAA')],
      ['OnwardFlightTaken', 15, id('62', 'CCC')],
      ['OnwardFlightMissing', 19, id('80', 'AAA')],
    ],
  );
  t.match(plan.problems[1], { candidates: [id('41', 'CCC'), id('41', 'DDD')] });
  t.match(plan.problems[2], { onwardLegId: id('61', 'BBB'), takenBy: id('60', 'AAA') });
  t.match(plan.problems[0]?.message, /^line 8: leg XX-30-AAA-2026-04-06 names onward flight XX 31 on 2026-04-06/);
  t.match(plan.problems[3]?.message, /onward flight XX 81B on 2026-04-06/);
});

t.test('valid-only: the rotations the file declares, and the continuity break it declares', async (t) => {
  const plan = planImport(parseSsimText(text), { onError: 'valid-only' });
  if (plan._tag !== 'ImportReady') return void t.fail('expected a plan');
  t.equal(plan.legCount, 19, 'every leg is imported; a leg whose onward flight cannot be followed ends its rotation');
  t.equal(plan.skipped.length, 4, 'and the four references are listed');
  const rotations = plan.rotations
    .map((r) => [r.rotationId, r.legs.map((l) => l.id)])
    .sort((a, b) => (String(a[0]) < String(b[0]) ? -1 : 1));
  t.same(rotations, [
    [`R-${id('10', 'AAA')}`, [id('10', 'AAA'), id('11', 'CCC')]], // linked across airports
    [`R-${id('20', 'AAA')}`, [id('20', 'AAA'), id('21', 'BBB')]], // the one at BBB, not the one at DDD
    [`R-${id('21', 'DDD')}`, [id('21', 'DDD')]],
    [`R-${id('30', 'AAA')}`, [id('30', 'AAA')]],
    [`R-${id('40', 'AAA')}`, [id('40', 'AAA')]],
    [`R-${id('41', 'CCC')}`, [id('41', 'CCC')]],
    [`R-${id('41', 'DDD')}`, [id('41', 'DDD')]],
    [`R-${id('50', 'AAA')}`, [id('50', 'AAA'), id('51', 'BBB', '2026-04-07')]], // layover 1: Tuesday's XX 51
    [`R-${id('51', 'BBB')}`, [id('51', 'BBB')]],
    [`R-${id('60', 'AAA')}`, [id('60', 'AAA'), id('61', 'BBB')]],
    [`R-${id('62', 'CCC')}`, [id('62', 'CCC')]],
    [`R-${id('70', 'AAA')}`, [id('70', 'AAA'), id('71A', 'BBB')]], // a blank onward suffix names XX 71A
    [`R-${id('80', 'AAA')}`, [id('80', 'AAA')]],
    [`R-${id('81A', 'BBB')}`, [id('81A', 'BBB')]],
  ]);
  const breaks = checkContinuity({ airports: [], airplanes: [], rotations: plan.rotations });
  t.same(
    breaks.map((v) => [v.rotationId, v.previous.id, v.next.id, v.arrivalAirport, v.departureAirport]),
    [[`R-${id('10', 'AAA')}`, id('10', 'AAA'), id('11', 'CCC'), 'BBB', 'CCC']],
    'XX 10 lands at BBB and its declared onward flight leaves from CCC: the one break',
  );
});
