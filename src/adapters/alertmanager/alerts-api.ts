/**
 * What one Alertmanager instance holds as active: GET /api/v2/status (for its start time) and
 * GET /api/v2/alerts filtered by alertname, counting silenced, inhibited and unprocessed alerts
 * as active (they are firing; Alertmanager only does not notify about them). Resolved alerts are
 * not listed (Alertmanager filters out alerts whose endsAt has passed).
 */
import { ChatopsError } from '../../core/errors.js';
import type { AlertmanagerObservation } from '../../core/reconcile.js';
import type { AlertEvent } from '../../core/types.js';
import { alertmanagerRequest, displayUrl } from './http.js';

/** How many filtered queries one instance gets at once. */
const CONCURRENCY = 4;
/** Beyond this many alertnames (a storm of many rules), one unfiltered query costs less. */
const MAX_FILTERED_QUERIES = 20;

/** An equality matcher in Alertmanager's filter syntax; `alertname=""` matches alerts without one. */
function equalityMatcher(name: string, value: string): string {
  return `${name}="${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
}

interface GettableAlert {
  fingerprint?: unknown;
  labels?: unknown;
  annotations?: unknown;
  startsAt?: unknown;
  generatorURL?: unknown;
}

const stringRecord = (v: unknown): Record<string, string> =>
  v && typeof v === 'object' && !Array.isArray(v)
    ? (Object.fromEntries(Object.entries(v).filter(([, x]) => typeof x === 'string')) as Record<string, string>)
    : {};

/** An active alert from the API as a firing AlertEvent, or null when it lacks what identifies it. */
function toFiringEvent(a: GettableAlert): AlertEvent | null {
  const startsAt = typeof a.startsAt === 'string' ? Date.parse(a.startsAt) : NaN;
  if (typeof a.fingerprint !== 'string' || !a.fingerprint || Number.isNaN(startsAt)) return null;
  return {
    fingerprint: a.fingerprint,
    status: 'firing',
    labels: stringRecord(a.labels),
    annotations: stringRecord(a.annotations),
    startsAt,
    endsAt: null,
    generatorURL: typeof a.generatorURL === 'string' ? a.generatorURL : '',
  };
}

export class AlertmanagerAlerts {
  readonly name: string;

  constructor(
    private readonly baseUrl: string,
    private readonly timeoutMs: number,
  ) {
    this.name = displayUrl(baseUrl);
  }

  private async getJson(path: string): Promise<unknown> {
    const res = await alertmanagerRequest(this.baseUrl, path, { headers: { accept: 'application/json' } }, this.timeoutMs);
    if (!res.ok)
      throw new ChatopsError(
        'unavailable',
        `Alertmanager at ${this.name} answered ${res.status} to ${path.split('?')[0]}: ${res.text.trim().slice(0, 200)}`,
      );
    try {
      return JSON.parse(res.text) as unknown;
    } catch {
      throw new ChatopsError(
        'unavailable',
        `Alertmanager at ${this.name} answered ${path.split('?')[0]} with something that is not JSON: check ALERTMANAGER_URL points at Alertmanager itself.`,
      );
    }
  }

  /** When this instance started (a fresh one knows no alerts until Prometheus sends them again). */
  async startedAt(): Promise<number> {
    const status = (await this.getJson('api/v2/status')) as { uptime?: unknown };
    const t = typeof status?.uptime === 'string' ? Date.parse(status.uptime) : NaN;
    if (Number.isNaN(t)) throw new ChatopsError('unavailable', `Alertmanager at ${this.name} answered /api/v2/status without its uptime.`);
    return t;
  }

  /** The active alerts (silenced and inhibited included) with any of these alertnames, by fingerprint. */
  async active(alertnames: readonly string[]): Promise<Map<string, AlertEvent>> {
    const found = new Map<string, AlertEvent>();
    const wanted = new Set(alertnames);
    const query = async (name: string | null) => {
      const q = new URLSearchParams({ active: 'true', silenced: 'true', inhibited: 'true', unprocessed: 'true' });
      if (name !== null) q.append('filter', equalityMatcher('alertname', name));
      const list = await this.getJson(`api/v2/alerts?${q.toString()}`);
      if (!Array.isArray(list))
        throw new ChatopsError('unavailable', `Alertmanager at ${this.name} answered /api/v2/alerts with something that is not a list.`);
      for (const a of list as GettableAlert[]) {
        const event = toFiringEvent(a);
        if (event && wanted.has(event.labels.alertname ?? '')) found.set(event.fingerprint, event);
      }
    };
    if (alertnames.length > MAX_FILTERED_QUERIES) {
      await query(null);
      return found;
    }
    const queue = [...alertnames];
    const worker = async () => {
      for (let name = queue.shift(); name !== undefined; name = queue.shift()) await query(name);
    };
    await Promise.all(Array.from({ length: Math.min(CONCURRENCY, queue.length) }, worker));
    return found;
  }

  /** What this instance holds now, or why it did not answer. */
  async observe(alertnames: readonly string[]): Promise<AlertmanagerObservation> {
    try {
      const startedAt = await this.startedAt();
      return { name: this.name, answered: true, startedAt, active: await this.active(alertnames) };
    } catch (e) {
      return { name: this.name, answered: false, error: (e as Error).message };
    }
  }
}
