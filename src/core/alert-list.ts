/**
 * The alerts of an incident as a responder reads them: which alerts, what tells them apart,
 * what each says, and how many are not listed (including those Alertmanager left out of its
 * delivery). One model for Slack's top message, `chatops incidents show` and the TUI detail.
 */
import type { Incident, Labels, StoredAlert } from './types.js';

/** How many alerts a summary lists before it says "and N more". */
const ALERT_LIST_MAX = 10;
/** How many distinct `promql_query` annotations are queried per incident. */
const QUERY_MAX = 5;

export interface AlertListEntry {
  fingerprint: string;
  status: StoredAlert['status'];
  /** The labels this alert does not share with the rest of the incident (its common labels). */
  labels: Labels;
  /** Its own summary (or description) when it differs from the incident's; else null. */
  summary: string | null;
  /** Its own `promql_query` when it differs from the incident's; else null. */
  query: string | null;
  startsAt: number;
}

export interface AlertList {
  entries: AlertListEntry[];
  /** Alerts chatops stores but does not list. */
  unlisted: number;
  /** Alerts Alertmanager left out of its latest delivery (`truncatedAlerts`, from max_alerts). */
  truncated: number;
  /** unlisted + truncated: the "and N more". */
  more: number;
  firing: number;
  total: number;
}

const annotationText = (a: Labels): string | null => {
  const t = (a.summary ?? a.description ?? a.message ?? '').trim();
  return t || null;
};

/** Firing first, then oldest first: the alerts that started the incident lead. */
function order(a: StoredAlert, b: StoredAlert): number {
  if (a.status !== b.status) return a.status === 'firing' ? -1 : 1;
  return a.startsAt - b.startsAt || a.fingerprint.localeCompare(b.fingerprint);
}

/** The incident's alerts, up to `max`, each with what distinguishes it. */
export function alertList(incident: Incident, alerts: readonly StoredAlert[], max = ALERT_LIST_MAX): AlertList {
  const common = incident.labels;
  const shared = annotationText(incident.annotations);
  const sharedQuery = incident.annotations.promql_query?.trim() || null;
  const entries = [...alerts]
    .sort(order)
    .slice(0, max)
    .map((a): AlertListEntry => {
      const own = annotationText(a.annotations);
      const query = a.annotations.promql_query?.trim() || null;
      return {
        fingerprint: a.fingerprint,
        status: a.status,
        labels: Object.fromEntries(Object.entries(a.labels).filter(([k, v]) => !(Object.hasOwn(common, k) && common[k] === v))),
        summary: own && own !== shared ? own : null,
        query: query && query !== sharedQuery ? query : null,
        startsAt: a.startsAt,
      };
    });
  const truncated = incident.truncatedAlerts ?? 0;
  const unlisted = Math.max(0, alerts.length - entries.length);
  return { entries, unlisted, truncated, more: unlisted + truncated, firing: incident.firing, total: incident.total };
}

/** `k=v, k=v` for a label set, in a stable order. */
export function labelText(labels: Labels): string {
  return Object.entries(labels)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');
}

/**
 * The distinct `promql_query` annotations worth querying for an incident: the shared one
 * first, then those of its firing alerts, at most `max`.
 */
export function distinctQueries(
  incident: Incident,
  alerts: readonly StoredAlert[],
  max = QUERY_MAX,
  of: 'firing' | 'all' = 'firing',
): string[] {
  const out: string[] = [];
  const add = (q: string | undefined) => {
    const t = q?.trim();
    if (t && !out.includes(t) && out.length < max) out.push(t);
  };
  add(incident.annotations.promql_query);
  for (const a of [...alerts].sort(order)) if (of === 'all' || a.status === 'firing') add(a.annotations.promql_query);
  return out;
}
