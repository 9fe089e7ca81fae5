/** What the terminal UI reads and who it acts as: one object, built from a store by `storeDeps`. */
import { SqliteIncidentBrowser, type IncidentPage, type IncidentQuery } from '../adapters/store/incident-browser.js';
import { SqlitePendingApprovals } from '../adapters/store/sqlite-pending-approvals.js';
import type { SqliteStore } from '../adapters/store/sqlite-store.js';
import type { ActionContext, Actor } from '../core/incident-actions.js';
import type { PendingApprovals, RemediationPort, SilencePort } from '../core/operator-ports.js';
import type { Clock } from '../core/ports.js';
import type { AuditRecord, Incident, StoredAlert } from '../core/types.js';
import type { MetaValue } from './health.js';
import type { GraphFetcher } from './hooks/use-incident-graph.js';

/** Reads for the UI. `changes()` changes whenever what the UI shows may have changed, and only then. */
export interface IncidentSource {
  changes(): string;
  page(q: IncidentQuery, offset: number, limit: number): IncidentPage;
  positionOf(id: number, q: IncidentQuery): number | null;
  incident(id: number): Incident | null;
  /** At most `limit` of the incident's alerts, oldest first. */
  alerts(id: number, limit: number): StoredAlert[];
  /** The newest `limit` audit rows of the incident, oldest first, and how many there are. */
  timeline(id: number, limit: number): { rows: AuditRecord[]; total: number };
  meta(key: string): MetaValue | null;
}

export interface TuiDeps {
  source: IncidentSource;
  /** Core context for incident actions (ack). */
  actions: ActionContext;
  actor: Actor;
  clock: Clock;
  pending: PendingApprovals;
  remediation: RemediationPort;
  silences: SilencePort;
  /** Named clusters are configured: the list has a CLUSTER column. */
  showCluster?: boolean;
  /** How often to look for changes by other processes (ms). */
  pollMs?: number;
  /** While changes keep coming, re-read at most this often (ms). */
  reloadMs?: number;
  /** The graph of the open incident's queries; absent: none (no Prometheus, or --no-graph). */
  graph?: GraphFetcher;
}

export function storeSource(store: SqliteStore): IncidentSource {
  const browser = new SqliteIncidentBrowser(store.db);
  return {
    changes: () => browser.changes(),
    page: (q, offset, limit) => browser.page(q, offset, limit),
    positionOf: (id, q) => browser.positionOf(id, q),
    incident: (id) => store.getIncident(id),
    alerts: (id, limit) => browser.alerts(id, limit),
    timeline: (id, limit) => browser.timeline(id, limit),
    meta: (key) => store.getMeta(key),
  };
}

export function storePendingApprovals(store: SqliteStore, clock: Clock): PendingApprovals {
  return new SqlitePendingApprovals(store.db, clock);
}
