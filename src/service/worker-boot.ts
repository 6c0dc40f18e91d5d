/**
 * Boot module of the service's worker threads: the entity hosts for rotations, airplanes and
 * airports, and the kind the main thread spawns schedule-view replicas from.
 */
import type { ActorSystem } from '../actors/index.ts';
import { defineViewKinds } from '../views/index.ts';
import { startEntityHosts, type EntityOptions } from './entities.ts';

export interface WorkerBootData {
  readonly entities: EntityOptions;
}

export function setup(system: ActorSystem, data: WorkerBootData): void {
  startEntityHosts(system, data.entities);
  defineViewKinds(system);
}
