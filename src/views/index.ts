/**
 * The read models of the schedule (ISSUE 5), in one import: the view contract, the embedded view,
 * the replica actor kind (for worker boot modules) and the ViewPool the HTTP layer queries.
 * MemgraphScheduleView is imported from its own file so an embedded node never loads neo4j-driver.
 */
export type {
  AirplaneView,
  AnswerOf,
  ApplyResult,
  CheckFilters,
  Page,
  ScheduleView,
  ViewAnswer,
  ViewContinuity,
  ViewCounters,
  ViewDesignator,
  ViewEquipment,
  ViewGroundTime,
  ViewQuery,
  WithLegIds,
} from './contract.ts';
export { runQuery, DEFAULT_LIMIT, MAX_LIMIT } from './contract.ts';
export { MemoryScheduleView } from './memory-view.ts';
export { ViewPool, type QueryOptions, type QueryResult, type ReplicaLag, type ReplicaState, type ViewPoolOptions } from './pool.ts';
export { defineViewKinds, scheduleReplicaKind, type ReplicaArgs, type ReplicaMsg } from './replica.ts';
export {
  InvalidViewQuery,
  NoReplicaReady,
  ViewError,
  ViewLagTimeout,
  ViewUnavailable,
  isViewError,
  isViewLagTimeout,
  type ViewErrorData,
  type ViewErrorTag,
} from './errors.ts';
export { readSnapshotFile, writeSnapshotFile } from './snapshot-file.ts';
export type { ViewSnapshot } from './snapshot-format.ts';
