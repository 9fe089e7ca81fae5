/**
 * The one Block Kit renderer: incident top messages, thread replies, storm digests.
 * Pure: state in, `{text, blocks}` out. Every alert-supplied string is escaped and cut here.
 */
import { formatDuration } from '../../core/duration.js';
import type { Incident, Labels, StoredAlert } from '../../core/types.js';
import { cut, escapeMrkdwn, fillTemplate, httpUrl, LIMITS, link, plain, safe } from './text.js';

export type Block = Record<string, unknown>;

export interface SlackMessage {
  text: string;
  blocks: Block[];
}

/** A button on an incident message. `value` is an opaque id, never a command. */
export interface ActionButton {
  actionId: string;
  text: string;
  value: string;
  style?: 'primary' | 'danger';
  confirm?: { title: string; text: string; confirm: string; deny: string };
}

/**
 * Which extra (remediation) buttons an incident's message carries: the daemon's
 * slack-remediation.ts derives them from the policy in force; by default there are none.
 */
export type ActionsFor = (incident: Incident) => ActionButton[];
export const noExtraActions: ActionsFor = () => [];

/** Result of the `promql_query` enrichment, as stored with the message. */
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
  alerts: readonly StoredAlert[];
  silence: { id: string; endsAt: number; createdBy: string; untilResolved?: true } | null;
  /** Offer the Silence menu (the policy allows silencing); default true. */
  silenceEnabled?: boolean;
  enrichment: Enrichment | null;
  links: LinkTemplates;
  extraActions: readonly ActionButton[];
  now: number;
}

/** Action ids of the built-in buttons (the interaction handlers dispatch on these). */
export const ACTION = {
  ack: 'chatops:ack',
  approve: 'chatops:approve',
  deny: 'chatops:deny',
  silence: 'chatops:silence',
  unsilence: 'chatops:unsilence',
  runbook: 'chatops:runbook',
  link: 'chatops:link',
} as const;

/** The Silence menu: durations, and "until the incident resolves" (values the core's parseSilenceLength reads). */
export const SILENCE_CHOICES = ['1h', '4h', '24h', 'resolved'] as const;
const choiceText = (c: (typeof SILENCE_CHOICES)[number]): string => (c === 'resolved' ? 'Silence until resolved' : `Silence ${c}`);

const STATUS_LABEL: Record<Incident['status'], string> = {
  firing: '🔥 FIRING',
  acknowledged: '👀 ACKNOWLEDGED',
  resolved: '✅ RESOLVED',
};

/** A Slack user id is shown as a mention; anything else (cli:alice) as escaped text. */
export function who(actor: string): string {
  return /^[UW][A-Z0-9]{2,20}$/.test(actor) ? `<@${actor}>` : escapeMrkdwn(actor);
}

/** Slack's own date formatting, with an ISO fallback for clients that cannot render it. */
export function when(ms: number): string {
  const iso = new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
  return `<!date^${Math.floor(ms / 1000)}^{date_short_pretty} {time}|${iso}>`;
}

const field = (title: string, value: string): Block => ({ type: 'mrkdwn', text: cut(`*${title}*\n${value || '-'}`, LIMITS.field) });

function description(incident: Incident): string | null {
  const a = incident.annotations;
  const text = a.description ?? a.summary ?? a.message ?? null;
  return text && text.trim() ? text : null;
}

/** Links of an incident: runbook, dashboard, logs, Alertmanager, source (only http(s)). */
export function incidentLinks(incident: Incident, alerts: readonly StoredAlert[], templates: LinkTemplates): { label: string; url: string }[] {
  const out: { label: string; url: string }[] = [];
  const add = (label: string, url: string | null) => {
    if (url) out.push({ label, url });
  };
  const labels: Labels = { ...(alerts[0]?.labels ?? {}), ...incident.labels };
  add('Runbook', httpUrl(incident.annotations.runbook_url ?? alerts[0]?.annotations.runbook_url));
  const ann = (name: string) => incident.annotations[name] ?? alerts[0]?.annotations[name];
  add('Dashboard', templates.dashboard ? fillTemplate(templates.dashboard, labels) : httpUrl(ann('dashboard_url')));
  add('Logs', templates.logs ? fillTemplate(templates.logs, labels) : httpUrl(ann('logs_url')));
  const am = httpUrl(incident.externalURL);
  if (am) {
    const filter = Object.entries(incident.labels).filter(([k]) => k === 'alertname' || k === 'namespace').map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(',');
    add('Alertmanager', httpUrl(`${am.replace(/\/$/, '')}/#/alerts${filter ? `?filter=${encodeURIComponent(`{${filter}}`)}` : ''}`));
  }
  add('Source', httpUrl(alerts.find((a) => a.generatorURL)?.generatorURL ?? null));
  return out;
}

function headerText(incident: Incident): string {
  return plain(`${STATUS_LABEL[incident.status]}: ${incident.alertname || 'alert'}`, LIMITS.header);
}

/** The incident's top message. */
export function renderIncident(view: IncidentView): SlackMessage {
  const { incident, alerts, silence, enrichment, now } = view;
  const blocks: Block[] = [];
  blocks.push({ type: 'header', text: { type: 'plain_text', text: headerText(incident), emoji: true } });

  const fields: Block[] = [
    field('Severity', safe(incident.severity, 200)),
    field('Namespace', safe(incident.namespace, 200)),
    field('Target', safe(incident.target, 500)),
    field('Started', when(incident.openedAt)),
    field('Firing', `${incident.firing} of ${incident.total} alert${incident.total === 1 ? '' : 's'}`),
    field('Incident', `#${incident.id}`),
  ];
  blocks.push({ type: 'section', fields: fields.slice(0, LIMITS.fields) });

  const desc = description(incident);
  if (desc) {
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: safe(desc, LIMITS.section, `… (truncated: chatops incidents show ${incident.id})`) } });
  }

  if (enrichment) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: renderEnrichment(enrichment) } });

  const state: string[] = [];
  if (incident.acknowledgedBy && incident.acknowledgedAt !== null) state.push(`Acknowledged by ${who(incident.acknowledgedBy)} ${when(incident.acknowledgedAt)}`);
  if (silence && incident.status !== 'resolved') state.push(`🔕 Silenced until ${silence.untilResolved ? 'it resolves' : when(silence.endsAt)} by ${who(silence.createdBy)} (silence \`${escapeMrkdwn(silence.id)}\`)`);
  if (incident.status === 'resolved' && incident.resolvedAt !== null) state.push(`Resolved ${when(incident.resolvedAt)} after ${formatDuration(incident.resolvedAt - incident.openedAt)}`);
  else state.push(`Open for ${formatDuration(now - incident.openedAt)}`);
  blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: cut(state.join(' · '), LIMITS.contextText) }] });

  const links = incidentLinks(incident, alerts, view.links);
  if (links.length) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: cut(links.map((l) => link(l.url, l.label)).join('  ·  '), LIMITS.section) } });

  if (incident.status !== 'resolved') {
    const elements: Block[] = [];
    const value = String(incident.id);
    if (incident.status === 'firing') elements.push(button({ actionId: ACTION.ack, text: 'Acknowledge', value, style: 'primary' }));
    if (silence) {
      elements.push(button({ actionId: ACTION.unsilence, text: 'Unsilence', value }));
    } else if (view.silenceEnabled !== false) {
      elements.push({
        type: 'static_select',
        action_id: ACTION.silence,
        placeholder: { type: 'plain_text', text: 'Silence…' },
        options: SILENCE_CHOICES.map((d) => ({ text: { type: 'plain_text', text: choiceText(d) }, value: `${incident.id}:${d}` })),
      });
    }
    const runbook = links.find((l) => l.label === 'Runbook');
    if (runbook) elements.push({ type: 'button', action_id: ACTION.runbook, text: { type: 'plain_text', text: 'Runbook' }, url: runbook.url, value });
    for (const extra of view.extraActions) elements.push(button(extra));
    if (elements.length) blocks.push({ type: 'actions', block_id: `incident:${incident.id}`, elements: elements.slice(0, LIMITS.actionsElements) });
  }

  return { text: fallbackText(incident), blocks: blocks.slice(0, LIMITS.blocks) };
}

function button(b: ActionButton): Block {
  const out: Block = {
    type: 'button',
    action_id: cut(b.actionId, 255),
    text: { type: 'plain_text', text: plain(b.text, LIMITS.buttonText) },
    value: cut(b.value, LIMITS.buttonValue),
  };
  if (b.style) out.style = b.style;
  if (b.confirm) {
    out.confirm = {
      title: { type: 'plain_text', text: plain(b.confirm.title, 100) },
      text: { type: 'plain_text', text: plain(b.confirm.text, 300) },
      confirm: { type: 'plain_text', text: plain(b.confirm.confirm, 30) },
      deny: { type: 'plain_text', text: plain(b.confirm.deny, 30) },
    };
  }
  return out;
}

/** Notification text (push, screen readers): status, alertname, summary. */
function fallbackText(incident: Incident): string {
  const summary = incident.annotations.summary ?? '';
  return safe(`[${incident.status.toUpperCase()}] #${incident.id} ${incident.alertname}${summary ? ` — ${summary}` : ''}`, 300);
}

export function renderEnrichment(e: Enrichment): string {
  const head = `*Current value* of \`${safe(e.query, 300)}\``;
  const body = e.outcome === 'empty' ? '_no data_' : e.lines.map((l) => `• ${safe(l, 300)}`).join('\n');
  const more = e.more ? `\n_… and ${e.more} more series_` : '';
  return cut(`${head}\n${body}${more}`, LIMITS.section);
}

function alertLine(a: StoredAlert, common: Labels): string {
  const own = Object.entries(a.labels).filter(([k, v]) => common[k] !== v && k !== 'alertname').map(([k, v]) => `${k}=${v}`).join(', ');
  return `• ${safe(a.labels.alertname ?? 'alert', 200)}${own ? ` (${safe(own, 400)})` : ''}`;
}

export type ReplyKind = 'alert.joined' | 'alert.refired' | 'incident.reopened' | 'incident.resolved' | 'incident.silenced' | 'incident.unsilenced';

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
      const until = extra.untilResolved ? `until the incident resolves (at most ${when(extra.endsAt ?? 0)})` : `until ${when(extra.endsAt ?? 0)}`;
      text = `🔕 ${extra.extended ? 'Silence extended' : 'Silenced in Alertmanager'} ${until} by ${who(extra.actor ?? '?')} (silence \`${escapeMrkdwn(extra.silenceId ?? '')}\`).`;
      break;
    }
    case 'incident.unsilenced':
      text = extra.reason === 'resolved'
        ? `🔔 Silence \`${escapeMrkdwn(extra.silenceId ?? '')}\` expired: the incident resolved.`
        : `🔔 Silence \`${escapeMrkdwn(extra.silenceId ?? '')}\` expired by ${who(extra.actor ?? '?')}.`;
      break;
  }
  const body = cut(text, LIMITS.section);
  return { text: cut(body, LIMITS.fallbackText), blocks: [{ type: 'section', text: { type: 'mrkdwn', text: body } }] };
}

/** A storm digest: one message listing many incidents, updated in place. */
export function renderDigest(channelIncidents: readonly Incident[], openedAt: number): SlackMessage {
  const open = channelIncidents.filter((i) => i.status !== 'resolved').length;
  const header = plain(`⚠️ Alert storm: ${channelIncidents.length} incidents (${open} open)`, LIMITS.header);
  const lines = channelIncidents.map((i) =>
    `${i.status === 'resolved' ? '✅' : i.status === 'acknowledged' ? '👀' : '🔥'} *#${i.id}* ${safe(i.alertname, 120)} — ${safe(i.target || i.namespace || '-', 120)} (${safe(i.severity || '-', 40)}, ${i.firing}/${i.total} firing)`);
  const blocks: Block[] = [{ type: 'header', text: { type: 'plain_text', text: header, emoji: true } }];
  blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `Many incidents opened at once since ${when(openedAt)}, so they are listed here instead of one message each. Act on one with \`chatops ack &lt;id&gt;\`, \`chatops silence &lt;id&gt;\` or \`chatops incidents show &lt;id&gt;\`.` }] });
  const maxSections = LIMITS.blocks - blocks.length - 1;
  let chunk = '';
  let shown = 0;
  for (const line of lines) {
    if (chunk && chunk.length + line.length + 1 > LIMITS.section) {
      if (blocks.length - 2 >= maxSections - 1) break;
      blocks.push({ type: 'section', text: { type: 'mrkdwn', text: chunk } });
      chunk = '';
    }
    chunk = chunk ? `${chunk}\n${line}` : cut(line, LIMITS.section);
    shown++;
  }
  if (chunk) {
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: chunk } });
  }
  if (shown < lines.length) blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `… and ${lines.length - shown} more: \`chatops incidents list --status open\`` }] });
  return { text: cut(`Alert storm: ${channelIncidents.length} incidents`, LIMITS.fallbackText), blocks: blocks.slice(0, LIMITS.blocks) };
}

/** Channel routing: the first route whose every label matches, else the default channel. */
export function routeChannel(labels: Labels, routes: readonly { match: Labels; channel: string }[], fallback: string): string {
  for (const r of routes) {
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
    const labels = Object.entries(s.metric).filter(([k, val]) => k !== '__name__' && common[k] !== val).map(([k, val]) => `${k}="${val}"`).join(', ');
    return labels ? `{${labels}} ${v}` : String(v);
  });
  return { query, outcome: 'ok', lines, more: series.length > max ? series.length - max : undefined };
}

function commonOf(sets: Labels[]): Labels {
  const [first, ...rest] = sets;
  return Object.fromEntries(Object.entries(first ?? {}).filter(([k, v]) => rest.every((s) => s[k] === v)));
}

/** What the approvals core puts in a request.* outbox row (only the fields shown here). */
export interface RequestNote {
  requestId: string;
  action: string;
  risk: string;
  target: string;
  requester: string;
  reason?: string | null;
  state: string;
  expiresAt?: string | null;
  preview?: string;
  dryRun?: { summary?: string } | null;
  decision?: string;
  by?: string;
  decisionReason?: string | null;
  ok?: boolean;
  summary?: string;
}

/**
 * A thread reply about an action request: created (with Approve/Deny while it waits),
 * decided, or its result. The buttons carry only the request id; every click is re-checked.
 */
export function renderRequestReply(kind: 'request.created' | 'request.decided' | 'request.result', r: RequestNote): SlackMessage {
  const what = `*${safe(r.action, 60)}* on \`${safe(r.target, 300)}\``;
  let text: string;
  const blocks: Block[] = [];
  if (kind === 'request.created') {
    const pending = r.state === 'pending';
    const lines = [`🛠 ${who(r.requester)} ${pending ? 'requests' : 'ran'} ${what} (risk ${safe(r.risk, 20)})`];
    if (r.preview) lines.push(`Preview: ${safe(r.preview, 500)}`);
    if (r.dryRun?.summary) lines.push(`Dry run: ${safe(r.dryRun.summary, 500)}`);
    if (r.reason) lines.push(`Reason: ${safe(r.reason, 500)}`);
    if (pending && r.expiresAt) lines.push(`Waiting for a second person until ${when(Date.parse(r.expiresAt))} (\`chatops approve ${safe(r.requestId, 60)}\`).`);
    text = lines.join('\n');
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: cut(text, LIMITS.section) } });
    if (pending) {
      blocks.push({ type: 'actions', block_id: cut(`request:${r.requestId}`, 255), elements: [
        button({ actionId: ACTION.approve, text: 'Approve', value: r.requestId, style: 'primary', confirm: { title: 'Approve this action?', text: `${r.action} on ${r.target}`, confirm: 'Approve', deny: 'Cancel' } }),
        button({ actionId: ACTION.deny, text: 'Deny', value: r.requestId, style: 'danger' }),
      ] });
    }
  } else if (kind === 'request.decided') {
    const verb = r.decision === 'approved' ? '✅ Approved' : r.decision === 'denied' ? '❌ Denied' : r.decision === 'expired' ? '⌛ Expired' : `${safe(r.decision ?? 'decided', 30)}`;
    text = `${verb}: ${what}${r.by && r.decision !== 'expired' ? ` by ${who(r.by)}` : ''}${r.decisionReason ? ` — ${safe(r.decisionReason, 500)}` : ''}`;
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: cut(text, LIMITS.section) } });
  } else {
    text = `${r.ok ? '✅ Done' : '⚠️ Failed'}: ${what}${r.summary ? ` — ${safe(r.summary, 2000)}` : ''}`;
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: cut(text, LIMITS.section) } });
  }
  return { text: cut(text, LIMITS.fallbackText), blocks };
}
