/**
 * Pending action requests read straight from the `action_requests` table, for the terminal UI.
 * The table comes with the approvals core; until a database has it this returns nothing, and
 * it looks at which columns exist so it keeps working while that schema settles. A row is
 * pending when its `state` (or `status`) is 'pending' and it has not expired yet (the daemon's
 * expiry sweep may not have run).
 */
import type Database from 'better-sqlite3';
import type { PendingApprovals, PendingRequest } from '../../core/operator-ports.js';
import type { Clock } from '../../core/ports.js';

type Row = Record<string, unknown>;

const first = (cols: Set<string>, ...names: string[]): string | null => names.find((n) => cols.has(n)) ?? null;

function parseObject(v: unknown): Record<string, unknown> {
  if (typeof v !== 'string') return {};
  try {
    const o = JSON.parse(v) as unknown;
    return o && typeof o === 'object' && !Array.isArray(o) ? (o as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

function previewText(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  if (typeof v !== 'string') return String(v);
  const o = parseObject(v);
  // A stored dry-run result is JSON; show its message or verdict when it has one.
  if (typeof o.ok === 'boolean') {
    const summary = typeof o.summary === 'string' ? `: ${o.summary}` : '';
    const changes = Array.isArray(o.changes) && o.changes.length ? ` (${o.changes.map(String).join('; ')})` : '';
    return `dry-run ${o.ok ? 'admitted' : 'rejected'}${summary}${changes}`;
  }
  if (typeof o.summary === 'string') return o.summary;
  if (typeof o.message === 'string') return o.message;
  return v;
}

export class SqlitePendingApprovals implements PendingApprovals {
  private columns: Set<string> | null = null;
  private where = '';
  private checkedVersion = -1;

  constructor(
    private readonly db: Database.Database,
    private readonly clock: Clock,
  ) {}

  /** The table's columns, or null while it does not exist (re-checked when the schema version changes). */
  private cols(): Set<string> | null {
    const v = this.db.pragma('schema_version', { simple: true }) as number;
    if (v !== this.checkedVersion) {
      this.checkedVersion = v;
      const info = this.db.pragma('table_info(action_requests)') as { name: string }[];
      const cols = new Set(info.map((c) => c.name));
      const state = first(cols, 'state', 'status');
      this.columns = cols.has('incident_id') && cols.has('id') && state ? cols : null;
      this.where = `incident_id = ? AND ${state} = 'pending'${cols.has('expires_at') ? ' AND (expires_at IS NULL OR expires_at > ?)' : ''}`;
    }
    return this.columns;
  }

  countFor(incidentId: number): number {
    if (!this.cols()) return 0;
    const r = this.db.prepare(`SELECT count(*) AS n FROM action_requests WHERE ${this.where}`).get(...this.params(incidentId)) as { n: number };
    return r.n;
  }

  private params(incidentId: number): number[] {
    return this.columns?.has('expires_at') ? [incidentId, this.clock.now()] : [incidentId];
  }

  list(incidentId: number): PendingRequest[] {
    const cols = this.cols();
    if (!cols) return [];
    const c = {
      action: first(cols, 'action', 'action_name', 'kind'),
      target: first(cols, 'target'),
      namespace: first(cols, 'namespace'),
      deployment: first(cols, 'deployment', 'name'),
      params: first(cols, 'params', 'parameters'),
      by: first(cols, 'requested_by', 'requester', 'actor'),
      at: first(cols, 'requested_at', 'created_at'),
      expires: first(cols, 'expires_at'),
      preview: first(cols, 'preview', 'dry_run', 'dry_run_result', 'dryrun'),
    };
    const order = c.at ? `${c.at}, id` : 'id';
    const rows = this.db.prepare(`SELECT * FROM action_requests WHERE ${this.where} ORDER BY ${order}`).all(...this.params(incidentId)) as Row[];
    return rows.map((r) => {
      const get = (k: string | null): unknown => (k ? r[k] : undefined);
      const target = (get(c.target) as string | undefined) ?? [get(c.namespace), get(c.deployment)].filter(Boolean).join('/');
      return {
        id: String(r.id),
        incidentId,
        action: String(get(c.action) ?? '?'),
        target: String(target ?? ''),
        params: parseObject(get(c.params)),
        requestedBy: String(get(c.by) ?? '?'),
        requestedAt: typeof get(c.at) === 'number' ? (get(c.at) as number) : null,
        expiresAt: typeof get(c.expires) === 'number' ? (get(c.expires) as number) : null,
        preview: previewText(get(c.preview)),
      };
    });
  }
}
