/**
 * A worker boot module that hosts schedule-view replicas: pass its URL as `AloftNode.start({ boot })`
 * when the node has no boot module of its own; a node that has one calls `defineViewKinds(system)`
 * from its own `setup` instead.
 */
import type { ActorSystem } from '../actors/index.ts';
import { defineViewKinds } from './replica.ts';

export function setup(system: ActorSystem): void {
  defineViewKinds(system);
}
