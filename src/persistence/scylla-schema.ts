/**
 * The ScyllaDB (Cassandra-compatible) schema, created on start if missing. docs/persistence.md
 * explains each table; the short version:
 *
 * heads      one row per aggregate: its last seq, and the last append's events ("pending") as
 *            written by the LWT that committed them. The LWT `IF seq = expected` is the
 *            optimistic-concurrency check and the append's commit point.
 * events     the per-aggregate log, partitioned by (persistence_id, bucket = seq / bucketSize)
 *            so one aggregate's events sit together and no partition grows without bound.
 * feed       the global feed as contiguous chunks: a row (bucket, start) holds `count` events
 *            with offsets start .. start + count - 1, inserted with IF NOT EXISTS. Chunks are
 *            gap-free by construction: a writer may only claim `start` = end of the last chunk
 *            it saw, and loses the LWT if someone else already did. bucket = start / feedBucket
 *            bounds partitions.
 * feed_hint  the newest feed bucket, so a starting node finds the head without a scan.
 * snapshots, checkpoints: what their names say.
 */

export interface SchemaOptions {
  readonly keyspace: string;
  /** CQL replication map, e.g. "{'class': 'NetworkTopologyStrategy', 'replication_factor': 3}". */
  readonly replication: string;
}

export function validIdentifier(name: string): string {
  if (!/^[a-z][a-z0-9_]{0,47}$/.test(name)) throw new RangeError(`not a safe CQL identifier: ${name}`);
  return name;
}

export function schemaStatements({ keyspace, replication }: SchemaOptions): string[] {
  const ks = validIdentifier(keyspace);
  return [
    `CREATE KEYSPACE IF NOT EXISTS ${ks} WITH replication = ${replication}`,
    `CREATE TABLE IF NOT EXISTS ${ks}.heads (
       persistence_id text PRIMARY KEY,
       seq bigint,
       pending_first bigint,
       pending blob)`,
    `CREATE TABLE IF NOT EXISTS ${ks}.events (
       persistence_id text,
       bucket bigint,
       seq bigint,
       record blob,
       PRIMARY KEY ((persistence_id, bucket), seq))`,
    `CREATE TABLE IF NOT EXISTS ${ks}.feed (
       bucket bigint,
       start bigint,
       count int,
       records blob,
       PRIMARY KEY (bucket, start))`,
    `CREATE TABLE IF NOT EXISTS ${ks}.feed_hint (
       id int PRIMARY KEY,
       bucket bigint)`,
    `CREATE TABLE IF NOT EXISTS ${ks}.snapshots (
       persistence_id text,
       seq bigint,
       ts bigint,
       state blob,
       PRIMARY KEY (persistence_id, seq))
     WITH CLUSTERING ORDER BY (seq DESC)`,
    `CREATE TABLE IF NOT EXISTS ${ks}.checkpoints (
       name text PRIMARY KEY,
       value bigint)`,
  ];
}
