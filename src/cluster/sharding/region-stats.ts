/** Counters of a node's shard region, as /metrics and the admin API show them. */
export interface RegionStats {
  delivered: number;
  forwarded: number;
  buffered: number;
  refused: number;
  handoffs: number;
  handoffTimeouts: number;
  releases: number;
  /** Asks of this node failed with OutcomeUnknown because the member they were sent to was lost. */
  lostInFlight: number;
}

export function newRegionStats(): RegionStats {
  return { delivered: 0, forwarded: 0, buffered: 0, refused: 0, handoffs: 0, handoffTimeouts: 0, releases: 0, lostInFlight: 0 };
}
