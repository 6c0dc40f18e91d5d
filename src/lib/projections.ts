/**
 * `aloft/projections`: reading the journal's global feed. A projection keeps a read model from
 * the events of every aggregate, in offset order:
 *
 * - `journal.subscribe(from, handler)` catches up from an offset and then follows the feed live,
 *   never skipping, awaiting the handler before the next batch; with `loadCheckpoint` and
 *   `saveCheckpoint` a projection resumes where it stopped.
 * - `FeedPublisher` is such a projection: it publishes the feed to an `EventBus` (in memory here,
 *   Kafka in `aloft/projections/kafka`) at least once, from a checkpoint it advances only after
 *   the bus acknowledged; consumers drop the duplicates with `DedupFilter`.
 *
 * @packageDocumentation
 * @module aloft/projections
 */
export type { EventEnvelope, FeedHandler, Journal, JournalEvent, SubscribeOptions, Subscription } from '../persistence/journal.ts';
export { DedupFilter, type Verdict } from '../persistence/dedup.ts';
export {
  MemoryEventBus,
  fromBusRecord,
  toBusRecord,
  type BusConsumer,
  type BusHandler,
  type BusRecord,
  type EventBus,
} from '../persistence/event-bus.ts';
export { FeedPublisher, type PublisherOptions } from '../persistence/publisher.ts';
