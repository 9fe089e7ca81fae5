/** AlertmanagerSilencer: POST /api/v2/silences on the configured Alertmanager. */
import { ChatopsError } from '../../core/errors.js';
import type { NewSilence, Silencer } from '../../core/silence.js';

export class AlertmanagerSilencer implements Silencer {
  constructor(private readonly baseUrl: string, private readonly timeoutMs: number) {}

  async createSilence(s: NewSilence): Promise<string> {
    const url = `${this.baseUrl.replace(/\/+$/, '')}/api/v2/silences`;
    let res: Response;
    try {
      res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ matchers: s.matchers, startsAt: s.startsAt.toISOString(), endsAt: s.endsAt.toISOString(), createdBy: s.createdBy, comment: s.comment }),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (e) {
      const err = e as { name?: string; cause?: { code?: string } };
      const why = err.name === 'TimeoutError' ? `no answer within ${this.timeoutMs / 1000} s` : err.cause?.code ?? (e as Error).message;
      throw new ChatopsError('unavailable', `Alertmanager at ${this.baseUrl} is unreachable (${why}): check ALERTMANAGER_URL / alertmanager.url.`);
    }
    const text = await res.text();
    if (!res.ok) throw new ChatopsError('unavailable', `Alertmanager refused the silence (${res.status}): ${text.trim().slice(0, 300)}`);
    const id = (JSON.parse(text) as { silenceID?: string }).silenceID;
    if (!id) throw new ChatopsError('unavailable', 'Alertmanager answered without a silence id.');
    return id;
  }

  async expireSilence(id: string): Promise<void> {
    const url = `${this.baseUrl.replace(/\/+$/, '')}/api/v2/silence/${encodeURIComponent(id)}`;
    let res: Response;
    try {
      res = await fetch(url, { method: 'DELETE', signal: AbortSignal.timeout(this.timeoutMs) });
    } catch (e) {
      const err = e as { name?: string; cause?: { code?: string } };
      const why = err.name === 'TimeoutError' ? `no answer within ${this.timeoutMs / 1000} s` : err.cause?.code ?? (e as Error).message;
      throw new ChatopsError('unavailable', `Alertmanager at ${this.baseUrl} is unreachable (${why}): check ALERTMANAGER_URL / alertmanager.url.`);
    }
    const text = await res.text();
    // An expired or unknown silence is what we wanted.
    if (res.ok || res.status === 404 || /already expired/i.test(text)) return;
    throw new ChatopsError('unavailable', `Alertmanager refused to expire silence ${id} (${res.status}): ${text.trim().slice(0, 300)}`);
  }
}
