/** One HTTP request to one Alertmanager instance, with a timeout and one-sentence failures. */
import { ChatopsError } from '../../core/errors.js';

export interface AlertmanagerReply {
  status: number;
  ok: boolean;
  text: string;
}

/** The base URL without credentials, for logs, errors and metric labels. */
export function displayUrl(baseUrl: string): string {
  try {
    const u = new URL(baseUrl);
    u.username = '';
    u.password = '';
    return u.toString().replace(/\/+$/, '');
  } catch {
    return baseUrl;
  }
}

/**
 * Sends `path` (relative to the API root, e.g. `api/v2/alerts?…`) to the instance at `baseUrl`.
 * A transport failure or timeout throws ChatopsError('unavailable') naming the instance; any HTTP
 * answer is returned for the caller to judge.
 */
export async function alertmanagerRequest(baseUrl: string, path: string, init: RequestInit, timeoutMs: number): Promise<AlertmanagerReply> {
  // fetch refuses URLs with credentials (and would name them in its error): send them as Basic auth.
  const base = new URL(baseUrl);
  const headers = new Headers(init.headers);
  if (base.username || base.password) {
    headers.set(
      'authorization',
      `Basic ${Buffer.from(`${decodeURIComponent(base.username)}:${decodeURIComponent(base.password)}`).toString('base64')}`,
    );
  }
  const url = `${displayUrl(baseUrl)}/${path}`;
  try {
    const res = await fetch(url, { ...init, headers, signal: AbortSignal.timeout(timeoutMs) });
    return { status: res.status, ok: res.ok, text: await res.text() };
  } catch (e) {
    const err = e as { name?: string; cause?: { code?: string } };
    const why = err.name === 'TimeoutError' ? `no answer within ${timeoutMs / 1000} s` : (err.cause?.code ?? (e as Error).message);
    throw new ChatopsError(
      'unavailable',
      `Alertmanager at ${displayUrl(baseUrl)} is unreachable (${why}): check ALERTMANAGER_URL / alertmanager.url.`,
    );
  }
}
