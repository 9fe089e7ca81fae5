/** AlertmanagerSilencer: silences through Alertmanager's API v2 on the configured URL. */
import { ChatopsError } from '../../core/errors.js';
import type { NewSilence, SilenceMatcher, SilenceState, Silencer } from '../../core/silence.js';

interface GettableSilence {
  id: string;
  status: { state: SilenceState['state'] };
  matchers: SilenceMatcher[];
  startsAt: string;
  endsAt: string;
  createdBy: string;
  comment: string;
}

export class AlertmanagerSilencer implements Silencer {
  private readonly base: string;

  constructor(baseUrl: string, private readonly timeoutMs: number) {
    this.base = baseUrl.replace(/\/+$/, '');
  }

  private async call(method: string, path: string, body?: unknown): Promise<{ status: number; ok: boolean; text: string }> {
    let res: Response;
    try {
      res = await fetch(`${this.base}/api/v2${path}`, {
        method,
        headers: body === undefined ? undefined : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (e) {
      const err = e as { name?: string; cause?: { code?: string } };
      const why = err.name === 'TimeoutError' ? `no answer within ${this.timeoutMs / 1000} s` : err.cause?.code ?? (e as Error).message;
      throw new ChatopsError('unavailable', `Alertmanager at ${this.base} is unreachable (${why}): check ALERTMANAGER_URL / alertmanager.url.`);
    }
    return { status: res.status, ok: res.ok, text: await res.text() };
  }

  async createSilence(s: NewSilence): Promise<string> {
    const res = await this.call('POST', '/silences', {
      ...(s.id ? { id: s.id } : {}),
      matchers: s.matchers, startsAt: s.startsAt.toISOString(), endsAt: s.endsAt.toISOString(), createdBy: s.createdBy, comment: s.comment,
    });
    if (!res.ok) throw new ChatopsError('unavailable', `Alertmanager refused the silence (${res.status}): ${res.text.trim().slice(0, 300)}`);
    const id = (JSON.parse(res.text) as { silenceID?: string }).silenceID;
    if (!id) throw new ChatopsError('unavailable', 'Alertmanager answered without a silence id.');
    return id;
  }

  async getSilence(id: string): Promise<SilenceState | null> {
    const res = await this.call('GET', `/silence/${encodeURIComponent(id)}`);
    if (res.status === 404) return null;
    if (!res.ok) throw new ChatopsError('unavailable', `Alertmanager did not return silence ${id} (${res.status}): ${res.text.trim().slice(0, 300)}`);
    const s = JSON.parse(res.text) as GettableSilence;
    return { id: s.id, state: s.status.state, matchers: s.matchers, startsAt: Date.parse(s.startsAt), endsAt: Date.parse(s.endsAt), createdBy: s.createdBy, comment: s.comment };
  }

  async expireSilence(id: string): Promise<void> {
    const res = await this.call('DELETE', `/silence/${encodeURIComponent(id)}`);
    // An expired or unknown silence is what we wanted.
    if (res.ok || res.status === 404 || /already expired/i.test(res.text)) return;
    throw new ChatopsError('unavailable', `Alertmanager refused to expire silence ${id} (${res.status}): ${res.text.trim().slice(0, 300)}`);
  }
}
