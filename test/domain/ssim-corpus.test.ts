/**
 * The parser against the real files in test/fixtures/ssim (copied from the team's corpus), written by others for another
 * parser. Expected values are read off the records by hand (see the comment on each).
 */
import t from 'tap';
import { createReadStream, readFileSync } from 'node:fs';
import { parseSsim, parseSsimText, type SsimLeg, type SsimProgress } from '../../src/domain/ssim/parser.ts';
import { planImport } from '../../src/domain/ssim/import-plan.ts';
import { checkDesignatorUniqueness } from '../../src/domain/checks.ts';

const corpus = new URL('../fixtures/ssim/', import.meta.url);
const sample = new URL('sample.ssim', corpus);
const duplicates = new URL('sample_with_duplicates.ssim', corpus);

const find = (legs: readonly SsimLeg[], id: string) => legs.find((l) => l.leg.id === id);

t.test('sample.ssim: every record read, no problems', async (t) => {
  const progress: number[] = [];
  let last: SsimProgress | undefined;
  const result = await parseSsim(createReadStream(sample, { highWaterMark: 4096 }), {
    progressEvery: 100,
    onProgress: (p) => {
      progress.push(p.records);
      last = p;
    },
  });
  t.same(
    last,
    { records: 547, legs: result.legs.length, problems: 0, bytes: 547 * 201, done: true },
    'the last report has every byte and leg',
  );
  t.equal(result.problemCount, 0, JSON.stringify(result.problems.slice(0, 3)));
  t.equal(result.lines, 547);
  t.equal(result.records, 547);
  t.equal(result.flightLegRecords, 514);
  t.same(progress, [100, 200, 300, 400, 500, 547], 'progress every 100 records, then once at the end');

  t.test('XX 41 RUN-DZA on 09JUN05 (line 11), field by field', async (t) => {
    // 3 XX   410101F09JUN0509JUN05   4    RUN21302130+0400  DZA22402240+0300  733 ... XX   42
    const l = find(result.legs, 'XX-41-RUN-2005-06-09');
    if (!l) return void t.fail('leg missing');
    t.same(l.leg, {
      id: 'XX-41-RUN-2005-06-09',
      carrier: 'XX',
      flightNumber: 41,
      suffix: '',
      dateOfOrigin: '2005-06-09',
      departureAirport: 'RUN',
      arrivalAirport: 'DZA',
      departureUtc: Date.parse('2005-06-09T17:30:00Z'), // 21:30 at +04:00
      arrivalUtc: Date.parse('2005-06-09T19:40:00Z'), // 22:40 at +03:00
      aircraftType: '733',
      serviceType: 'F', // columns 73-75 and 14
    });
    t.equal(l.itineraryVariation, '01');
    t.equal(l.legSequence, 1);
    t.equal(l.line, 11);
    t.same(l.onward, { carrier: 'XX', flightNumber: 42, suffix: '', layoverDays: 0 });
  });

  t.test('XX 42 DZA-RUN lands after midnight local time with a blank date variation', async (t) => {
    // DZA 2330 +0300 -> RUN 0230 +0400: departs 20:30Z, lands 22:30Z, which is 02:30 on 10JUN in RUN.
    const l = find(result.legs, 'XX-42-DZA-2005-06-09');
    if (!l) return void t.fail('leg missing');
    t.equal(l.leg.departureUtc, Date.parse('2005-06-09T20:30:00Z'));
    t.equal(l.leg.arrivalUtc, Date.parse('2005-06-09T22:30:00Z'));
    t.equal(l.leg.dateOfOrigin, '2005-06-09');
    t.equal(l.arrivalDay - l.departureDay, 1, 'local arrival date is the next day');
    t.equal(l.onward, null);
  });

  t.test('XX 3777 SEA-RUN crosses the date line in UTC too (negative variation)', async (t) => {
    // 22MAY05 (a Sunday, day 7) SEA 0900 -0700 -> RUN 1540 +0400: 16:00Z, lands 11:40Z next day.
    const l = find(result.legs, 'XX-3777-SEA-2005-05-22');
    if (!l) return void t.fail('leg missing');
    t.equal(l.leg.departureUtc, Date.parse('2005-05-22T16:00:00Z'));
    t.equal(l.leg.arrivalUtc, Date.parse('2005-05-23T11:40:00Z'));
    t.equal(l.leg.aircraftType, '772');
  });

  t.test('a period with days of operation expands into the right dates', async (t) => {
    // XX 102 ivi 01: 23MAY05-13JUN05, days "1 3 56" (Mon, Wed, Fri, Sat); 23MAY05 was a Monday.
    const dates = result.legs.filter((l) => l.leg.flightNumber === 102 && l.itineraryVariation === '01').map((l) => l.leg.dateOfOrigin);
    t.same(dates, [
      '2005-05-23',
      '2005-05-25',
      '2005-05-27',
      '2005-05-28',
      '2005-05-30',
      '2005-06-01',
      '2005-06-03',
      '2005-06-04',
      '2005-06-06',
      '2005-06-08',
      '2005-06-10',
      '2005-06-11',
      '2005-06-13',
    ]);
  });

  t.test('operational suffixes are kept, and onward flights link rotations across them', async (t) => {
    const a = find(result.legs, 'XX-777A-RUN-2005-05-27');
    const b = find(result.legs, 'XX-777B-DZA-2005-05-27');
    t.equal(a?.leg.suffix, 'A');
    t.equal(b?.leg.arrivalAirport, 'RUN');
    // Two records name onward flights the file does not have on that day (checked by reading the
    // file: XX 102 on Saturday 29OCT05 names XX 103, whose records end 28OCT05 on Saturdays; XX 201
    // on 13SEP05 names XX 202, whose period starts 14SEP05): problems, which reject by default.
    const strict = planImport(result, { onError: 'reject' });
    t.equal(strict._tag, 'ImportRejected');
    t.same(
      strict._tag === 'ImportRejected' ? strict.problems.map((p) => [p._tag, 'line' in p ? p.line : 0, 'legId' in p ? p.legId : '']) : [],
      [
        ['OnwardFlightMissing', 31, 'XX-102-RUN-2005-10-29'],
        ['OnwardFlightMissing', 203, 'XX-201-RUN-2005-09-13'],
      ],
    );
    const plan = planImport(result, { onError: 'valid-only' });
    if (plan._tag !== 'ImportReady') return void t.fail(plan.message);
    t.equal(plan.problemCount, 2, 'the two references are still reported; their legs end their rotations');
    const rotation = plan.rotations.find((r) => r.legs.some((l) => l.id === 'XX-777A-RUN-2005-05-27'));
    t.same(
      rotation?.legs.map((l) => l.id),
      ['XX-777A-RUN-2005-05-27', 'XX-777B-DZA-2005-05-27'],
    );
    const r41 = plan.rotations.find((r) => r.legs[0]?.id === 'XX-41-RUN-2005-06-09');
    t.same(
      r41?.legs.map((l) => l.id),
      ['XX-41-RUN-2005-06-09', 'XX-42-DZA-2005-06-09'],
      'XX 41 continues as XX 42',
    );
    t.equal(plan.legCount, result.legs.length, 'every leg is in exactly one rotation');
    t.equal(
      checkDesignatorUniqueness({ airports: [], airplanes: [], rotations: plan.rotations }).length,
      0,
      'sample.ssim has no duplicate designators',
    );
  });

  t.test('multi-leg flights chain by leg sequence', async (t) => {
    // XX 201 ivi 02 on 23MAY05: leg 01 RUN-DZA, leg 02 DZA-HAH, no onward flight fields.
    const plan = planImport(result, { onError: 'valid-only' });
    if (plan._tag !== 'ImportReady') return void t.fail(plan.message);
    const r = plan.rotations.find((r) => r.legs.some((l) => l.id === 'XX-201-DZA-2005-05-23'));
    t.same(r?.legs.map((l) => `${l.departureAirport}-${l.arrivalAirport}`).slice(0, 2), ['RUN-DZA', 'DZA-HAH']);
  });
});

t.test('sample_with_duplicates.ssim (CRLF): the repeated designators', async (t) => {
  const text = readFileSync(duplicates, 'latin1');
  t.ok(text.includes('\r\n'), 'the file really is CRLF');
  const result = parseSsimText(text);
  t.equal(result.problemCount, 0);
  t.equal(result.legs.length, 6);
  t.same(
    result.legs.map((l) => l.leg.id),
    [
      'XX-41-RUN-2005-06-09',
      'XX-42-DZA-2005-06-09',
      'XX-41-RUN-2005-06-09~2',
      'XX-42-DZA-2005-06-09~2',
      'XX-9974-CDG-2005-09-07',
      'XX-9975-RUN-2005-08-08',
    ],
  );
  // XX 9975 RUN 2355 +0400 on Monday 08AUG05 -> CDG 0910 +0200: 19:55Z, lands 07:10Z next day.
  const l = find(result.legs, 'XX-9975-RUN-2005-08-08');
  t.equal(l?.leg.departureUtc, Date.parse('2005-08-08T19:55:00Z'));
  t.equal(l?.leg.arrivalUtc, Date.parse('2005-08-09T07:10:00Z'));
  // Each XX 41 names onward flight XX 42, which departs DZA twice that day: ambiguous, a problem
  // at each XX 41's line rather than a guess at which XX 42 follows which XX 41.
  const plan = planImport(result, { onError: 'valid-only' });
  if (plan._tag !== 'ImportReady') return void t.fail('not ready');
  t.same(
    plan.skipped.map((p) => [p._tag, 'line' in p ? p.line : 0]),
    [
      ['OnwardFlightAmbiguous', 11],
      ['OnwardFlightAmbiguous', 13],
    ],
  );
  const dups = checkDesignatorUniqueness({ airports: [], airplanes: [], rotations: plan.rotations });
  t.same(
    dups.map((d) => [d.key, d.legs.map((x) => x.leg.id)]),
    [
      ['XX-41-RUN-2005-06-09', ['XX-41-RUN-2005-06-09', 'XX-41-RUN-2005-06-09~2']],
      ['XX-42-DZA-2005-06-09', ['XX-42-DZA-2005-06-09', 'XX-42-DZA-2005-06-09~2']],
    ],
  );
  t.equal(plan.rotations.length, 6, 'no XX 41 is linked to an XX 42 it cannot tell from the other: six one-leg rotations');
});
