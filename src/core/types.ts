/** Domain types shared by every layer. No I/O here. */

export type AlertStatus = 'firing' | 'resolved';
export type IncidentStatus = 'firing' | 'acknowledged' | 'resolved';
export const INCIDENT_STATUSES: readonly IncidentStatus[] = ['firing', 'acknowledged', 'resolved'];

export type Labels = Record<string, string>;

/** One alert as Alertmanager reported it, normalised (timestamps as epoch ms, null for "not set"). */
export interface AlertEvent {
  fingerprint: string;
  status: AlertStatus;
  labels: Labels;
  annotations: Labels;
  startsAt: number;
  endsAt: number | null;
  generatorURL: string;
  /** JSON.stringify(labels) and (annotations), when the parser already made them (off the writer's thread). */
  labelsJson?: string;
  annotationsJson?: string;
}

/** One webhook delivery, normalised. */
export interface Delivery {
  receiver: string;
  status: AlertStatus;
  groupKey: string;
  groupLabels: Labels;
  commonLabels: Labels;
  commonAnnotations: Labels;
  externalURL: string;
  truncatedAlerts: number;
  alerts: AlertEvent[];
  /** Labels and annotations all of `alerts` share, when the parser already worked them out. */
  shared?: { labels: Labels; annotations: Labels };
}

/** An alert as stored: the latest state seen for one fingerprint within one incident. */
export interface StoredAlert extends AlertEvent {
  incidentId: number;
  updatedAt: number;
  /** Resolved by chatops' reconciliation (Alertmanager no longer had it), not by Alertmanager's word. */
  reconciled?: boolean;
}

export interface Incident {
  id: number;
  key: string;
  status: IncidentStatus;
  alertname: string;
  severity: string;
  namespace: string;
  target: string;
  labels: Labels;
  annotations: Labels;
  groupKey: string;
  externalURL: string;
  firing: number;
  total: number;
  openedAt: number;
  updatedAt: number;
  resolvedAt: number | null;
  acknowledgedBy: string | null;
  acknowledgedAt: number | null;
  /** Alerts of the group Alertmanager left out of its latest delivery (`truncatedAlerts`, max_alerts); absent = 0. */
  truncatedAlerts?: number;
  /** The cluster it belongs to (clusters.ts); null: no configured cluster claims it; absent: `default`. */
  cluster?: string | null;
}

export type AuditSource = 'slack' | 'cli' | 'tui' | 'daemon' | 'alertmanager';

/** What an audit row records, before it is chained. */
export interface AuditEntry {
  ts: number;
  actor: string;
  source: AuditSource;
  action: string;
  target: string | null;
  incidentId: number | null;
  result: string;
  detail: Record<string, unknown>;
}

/** A chained audit row as stored. */
export interface AuditRecord extends AuditEntry {
  seq: number;
  prevHash: string;
  hash: string;
}

/** A Slack (or other) effect to deliver after commit. Consumed by the outbox worker. */
export interface OutboxEntry {
  kind: string;
  incidentId: number | null;
  payload: Record<string, unknown>;
}
