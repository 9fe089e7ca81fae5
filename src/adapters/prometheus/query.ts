/** Prometheus instant queries (GET /api/v1/query), bounded by a timeout. */

export type QueryOutcome =
  | { ok: true; data: { resultType: string; result: unknown } }
  | { ok: false; errorType: string; error: string };

/** Runs one instant query; never throws (a failure is an outcome the message shows). */
export async function instantQuery(baseUrl: string, query: string, timeoutMs: number): Promise<QueryOutcome> {
  const url = new URL('api/v1/query', baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`);
  url.searchParams.set('query', query);
  url.searchParams.set('timeout', `${Math.max(1, Math.floor(timeoutMs / 1000))}s`);
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), headers: { accept: 'application/json' } });
    const text = await res.text();
    let body: { status?: string; data?: { resultType: string; result: unknown }; errorType?: string; error?: string };
    try {
      body = JSON.parse(text) as typeof body;
    } catch {
      return { ok: false, errorType: `http_${res.status}`, error: text.slice(0, 200) || res.statusText };
    }
    if (body.status === 'success' && body.data) return { ok: true, data: body.data };
    return { ok: false, errorType: body.errorType ?? `http_${res.status}`, error: body.error ?? 'query failed' };
  } catch (e) {
    const name = (e as Error).name;
    if (name === 'TimeoutError' || name === 'AbortError') return { ok: false, errorType: 'timeout', error: `no answer within ${timeoutMs} ms` };
    const cause = (e as { cause?: { code?: string } }).cause?.code;
    return { ok: false, errorType: 'unavailable', error: cause ? `cannot reach Prometheus (${cause})` : (e as Error).message };
  }
}
