/**
 * What a shard region needs to know of the cluster: itself, the members that host shards, who
 * is alive and reachable, and when that changes. clusterShardHosts (cluster-hosts.ts) answers it
 * from the membership; standaloneHosts for a node alone.
 */
import type { LostCause } from './errors.ts';

/** What the region needs to know of the cluster: itself, the shard hosts, and who is alive. */
export interface ShardHosts {
  readonly self: string;
  /** Node ids of the members that host shards now (up, with the shard role), one per address. */
  hosts(): readonly string[];
  /** Every member that may still run entities (not down, not removed), self excluded. */
  others(): readonly string[];
  reachable(node: string): boolean;
  /**
   * Why asks already sent to `node` will get no answer: it was downed, it is unreachable, or its
   * connection closed and re-dialling it is refused (its process is gone). Undefined while it may
   * still answer. Absent: asks in flight wait for their timeout.
   */
  lost?(node: string): LostCause | undefined;
  /** Calls `listener` after every membership change; returns the unsubscribe function. */
  onChange(listener: () => void): () => void;
}

/** A node alone: it hosts every shard. */
export function standaloneHosts(self: string): ShardHosts {
  return { self, hosts: () => [self], others: () => [], reachable: () => true, onChange: () => () => undefined };
}
