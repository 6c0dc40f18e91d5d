/**
 * The generator against the parser and the checks: a generated season round-trips through SSIM,
 * and the checks find exactly the violations the generator says it injected; and end to end
 * through the write side, commands -> deciders and saga -> events -> schedule -> checks. Small
 * seasons only; the full default season is for the benchmark.
 */
import t from 'tap';
import fc from 'fast-check';
import {
  generateSeason,
  seasonOptionProblems,
  DEFAULT_SEASON,
  type InjectedViolation,
  type Season,
} from '../../src/domain/season/season.ts';
import { ssimChunks } from '../../ops/season/files.ts';
import { seasonCommands } from '../../src/domain/season/commands.ts';
import {
  airportDecider,
  checkSchedule,
  formatRotationCsv,
  parseSsim,
  planImport,
  scheduleFromEvents,
  type AirportEvent,
  type AirportState,
  type Schedule,
} from '../../src/domain/index.ts';
import { World } from './fixtures/saga-world.ts';

// ---- Generate -> SSIM -> parse -> check
{
  const small = { airplanes: 12, airports: 20, days: 10, legsPerDay: 3.3 };

  async function reimport(season: Season, withCsv: boolean) {
    const parsed = await parseSsim(ssimChunks(season, 97));
    return {
      parsed,
      plan: planImport(parsed, withCsv ? { onError: 'reject', rotationCsv: formatRotationCsv(season.rotations) } : { onError: 'reject' }),
    };
  }

  function found(schedule: Schedule): string[] {
    const r = checkSchedule(schedule);
    return [
      ...r.continuity.map((v) => `continuity ${v.rotationId} ${v.previous.id} ${v.next.id}`),
      ...r.groundTime.map((v) => `groundTime ${v.rotationId} ${v.previous.id} ${v.next.id}`),
      ...r.designators.map(
        (v) =>
          `duplicate ${v.legs
            .map((l) => l.leg.id)
            .sort()
            .join(' ')}`,
      ),
      ...r.equipment.map((v) => `equipment ${v.rotationId} ${v.leg.id} ${v.legAircraftType}`),
    ].sort();
  }

  function expected(injected: readonly InjectedViolation[]): string[] {
    return injected
      .map((v) =>
        v.kind === 'duplicate'
          ? `duplicate ${v.legIds.join(' ')}`
          : v.kind === 'equipment'
            ? `equipment ${v.rotationId} ${v.legId} ${v.aircraftType}`
            : `${v.kind} ${v.rotationId} ${v.previousLegId} ${v.nextLegId}`,
      )
      .sort();
  }

  t.test('a generated season round-trips: generate -> SSIM -> parse -> same legs', async (t) => {
    const season = generateSeason({
      ...small,
      seed: 7,
      violations: { continuity: 0.02, groundTime: 0.02, duplicates: 0.02, equipment: 0.02 },
    });
    t.ok(
      season.injected.some((v) => v.kind === 'duplicate'),
      'the season has duplicates, so ids need occurrences',
    );
    t.ok(
      season.injected.some((v) => v.kind === 'equipment'),
      'and legs for another aircraft type, which the SSIM carries',
    );
    const { parsed, plan } = await reimport(season, true);
    t.equal(parsed.problemCount, 0, JSON.stringify(parsed.problems.slice(0, 2)));
    t.equal(parsed.legs.length, season.legCount);
    if (plan._tag !== 'ImportReady') return void t.fail(plan.message);
    t.same(
      plan.rotations.map((r) => ({ ...r, registration: null })),
      season.rotations.map((r) => ({ ...r, registration: null })),
    );
    const registration = new Map(season.rotations.map((r) => [r.rotationId, r.registration]));
    const reloaded = {
      ...season.schedule,
      rotations: plan.rotations.map((r) => ({ ...r, registration: registration.get(r.rotationId) ?? null })),
    };
    t.same(found(reloaded), expected(season.injected), 'the checks over the re-imported schedule find the injected violations');
  });

  t.test("without a rotation file, onward flights rebuild a clean season's rotations", async (t) => {
    const season = generateSeason({ ...small, seed: 3, violations: { continuity: 0, groundTime: 0, duplicates: 0 } });
    const { plan } = await reimport(season, false);
    if (plan._tag !== 'ImportReady') return void t.fail(plan.message);
    const legLists = (rs: readonly { legs: readonly { id: string }[] }[]) => rs.map((r) => r.legs.map((l) => l.id).join(' ')).sort();
    t.same(legLists(plan.rotations), legLists(season.rotations));
  });

  t.test('without a rotation file, the onward flights keep an injected continuity break in its rotation', async (t) => {
    // The generator writes each leg's onward flight as the next leg of its rotation, also when
    // that leg leaves from another airport (an injected break): the link is followed there.
    const season = generateSeason({ ...small, seed: 11, violations: { continuity: 0.05, groundTime: 0, duplicates: 0 } });
    t.ok(season.injected.length > 0, `breaks injected (${season.injected.length})`);
    const { plan } = await reimport(season, false);
    if (plan._tag !== 'ImportReady') return void t.fail(plan.message);
    const legLists = (rs: readonly { legs: readonly { id: string }[] }[]) => rs.map((r) => r.legs.map((l) => l.id).join(' ')).sort();
    t.same(legLists(plan.rotations), legLists(season.rotations), 'the rotations the file declares');
    const breaks = checkSchedule({ ...season.schedule, rotations: plan.rotations })
      .continuity.map((v) => `continuity ${v.previous.id} ${v.next.id}`)
      .sort();
    t.same(
      breaks,
      season.injected.map((v) => (v.kind === 'continuity' ? `continuity ${v.previousLegId} ${v.nextLegId}` : '')).sort(),
      'and the continuity check reports each break',
    );
  });

  t.test('the checks find exactly the injected violations (property over seeds and sizes)', async (t) => {
    let total = 0;
    fc.assert(
      fc.property(
        fc.record({
          seed: fc.nat(),
          airplanes: fc.integer({ min: 2, max: 12 }),
          airports: fc.integer({ min: 3, max: 25 }),
          days: fc.integer({ min: 1, max: 8 }),
          continuity: fc.constantFrom(0, 0.01, 0.05),
          groundTime: fc.constantFrom(0, 0.01, 0.05),
          duplicates: fc.constantFrom(0, 0.01, 0.05),
          equipment: fc.constantFrom(0, 0.01, 0.05),
        }),
        ({ continuity, groundTime, duplicates, equipment, ...size }) => {
          const season = generateSeason({ ...size, violations: { continuity, groundTime, duplicates, equipment } });
          total += season.injected.length;
          const want = expected(season.injected);
          const got = found(season.schedule);
          if (JSON.stringify(want) !== JSON.stringify(got))
            throw new Error(`injected ${want.length}, found ${got.length}: ${JSON.stringify({ want, got }).slice(0, 800)}`);
          return true;
        },
      ),
      { numRuns: 30 },
    );
    t.ok(total > 0, `some violations were injected (${total})`);
  });

  t.test('options are validated with clear messages', async (t) => {
    t.same(seasonOptionProblems(DEFAULT_SEASON), []);
    const p = seasonOptionProblems({
      ...DEFAULT_SEASON,
      airplanes: 0,
      startDate: '2026-02-30',
      violations: { continuity: 2, groundTime: 0, duplicates: 0 },
    });
    t.equal(p.length, 3);
    t.match(p.join('\n'), /airplanes must be .* got 0[\s\S]*startDate[\s\S]*continuity must be from 0 to 0.2/);
    t.throws(() => generateSeason({ days: -1 }), /invalid season options: days/);
    t.same(generateSeason({ ...small, seed: 5 }).rotations, generateSeason({ ...small, seed: 5 }).rotations, 'same seed, same season');
  });
}

// ---- Through the write side
// End to end through the write side: a generated season sent as commands to the deciders and the
// assignment saga, the resulting aggregate states read back as a schedule, and the checks over
// it finding exactly the injected violations. Proves the aggregates accept a realistic season
// (no leg refused as overlapping) and that nothing is lost between commands and checks.
t.test('season -> commands -> aggregates -> schedule -> checks = injected', async (t) => {
  const season = generateSeason({
    airplanes: 8,
    airports: 15,
    days: 6,
    seed: 11,
    violations: { continuity: 0.03, groundTime: 0.03, duplicates: 0.03 },
  });
  const commands = seasonCommands(season);
  const world = new World();
  const airports = new Map<string, AirportState>();
  const airportEvents: AirportEvent[] = [];
  for (const c of commands.airports) {
    const d = airportDecider.decide(c, airports.get(c.iata) ?? airportDecider.initialState());
    if (d._tag === 'Rejected') return void t.fail(d.error.message);
    airportEvents.push(...d.events);
    airports.set(c.iata, d.events.reduce(airportDecider.evolve, airports.get(c.iata) ?? airportDecider.initialState()));
  }
  const refused = [...commands.airplanes.map((c) => world.onAirplane(c)), ...commands.rotations.map((c) => world.onRotation(c))].filter(
    (d) => d._tag === 'Rejected',
  );
  t.same(refused, [], 'every airplane, rotation and leg is accepted');
  for (const a of commands.assignments) world.start(a);
  world.runAll();
  t.same(world.inconsistencies(), []);
  t.ok(
    [...world.sagas.values()].every((s) => s.state.phase === 'completed' && s.state.outcome._tag === 'Assigned'),
    'every assignment saga succeeded',
  );

  const schedule: Schedule = {
    airports: [...airports.values()].flatMap((a) =>
      a.status === 'known' ? [{ iata: a.iata, minimumGroundTimeMin: a.minimumGroundTimeMin }] : [],
    ),
    airplanes: [...world.airplanes.values()].flatMap((a) =>
      a.status === 'active'
        ? [{ registration: a.registration, aircraftType: a.aircraftType, minimumGroundTimeMin: a.minimumGroundTimeMin }]
        : [],
    ),
    rotations: [...world.rotations.values()].flatMap((r) =>
      r.status === 'active' ? [{ rotationId: r.rotationId, legs: r.legs, registration: r.claim?.registration ?? null }] : [],
    ),
  };
  const projected = scheduleFromEvents([...airportEvents, ...world.feed]);
  t.same(projected, schedule, 'folding the event feed gives the same schedule as reading the aggregates');
  const r = checkSchedule(projected);
  const count = (kind: string) => season.injected.filter((v) => v.kind === kind).length;
  t.ok(season.injected.length > 0, 'violations were injected');
  t.equal(r.continuity.length, count('continuity'));
  t.equal(r.groundTime.length, count('groundTime'));
  t.equal(r.designators.length, count('duplicate'));
  t.equal(r.equipment.length, count('equipment'));
  t.same(
    r.groundTime.map((v) => `${v.rotationId} ${v.previous.id}`).sort(),
    season.injected.flatMap((v) => (v.kind === 'groundTime' ? [`${v.rotationId} ${v.previousLegId}`] : [])).sort(),
  );
});
