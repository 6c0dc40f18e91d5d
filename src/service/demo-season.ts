/**
 * `--demo-season`: on the first start (an empty journal) the node loads the generated default
 * season — about 300 airplanes, 150 airports and 180,000 dated legs with injected violations —
 * through the same commands a planner's client would send: airport ground times, airplanes,
 * rotations with their legs (as an import), then one assignment saga per airplane. A `scale`
 * other than 1 loads that many times the airplanes over the same days and airports
 * (src/domain/season `seasonOfSize`: 10 is about 1.8 M legs).
 */
import { generateSeason, seasonOfSize, type Season } from '../domain/season/season.ts';
import { fleetCommands } from '../domain/season/commands.ts';
import type { Journal } from '../persistence/index.ts';
import type { CommandGateway } from '../app/gateway.ts';
import type { ImportStatus, Importer } from '../app/importer.ts';

export interface DemoSeasonOptions {
  /** Multiplier of the default season's airplanes (default 1: the default season itself). */
  readonly scale?: number;
}

async function inParallel<T>(items: readonly T[], limit: number, work: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) await work(items[next++] as T);
    }),
  );
}

export async function loadDemoSeason(
  journal: Journal,
  gateway: CommandGateway,
  importer: Importer,
  log: (line: string) => void,
  options: DemoSeasonOptions = {},
): Promise<void> {
  if ((await journal.headOffset()) > 0) {
    log('demo season: the journal is not empty; not loading it again');
    return;
  }
  const started = performance.now();
  const season = generateSeason(seasonOfSize(options.scale ?? 1));
  const result = await loadSeason(season, gateway, importer, log);
  const seconds = (performance.now() - started) / 1000;
  log(
    `demo season: loaded in ${seconds.toFixed(1)} s (${result.commandsApplied} rotation commands applied, ${result.commandsRejected} refused)`,
  );
}

/** Sends a generated season's commands; resolves once the import has finished and every
 * assignment saga has finished or outlived its wait. */
export async function loadSeason(
  season: Season,
  gateway: CommandGateway,
  importer: Importer,
  log: (line: string) => void,
): Promise<ImportStatus> {
  const commands = fleetCommands(season);
  log(
    `demo season: ${season.airports.length} airports, ${season.airplanes.length} airplanes, ${season.rotations.length} rotations, ${season.legCount} legs — loading`,
  );
  await inParallel(commands.airports, 64, (c) => gateway.airport(c.iata, c));
  await inParallel(commands.airplanes, 64, (c) => gateway.airplane(c.registration, c));
  const { status, done } = importer.startPlanned(season.rotations);
  // status.commandsTotal is still 0 here: the import records its plan after it starts.
  log(
    `demo season: import ${status.importId} applying ${season.rotations.length + season.legCount} rotation commands (GET /api/imports/${status.importId})`,
  );
  const result = await done;
  // Durable sagas: one that outlives its wait here (a slow step) still finishes on its own.
  await inParallel(commands.assignments, 32, (start) => gateway.startAssignment(start, 60_000).catch(() => undefined));
  return result;
}
