/**
 * Boot module of the service's worker threads: the entity hosts for rotations, airplanes and
 * airports. (Read-model replicas join here when the views are wired in.)
 */
import type { ActorSystem } from '../actors/index.ts';
import { startEntityHosts, type EntityOptions } from './entities.ts';

export interface WorkerBootData {
  readonly entities: EntityOptions;
}

export function setup(system: ActorSystem, data: WorkerBootData): void {
  startEntityHosts(system, data.entities);
}
