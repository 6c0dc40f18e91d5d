/**
 * The aggregates as event-sourced entities: one entity host per aggregate type in every worker,
 * each entity started by its first command, recovered from the journal, and passivated when idle.
 */
import { childSpec, eventSourced, type ActorSystem, type EventStore } from '../actors/index.ts';
import { shardHost } from '../cluster/index.ts';
import {
  AIRPLANE_SNAPSHOT,
  AIRPORT_SNAPSHOT,
  ROTATION_SNAPSHOT,
  airplaneDecider,
  airportDecider,
  rotationDecider,
} from '../domain/index.ts';
import { HOSTS, persistenceId } from './aggregates.ts';
import { JOURNAL_PATH, remoteEventStore, type JournalMsg } from './journal-service.ts';
import { sagaEntity, type SagaHooks } from './assignment.ts';
import { regionClient, sagaEffects } from './region-client.ts';

export interface EntityOptions {
  readonly idleTimeoutMs?: number;
  readonly snapshotEvery?: number;
  /** Live entities of one type in one thread before the least recently used passivate. */
  readonly maxPerHost?: number;
}

/**
 * Spawns the entity hosts in `system`. `store` is how their entities reach the journal: by
 * default the journal service on thread 0 (entities in a worker, or a member without the
 * journal); the node passes the journal itself when the entities share its thread.
 */
export function startEntityHosts(
  system: ActorSystem,
  options: EntityOptions = {},
  hooks: SagaHooks = {},
  store: EventStore = remoteEventStore(system.ref<JournalMsg>({ node: system.node, thread: 0, path: JOURNAL_PATH })),
): void {
  const idle = { idleTimeoutMs: options.idleTimeoutMs ?? 120_000 };
  const snapshotEvery = options.snapshotEvery ?? 500;
  const max = options.maxPerHost !== undefined ? { maxChildren: options.maxPerHost } : {};
  system.spawn(shardHost(), {
    name: HOSTS.rotation,
    ...max,
    childFactory: (id) =>
      childSpec(
        eventSourced({
          persistenceId: persistenceId('rotation', id),
          store,
          decider: rotationDecider,
          snapshotEvery,
          snapshotSchema: ROTATION_SNAPSHOT,
        }),
        idle,
      ),
  });
  system.spawn(shardHost(), {
    name: HOSTS.airplane,
    ...max,
    childFactory: (id) =>
      childSpec(
        eventSourced({
          persistenceId: persistenceId('airplane', id),
          store,
          decider: airplaneDecider,
          snapshotEvery,
          snapshotSchema: AIRPLANE_SNAPSHOT,
        }),
        idle,
      ),
  });
  system.spawn(shardHost(), {
    name: HOSTS.airport,
    ...max,
    childFactory: (id) =>
      childSpec(
        eventSourced({
          persistenceId: persistenceId('airport', id),
          store,
          decider: airportDecider,
          snapshotEvery,
          snapshotSchema: AIRPORT_SNAPSHOT,
        }),
        idle,
      ),
  });
  // Assignment sagas: process entities of their own, sharded like the aggregates (assignment.ts).
  const effects = sagaEffects(regionClient(system));
  system.spawn(shardHost(), {
    name: HOSTS.assignment,
    ...max,
    childFactory: (id) =>
      childSpec(sagaEntity({ sagaId: id, persistenceId: persistenceId('assignment', id), store, effects, hooks }), idle),
  });
}
