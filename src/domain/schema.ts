/**
 * The domain's schema versions, in one place: the current version of every stored event type, the
 * steps that lift older stored events to it, and the schema version of each aggregate's snapshot
 * state with the step that lifts (or refuses) an older one.
 *
 * Pure data and functions: the service registers the event steps with the journal's upcasters
 * (src/service/schema.ts), so they run on replay and on the feed alike, and gives the snapshot
 * schemas to the event-sourced entities. Stored bytes are never rewritten.
 *
 * History:
 * - LegAdded v2: the leg carries `aircraftType` and `serviceType`; a v1 leg gets null for both
 *   ("unknown"), which the equipment check never reports.
 * - Rotation snapshot v2: its legs carry the two fields too; a v1 snapshot (written before
 *   snapshots had a version) has its legs lifted the same way. Airplane and airport snapshots
 *   are v1 (unchanged).
 */
import type { Leg } from './leg.ts';
import type { RotationState } from './rotation.ts';

/** A stored event as an upcaster sees it: tagged plain data. */
export interface StoredDomainEvent {
  readonly _tag: string;
  readonly version?: number;
  readonly [field: string]: unknown;
}

export interface EventUpcast {
  readonly type: string;
  /** Lifts this version to the next one. */
  readonly fromVersion: number;
  readonly upcast: (event: StoredDomainEvent) => StoredDomainEvent;
}

/** Current version of every event type the aggregates write. */
export const EVENT_VERSIONS: Readonly<Record<string, number>> = {
  RotationCreated: 1,
  LegAdded: 2,
  LegRemoved: 1,
  RotationRemoved: 1,
  RotationClaimed: 1,
  RotationReleased: 1,
  AirplaneCreated: 1,
  AirplaneMinimumGroundTimeSet: 1,
  RotationAssigned: 1,
  RotationUnassigned: 1,
  AirportMinimumGroundTimeSet: 1,
};

/** A leg as version-1 code stored it (no aircraft or service type), read today: both unknown. */
export function legFromV1(leg: unknown): Leg {
  if (typeof leg !== 'object' || leg === null || Array.isArray(leg)) throw new Error('a version-1 leg must be an object');
  return { ...(leg as Omit<Leg, 'aircraftType' | 'serviceType'>), aircraftType: null, serviceType: null };
}

export function legAddedV1ToV2(event: StoredDomainEvent): StoredDomainEvent {
  return { ...event, version: 2, leg: legFromV1(event.leg) };
}

export const EVENT_UPCASTS: readonly EventUpcast[] = [{ type: 'LegAdded', fromVersion: 1, upcast: legAddedV1ToV2 }];

/**
 * The schema of an aggregate's snapshot state. `upcast` lifts a state stored under an older
 * version; undefined (no step, or a shape it does not recognise) means the snapshot is discarded
 * and the state rebuilt from the events.
 */
export interface SnapshotSchema<S> {
  readonly version: number;
  readonly upcast?: (state: unknown, fromVersion: number) => S | undefined;
}

function rotationStateFromV1(state: unknown, fromVersion: number): RotationState | undefined {
  if (fromVersion !== 1 || typeof state !== 'object' || state === null) return undefined;
  const s = state as { status?: unknown; rotationId?: unknown; legs?: unknown; claim?: unknown };
  switch (s.status) {
    case 'none':
      return { status: 'none' };
    case 'removed':
      return typeof s.rotationId === 'string' ? { status: 'removed', rotationId: s.rotationId } : undefined;
    case 'active': {
      if (typeof s.rotationId !== 'string' || !Array.isArray(s.legs)) return undefined;
      const claim = s.claim === null || s.claim === undefined ? null : (s.claim as { registration: string; assignmentId: string });
      return { status: 'active', rotationId: s.rotationId, legs: s.legs.map(legFromV1), claim };
    }
    default:
      return undefined;
  }
}

export const ROTATION_SNAPSHOT: SnapshotSchema<RotationState> = { version: 2, upcast: rotationStateFromV1 };
export const AIRPLANE_SNAPSHOT = { version: 1 } as const;
export const AIRPORT_SNAPSHOT = { version: 1 } as const;
