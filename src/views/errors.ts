/**
 * The views' error taxonomy: tagged, with `retriable`, and with a plain-data form so an error
 * raised in a worker's replica reaches the main thread (and HTTP) as data, not as a class.
 */

export type ViewErrorTag = 'ViewLagTimeout' | 'InvalidViewQuery' | 'NoReplicaReady' | 'ViewUnavailable';

export interface ViewErrorData {
  readonly _tag: ViewErrorTag;
  readonly message: string;
  readonly retriable: boolean;
  /** ViewLagTimeout: the offset asked for and the one the replica had reached. */
  readonly minOffset?: number;
  readonly reachedOffset?: number;
  readonly replica?: string;
}

export class ViewError extends Error {
  readonly _tag: ViewErrorTag;
  readonly retriable: boolean;
  readonly data: ViewErrorData;
  constructor(data: ViewErrorData) {
    super(data.message);
    this._tag = data._tag;
    this.retriable = data.retriable;
    this.data = data;
    this.name = data._tag;
  }
}

/** The replica did not reach `minOffset` in time: the write is not visible yet. Retry later. */
export class ViewLagTimeout extends ViewError {
  constructor(replica: string, minOffset: number, reachedOffset: number, timeoutMs: number) {
    super({
      _tag: 'ViewLagTimeout',
      retriable: true,
      replica,
      minOffset,
      reachedOffset,
      message: `replica ${replica} reached offset ${reachedOffset}, not ${minOffset}, within ${timeoutMs} ms`,
    });
  }
}

/** A bad filter or cursor: retrying the same query cannot help. */
export class InvalidViewQuery extends ViewError {
  constructor(message: string) {
    super({ _tag: 'InvalidViewQuery', retriable: false, message });
  }
}

export class NoReplicaReady extends ViewError {
  constructor(message: string) {
    super({ _tag: 'NoReplicaReady', retriable: true, message });
  }
}

export class ViewUnavailable extends ViewError {
  constructor(message: string) {
    super({ _tag: 'ViewUnavailable', retriable: true, message });
  }
}

export function isViewError(e: unknown): e is ViewError {
  return e instanceof ViewError;
}

export function isViewLagTimeout(e: unknown): e is ViewError & { readonly _tag: 'ViewLagTimeout' } {
  return e instanceof ViewError && e._tag === 'ViewLagTimeout';
}

/** Rebuilds the class from its wire form (what a worker replica replied). */
export function fromErrorData(d: ViewErrorData): ViewError {
  return new ViewError(d);
}

export function toViewErrorData(e: unknown): ViewErrorData {
  if (e instanceof ViewError) return e.data;
  return { _tag: 'ViewUnavailable', retriable: true, message: e instanceof Error ? e.message : String(e) };
}
