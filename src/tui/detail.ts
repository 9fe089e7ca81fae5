/**
 * The detail view as lines of text, wrapped to the terminal width: labels, annotations,
 * links (full URLs, never cut), the alert list (the one Slack's top message and `chatops
 * incidents show` show), pending requests and the audit timeline. Pure; every string from an
 * alert goes through the terminal sanitiser.
 */
import type { PendingRequest } from '../adapters/store/sqlite-pending-approvals.js';
import { alertList, labelText } from '../core/alert-list.js';
import { formatDuration } from '../core/duration.js';
import type { AuditRecord, Incident, StoredAlert } from '../core/types.js';
import { STATUS_MARK } from '../cli/format.js';
import { clean } from '../text/terminal.js';
import { STATUS_COLOR } from './layout.js';

export interface Line {
  text: string;
  color?: string;
  bold?: boolean;
  dim?: boolean;
  /** The line heads pending request number n (0-based) and is highlighted when it is selected. */
  request?: number;
}

/** Longest annotation shown in full; longer ones are cut with a note (a 15 KB description exists). */
const MAX_ANNOTATION_CHARS = 600;

const stamp = (ms: number | null): string => (ms === null ? '-' : `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')}Z`);

/** Wraps `text` to `width` after `indent`: at spaces where it can, inside a word (a URL) where it must. */
export function wrap(text: string, width: number, indent = ''): string[] {
  const room = Math.max(8, width - [...indent].length);
  const out: string[] = [];
  let rest = [...text];
  while (rest.length > room) {
    let cut = rest.lastIndexOf(' ', room);
    if (cut <= 0) cut = room;
    out.push(indent + rest.slice(0, cut).join('').trimEnd());
    rest = rest.slice(cut);
    while (rest[0] === ' ') rest.shift();
  }
  out.push(indent + rest.join(''));
  return out;
}

const isUrl = (v: string): boolean => /^https?:\/\//i.test(v.trim());

/** Annotation keys and values that are links (runbook_url, dashboard_url, anything that is a URL). */
function linksOf(incident: Incident, alerts: readonly StoredAlert[]): { name: string; url: string }[] {
  const out: { name: string; url: string }[] = [];
  const seen = new Set<string>();
  const add = (name: string, url: string) => {
    const u = clean(url.trim());
    if (u && !seen.has(u)) {
      seen.add(u);
      out.push({ name, url: u });
    }
  };
  for (const [k, v] of Object.entries(incident.annotations)) if (isUrl(v)) add(k, v);
  for (const a of alerts) for (const [k, v] of Object.entries(a.annotations)) if (isUrl(v)) add(k, v);
  for (const a of alerts) if (a.generatorURL) add('source (generatorURL)', a.generatorURL);
  if (incident.externalURL) add('alertmanager', incident.externalURL);
  return out;
}

/** Detail keys the timeline leaves out: bookkeeping that the line already says or that only a machine needs. */
const QUIET_DETAIL = new Set(['deliveryId', 'startsAt', 'endsAt', 'alertname', 'fingerprint']);

function describeAudit(r: AuditRecord): string {
  const detail = Object.entries(r.detail)
    .filter(([k, v]) => !QUIET_DETAIL.has(k) && v !== null && v !== undefined && typeof v !== 'object')
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(' ');
  const target = r.target && r.action.startsWith('alert.') ? ` (${r.target})` : '';
  return clean(`${stamp(r.ts)}  ${r.action} ${r.result} by ${r.actor} via ${r.source}${target}${detail ? ` — ${detail}` : ''}`);
}

export function detailLines(args: {
  incident: Incident;
  alerts: readonly StoredAlert[];
  /** The newest audit rows, oldest first; `timelineTotal` says how many the incident has in all. */
  timeline: readonly AuditRecord[];
  timelineTotal?: number;
  pending: readonly PendingRequest[];
  selectedRequest: number;
  now: number;
  width: number;
  /** The graph of its queries (src/cli/incident-graph.ts): null while it loads, empty when there is none. */
  graph?: readonly string[] | null;
}): Line[] {
  const { incident: i, alerts, timeline, pending, now, width } = args;
  const lines: Line[] = [];
  const push = (text: string, style: Omit<Line, 'text'> = {}) => {
    for (const t of wrap(text, width)) lines.push({ text: t, ...style });
  };
  const pushIndented = (text: string, indent: string, style: Omit<Line, 'text'> = {}) => {
    for (const t of wrap(text, width, indent)) lines.push({ text: t, ...style });
  };
  const heading = (t: string) => lines.push({ text: t, bold: true });

  push(`#${i.id} ${clean(i.alertname || '-')} — ${STATUS_MARK[i.status]}`, { bold: true, color: STATUS_COLOR[i.status] });
  push(
    `severity ${clean(i.severity || '-')} · namespace ${clean(i.namespace || '-')} · target ${clean(i.target || '-')} · ` +
      `firing ${i.firing}/${i.total} · opened ${stamp(i.openedAt)} (${formatDuration(now - i.openedAt)} ago)` +
      (i.resolvedAt ? ` · resolved ${stamp(i.resolvedAt)}` : '') +
      (i.acknowledgedBy ? ` · acknowledged by ${clean(i.acknowledgedBy)} ${formatDuration(now - (i.acknowledgedAt ?? now))} ago` : ''),
  );
  lines.push({ text: '' });

  heading('Labels');
  for (const [k, v] of Object.entries(i.labels)) pushIndented(`${clean(k)}=${clean(v)}`, '  ');
  const cut = (v: string, max: number) => {
    const chars = [...clean(v)];
    return chars.length > max
      ? `${chars.slice(0, max).join('')}… (${chars.length - max} more characters: chatops incidents show ${i.id})`
      : chars.join('');
  };
  heading('Annotations');
  const shown = Object.entries(i.annotations).filter(([k, v]) => !isUrl(v) && k !== 'promql_query'); // URLs under Links, the query under Enrichment
  if (shown.length === 0) lines.push({ text: '  none in common (see each alert)', dim: true });
  for (const [k, v] of shown) pushIndented(`${clean(k)}: ${cut(v, MAX_ANNOTATION_CHARS)}`, '  ');
  const query = i.annotations.promql_query;
  if (query) {
    heading('Enrichment');
    pushIndented(`query: ${clean(query)}`, '  ');
  }
  if (args.graph === null) {
    heading('Graph');
    lines.push({ text: '  querying Prometheus…', dim: true });
  } else if (args.graph?.length) {
    heading('Graph');
    // Already fitted to the width (and cleaned): not wrapped, a chart row must stay one row.
    for (const t of args.graph) if (t) lines.push({ text: `  ${t}`, dim: t.startsWith('Graph of ') });
  }
  const links = linksOf(i, alerts);
  if (links.length) {
    heading('Links');
    for (const l of links) {
      pushIndented(`${clean(l.name)}:`, '  ');
      // Printed whole on lines of their own so the terminal can still open them.
      pushIndented(l.url, '    ', { color: 'cyan' });
    }
  }
  lines.push({ text: '' });

  // The alert list of Slack's top message and `chatops incidents show` (core/alert-list.ts) over
  // the alerts read (firing first, then oldest), each with its fingerprint; then how many more
  // there are: stored but not read here (a storm holds thousands), and not sent by Alertmanager.
  const list = alertList(i, alerts, alerts.length);
  const stored = Math.max(0, i.total - list.entries.length);
  heading(
    `Alerts (${list.firing} firing of ${list.total}${list.truncated ? ` + ${list.truncated} not sent by Alertmanager` : ''}${stored ? `; the first ${list.entries.length} here` : ''})`,
  );
  for (const e of list.entries) {
    pushIndented(
      clean(
        `${e.status === 'firing' ? '● firing  ' : '✓ resolved'} ${e.fingerprint}  ${labelText(e.labels) || '(same labels)'} since ${stamp(e.startsAt)}`,
      ) + (e.summary ? ` — ${cut(e.summary, 300)}` : ''),
      '  ',
      { color: e.status === 'firing' ? 'red' : 'green' },
    );
    if (e.query) pushIndented(`promql_query: ${clean(e.query)}`, '      ', { dim: true });
  }
  if (stored && list.truncated) {
    lines.push({
      text: `  … ${stored + list.truncated} more (${stored} stored; ${list.truncated} not sent by Alertmanager (max_alerts)): chatops incidents show ${i.id}`,
      dim: true,
    });
  } else if (stored) {
    lines.push({ text: `  … ${stored} more: chatops incidents show ${i.id}`, dim: true });
  } else if (list.truncated) {
    lines.push({ text: `  … ${list.truncated} more not sent by Alertmanager (max_alerts)`, dim: true });
  }
  lines.push({ text: '' });

  heading(`Pending requests (${pending.length})${pending.length ? ' — Tab selects, A approves, D denies' : ''}`);
  if (pending.length === 0) lines.push({ text: '  none', dim: true });
  pending.forEach((p, n) => {
    const params = Object.entries(p.params)
      .map(([k, v]) => `${k}=${String(v)}`)
      .join(' ');
    const when = p.requestedAt !== null ? `, ${formatDuration(now - p.requestedAt)} ago` : '';
    const expires = p.expiresAt !== null ? `, expires in ${formatDuration(p.expiresAt - now)}` : '';
    const mark = n === args.selectedRequest ? '› ' : '  ';
    for (const t of wrap(
      clean(`${mark}request ${p.id}: ${p.action} ${p.target}${params ? ` (${params})` : ''} by ${p.requestedBy}${when}${expires}`),
      width,
    )) {
      lines.push({ text: t, request: n, bold: n === args.selectedRequest });
    }
    pushIndented(clean(`preview: ${p.preview ?? 'no dry-run result stored'}`), '      ', { dim: true });
  });
  lines.push({ text: '' });

  heading('Timeline');
  const earlier = (args.timelineTotal ?? timeline.length) - timeline.length;
  if (earlier > 0) lines.push({ text: `  … ${earlier} earlier entries: chatops incidents show ${i.id}`, dim: true });
  if (timeline.length === 0) lines.push({ text: '  none', dim: true });
  for (const r of timeline)
    pushIndented(describeAudit(r), '  ', { color: r.result === 'refused' || r.result === 'failed' ? 'red' : undefined });
  return lines;
}
