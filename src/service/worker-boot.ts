/**
 * Boot module of the service's worker threads: the entity hosts for rotations, airplanes and
 * airports, the kind the main thread spawns schedule-view replicas from, and the thread's stats
 * actor for /metrics.
 */
import type { ActorSystem, EventStore } from '../actors/index.ts';
import { defineViewKinds } from '../views/index.ts';
import { startEntityHosts, type EntityOptions } from '../app/entities.ts';
import type { SagaHooks } from '../app/assignment.ts';
import { THREAD_STATS_PATH, threadStatsActor } from '../actors/thread-stats.ts';

export interface WorkerBootData {
  readonly entities: EntityOptions;
  /** A module whose `sagaHooks` (SagaHooks) the assignment sagas call at each step: a test's
   * fault-injection point. Absent in production. */
  readonly sagaHooksModule?: string;
}

/** Runs in every worker; with `--workers 0` the node runs it on the main thread, passing the
 * journal as `store` when this member owns it. */
export async function setup(system: ActorSystem, data: WorkerBootData, store?: EventStore): Promise<void> {
  const hooks =
    data.sagaHooksModule === undefined ? {} : (((await import(data.sagaHooksModule)) as { sagaHooks?: SagaHooks }).sagaHooks ?? {});
  startEntityHosts(system, data.entities, hooks, store);
  defineViewKinds(system);
  // The main thread asks each entity thread for its actor counts at every /metrics scrape.
  system.spawn(threadStatsActor(system), { name: THREAD_STATS_PATH });
}
