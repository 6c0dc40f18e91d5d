/**
 * The publisher recovery test against a live Kafka (KRaft). Needs only KAFKA_BROKERS (comma
 * separated host:port); skipped with a message otherwise. Bus failures are simulated by a
 * wrapper, since a test cannot unplug the broker.
 */
import t from 'tap';
import type { BusRecord, EventBus } from '../../src/persistence/event-bus.ts';
import { KafkaEventBus } from '../../src/persistence/kafka-bus.ts';
import { publisherRecovery } from './fixtures/publisher-contract.ts';

const brokers = process.env.KAFKA_BROKERS;
if (!brokers) {
  t.comment('KAFKA_BROKERS is not set: the Kafka publisher run is skipped (see docs/persistence.md)');
  t.test('Kafka publisher recovery', { skip: 'KAFKA_BROKERS is not set; start ops/compose/docker-compose.yml and set KAFKA_BROKERS=127.0.0.1:9092' }, () => undefined);
} else {
  publisherRecovery(t, async () => {
    const kafka = new KafkaEventBus({ brokers: brokers.split(',').map((s) => s.trim()), partitions: 3 });
    let broken = false;
    const bus: EventBus = {
      publish: (topic: string, records: readonly BusRecord[]) => (broken ? Promise.reject(new Error('simulated broker outage')) : kafka.publish(topic, records)),
      consume: (topic, group, handler) => kafka.consume(topic, group, handler),
      close: () => kafka.close(),
    };
    return { bus, breakBus: (b) => (broken = b), cleanup: () => kafka.close() };
  });
}
