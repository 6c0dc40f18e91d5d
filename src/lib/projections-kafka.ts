/**
 * `aloft/projections/kafka`: the `EventBus` on Apache Kafka (kafkajs): one message per event,
 * keyed by persistence id, so each aggregate's events stay in order within a partition.
 *
 * @packageDocumentation
 * @module aloft/projections/kafka
 */
export { KafkaEventBus, type KafkaBusOptions } from '../persistence/kafka-bus.ts';
