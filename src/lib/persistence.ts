/**
 * `aloft/persistence`: event-sourced actors and the journal they write to.
 *
 * - `eventSourced` turns a decider (`decide`, `evolve`, `initialState`) into an actor that
 *   recovers from its latest snapshot plus replay, and acknowledges a command only once its
 *   events are stored.
 * - `Journal` is the contract every backend meets: per-aggregate `seq` with optimistic
 *   concurrency, a global gap-free `offset` feed to follow (see `aloft/projections`), snapshots
 *   and named checkpoints. `EventJournal` implements it once over any `JournalStore`.
 * - Backends: in memory here (`memoryJournal`), LMDB in `aloft/persistence/lmdb`, ScyllaDB or
 *   Cassandra in `aloft/persistence/scylla`; each in its own entry point so that an application
 *   loads only the driver it uses.
 *
 * @packageDocumentation
 * @module aloft/persistence
 */
export {
  eventSourced,
  ENTITY_STOPPED,
  type CommandFailure,
  type CommandReply,
  type Decider,
  type Decision,
  type EntityMessage,
  type EventSourcedSpec,
  type EventStore,
  type SnapshotSchema,
  type StoredEventView,
} from '../actors/event-sourced.ts';
export type {
  AppendResult,
  EventEnvelope,
  FeedHandler,
  Journal,
  JournalEvent,
  Snapshot,
  SubscribeOptions,
  Subscription,
} from '../persistence/journal.ts';
export { EventJournal, type EventJournalOptions } from '../persistence/event-journal.ts';
export type { AppendRequest, EncodedEvent, JournalStore, StoredAppend, StoredEvent, StoredSnapshot } from '../persistence/store.ts';
export { MemoryStore, memoryJournal } from '../persistence/memory-store.ts';
export { Upcasters, type Upcaster, type UpcastContext } from '../persistence/upcasters.ts';
export type { Clock as JournalClock } from '../persistence/clock.ts';
export {
  CorruptEvent,
  InvalidAppend,
  JournalConflict,
  JournalError,
  JournalUnavailable,
  UnknownEvent,
  isCorruptEvent,
  isInvalidAppend,
  isJournalConflict,
  isJournalError,
  isJournalUnavailable,
  isUnknownEvent,
  toErrorData,
  type JournalErrorData,
  type JournalErrorTag,
} from '../persistence/errors.ts';
