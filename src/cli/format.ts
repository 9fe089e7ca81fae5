/** Plain-text and JSON views of incidents for the terminal and scripts. */
import { alertList, labelText, type AlertList } from '../core/alert-list.js';
import { auditExport } from '../core/audit-chain.js';
import { clusterOfIncident } from '../core/clusters.js';
import { formatDuration } from '../core/duration.js';
import type { AuditRecord, Incident, StoredAlert } from '../core/types.js';
import { iso } from '../core/time.js';
import { clean } from '../text/terminal.js';
import { displayWidth, padCells, truncateCells } from '../text/cells.js';

/** The terminal sanitiser, re-exported where the CLI and TUI have always imported it. */
export { clean };

export function incidentJson(i: Incident) {
  return {
    id: i.id,
    key: i.key,
    status: i.status,
    alertname: i.alertname,
    severity: i.severity,
    namespace: i.namespace,
    target: i.target,
    firing: i.firing,
    total: i.total,
    openedAt: iso(i.openedAt),
    updatedAt: iso(i.updatedAt),
    resolvedAt: iso(i.resolvedAt),
    acknowledgedBy: i.acknowledgedBy,
    acknowledgedAt: iso(i.acknowledgedAt),
    labels: i.labels,
    annotations: i.annotations,
    groupKey: i.groupKey,
    externalURL: i.externalURL,
    truncatedAlerts: i.truncatedAlerts ?? 0,
    /** The cluster it belongs to (`default` with one cluster); null when no configured cluster claims it. */
    cluster: clusterOfIncident(i),
  };
}

/** The CLUSTER column's text: the name, or `?` when no cluster claims the incident. */
export const clusterCell = (i: Incident): string => clean(clusterOfIncident(i) ?? '?');

/** The incident's alerts as the Slack message lists them (every stored one here), with what Alertmanager left out. */
export function alertListJson(i: Incident, alerts: readonly StoredAlert[]): AlertList {
  return alertList(i, alerts, Number.MAX_SAFE_INTEGER);
}

function alertListText(list: AlertList): string[] {
  const head = `Alerts (${list.firing} firing of ${list.total}${list.truncated ? `; ${list.truncated} more not sent by Alertmanager (max_alerts)` : ''}):`;
  return [
    head,
    ...list.entries.map(
      (e) =>
        `  ${e.status === 'firing' ? '●' : '✓'} ${clean(labelText(e.labels) || '(same labels)')} since ${iso(e.startsAt)}${e.summary ? ` — ${truncateCells(clean(e.summary), 300)}` : ''}${e.query ? ` [promql_query: ${truncateCells(clean(e.query), 200)}]` : ''}`,
    ),
  ];
}

export function alertJson(a: StoredAlert) {
  return {
    fingerprint: a.fingerprint,
    status: a.status,
    labels: a.labels,
    annotations: a.annotations,
    startsAt: iso(a.startsAt),
    endsAt: iso(a.endsAt),
    generatorURL: a.generatorURL,
  };
}

/** The audit row as shown and exported (the same shape the sinks ship). */
export const auditJson = auditExport;

/** Status with a symbol, readable without colour. */
export const STATUS_MARK: Record<Incident['status'], string> = { firing: '● firing', acknowledged: '◐ acked', resolved: '✓ resolved' };

/** Columns aligned by terminal cells, so CJK and emoji do not shift the columns after them. */
function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => displayWidth(r[c] ?? ''))));
  return rows
    .map((r) =>
      r
        .map((cell, c) => (c === r.length - 1 ? cell : padCells(cell, widths[c]!)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** `showCluster`: named clusters are configured, so a CLUSTER column says whose each incident is. */
export function incidentTable(incidents: readonly Incident[], now: number, showCluster = false): string {
  if (incidents.length === 0) return 'No incidents.';
  const rows = [
    ['ID', ...(showCluster ? ['CLUSTER'] : []), 'STATUS', 'SEVERITY', 'AGE', 'ALERTNAME', 'NAMESPACE/TARGET', 'FIRING', 'ACK BY'],
  ];
  for (const i of incidents) {
    rows.push([
      String(i.id),
      ...(showCluster ? [truncateCells(clusterCell(i), 30)] : []),
      STATUS_MARK[i.status],
      clean(i.severity || '-'),
      formatDuration(now - i.openedAt),
      truncateCells(clean(i.alertname || '-'), 60),
      truncateCells(clean([i.namespace, i.target].filter(Boolean).join('/') || '-'), 60),
      `${i.firing}/${i.total}`,
      clean(i.acknowledgedBy ?? '-'),
    ]);
  }
  return table(rows);
}

/** `cluster`: with named clusters, the line saying whose the incident is (or why it is nobody's). */
export function incidentDetail(
  i: Incident,
  alerts: readonly StoredAlert[],
  timeline: readonly AuditRecord[],
  now: number,
  cluster: string | null = null,
): string {
  const lines = [
    `Incident ${i.id}: ${clean(i.alertname)} — ${STATUS_MARK[i.status]}`,
    ...(cluster === null ? [] : [`  cluster ${clean(cluster)}`]),
    `  severity ${clean(i.severity || '-')}, namespace ${clean(i.namespace || '-')}, target ${clean(i.target || '-')}`,
    `  opened ${iso(i.openedAt)} (${formatDuration(now - i.openedAt)} ago)${i.resolvedAt ? `, resolved ${iso(i.resolvedAt)} after ${formatDuration(i.resolvedAt - i.openedAt)}` : ''}`,
    `  alerts firing ${i.firing}/${i.total}${i.acknowledgedBy ? `, acknowledged by ${clean(i.acknowledgedBy)}` : ''}`,
    '',
    'Labels:',
    ...Object.entries(i.labels).map(([k, v]) => `  ${clean(k)}=${clean(v)}`),
    'Annotations:',
    ...Object.entries(i.annotations).map(([k, v]) => `  ${clean(k)}: ${truncateCells(clean(v), 500)}`),
    '',
    ...alertListText(alertListJson(i, alerts)),
    '',
    'Timeline:',
    ...timeline.map(
      (r) =>
        `  ${iso(r.ts)} ${clean(r.action)} ${clean(r.result)} by ${clean(r.actor)}${r.target && r.action.startsWith('alert.') ? ` (${clean(r.target)})` : ''}`,
    ),
  ];
  return lines.join('\n');
}
