/**
 * Paged, sorted reads of incidents for the terminal UI: one screenful at a time, so 10,000
 * incidents cost what 40 do (counts per status are the one scan, cached until something changes). Order: firing, acknowledged, resolved; within a status the most
 * recently changed first. Each status is read as its own index range
 * (incidents_status_updated), so no query sorts the whole table.
 */
import type Database from 'better-sqlite3';
import { INCIDENT_STATUSES, type AuditRecord, type Incident, type IncidentStatus, type StoredAlert } from '../../core/types.js';
import { toAlert, toAudit, toIncident, type Row } from './sqlite-store.js';

/** What the UI shows: some statuses (all when empty) and free text over alertname, namespace, target, labels and cluster. */
export interface IncidentQuery {
  statuses?: readonly IncidentStatus[];
  /** Whitespace-separated words, all of which must match; `key=value` matches that label exactly (`cluster=<name>` also the incident's cluster). */
  text?: string;
}

export interface IncidentPage {
  rows: Incident[];
  /** Rows matching the query. */
  total: number;
  /** Matching rows per status (the status filter aside), for the header. */
  counts: Record<IncidentStatus, number>;
}

const likeEscape = (s: string): string => s.replace(/[\\%_]/g, (c) => `\\${c}`);

/** SQL and parameters for the text part of a query. */
function textClause(text: string | undefined): { sql: string; params: string[] } {
  const words = (text ?? '').trim().split(/\s+/).filter(Boolean);
  const parts: string[] = [];
  const params: string[] = [];
  for (const w of words) {
    const eq = w.indexOf('=');
    if (eq > 0) {
      // Labels are stored as JSON.stringify output, so a pair reads exactly `"key":"value"`.
      const label = `%${likeEscape(JSON.stringify(w.slice(0, eq)))}:${likeEscape(JSON.stringify(w.slice(eq + 1)))}%`;
      if (w.slice(0, eq) === 'cluster') {
        // `cluster=<name>`: the incident's cluster (or a `cluster` label, which may differ from its name).
        parts.push(`(cluster = ? OR labels LIKE ? ESCAPE '\\')`);
        params.push(w.slice(eq + 1), label);
      } else {
        parts.push(`labels LIKE ? ESCAPE '\\'`);
        params.push(label);
      }
    } else {
      const p = `%${likeEscape(w)}%`;
      parts.push(
        `(alertname LIKE ? ESCAPE '\\' OR namespace LIKE ? ESCAPE '\\' OR target LIKE ? ESCAPE '\\' OR labels LIKE ? ESCAPE '\\' OR cluster LIKE ? ESCAPE '\\')`,
      );
      params.push(p, p, p, p, p);
    }
  }
  return { sql: parts.length ? parts.join(' AND ') : '1', params };
}

/**
 * Reads that say whether anything the UI shows changed: the newest audit row (every change to
 * incidents, alerts and requests writes one in the same transaction) and the newest change per
 * status (an incident re-sorted without an audit row). Four index seeks, whatever the size.
 */
const CHANGES_SQL = `SELECT (SELECT max(seq) FROM audit) AS a,
  (SELECT max(updated_at) FROM incidents WHERE status = 'firing') AS f,
  (SELECT max(updated_at) FROM incidents WHERE status = 'acknowledged') AS k,
  (SELECT max(updated_at) FROM incidents WHERE status = 'resolved') AS r`;

export class SqliteIncidentBrowser {
  private readonly stmts = new Map<string, Database.Statement>();
  private seen = { dataVersion: -1, ownChanges: -1, token: '' };
  /** Counts per text filter, for the current `changes()` token only (counting is the one full index scan). */
  private counted = { token: '', byText: new Map<string, Record<IncidentStatus, number>>() };

  constructor(private readonly db: Database.Database) {}

  private prepare(sql: string): Database.Statement {
    let s = this.stmts.get(sql);
    if (!s) {
      // Bounded: one statement per shape of filter (number of words), not per value.
      if (this.stmts.size > 200) this.stmts.clear();
      s = this.db.prepare(sql);
      this.stmts.set(sql, s);
    }
    return s;
  }

  /** Changes whenever another connection commits (PRAGMA data_version): a cheap "did anything happen?". */
  dataVersion(): number {
    return this.db.pragma('data_version', { simple: true }) as number;
  }

  /**
   * A token that changes when incidents, alerts, requests or the audit trail change, by any
   * process, and not for other commits (the daemon's heartbeat, Slack bookkeeping, retention).
   * Costs two counter reads unless something was committed since the last call.
   */
  changes(): string {
    const dataVersion = this.dataVersion();
    // data_version does not move for this connection's own commits; total_changes() does.
    const ownChanges = this.prepare('SELECT total_changes() AS n').pluck().get() as number;
    if (dataVersion !== this.seen.dataVersion || ownChanges !== this.seen.ownChanges) {
      const r = this.prepare(CHANGES_SQL).get() as Record<string, number | null>;
      this.seen = { dataVersion, ownChanges, token: `${r.a}:${r.f}:${r.k}:${r.r}` };
    }
    return this.seen.token;
  }

  private visibleStatuses(q: IncidentQuery): IncidentStatus[] {
    return q.statuses && q.statuses.length > 0 ? INCIDENT_STATUSES.filter((s) => q.statuses!.includes(s)) : [...INCIDENT_STATUSES];
  }

  counts(q: IncidentQuery): Record<IncidentStatus, number> {
    const token = this.changes();
    if (this.counted.token !== token) this.counted = { token, byText: new Map() };
    const text = (q.text ?? '').trim();
    const cached = this.counted.byText.get(text);
    if (cached) return cached;
    const t = textClause(text);
    const out: Record<IncidentStatus, number> = { firing: 0, acknowledged: 0, resolved: 0 };
    const rows = this.prepare(`SELECT status, count(*) AS n FROM incidents WHERE ${t.sql} GROUP BY status`).all(...t.params) as {
      status: IncidentStatus;
      n: number;
    }[];
    for (const r of rows) out[r.status] = r.n;
    if (this.counted.byText.size > 50) this.counted.byText.clear(); // one filter typed a letter at a time
    this.counted.byText.set(text, out);
    return out;
  }

  /** Rows [offset, offset + limit) of the query in display order. */
  page(q: IncidentQuery, offset: number, limit: number): IncidentPage {
    const counts = this.counts(q);
    const statuses = this.visibleStatuses(q);
    const total = statuses.reduce((n, s) => n + counts[s], 0);
    const t = textClause(q.text);
    const rows: Incident[] = [];
    let base = 0;
    let want = Math.max(0, limit);
    let from = Math.max(0, offset);
    for (const status of statuses) {
      const n = counts[status];
      if (want > 0 && from < base + n) {
        const skip = from - base;
        const got = this.prepare(
          `SELECT * FROM incidents WHERE status = ? AND ${t.sql} ORDER BY updated_at DESC, id DESC LIMIT ? OFFSET ?`,
        ).all(status, ...t.params, want, skip) as Row[];
        rows.push(...got.map(toIncident));
        want -= got.length;
        from += got.length;
      }
      base += n;
    }
    return { rows, total, counts };
  }

  /**
   * The first `limit` alerts of an incident in the alert list's order (firing first, then oldest:
   * core/alert-list.ts), so a bounded read holds the alerts Slack and the CLI list first; an
   * incident in a storm holds thousands.
   */
  alerts(incidentId: number, limit: number): StoredAlert[] {
    return (
      this.prepare("SELECT * FROM alerts WHERE incident_id = ? ORDER BY status = 'firing' DESC, starts_at, fingerprint LIMIT ?").all(
        incidentId,
        limit,
      ) as Row[]
    ).map(toAlert);
  }

  /** The newest `limit` audit rows of an incident, oldest first, and how many it has in all. */
  timeline(incidentId: number, limit: number): { rows: AuditRecord[]; total: number } {
    const rows = (this.prepare('SELECT * FROM audit WHERE incident_id = ? ORDER BY seq DESC LIMIT ?').all(incidentId, limit) as Row[])
      .map(toAudit)
      .reverse();
    const total =
      rows.length < limit
        ? rows.length
        : (this.prepare('SELECT count(*) FROM audit WHERE incident_id = ?').pluck().get(incidentId) as number);
    return { rows, total };
  }

  /** Where incident `id` stands in the query's order, or null when the query does not match it. */
  positionOf(id: number, q: IncidentQuery): number | null {
    const t = textClause(q.text);
    const me = this.prepare(`SELECT status, updated_at FROM incidents WHERE id = ? AND ${t.sql}`).get(id, ...t.params) as
      { status: IncidentStatus; updated_at: number } | undefined;
    const statuses = this.visibleStatuses(q);
    if (!me || !statuses.includes(me.status)) return null;
    const counts = this.counts(q);
    let base = 0;
    for (const s of statuses) {
      if (s === me.status) break;
      base += counts[s];
    }
    const before = this.prepare(
      `SELECT count(*) AS n FROM incidents WHERE status = ? AND ${t.sql} AND (updated_at > ? OR (updated_at = ? AND id > ?))`,
    ).get(me.status, ...t.params, me.updated_at, me.updated_at, id) as { n: number };
    return base + before.n;
  }
}
