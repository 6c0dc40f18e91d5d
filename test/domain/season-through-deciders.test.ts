/**
 * End to end through the write side: a generated season sent as commands to the deciders and the
 * assignment saga, the resulting aggregate states read back as a schedule, and the checks over
 * it finding exactly the injected violations. Proves the aggregates accept a realistic season
 * (no leg refused as overlapping) and that nothing is lost between commands and checks.
 */
import t from 'tap';
import { generateSeason } from '../../ops/season/season.ts';
import { seasonCommands } from '../../ops/season/commands.ts';
import { airportDecider, checkSchedule, scheduleFromEvents, type AirportEvent, type AirportState, type Schedule } from '../../src/domain/index.ts';
import { World } from './fixtures/saga-world.ts';

t.test('season -> commands -> aggregates -> schedule -> checks = injected', async (t) => {
  const season = generateSeason({ airplanes: 8, airports: 15, days: 6, seed: 11, violations: { continuity: 0.03, groundTime: 0.03, duplicates: 0.03 } });
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
  const refused = [...commands.airplanes.map((c) => world.onAirplane(c)), ...commands.rotations.map((c) => world.onRotation(c))].filter((d) => d._tag === 'Rejected');
  t.same(refused, [], 'every airplane, rotation and leg is accepted');
  for (const a of commands.assignments) world.start(a);
  world.runAll();
  t.same(world.inconsistencies(), []);
  t.ok([...world.sagas.values()].every((s) => s.state.phase === 'completed' && s.state.outcome._tag === 'Assigned'), 'every assignment saga succeeded');

  const schedule: Schedule = {
    airports: [...airports.values()].flatMap((a) => (a.status === 'known' ? [{ iata: a.iata, minimumGroundTimeMin: a.minimumGroundTimeMin }] : [])),
    airplanes: [...world.airplanes.values()].flatMap((a) => (a.status === 'active' ? [{ registration: a.registration, aircraftType: a.aircraftType, minimumGroundTimeMin: a.minimumGroundTimeMin }] : [])),
    rotations: [...world.rotations.values()].flatMap((r) => (r.status === 'active' ? [{ rotationId: r.rotationId, legs: r.legs, registration: r.claim?.registration ?? null }] : [])),
  };
  const projected = scheduleFromEvents([...airportEvents, ...world.feed]);
  t.same(projected, schedule, 'folding the event feed gives the same schedule as reading the aggregates');
  const r = checkSchedule(projected);
  const count = (kind: string) => season.injected.filter((v) => v.kind === kind).length;
  t.ok(season.injected.length > 0, 'violations were injected');
  t.equal(r.continuity.length, count('continuity'));
  t.equal(r.groundTime.length, count('groundTime'));
  t.equal(r.designators.length, count('duplicate'));
  t.same(
    r.groundTime.map((v) => `${v.rotationId} ${v.previous.id}`).sort(),
    season.injected.flatMap((v) => (v.kind === 'groundTime' ? [`${v.rotationId} ${v.previousLegId}`] : [])).sort(),
  );
});
