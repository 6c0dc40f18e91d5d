/**
 * `seasonOfSize`, the multiplier behind the scale benchmark and the demo season's scale: the
 * default season is untouched at 1x, a multiple keeps each airplane's density, and carriers are
 * added only when flight numbers would run out. Short seasons (a few days) stand for the 183-day
 * one: the multiplier changes airplanes only.
 */
import t from 'tap';
import { DEFAULT_SEASON, generateSeason, seasonOfSize, seasonOptionProblems } from '../../src/domain/season/season.ts';

const week = { ...DEFAULT_SEASON, days: 7 };

t.test('1x is the default season itself', async (t) => {
  t.equal(seasonOfSize(1), DEFAULT_SEASON);
  t.equal(seasonOfSize(1, week), week);
});

t.test('10x: ten times the airplanes and about ten times the legs, the same density per airplane', async (t) => {
  const one = generateSeason(week);
  const ten = generateSeason(seasonOfSize(10, week));
  t.same(
    [ten.options.airplanes, ten.options.airports, ten.options.days, ten.options.legsPerDay],
    [3_000, week.airports, 7, week.legsPerDay],
  );
  t.same(ten.options.carriers, DEFAULT_SEASON.carriers, 'three carriers still have flight numbers to spare at 10x');
  const ratio = ten.legCount / one.legCount;
  t.ok(ratio > 9.7 && ratio < 10.3, `legs grow with airplanes (x${ratio.toFixed(3)})`);
  const perAirplane = (legs: number, airplanes: number) => legs / airplanes / week.days;
  t.ok(Math.abs(perAirplane(ten.legCount, 3_000) - week.legsPerDay) < 0.05, 'legs per airplane and day as in the default season');
  t.equal(new Set(ten.rotations.map((r) => r.rotationId)).size, 3_000, 'one rotation per airplane, ids unique');
  const ids = new Set<string>();
  for (const r of ten.rotations) for (const l of r.legs) ids.add(l.id);
  t.equal(ids.size, ten.legCount, 'leg ids unique');
});

t.test('fractions and large multiples', async (t) => {
  t.equal(seasonOfSize(0.1).airplanes, 30);
  t.equal(seasonOfSize(0.001).airplanes, 1, 'never below one airplane');
  const twenty = seasonOfSize(20);
  t.equal(twenty.airplanes, 6_000);
  t.same(twenty.carriers, [...DEFAULT_SEASON.carriers, 'Q0', 'Q1'], 'carriers added so flight numbers fit in four digits');
  t.same(seasonOptionProblems(twenty), []);
  t.same(seasonOptionProblems(seasonOfSize(58)), [], 'valid up to the last multiple that has registrations');
});

t.test('a multiplier that is not a positive number, or needs more registrations than exist, is refused', async (t) => {
  for (const bad of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) t.throws(() => seasonOfSize(bad), RangeError, String(bad));
  t.throws(() => seasonOfSize(60), /at most 17,576/);
});
