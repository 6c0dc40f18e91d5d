/**
 * The persistence API in one import: what the event-sourced actor, the projections and the
 * composition root use. Backends' internals (segments, codec, schema) stay in their files.
 * ScyllaStore (scylla-store.ts) and KafkaEventBus (kafka-bus.ts) are imported from their own
 * files, so that an embedded node does not load cassandra-driver and kafkajs.
 */
export type {
  AppendResult,
  EventEnvelope,
  FeedHandler,
  Journal,
  JournalEvent,
  Snapshot,
  SubscribeOptions,
  Subscription,
} from './journal.ts';
export { EventJournal, type EventJournalOptions } from './event-journal.ts';
export type { JournalStore } from './store.ts';
export { MemoryStore, memoryJournal } from './memory-store.ts';
export { LmdbStore, lmdbJournal, type LmdbDurability, type LmdbStoreOptions } from './lmdb-store.ts';
export { Upcasters, type Upcaster } from './upcasters.ts';
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
} from './errors.ts';
export {
  MemoryEventBus,
  fromBusRecord,
  toBusRecord,
  type BusConsumer,
  type BusHandler,
  type BusRecord,
  type EventBus,
} from './event-bus.ts';
export { FeedPublisher, type PublisherOptions } from './publisher.ts';
export { DedupFilter, type Verdict } from './dedup.ts';
export { systemClock, type Clock } from './clock.ts';
