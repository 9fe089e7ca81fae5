/** What the terminal UI reads, what it acts through, and who it acts as: one object, built from a runtime by `runtimeDeps`. */
import { SqliteIncidentBrowser, type IncidentPage, type IncidentQuery } from '../adapters/store/incident-browser.js';
import { SqlitePendingApprovals, type PendingApprovals } from '../adapters/store/sqlite-pending-approvals.js';
import type { SqliteStore } from '../adapters/store/sqlite-store.js';
import { silencesUnavailable, type Runtime } from '../app.js';
import type { Actor } from '../core/incident-actions.js';
import type { OperatorService } from '../core/operator.js';
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
  /** At most `limit` of the incident's alerts, in the alert list's order (firing first, then oldest). */
  alerts(id: number, limit: number): StoredAlert[];
  /** The newest `limit` audit rows of the incident, oldest first, and how many there are. */
  timeline(id: number, limit: number): { rows: AuditRecord[]; total: number };
  meta(key: string): MetaValue | null;
}

/** The operator service's calls the UI makes. */
export type TuiOperator = Pick<OperatorService, 'acknowledge' | 'silence' | 'unsilence' | 'request' | 'approve' | 'deny' | 'actionsFor'>;

export interface TuiDeps {
  source: IncidentSource;
  actor: Actor;
  clock: Clock;
  pending: PendingApprovals;
  /** Every action goes through the operator service, as for Slack and the CLI. */
  operator: TuiOperator;
  /** Why silences cannot be made here (no Alertmanager configured), or null: said before asking for a length. */
  silenceUnavailable: string | null;
  /** Named clusters are configured: the list has a CLUSTER column. */
  showCluster?: boolean;
  /**
   * Why nothing but acknowledging can be done for an incident (no configured cluster claims it,
   * naming the label its alerts lack), or null. Said before asking anything.
   */
  clusterProblem?: (incident: Incident) => string | null;
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

/** The UI's collaborators over an open runtime, acting as `actor`. */
export function runtimeDeps(rt: Runtime, actor: Actor): TuiDeps {
  return {
    source: storeSource(rt.store),
    actor,
    clock: rt.clock,
    pending: new SqlitePendingApprovals(rt.store.db, rt.clock),
    operator: rt.operator,
    silenceUnavailable: silencesUnavailable(rt.loaded),
    showCluster: rt.clusters.set.multi,
    clusterProblem: (incident) => {
      const found = rt.clusters.forIncident(incident);
      return found.ok ? null : found.reason;
    },
  };
}
