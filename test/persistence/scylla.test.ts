/**
 * The journal contract against a live ScyllaDB. Needs only SCYLLA_CONTACT_POINTS (comma
 * separated host[:port]); SCYLLA_DC names the local data centre (default datacenter1). Each
 * subtest gets its own keyspace, dropped afterwards. Without the variable the test is skipped
 * with a message saying how to run it (docs/persistence.md, ops/compose/docker-compose.yml).
 */
import t from 'tap';
import { Client } from 'cassandra-driver';
import { EventJournal } from '../../src/persistence/event-journal.ts';
import { ScyllaStore } from '../../src/persistence/scylla-store.ts';
import { schemaStatements } from '../../src/persistence/scylla-schema.ts';
import { journalContract } from './fixtures/journal-contract.ts';

t.test('the schema is created with IF NOT EXISTS and bounded partitions', async (t) => {
  const cql = schemaStatements({ keyspace: 'aloft', replication: "{'class': 'SimpleStrategy', 'replication_factor': 1}" });
  t.ok(cql.every((s) => /IF NOT EXISTS/.test(s)), 'idempotent on start');
  t.match(cql.join('\n'), /PRIMARY KEY \(\(persistence_id, bucket\), seq\)/, 'events partitioned by (id, bucket)');
  t.match(cql.join('\n'), /PRIMARY KEY \(bucket, start\)/, 'feed partitioned by offset bucket');
  t.throws(() => schemaStatements({ keyspace: 'x; DROP', replication: '{}' }), /identifier/);
});

const contactPoints = process.env.SCYLLA_CONTACT_POINTS;
if (!contactPoints) {
  t.comment('SCYLLA_CONTACT_POINTS is not set: the ScyllaDB contract run is skipped (see docs/persistence.md)');
  t.test('ScyllaDB journal contract', { skip: 'SCYLLA_CONTACT_POINTS is not set; start ops/compose/docker-compose.yml and set SCYLLA_CONTACT_POINTS=127.0.0.1:9042' }, () => undefined);
} else {
  const points = contactPoints.split(',').map((s) => s.trim()).filter(Boolean);
  const localDataCenter = process.env.SCYLLA_DC ?? 'datacenter1';
  let n = 0;
  journalContract(t, async (options) => {
    const keyspace = `aloft_test_${process.pid}_${Date.now() % 100000}_${n++}`;
    const store = await ScyllaStore.open({
      contactPoints: points,
      localDataCenter,
      keyspace,
      replication: "{'class': 'SimpleStrategy', 'replication_factor': 1}",
      pollMs: 50,
    });
    const journal = await EventJournal.open(store, options);
    return {
      journal,
      store,
      cleanup: async () => {
        await journal.close();
        const admin = new Client({ contactPoints: points, localDataCenter });
        await admin.execute(`DROP KEYSPACE IF EXISTS ${keyspace}`).finally(() => admin.shutdown());
      },
    };
  });
}
