/**
 * `aloft/persistence/scylla`: the shared journal backend on ScyllaDB, or any CQL server with
 * lightweight transactions (Apache Cassandra), through cassandra-driver. Every node of a cluster
 * appends to it; the lightweight transaction on an aggregate's head keeps one writer per
 * aggregate even while membership is in doubt.
 *
 * ```ts
 * import { EventJournal } from 'aloft/persistence';
 * import { ScyllaStore } from 'aloft/persistence/scylla';
 * const journal = await EventJournal.open(await ScyllaStore.open({ contactPoints: ['127.0.0.1:9042'], localDataCenter: 'datacenter1', keyspace: 'app' }));
 * ```
 *
 * @packageDocumentation
 * @module aloft/persistence/scylla
 */
export { ScyllaStore, type CqlClient, type CqlResult, type CqlRow, type ScyllaStoreOptions } from '../persistence/scylla-store.ts';
