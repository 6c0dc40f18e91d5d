/**
 * `--demo-season`: on the first start (an empty journal) the node loads the generated default
 * season — about 300 airplanes, 150 airports and 180,000 dated legs with injected violations —
 * through the same commands a planner's client would send: airport ground times, airplanes,
 * rotations with their legs (as an import), then one assignment saga per airplane.
 */
import { generateSeason } from '../../ops/season/season.ts';
import { seasonCommands } from '../../ops/season/commands.ts';
import type { Journal } from '../persistence/index.ts';
import type { CommandGateway } from './gateway.ts';
import type { Importer } from './importer.ts';

async function inParallel<T>(items: readonly T[], limit: number, work: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) await work(items[next++] as T);
    }),
  );
}

export async function loadDemoSeason(journal: Journal, gateway: CommandGateway, importer: Importer, log: (line: string) => void): Promise<void> {
  if ((await journal.headOffset()) > 0) {
    log('demo season: the journal is not empty; not loading it again');
    return;
  }
  const started = performance.now();
  const season = generateSeason();
  const commands = seasonCommands(season);
  log(`demo season: ${season.airports.length} airports, ${season.airplanes.length} airplanes, ${season.rotations.length} rotations, ${commands.rotations.length - season.rotations.length} legs — loading`);
  await inParallel(commands.airports, 64, (c) => gateway.airport(c.iata, c));
  await inParallel(commands.airplanes, 64, (c) => gateway.airplane(c.registration, c));
  const { status, done } = importer.startPlanned(season.rotations);
  log(`demo season: import ${status.importId} applying ${status.commandsTotal} rotation commands (GET /api/imports/${status.importId})`);
  const result = await done;
  // Durable sagas: one that outlives its wait here (a slow step) still finishes on its own.
  await inParallel(commands.assignments, 32, (start) => gateway.startAssignment(start, 60_000).catch(() => undefined));
  const seconds = (performance.now() - started) / 1000;
  log(`demo season: loaded in ${seconds.toFixed(1)} s (${result.commandsApplied} rotation commands applied, ${result.commandsRejected} refused)`);
}
