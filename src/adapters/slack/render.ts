/**
 * The one Block Kit renderer for an incident: its top message and its thread replies.
 * Pure: state in, `{text, blocks}` out. Every alert-supplied string is escaped and cut here.
 * Requests and digests have their own files; this module re-exports them for its callers.
 */
import type { ActionsBlock, ActionsBlockElement, ContextBlock, SectionBlock } from '@slack/types';
import { alertList, labelText, type AlertList } from '../../core/alert-list.js';
import { formatDuration } from '../../core/duration.js';
import type { Incident, Labels, StoredAlert } from '../../core/types.js';
import {
  ACTION,
  button,
  mrkdwn,
  option,
  plainText,
  section,
  SILENCE_CHOICES,
  silenceChoiceText,
  when,
  who,
  type ActionButton,
  type KnownBlock,
  type SlackMessage,
} from './blocks.js';
import type { SloLine } from '../../core/slo.js';
import { sloBlock } from './render-extras.js';
import { cut, escapeMrkdwn, fillTemplate, httpUrl, LIMITS, link, plain, safe } from './text.js';

export { ACTION, SILENCE_CHOICES, type ActionButton, type KnownBlock, type SlackMessage } from './blocks.js';
export { renderDigest } from './render-digest.js';
export { renderRequestMessage, renderRequestReply, type RequestNote } from './render-request.js';

/** Result of one `promql_query` enrichment, as stored with the message. */
export interface Enrichment {
  query: string;
  outcome: 'ok' | 'empty' | 'error';
  /** ok: one line per series (or the scalar); error: "errorType: message". */
  lines: string[];
  more?: number;
}

export interface LinkTemplates {
  dashboard?: string;
  logs?: string;
}

export interface IncidentView {
  incident: Incident;
  /** With named clusters: the incident's cluster, or why none claims it (absent with one cluster). */
  cluster?: { name: string } | { unknown: string } | null;
  alerts: readonly StoredAlert[];
  silence: { id: string; endsAt: number; createdBy: string; untilResolved?: true } | null;
  /** Offer Silence / Unsilence (the policy in force lets someone silence, and Alertmanager is configured); default true. */
  silenceEnabled?: boolean;
  /** The current values of the incident's distinct `promql_query` annotations (a single one from older versions). */
  enrichment: Enrichment | readonly Enrichment[] | null;
  /** The SLO at stake (error budget left, burn rate), found after the post. */
  slo?: readonly SloLine[];
  links: LinkTemplates;
  /** Remediation buttons the policy in force enables for the incident's target. */
  extraActions: readonly ActionButton[];
  now: number;
}

const STATUS_LABEL: Record<Incident['status'], string> = {
  firing: '🔥 FIRING',
  acknowledged: '👀 ACKNOWLEDGED',
  resolved: '✅ RESOLVED',
};

const field = (title: string, value: string) => mrkdwn(`*${title}*\n${value || '-'}`, LIMITS.field);

function description(incident: Incident): string | null {
  const a = incident.annotations;
  const text = a.description ?? a.summary ?? a.message ?? null;
  return text && text.trim() ? text : null;
}

/**
 * The Alertmanager UI filter for an incident: every label its alerts share (its grouping labels
 * among them), so the link shows exactly the incident's alerts — the same matchers a Silence uses.
 */
function alertmanagerFilter(labels: Labels): string {
  return `{${Object.entries(labels)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(',')}}`;
}

/** Links of an incident: runbook, dashboard, logs, Alertmanager, source (only http(s)). */
function incidentLinks(incident: Incident, alerts: readonly StoredAlert[], templates: LinkTemplates): { label: string; url: string }[] {
  const out: { label: string; url: string }[] = [];
  const add = (label: string, url: string | null) => {
    if (url) out.push({ label, url });
  };
  // {{cluster}} in a template is the incident's cluster, unless its alerts carry a `cluster` label.
  const cluster: Labels = incident.cluster === undefined || incident.cluster === null ? {} : { cluster: incident.cluster };
  const labels: Labels = { ...cluster, ...(alerts[0]?.labels ?? {}), ...incident.labels };
  add('Runbook', httpUrl(incident.annotations.runbook_url ?? alerts[0]?.annotations.runbook_url));
  const ann = (name: string) => incident.annotations[name] ?? alerts[0]?.annotations[name];
  add('Dashboard', templates.dashboard ? fillTemplate(templates.dashboard, labels) : httpUrl(ann('dashboard_url')));
  add('Logs', templates.logs ? fillTemplate(templates.logs, labels) : httpUrl(ann('logs_url')));
  const am = httpUrl(incident.externalURL);
  if (am) {
    const filter = Object.keys(incident.labels).length ? `?filter=${encodeURIComponent(alertmanagerFilter(incident.labels))}` : '';
    add('Alertmanager', httpUrl(`${am.replace(/\/$/, '')}/#/alerts${filter}`));
  }
  add('Source', httpUrl(alerts.find((a) => a.generatorURL)?.generatorURL ?? null));
  return out;
}

/** The cluster as a message names it: its name, or "unknown". */
const clusterName = (cluster: NonNullable<IncidentView['cluster']>): string => ('name' in cluster ? cluster.name : 'unknown');

function headerText(incident: Incident, cluster: IncidentView['cluster']): string {
  return plain(
    `${STATUS_LABEL[incident.status]}: ${incident.alertname || 'alert'}${cluster ? ` · ${clusterName(cluster)}` : ''}`,
    LIMITS.header,
  );
}

/** "3 of 5 alerts", and how many Alertmanager did not send. */
function firingText(incident: Incident): string {
  const truncated = incident.truncatedAlerts ?? 0;
  const base = `${incident.firing} of ${incident.total} alert${incident.total === 1 ? '' : 's'}`;
  return truncated > 0 ? `${base} (+${truncated} not sent by Alertmanager)` : base;
}

/** The alert list of a group: each alert with the labels that tell it apart and its own summary. */
function renderAlertList(list: AlertList, incidentId: number): string | null {
  if (list.total <= 1 && list.truncated === 0) return null;
  const lines = list.entries.map((e) => {
    const labels = labelText(e.labels);
    const summary = e.summary ? ` — ${safe(e.summary, 300)}` : '';
    return `${e.status === 'firing' ? '🔥' : '✅'} ${labels ? `\`${safe(labels, 300)}\`` : '_(same labels)_'}${summary}`;
  });
  const more: string[] = [];
  if (list.unlisted > 0) more.push(`${list.unlisted} more stored`);
  if (list.truncated > 0) more.push(`${list.truncated} not sent by Alertmanager (max_alerts)`);
  const tail = more.length ? `\n… and ${list.more} more (${more.join('; ')}): \`chatops incidents show ${incidentId}\`` : '';
  const head = `*Alerts* (${list.firing} firing of ${list.total}${list.truncated ? ` + ${list.truncated} not sent` : ''})`;
  // Cut the list, never the tail that says how many are missing.
  return `${cut(`${head}\n${lines.join('\n')}`, LIMITS.section - tail.length)}${tail}`;
}

const enrichmentsOf = (e: IncidentView['enrichment']): readonly Enrichment[] =>
  e === null ? [] : Array.isArray(e) ? e : [e as Enrichment];

/** The incident's top message. */
export function renderIncident(view: IncidentView): SlackMessage {
  const { incident, alerts, silence, now, cluster } = view;
  const blocks: KnownBlock[] = [];
  blocks.push({ type: 'header', text: { ...plainText(headerText(incident, cluster), LIMITS.header), emoji: true } });

  const fields = [
    ...(cluster ? [field('Cluster', safe(clusterName(cluster), 200))] : []),
    field('Severity', safe(incident.severity, 200)),
    field('Namespace', safe(incident.namespace, 200)),
    field('Target', safe(incident.target, 500)),
    field('Started', when(incident.openedAt)),
    field('Firing', firingText(incident)),
    field('Incident', `#${incident.id}`),
  ];
  blocks.push({ type: 'section', fields: fields.slice(0, LIMITS.fields) });

  const desc = description(incident);
  if (desc)
    blocks.push({ type: 'section', text: mrkdwn(safe(desc, LIMITS.section, `… (truncated: chatops incidents show ${incident.id})`)) });

  const list = renderAlertList(alertList(incident, alerts), incident.id);
  if (list) blocks.push(section(list));

  for (const e of enrichmentsOf(view.enrichment)) blocks.push(section(renderEnrichment(e)));
  const slo = sloBlock(view.slo ?? []);
  if (slo) blocks.push(slo);

  const state: string[] = [];
  if (cluster && 'unknown' in cluster) state.push(`⚠️ ${safe(cluster.unknown, 1200)}`);
  if (incident.acknowledgedBy && incident.acknowledgedAt !== null)
    state.push(`Acknowledged by ${who(incident.acknowledgedBy)} ${when(incident.acknowledgedAt)}`);
  if (silence && incident.status !== 'resolved')
    state.push(
      `🔕 Silenced until ${silence.untilResolved ? 'it resolves' : when(silence.endsAt)} by ${who(silence.createdBy)} (silence \`${escapeMrkdwn(silence.id)}\`)`,
    );
  if (incident.status === 'resolved' && incident.resolvedAt !== null)
    state.push(`Resolved ${when(incident.resolvedAt)} after ${formatDuration(incident.resolvedAt - incident.openedAt)}`);
  else state.push(`Open for ${formatDuration(now - incident.openedAt)}`);
  const context: ContextBlock = { type: 'context', elements: [mrkdwn(state.join(' · '), LIMITS.contextText)] };
  blocks.push(context);

  const links = incidentLinks(incident, alerts, view.links);
  if (links.length) blocks.push(section(links.map((l) => link(l.url, l.label)).join('  ·  ')));

  if (incident.status !== 'resolved') {
    const elements: ActionsBlockElement[] = [];
    const value = String(incident.id);
    if (incident.status === 'firing') elements.push(button({ actionId: ACTION.ack, text: 'Acknowledge', value, style: 'primary' }));
    if (view.silenceEnabled !== false) {
      if (silence) {
        elements.push(button({ actionId: ACTION.unsilence, text: 'Unsilence', value }));
      } else {
        elements.push({
          type: 'static_select',
          action_id: ACTION.silence,
          placeholder: plainText('Silence…', LIMITS.placeholder),
          options: SILENCE_CHOICES.map((d) => option(silenceChoiceText(d), `${incident.id}:${d}`)),
        });
      }
    }
    const runbook = links.find((l) => l.label === 'Runbook');
    if (runbook)
      elements.push({ type: 'button', action_id: ACTION.runbook, text: plainText('Runbook', LIMITS.buttonText), url: runbook.url, value });
    for (const extra of view.extraActions) elements.push(button(extra));
    if (elements.length) {
      const actions: ActionsBlock = {
        type: 'actions',
        block_id: `incident:${incident.id}`,
        elements: elements.slice(0, LIMITS.actionsElements),
      };
      blocks.push(actions);
    }
  }

  return { text: fallbackText(incident, cluster), blocks: blocks.slice(0, LIMITS.blocks) };
}

/** Notification text (push, screen readers): status, alertname, cluster, summary. */
function fallbackText(incident: Incident, cluster: IncidentView['cluster']): string {
  const summary = incident.annotations.summary ?? '';
  return safe(
    `[${incident.status.toUpperCase()}] #${incident.id} ${incident.alertname}${cluster ? ` (${clusterName(cluster)})` : ''}${summary ? ` — ${summary}` : ''}`,
    300,
  );
}

function renderEnrichment(e: Enrichment): string {
  const head = `*Current value* of \`${safe(e.query, 300)}\``;
  const body = e.outcome === 'empty' ? '_no data_' : e.lines.map((l) => `• ${safe(l, 300)}`).join('\n');
  const more = e.more ? `\n_… and ${e.more} more series_` : '';
  return cut(`${head}\n${body}${more}`, LIMITS.section);
}

function alertLine(a: StoredAlert, common: Labels): string {
  const own = Object.entries(a.labels)
    .filter(([k, v]) => common[k] !== v && k !== 'alertname')
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');
  return `• ${safe(a.labels.alertname ?? 'alert', 200)}${own ? ` (${safe(own, 400)})` : ''}`;
}

export type ReplyKind =
  'alert.joined' | 'alert.refired' | 'incident.reopened' | 'incident.resolved' | 'incident.silenced' | 'incident.unsilenced';

/** A thread reply. `fingerprints` are the alerts the reply is about (joined/refired). */
export interface ReplyExtra {
  fingerprints?: string[];
  actor?: string;
  silenceId?: string;
  endsAt?: number;
  /** The silence ends when the incident resolves (endsAt is its upper bound). */
  untilResolved?: boolean;
  /** The silence already existed and now lasts longer. */
  extended?: boolean;
  /** Why a silence was expired ('resolved': the daemon ended an until-resolved silence). */
  reason?: string;
}

export function renderReply(kind: ReplyKind, incident: Incident, alerts: readonly StoredAlert[], extra: ReplyExtra = {}): SlackMessage {
  let text: string;
  switch (kind) {
    case 'alert.joined':
    case 'alert.refired': {
      const fps = new Set(extra.fingerprints ?? []);
      const subject = alerts.filter((a) => fps.has(a.fingerprint));
      const shown = subject.slice(0, 20).map((a) => alertLine(a, incident.labels));
      const verb = kind === 'alert.joined' ? 'joined' : 're-fired';
      text = `${subject.length} alert${subject.length === 1 ? '' : 's'} ${verb}:\n${shown.join('\n')}${subject.length > 20 ? `\n… and ${subject.length - 20} more` : ''}`;
      break;
    }
    case 'incident.reopened':
      text = `🔥 Firing again (${incident.firing} of ${incident.total} alerts).`;
      break;
    case 'incident.resolved':
      text = `✅ Resolved after ${formatDuration((incident.resolvedAt ?? incident.updatedAt) - incident.openedAt)}.`;
      break;
    case 'incident.silenced': {
      const until = extra.untilResolved
        ? `until the incident resolves (at most ${when(extra.endsAt ?? 0)})`
        : `until ${when(extra.endsAt ?? 0)}`;
      text = `🔕 ${extra.extended ? 'Silence extended' : 'Silenced in Alertmanager'} ${until} by ${who(extra.actor ?? '?')} (silence \`${escapeMrkdwn(extra.silenceId ?? '')}\`).`;
      break;
    }
    case 'incident.unsilenced':
      text =
        extra.reason === 'resolved'
          ? `🔔 Silence \`${escapeMrkdwn(extra.silenceId ?? '')}\` expired: the incident resolved.`
          : `🔔 Silence \`${escapeMrkdwn(extra.silenceId ?? '')}\` expired by ${who(extra.actor ?? '?')}.`;
      break;
  }
  const body = cut(text, LIMITS.section);
  const block: SectionBlock = { type: 'section', text: mrkdwn(body) };
  return { text: cut(body, LIMITS.fallbackText), blocks: [block] };
}

/** A channel route: labels to match and, optionally, the clusters whose incidents it takes. */
export interface ChannelRoute {
  match: Labels;
  cluster?: string | readonly string[];
  channel: string;
}

/** Channel routing: the first route whose every label (and cluster, when it names any) matches, else the default channel. */
export function routeChannel(labels: Labels, routes: readonly ChannelRoute[], fallback: string, cluster?: string | null): string {
  for (const r of routes) {
    if (r.cluster !== undefined) {
      const wanted = typeof r.cluster === 'string' ? [r.cluster] : r.cluster;
      if (cluster === undefined || cluster === null || !wanted.includes(cluster)) continue;
    }
    if (Object.entries(r.match).every(([k, v]) => Object.hasOwn(labels, k) && labels[k] === v)) return r.channel;
  }
  return fallback;
}

/** Storm decision: post an own message until `threshold` incidents opened in the window, then digest. */
export function stormDecision(input: { ownInWindow: number; threshold: number; openDigest: boolean }): 'own' | 'digest' {
  if (input.openDigest) return 'digest';
  return input.ownInWindow >= input.threshold ? 'digest' : 'own';
}

/** Vector results: up to `max` series with their distinguishing labels. */
export function formatQueryResult(query: string, result: { resultType: string; result: unknown }, max = 5): Enrichment {
  if (result.resultType === 'scalar' || result.resultType === 'string') {
    const v = result.result as [number, string];
    return { query, outcome: 'ok', lines: [String(v[1])] };
  }
  const series = (result.result as { metric: Labels; value?: [number, string]; values?: [number, string][] }[]) ?? [];
  if (series.length === 0) return { query, outcome: 'empty', lines: [] };
  const common = series.length > 1 ? commonOf(series.map((s) => s.metric)) : {};
  const lines = series.slice(0, max).map((s) => {
    const v = s.value?.[1] ?? s.values?.at(-1)?.[1] ?? '?';
    const labels = Object.entries(s.metric)
      .filter(([k, val]) => k !== '__name__' && common[k] !== val)
      .map(([k, val]) => `${k}="${val}"`)
      .join(', ');
    return labels ? `{${labels}} ${v}` : String(v);
  });
  return { query, outcome: 'ok', lines, more: series.length > max ? series.length - max : undefined };
}

function commonOf(sets: Labels[]): Labels {
  const [first, ...rest] = sets;
  return Object.fromEntries(Object.entries(first ?? {}).filter(([k, v]) => rest.every((s) => s[k] === v)));
}
