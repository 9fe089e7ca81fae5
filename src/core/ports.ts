/** Ports: what the core needs from the outside, implemented by adapters. */
import type { AuditEntry, AuditRecord, Incident, IncidentStatus, OutboxEntry, StoredAlert } from './types.js';
import type { IncidentNew, IncidentSnapshot } from './incidents.js';
import type { AlertEvent } from './types.js';
import type { TrackedAlert } from './reconcile.js';

export interface Clock {
  now(): number;
}

export interface DeliveryRecord {
  receivedAt: number;
  source: 'webhook' | 'cli';
  groupKey: string;
  status: string;
  alertCount: number;
  contentHash: string;
  /** The body as received, or already encoded for storage (off the writer's thread). */
  raw: string | EncodedBody;
}

/** A raw body in the store's own encoding, made by the store adapter; opaque to the core. */
export interface EncodedBody {
  encoding: string;
  bytes: string | Uint8Array;
}

export interface IncidentFilter {
  statuses?: readonly IncidentStatus[];
  /** Only incidents of these clusters. */
  clusters?: readonly string[];
  limit?: number;
}

/**
 * The incident store. Methods are synchronous (SQLite is in-process); `transaction` runs its
 * callback atomically and serialised against every other writer, in every process.
 */
export interface IncidentStore {
  transaction<T>(fn: () => T): T;
  recordDelivery(d: DeliveryRecord): number;
  markDelivery(id: number, outcome: string): void;
  /** The newest incident with this key, with its stored alerts for (at least) these fingerprints. */
  latestIncidentByKey(key: string, fingerprints: readonly string[]): IncidentSnapshot | null;
  insertIncident(incident: IncidentNew): number;
  updateIncident(incident: Incident): void;
  upsertAlerts(incidentId: number, alerts: readonly AlertEvent[], now: number): void;
  getIncident(id: number): Incident | null;
  listIncidents(filter: IncidentFilter): Incident[];
  alertsOf(incidentId: number): StoredAlert[];
  appendAudit(entry: AuditEntry): AuditRecord;
  auditOf(incidentId: number): AuditRecord[];
  enqueue(entry: OutboxEntry, now: number): void;
  /**
   * What reconciliation looks at: firing alerts of open incidents, and alerts resolved by
   * reconciliation at or after `resolvedSince` (in case Alertmanager lists them again).
   */
  reconcileCandidates(resolvedSince: number): TrackedAlert[];
  /** Marks alerts as resolved by reconciliation (the next upsert from Alertmanager clears it). */
  markReconciled(incidentId: number, fingerprints: readonly string[]): void;
}
