/**
 * Errors on the wire as RFC 9457 problem details (application/problem+json): a type, a title, the
 * status, a human detail, and, where one field is at fault, which one.
 */
import { isActorStopped, isAskTimeout, isUnavailable } from '../actors/index.ts';
import { isOutcomeUnknown, type LostCause } from '../cluster/sharding/errors.ts';

export interface Problem {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  /** The JSON path of the field at fault, e.g. "departure". */
  readonly field?: string;
  readonly [extension: string]: unknown;
}

export class HttpProblem extends Error {
  readonly _tag = 'HttpProblem';
  constructor(
    readonly problem: Problem,
    /** Response headers that go with it (lower-case names), e.g. retry-after. */
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(problem.detail);
  }
}

/** Reason phrases (RFC 9110) of the statuses the API answers: the status line and a problem's title. */
export const STATUS_TEXT: Readonly<Record<number, string>> = {
  200: 'OK',
  201: 'Created',
  202: 'Accepted',
  204: 'No Content',
  400: 'Bad Request',
  401: 'Unauthorized',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  426: 'Upgrade Required',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

export function problem(
  status: number,
  type: string,
  detail: string,
  extra: Record<string, unknown> = {},
  headers: Readonly<Record<string, string>> = {},
): HttpProblem {
  const core = { type: `https://aloft.dev/problems/${type}`, title: STATUS_TEXT[status] ?? 'Error', status, detail };
  // Extensions never replace a standard member: an extension named `status` once became the
  // HTTP status line itself ("HTTP/1.1 catching-up"), which no client could read.
  return new HttpProblem({ ...core, ...extra, ...core }, headers);
}

/**
 * Retry-After (seconds) for a command whose outcome is unknown, by how its member was lost. A
 * member whose process is gone, or that is downed, has its shards moving now (about half a second
 * after a kill -9 with the defaults), and this front holds a command sent meanwhile and retries
 * it until they have (for up to 1.6 s): a client may send it again at once, and a whole second
 * more (the least a non-zero Retry-After can say) would only add to its wait. A member that is
 * only unreachable (paused, cut off) keeps its shards until stable-after; wait a little.
 */
export const OUTCOME_UNKNOWN_RETRY_AFTER_S: Readonly<Record<LostCause, number>> = { gone: 0, downed: 0, unreachable: 1 };

export const badRequest = (detail: string, field?: string) => problem(400, 'invalid-request', detail, field === undefined ? {} : { field });
export const notFound = (detail: string) => problem(404, 'not-found', detail);

/** Runs a command or an entity query: an entity that does not answer in time is a 504, one
 * whose shard cannot take it now is a 503, neither is a 500. */
export async function command<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (isAskTimeout(error))
      throw problem(504, 'timeout', 'the entity did not answer in time; the command may or may not have been applied');
    // Sent, then its member was lost (killed, downed, unreachable) before it answered: say so
    // now instead of letting the client wait for a timeout that would say the same.
    if (isOutcomeUnknown(error)) {
      const retryAfter = OUTCOME_UNKNOWN_RETRY_AFTER_S[error.lost];
      throw problem(
        503,
        'outcome-unknown',
        `the outcome is unknown: the command for ${error.target} was sent to member ${error.node}, which was lost before it answered (${error.reason}), so it may or may not have been applied. Retrying is safe where the command is idempotent: a PUT that sets a value, or a create, add or remove under an id the request names (a repeat of one that was applied is refused with 409, never applied twice); otherwise read the entity first.`,
        { retriable: true, outcome: 'unknown', retryAfter },
        { 'retry-after': String(retryAfter) },
      );
    }
    // The entity's shard is moving or its home is unreachable, or it stopped (handed off) with
    // the command still queued: nothing was applied, and a retry goes to its new home.
    if (isUnavailable(error) || isActorStopped(error))
      throw problem(503, 'entity-unavailable', `the command was not applied: ${error.message}`, { retriable: true });
    throw error;
  }
}

/** Runs a journal read (the feed, the head): a retriable failure — on a member without the
 * journal, the journal member away or unreachable — is a 503, not a 500. */
export async function journalRead<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    const e = error as { retriable?: unknown; message?: unknown } | null;
    if (e !== null && typeof e === 'object' && e.retriable === true)
      throw problem(503, 'journal-unavailable', `the journal cannot be read now: ${String(e.message)}`, { retriable: true });
    throw error;
  }
}
