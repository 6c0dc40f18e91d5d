/**
 * Boot module of the service's worker threads: the entity hosts for rotations, airplanes and
 * airports, and the kind the main thread spawns schedule-view replicas from.
 */
import type { ActorSystem } from '../actors/index.ts';
import { defineViewKinds } from '../views/index.ts';
import { startEntityHosts, type EntityOptions } from './entities.ts';
import type { SagaHooks } from './assignment.ts';

export interface WorkerBootData {
  readonly entities: EntityOptions;
  /** A module whose `sagaHooks` (SagaHooks) the assignment sagas call at each step: a test's
   * fault-injection point. Absent in production. */
  readonly sagaHooksModule?: string;
}

export async function setup(system: ActorSystem, data: WorkerBootData): Promise<void> {
  const hooks = data.sagaHooksModule === undefined ? {} : ((await import(data.sagaHooksModule)) as { sagaHooks?: SagaHooks }).sagaHooks ?? {};
  startEntityHosts(system, data.entities, hooks);
  defineViewKinds(system);
}
