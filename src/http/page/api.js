// Calls to the node's HTTP API. A refused request throws ApiError carrying the problem+json
// `detail` (and `field`), which the forms show next to themselves.

export class ApiError extends Error {
  constructor(status, detail, field, body) {
    super(detail);
    this.status = status;
    this.field = field;
    this.body = body;
  }
}

/**
 * @param {string} method @param {string} url @param {unknown} [body]
 * @param {{headers?: Record<string,string>, signal?: AbortSignal}} [options]
 */
export async function api(method, url, body, { headers = {}, signal } = {}) {
  let res;
  try {
    res = await fetch(url, {
      method,
      headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal,
    });
  } catch (error) {
    if (signal?.aborted) throw error;
    throw new ApiError(0, `the node is not reachable (${error instanceof Error ? error.message : String(error)})`);
  }
  const text = await res.text();
  let json;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  if (!res.ok) throw new ApiError(res.status, json?.detail ?? json?.title ?? `${res.status} ${res.statusText}`, json?.field, json);
  return json;
}

/** Query string of a window (see GET /api/window); undefined and empty values are left out. */
export function windowQuery(spec) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(spec)) if (v !== undefined && v !== null && v !== '' && v !== false) q.set(k, String(v));
  return q.toString();
}

/** One window of the chart. */
export function fetchWindow(spec, { minOffset, signal } = {}) {
  const q = windowQuery(spec);
  return api('GET', `/api/window?${q}${minOffset ? `&minOffset=${minOffset}` : ''}`, undefined, { signal });
}

/** One page of a check, optionally after `cursor`. */
export function checkPage(check, { cursor, limit = 100, minOffset } = {}) {
  const q = new URLSearchParams({ limit: String(limit) });
  if (minOffset) q.set('minOffset', String(minOffset));
  if (cursor) q.set('cursor', cursor);
  return api('GET', `/api/checks/${check}?${q}`);
}
