/**
 * AlertmanagerSilencer: silences through POST /api/v2/silences. With an HA pair it asks each
 * instance in turn until one answers (the peers gossip silences to each other).
 */
import { ChatopsError, isChatopsError } from '../../core/errors.js';
import type { NewSilence, Silencer } from '../../core/silence.js';
import { alertmanagerRequest, type AlertmanagerReply } from './http.js';

export class AlertmanagerSilencer implements Silencer {
  constructor(private readonly baseUrls: readonly string[], private readonly timeoutMs: number) {}

  /** The first instance's answer; an unreachable instance passes the request to the next. */
  private async request(path: string, init: RequestInit): Promise<AlertmanagerReply> {
    let last: unknown = new ChatopsError('config', 'Alertmanager is not configured: set ALERTMANAGER_URL (or alertmanager.url).');
    for (const base of this.baseUrls) {
      try {
        return await alertmanagerRequest(base, path, init, this.timeoutMs);
      } catch (e) {
        if (!isChatopsError(e)) throw e;
        last = e;
      }
    }
    throw last;
  }

  async createSilence(s: NewSilence): Promise<string> {
    const res = await this.request('api/v2/silences', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ matchers: s.matchers, startsAt: s.startsAt.toISOString(), endsAt: s.endsAt.toISOString(), createdBy: s.createdBy, comment: s.comment }),
    });
    if (!res.ok) throw new ChatopsError('unavailable', `Alertmanager refused the silence (${res.status}): ${res.text.trim().slice(0, 300)}`);
    const id = (JSON.parse(res.text) as { silenceID?: string }).silenceID;
    if (!id) throw new ChatopsError('unavailable', 'Alertmanager answered without a silence id.');
    return id;
  }

  async expireSilence(id: string): Promise<void> {
    const res = await this.request(`api/v2/silence/${encodeURIComponent(id)}`, { method: 'DELETE' });
    // An expired or unknown silence is what we wanted.
    if (res.ok || res.status === 404 || /already expired/i.test(res.text)) return;
    throw new ChatopsError('unavailable', `Alertmanager refused to expire silence ${id} (${res.status}): ${res.text.trim().slice(0, 300)}`);
  }
}
