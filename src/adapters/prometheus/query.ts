/** Prometheus HTTP API queries (instant and range), bounded in time and, for ranges, in size. */
import type { Series } from '../../core/chart.js';

export type QueryOutcome = { ok: true; data: { resultType: string; result: unknown } } | { ok: false; errorType: string; error: string };

export type RangeOutcome = { ok: true; series: Series[] } | { ok: false; errorType: string; error: string };

/** A range query's answer larger than this is refused (thousands of series): the graph says so instead. */
const RANGE_MAX_BYTES = 8 * 1024 * 1024;

const apiUrl = (baseUrl: string, path: string) => new URL(path, baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`);

/** Reads a body up to `maxBytes`; null when it is larger (the rest is not read). */
async function boundedText(res: Response, maxBytes: number): Promise<string | null> {
  const declared = Number(res.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > maxBytes) {
    await res.body?.cancel();
    return null;
  }
  if (!res.body) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
    size += chunk.byteLength;
    if (size > maxBytes) {
      await res.body.cancel().catch(() => {});
      return null;
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** One API call: never throws; a failure is an outcome with Prometheus' own errorType where it gave one. */
async function apiCall(url: URL, init: RequestInit, timeoutMs: number, maxBytes: number): Promise<QueryOutcome> {
  try {
    const res = await fetch(url, {
      ...init,
      signal: AbortSignal.timeout(timeoutMs),
      headers: { accept: 'application/json', ...init.headers },
    });
    const text = await boundedText(res, maxBytes);
    if (text === null)
      return {
        ok: false,
        errorType: 'too_large',
        error: `the answer is larger than ${Math.round(maxBytes / 1024 / 1024)} MiB (too many series)`,
      };
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
    if (name === 'TimeoutError' || name === 'AbortError')
      return { ok: false, errorType: 'timeout', error: `no answer within ${timeoutMs} ms` };
    const cause = (e as { cause?: { code?: string } }).cause?.code;
    return { ok: false, errorType: 'unavailable', error: cause ? `cannot reach Prometheus (${cause})` : (e as Error).message };
  }
}

const serverTimeout = (timeoutMs: number) => `${Math.max(1, Math.floor(timeoutMs / 1000))}s`;

/** Runs one instant query; never throws (a failure is an outcome the message shows). */
export async function instantQuery(baseUrl: string, query: string, timeoutMs: number): Promise<QueryOutcome> {
  const url = apiUrl(baseUrl, 'api/v1/query');
  url.searchParams.set('query', query);
  url.searchParams.set('timeout', serverTimeout(timeoutMs));
  return apiCall(url, {}, timeoutMs, RANGE_MAX_BYTES);
}

/**
 * Runs one range query (POST /api/v1/query_range, form-encoded: long expressions fit); never
 * throws. Sample values arrive as strings ("NaN", "+Inf" included) and are returned as numbers.
 */
export async function rangeQuery(
  baseUrl: string,
  query: string,
  window: { start: number; end: number; stepMs: number },
  timeoutMs: number,
  maxBytes = RANGE_MAX_BYTES,
): Promise<RangeOutcome> {
  const body = new URLSearchParams({
    query,
    start: String(window.start / 1000),
    end: String(window.end / 1000),
    step: String(window.stepMs / 1000),
    timeout: serverTimeout(timeoutMs),
  });
  const r = await apiCall(
    apiUrl(baseUrl, 'api/v1/query_range'),
    { method: 'POST', body, headers: { 'content-type': 'application/x-www-form-urlencoded' } },
    timeoutMs,
    maxBytes,
  );
  if (!r.ok) return r;
  if (r.data.resultType !== 'matrix' || !Array.isArray(r.data.result)) {
    return { ok: false, errorType: 'bad_data', error: `expected a matrix, got ${r.data.resultType}` };
  }
  const series = (r.data.result as { metric?: Record<string, string>; values?: [number, string][] }[]).map((s) => ({
    labels: s.metric ?? {},
    points: (s.values ?? []).map(([t, v]): [number, number] => [Math.round(t * 1000), Number(v)]),
  }));
  return { ok: true, series };
}
