/**
 * ExtrasStore: what the daemon added to each incident's thread after its message — the graph
 * on open, the recovery graph, the workload state, the SLO — one row per incident and kind.
 * A row is claimed before the work starts (`running`, attempts + 1) and finished as `done`
 * (with its data), `noted` (it failed and the thread was told) or `skipped` (nothing to add).
 * Shares the SqliteStore's connection, so its writes join the same transactions.
 */
import type { SqliteStore } from './sqlite-store.js';

export type ExtraKind = 'graph.opened' | 'graph.resolved' | 'workload' | 'slo';
export type ExtraState = 'running' | 'done' | 'noted' | 'skipped';

export interface ExtraRow {
  incidentId: number;
  kind: ExtraKind;
  state: ExtraState;
  attempts: number;
  data: unknown;
  updatedAt: number;
}

type Row = Record<string, unknown>;

const toRow = (r: Row): ExtraRow => ({
  incidentId: r.incident_id as number,
  kind: r.kind as ExtraKind,
  state: r.state as ExtraState,
  attempts: r.attempts as number,
  data: r.data === null ? null : (JSON.parse(r.data as string) as unknown),
  updatedAt: r.updated_at as number,
});

export class ExtrasStore {
  constructor(readonly store: SqliteStore) {}

  get(incidentId: number, kind: ExtraKind): ExtraRow | null {
    const r = this.store.stmt('SELECT * FROM incident_extras WHERE incident_id = ? AND kind = ?').get(incidentId, kind) as Row | undefined;
    return r ? toRow(r) : null;
  }

  /**
   * Claims the work once: true for a new row, or a `running` row left by a process that
   * stopped, while it has had fewer than `maxAttempts` attempts. Finished rows are never claimed again.
   */
  claim(incidentId: number, kind: ExtraKind, now: number, maxAttempts: number): boolean {
    return this.store.transaction(() => {
      const row = this.get(incidentId, kind);
      if (!row) {
        this.store
          .stmt("INSERT INTO incident_extras (incident_id, kind, state, attempts, updated_at) VALUES (?, ?, 'running', 1, ?)")
          .run(incidentId, kind, now);
        return true;
      }
      if (row.state !== 'running' || row.attempts >= maxAttempts) return false;
      this.store
        .stmt('UPDATE incident_extras SET attempts = attempts + 1, updated_at = ? WHERE incident_id = ? AND kind = ?')
        .run(now, incidentId, kind);
      return true;
    });
  }

  finish(incidentId: number, kind: ExtraKind, state: Exclude<ExtraState, 'running'>, data: unknown, now: number): void {
    this.store
      .stmt('UPDATE incident_extras SET state = ?, data = ?, updated_at = ? WHERE incident_id = ? AND kind = ?')
      .run(state, data === undefined ? null : JSON.stringify(data), now, incidentId, kind);
  }

  /** Rows a stopped process left running (resumed at start, or given up when out of attempts). */
  running(): ExtraRow[] {
    return (this.store.stmt("SELECT * FROM incident_extras WHERE state = 'running' ORDER BY updated_at").all() as Row[]).map(toRow);
  }
}
