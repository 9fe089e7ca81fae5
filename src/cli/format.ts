/** Plain-text and JSON views of incidents for the terminal and scripts. */
import { auditExport } from '../core/audit-chain.js';
import { formatDuration } from '../core/duration.js';
import type { AuditRecord, Incident, StoredAlert } from '../core/types.js';
import { iso } from '../core/time.js';

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
  };
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

/** Removes control characters (alert text must not drive the terminal). */
export const clean = (s: string): string => s.replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ');

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => [...(r[c] ?? '')].length)));
  return rows.map((r) => r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c]!))).join('  ').trimEnd()).join('\n');
}

export function incidentTable(incidents: readonly Incident[], now: number): string {
  if (incidents.length === 0) return 'No incidents.';
  const rows = [['ID', 'STATUS', 'SEVERITY', 'AGE', 'ALERTNAME', 'NAMESPACE/TARGET', 'FIRING', 'ACK BY']];
  for (const i of incidents) {
    rows.push([
      String(i.id),
      STATUS_MARK[i.status],
      clean(i.severity || '-'),
      formatDuration(now - i.openedAt),
      clean(i.alertname || '-').slice(0, 60),
      clean([i.namespace, i.target].filter(Boolean).join('/') || '-').slice(0, 60),
      `${i.firing}/${i.total}`,
      clean(i.acknowledgedBy ?? '-'),
    ]);
  }
  return table(rows);
}

export function incidentDetail(i: Incident, alerts: readonly StoredAlert[], timeline: readonly AuditRecord[], now: number): string {
  const lines = [
    `Incident ${i.id}: ${clean(i.alertname)} — ${STATUS_MARK[i.status]}`,
    `  severity ${clean(i.severity || '-')}, namespace ${clean(i.namespace || '-')}, target ${clean(i.target || '-')}`,
    `  opened ${iso(i.openedAt)} (${formatDuration(now - i.openedAt)} ago)${i.resolvedAt ? `, resolved ${iso(i.resolvedAt)} after ${formatDuration(i.resolvedAt - i.openedAt)}` : ''}`,
    `  alerts firing ${i.firing}/${i.total}${i.acknowledgedBy ? `, acknowledged by ${clean(i.acknowledgedBy)}` : ''}`,
    '',
    'Labels:',
    ...Object.entries(i.labels).map(([k, v]) => `  ${clean(k)}=${clean(v)}`),
    'Annotations:',
    ...Object.entries(i.annotations).map(([k, v]) => `  ${clean(k)}: ${clean(v).slice(0, 500)}`),
    '',
    'Alerts:',
    ...alerts.map((a) => `  ${a.status === 'firing' ? '●' : '✓'} ${a.fingerprint} ${a.status} since ${iso(a.startsAt)} ${clean(Object.entries(a.labels).filter(([k]) => !(k in i.labels)).map(([k, v]) => `${k}=${v}`).join(' '))}`),
    '',
    'Timeline:',
    ...timeline.map((r) => `  ${iso(r.ts)} ${r.action} ${r.result} by ${clean(r.actor)}${r.target && r.action.startsWith('alert.') ? ` (${clean(r.target)})` : ''}`),
  ];
  return lines.join('\n');
}
