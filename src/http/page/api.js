// Calls to the node's HTTP API. A refused request throws ApiError carrying the problem+json
// `detail` (and `field`), which the forms show next to themselves.

export class ApiError extends Error {
  constructor(status, detail, field) {
    super(detail);
    this.status = status;
    this.field = field;
  }
}

/** @param {string} method @param {string} url @param {unknown} [body] @param {Record<string,string>} [headers] */
export async function api(method, url, body, headers = {}) {
  let res;
  try {
    res = await fetch(url, {
      method,
      headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (error) {
    throw new ApiError(0, `the node is not reachable (${error instanceof Error ? error.message : String(error)})`);
  }
  const text = await res.text();
  let json;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  if (!res.ok) throw new ApiError(res.status, json?.detail ?? json?.title ?? `${res.status} ${res.statusText}`, json?.field);
  return json;
}

/** Every page of a check (cursor pagination), optionally for one rotation. */
export async function allViolations(check, { rotation, minOffset } = {}) {
  const out = [];
  let cursor = null;
  do {
    const q = new URLSearchParams({ limit: '1000' });
    if (rotation) q.set('rotation', rotation);
    if (minOffset) q.set('minOffset', String(minOffset));
    if (cursor) q.set('cursor', cursor);
    const page = await api('GET', `/api/checks/${check}?${q}`);
    out.push(...page.violations);
    cursor = page.next;
  } while (cursor);
  return out;
}
