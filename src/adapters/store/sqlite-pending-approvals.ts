/**
 * Pending action requests of an incident, for the terminal UI: rows of `action_requests` in
 * state 'pending' that have not expired yet (the daemon's expiry sweep may not have run).
 */
import type Database from 'better-sqlite3';
import type { Clock } from '../../core/ports.js';

/** An action request waiting for a decision, as an approver needs to see it. */
export interface PendingRequest {
  /** Opaque request id (what buttons and `chatops approve <request>` carry). */
  id: string;
  incidentId: number | null;
  /** Catalogue name, e.g. `rollout-restart`, `scale`. */
  action: string;
  /** `namespace/deployment`. */
  target: string;
  params: Record<string, unknown>;
  requestedBy: string;
  requestedAt: number | null;
  expiresAt: number | null;
  /** The dry-run result shown to approvers (e.g. "admitted by the API server"), when known. */
  preview: string | null;
}

/** Reads an incident's pending action requests. */
export interface PendingApprovals {
  countFor(incidentId: number): number;
  list(incidentId: number): PendingRequest[];
}

type Row = Record<string, unknown>;

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
  constructor(
    private readonly db: Database.Database,
    private readonly clock: Clock,
  ) {}

  countFor(incidentId: number): number {
    const r = this.db
      .prepare("SELECT count(*) AS n FROM action_requests WHERE incident_id = ? AND state = 'pending' AND expires_at > ?")
      .get(incidentId, this.clock.now()) as { n: number };
    return r.n;
  }

  list(incidentId: number): PendingRequest[] {
    const rows = this.db
      .prepare("SELECT * FROM action_requests WHERE incident_id = ? AND state = 'pending' AND expires_at > ? ORDER BY created_at, id")
      .all(incidentId, this.clock.now()) as Row[];
    return rows.map((r) => ({
      id: String(r.id),
      incidentId,
      action: String(r.action),
      target: `${String(r.namespace)}/${String(r.deployment)}`,
      params: parseObject(r.params),
      requestedBy: String(r.requester),
      requestedAt: r.created_at as number,
      expiresAt: r.expires_at as number,
      preview: previewText(r.dry_run),
    }));
  }
}
