/**
 * What a job that follows the journal feed (the import keeper, the assignment keeper, the
 * publisher, the graph projection) reports of itself, for /readyz, /metrics and the admin API's
 * `GET /cluster/backends`.
 */

/** What a background job or a backend says of itself. */
export interface BackendState {
  readonly name: string;
  readonly state: 'connected' | 'down' | 'starting' | 'standby';
  /** Why it is down, when it is. */
  readonly reason?: string;
  /** For followers of the feed: the next offset they will handle, and how far behind the head they are. */
  readonly position?: number;
  readonly lag?: number;
}

/** A job that follows the feed, restarted with backoff whenever its subscription ends in error. */
export interface FeedJob {
  readonly state: BackendState;
  stop(): Promise<void>;
}
