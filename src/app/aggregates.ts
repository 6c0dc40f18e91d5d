/**
 * The aggregates as the rest of the application addresses them: the entity host of each kind
 * (also the first segment of an entity's path), persistence ids, and the message and reply types
 * of their entities. The entity hosts (entities.ts), the gateway and the saga's region client all
 * speak these; keeping them here lets each of those import them without importing the others.
 */
import type { CommandReply, EntityMessage } from '../actors/index.ts';
import type {
  AirplaneCommand,
  AirplaneError,
  AirplaneEvent,
  AirplaneState,
  AirportCommand,
  AirportError,
  AirportEvent,
  AirportState,
  RotationCommand,
  RotationError,
  RotationEvent,
  RotationState,
} from '../domain/index.ts';

export type RotationMsg = EntityMessage<RotationCommand, RotationEvent, RotationState, RotationError>;
export type AirplaneMsg = EntityMessage<AirplaneCommand, AirplaneEvent, AirplaneState, AirplaneError>;
export type AirportMsg = EntityMessage<AirportCommand, AirportEvent, AirportState, AirportError>;

export type RotationReply = CommandReply<RotationEvent, RotationError>;
export type AirplaneReply = CommandReply<AirplaneEvent, AirplaneError>;
export type AirportReply = CommandReply<AirportEvent, AirportError>;

/** Entity host names, which are also the first segment of an entity's path. */
export const HOSTS = { rotation: 'rotations', airplane: 'airplanes', airport: 'airports', assignment: 'assignments' } as const;
export type AggregateKind = keyof typeof HOSTS;

/** Persistence ids: "<kind>-<id>". Changing them orphans every stored event. */
export const persistenceId = (kind: AggregateKind, id: string): string => `${kind}-${id}`;
