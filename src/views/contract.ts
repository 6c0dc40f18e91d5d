/**
 * The schedule view contract: what every read model of the schedule answers, whichever store it
 * keeps its graph in (memory, Memgraph). The HTTP layer and the projection actor speak only this.
 *
 * Violations are the domain's own check results (src/domain/checks.ts) plus `legIds`, so a view's
 * answer compares exactly with the pure oracle and the wire shows the same objects the oracle
 * would. Queries are tagged plain data, because they cross worker threads as actor messages.
 */
import type { ScheduleAirplane, ScheduleRotation } from '../domain/index.ts';
import type { EventEnvelope } from '../persistence/index.ts';
import type { WindowAnswer, WindowQuery } from './window.ts';
import { InvalidViewQuery } from './errors.ts';
import type { ViewContinuity, ViewDesignator, ViewEquipment, ViewGroundTime } from './view-violations.ts';

export type { ViewContinuity, ViewDesignator, ViewEquipment, ViewGroundTime, WithLegIds } from './view-violations.ts';

export interface CheckFilters {
  /** Only violations involving this rotation. */
  readonly rotationId?: string;
  /** Epoch ms, inclusive: the violation's time (its first leg's departure) is >= from. */
  readonly from?: number;
  /** Epoch ms, exclusive. */
  readonly to?: number;
  /** Page size, 1..1000, default 100. */
  readonly limit?: number;
  /** Opaque: the `next` of the previous page. */
  readonly cursor?: string;
}

export interface Page<V> {
  readonly violations: readonly V[];
  /** How many violations match the filters (all pages). */
  readonly total: number;
  /** The feed offset the answer reflects. */
  readonly offset: number;
  /** Cursor of the next page, null on the last. */
  readonly next: string | null;
}

export type AirplaneView = ScheduleAirplane & { readonly rotationId: string | null };

export type ViewQuery =
  | { readonly _tag: 'Continuity'; readonly filters?: CheckFilters }
  | { readonly _tag: 'GroundTime'; readonly filters?: CheckFilters }
  | { readonly _tag: 'Designators'; readonly filters?: CheckFilters }
  | { readonly _tag: 'Equipment'; readonly filters?: CheckFilters }
  | { readonly _tag: 'Rotation'; readonly rotationId: string }
  | { readonly _tag: 'Airplane'; readonly registration: string }
  /** The planner's window: a page of rows and a time range (window.ts). */
  | { readonly _tag: 'Window'; readonly window: WindowQuery };

/** The answer type of each query, by tag: `ask` stays typed end to end. */
export interface AnswerOf {
  readonly Continuity: Page<ViewContinuity>;
  readonly GroundTime: Page<ViewGroundTime>;
  readonly Designators: Page<ViewDesignator>;
  readonly Equipment: Page<ViewEquipment>;
  readonly Rotation: ScheduleRotation | null;
  readonly Airplane: AirplaneView | null;
  readonly Window: WindowAnswer;
}
export type ViewAnswer = AnswerOf[keyof AnswerOf];

export interface ApplyResult {
  readonly applied: number;
  readonly duplicates: number;
  readonly gaps: number;
  readonly offset: number;
}

export interface ViewCounters {
  readonly applied: number;
  readonly duplicates: number;
  readonly gaps: number;
}

/**
 * A read model of the schedule. `apply` takes a batch of the global feed and keeps the dedup
 * filter (last seq per aggregate) and the offset inside, changed together with the graph, so a
 * redelivered event changes nothing and a restarted view resumes at `offset() + 1`.
 */
export interface ScheduleView {
  apply(batch: readonly EventEnvelope[]): Promise<ApplyResult>;
  continuity(filters?: CheckFilters): Promise<Page<ViewContinuity>>;
  groundTime(filters?: CheckFilters): Promise<Page<ViewGroundTime>>;
  designators(filters?: CheckFilters): Promise<Page<ViewDesignator>>;
  /** Legs scheduled for another aircraft type than their rotation's airplane. */
  equipment(filters?: CheckFilters): Promise<Page<ViewEquipment>>;
  rotation(rotationId: string): Promise<ScheduleRotation | null>;
  airplane(registration: string): Promise<AirplaneView | null>;
  /** The planner's windowed query; a view without it refuses Window queries. */
  window?(query: WindowQuery): Promise<WindowAnswer>;
  /** Highest feed offset applied (0 when empty). */
  offset(): Promise<number>;
  counters(): Promise<ViewCounters>;
  close(): Promise<void>;
}

export const DEFAULT_LIMIT = 100;
export const MAX_LIMIT = 1000;

/** Runs a tagged query against a view: the one dispatch the projection actor and tests share. */
export function runQuery<Q extends ViewQuery>(view: ScheduleView, q: Q): Promise<AnswerOf[Q['_tag']]> {
  switch (q._tag) {
    case 'Continuity':
      return view.continuity(q.filters) as Promise<AnswerOf[Q['_tag']]>;
    case 'GroundTime':
      return view.groundTime(q.filters) as Promise<AnswerOf[Q['_tag']]>;
    case 'Designators':
      return view.designators(q.filters) as Promise<AnswerOf[Q['_tag']]>;
    case 'Equipment':
      return view.equipment(q.filters) as Promise<AnswerOf[Q['_tag']]>;
    case 'Rotation':
      return view.rotation(q.rotationId) as Promise<AnswerOf[Q['_tag']]>;
    case 'Airplane':
      return view.airplane(q.registration) as Promise<AnswerOf[Q['_tag']]>;
    case 'Window':
      return (view.window?.(q.window) ?? Promise.reject(new InvalidViewQuery('this view does not answer windowed queries'))) as Promise<
        AnswerOf[Q['_tag']]
      >;
  }
}
