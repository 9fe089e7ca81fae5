/** Alertmanager API v2 silences: create (POST /api/v2/silences) and expire (DELETE /api/v2/silence/{id}). */
import { ChatopsError } from '../../core/errors.js';

export interface Matcher {
  name: string;
  value: string;
  isRegex: boolean;
  isEqual: boolean;
}

export interface SilenceSpec {
  matchers: Matcher[];
  startsAt: number;
  endsAt: number;
  createdBy: string;
  comment: string;
}

function endpoint(base: string, path: string): URL {
  return new URL(path, base.endsWith('/') ? base : `${base}/`);
}

async function request(url: URL, init: RequestInit, timeoutMs: number, what: string): Promise<Response> {
  try {
    return await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
  } catch (e) {
    const cause = (e as { cause?: { code?: string } }).cause?.code ?? (e as Error).name;
    throw new ChatopsError('unavailable', `Cannot reach Alertmanager at ${url.origin} to ${what} (${cause}): check ALERTMANAGER_URL / alertmanager.url.`);
  }
}

/** Creates a silence and returns its id. */
export async function createSilence(baseUrl: string, spec: SilenceSpec, timeoutMs: number): Promise<string> {
  const res = await request(endpoint(baseUrl, 'api/v2/silences'), {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ ...spec, startsAt: new Date(spec.startsAt).toISOString(), endsAt: new Date(spec.endsAt).toISOString() }),
  }, timeoutMs, 'create a silence');
  const text = await res.text();
  if (!res.ok) throw new ChatopsError('failed', `Alertmanager refused the silence (${res.status}): ${text.trim().slice(0, 300)}`);
  const id = (JSON.parse(text) as { silenceID?: string }).silenceID;
  if (!id) throw new ChatopsError('failed', 'Alertmanager answered without a silence id.');
  return id;
}

/** Expires a silence; an already expired or unknown one counts as done. */
export async function expireSilence(baseUrl: string, id: string, timeoutMs: number): Promise<'expired' | 'gone'> {
  const res = await request(endpoint(baseUrl, `api/v2/silence/${encodeURIComponent(id)}`), { method: 'DELETE' }, timeoutMs, 'expire a silence');
  if (res.ok) return 'expired';
  const text = await res.text();
  if (res.status === 404 || /already expired/i.test(text)) return 'gone';
  throw new ChatopsError('failed', `Alertmanager refused to expire silence ${id} (${res.status}): ${text.trim().slice(0, 300)}`);
}
