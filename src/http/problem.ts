/**
 * Errors on the wire as RFC 9457 problem details (application/problem+json): a type, a title, the
 * status, a human detail, and, where one field is at fault, which one.
 */

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
  constructor(readonly problem: Problem) {
    super(problem.detail);
  }
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

export function problem(status: number, type: string, detail: string, extra: Record<string, unknown> = {}): HttpProblem {
  return new HttpProblem({ type: `https://aloft.dev/problems/${type}`, title: TITLES[status] ?? 'Error', status, detail, ...extra });
}

export const badRequest = (detail: string, field?: string) => problem(400, 'invalid-request', detail, field === undefined ? {} : { field });
export const notFound = (detail: string) => problem(404, 'not-found', detail);
