/**
 * AlertmanagerSilencer: silences through Alertmanager's API v2. With an HA pair it asks each
 * instance in turn until one answers (the peers gossip silences to each other).
 */
import { ChatopsError, isChatopsError } from '../../core/errors.js';
import type { NewSilence, SilenceMatcher, SilenceState, Silencer } from '../../core/silence.js';
import { alertmanagerRequest, type AlertmanagerReply } from './http.js';

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
  constructor(
    private readonly baseUrls: readonly string[],
    private readonly timeoutMs: number,
  ) {}

  /** The first instance's answer; an unreachable instance passes the request to the next. */
  private async call(method: string, path: string, body?: unknown): Promise<AlertmanagerReply> {
    const init: RequestInit = {
      method,
      headers: body === undefined ? undefined : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    };
    let last: unknown = new ChatopsError('config', 'Alertmanager is not configured: set ALERTMANAGER_URL (or alertmanager.url).');
    for (const base of this.baseUrls) {
      try {
        return await alertmanagerRequest(base, `api/v2${path}`, init, this.timeoutMs);
      } catch (e) {
        if (!isChatopsError(e)) throw e;
        last = e;
      }
    }
    throw last;
  }

  async createSilence(s: NewSilence): Promise<string> {
    const res = await this.call('POST', '/silences', {
      ...(s.id ? { id: s.id } : {}),
      matchers: s.matchers,
      startsAt: s.startsAt.toISOString(),
      endsAt: s.endsAt.toISOString(),
      createdBy: s.createdBy,
      comment: s.comment,
    });
    if (!res.ok)
      throw new ChatopsError('unavailable', `Alertmanager refused the silence (${res.status}): ${res.text.trim().slice(0, 300)}`);
    const id = (JSON.parse(res.text) as { silenceID?: string }).silenceID;
    if (!id) throw new ChatopsError('unavailable', 'Alertmanager answered without a silence id.');
    return id;
  }

  async getSilence(id: string): Promise<SilenceState | null> {
    const res = await this.call('GET', `/silence/${encodeURIComponent(id)}`);
    if (res.status === 404) return null;
    if (!res.ok)
      throw new ChatopsError('unavailable', `Alertmanager did not return silence ${id} (${res.status}): ${res.text.trim().slice(0, 300)}`);
    const s = JSON.parse(res.text) as GettableSilence;
    return {
      id: s.id,
      state: s.status.state,
      matchers: s.matchers,
      startsAt: Date.parse(s.startsAt),
      endsAt: Date.parse(s.endsAt),
      createdBy: s.createdBy,
      comment: s.comment,
    };
  }

  async expireSilence(id: string): Promise<void> {
    const res = await this.call('DELETE', `/silence/${encodeURIComponent(id)}`);
    // An expired or unknown silence is what we wanted.
    if (res.ok || res.status === 404 || /already expired/i.test(res.text)) return;
    throw new ChatopsError('unavailable', `Alertmanager refused to expire silence ${id} (${res.status}): ${res.text.trim().slice(0, 300)}`);
  }
}
