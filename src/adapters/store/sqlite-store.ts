/** SqliteStore: the one SQLite database shared by the daemon and every CLI/TUI process. */
import fs from 'node:fs';
import path from 'node:path';
import type Database from 'better-sqlite3';
import { chainHash, GENESIS_HASH, storedEntry } from '../../core/audit-chain.js';
import { DEFAULT_CLUSTER } from '../../core/clusters.js';
import { ChatopsError } from '../../core/errors.js';
import type { IncidentNew, IncidentSnapshot } from '../../core/incidents.js';
import type { DeliveryRecord, IncidentFilter, IncidentStore } from '../../core/ports.js';
import type { TrackedAlert } from '../../core/reconcile.js';
import type {
  AlertEvent,
  AuditEntry,
  AuditRecord,
  AuditSource,
  Incident,
  IncidentStatus,
  OutboxEntry,
  StoredAlert,
} from '../../core/types.js';
import type { ActionRequest, ApprovalRecord, RequestFilter, RequestState, RequestStore, TransitionFields } from '../../core/requests.js';
import { MIGRATIONS } from './migrations.js';
import { openDatabase } from './open-database.js';
import { decodeRaw, encodeRaw } from './raw-codec.js';

export interface StoreOptions {
  path: string;
  /** File mode for the database and its WAL/SHM files (0o600 unless opened to a group). */
  mode?: number;
  busyTimeoutMs?: number;
  synchronous?: 'full' | 'normal';
  /** Group (name or gid) given the database when it is created, for mode 0660 set-ups. */
  group?: string;
  /**
   * Refuse to create a database that does not exist yet (commands on existing state). Such a
   * database opens read-only when this process cannot write it: reads work, writes are refused
   * with what to fix.
   */
  mustExist?: boolean;
}

export type Row = Record<string, unknown>;

const json = (text: unknown): Record<string, string> => (typeof text === 'string' ? (JSON.parse(text) as Record<string, string>) : {});

export function toIncident(r: Row): Incident {
  const incident: Incident = {
    id: r.id as number,
    key: r.key as string,
    status: r.status as IncidentStatus,
    alertname: r.alertname as string,
    severity: r.severity as string,
    namespace: r.namespace as string,
    target: r.target as string,
    labels: json(r.labels),
    annotations: json(r.annotations),
    groupKey: r.group_key as string,
    externalURL: r.external_url as string,
    firing: r.firing as number,
    total: r.total as number,
    openedAt: r.opened_at as number,
    updatedAt: r.updated_at as number,
    resolvedAt: (r.resolved_at as number | null) ?? null,
    acknowledgedBy: (r.acknowledged_by as string | null) ?? null,
    acknowledgedAt: (r.acknowledged_at as number | null) ?? null,
    truncatedAlerts: (r.truncated_alerts as number | undefined) ?? 0,
  };
  // The single cluster's incidents read as they always did (an absent cluster is `default`).
  if (r.cluster !== undefined && r.cluster !== DEFAULT_CLUSTER) incident.cluster = r.cluster as string | null;
  return incident;
}

export function toAlert(r: Row): StoredAlert {
  return {
    incidentId: r.incident_id as number,
    fingerprint: r.fingerprint as string,
    status: r.status as 'firing' | 'resolved',
    labels: json(r.labels),
    annotations: json(r.annotations),
    startsAt: r.starts_at as number,
    endsAt: (r.ends_at as number | null) ?? null,
    generatorURL: r.generator_url as string,
    updatedAt: r.updated_at as number,
    reconciled: r.reconciled === 1,
  };
}

export function toAudit(r: Row): AuditRecord {
  return {
    seq: r.seq as number,
    ts: r.ts as number,
    actor: r.actor as string,
    source: r.source as AuditSource,
    action: r.action as string,
    target: (r.target as string | null) ?? null,
    incidentId: (r.incident_id as number | null) ?? null,
    result: r.result as string,
    detail: JSON.parse(r.detail as string) as Record<string, unknown>,
    prevHash: r.prev_hash as string,
    hash: r.hash as string,
  };
}

/**
 * A statement's rows, streamed. better-sqlite3 builds each row object through V8's C++ API, which
 * costs twice what reading the row as an array and naming its fields here does (10,000
 * incidents: 84 ms against 41 ms) — the bulk of `incidents list --json`. It switches `stmt` to
 * raw mode: pass a statement of its own, not a shared one from SqliteStore.stmt.
 */
function* rows(stmt: Database.Statement, params: readonly unknown[]): Generator<Row> {
  const names = stmt.columns().map((c) => c.name);
  for (const values of stmt.raw(true).iterate(...params) as Iterable<unknown[]>) {
    const row: Row = {};
    for (let i = 0; i < names.length; i++) row[names[i]!] = values[i];
    yield row;
  }
}

/** Resolves a group name (or numeric gid) through /etc/group; Node has no getgrnam. */
function groupId(group: string): number {
  if (/^\d+$/.test(group)) return Number(group);
  const line = fs
    .readFileSync('/etc/group', 'utf8')
    .split('\n')
    .find((l) => l.split(':')[0] === group);
  const gid = line ? Number(line.split(':')[2]) : NaN;
  if (!Number.isInteger(gid))
    throw new ChatopsError('config', `store.group: there is no group ${JSON.stringify(group)} on this host: create it or fix store.group.`);
  return gid;
}

function toRequest(r: Row): ActionRequest {
  return {
    id: r.id as string,
    action: r.action as ActionRequest['action'],
    risk: r.risk as ActionRequest['risk'],
    // The single cluster's requests keep the target they always had (no cluster named).
    target:
      r.cluster === undefined || r.cluster === DEFAULT_CLUSTER
        ? { namespace: r.namespace as string, deployment: r.deployment as string }
        : { cluster: r.cluster as string, namespace: r.namespace as string, deployment: r.deployment as string },
    params: JSON.parse(r.params as string) as ActionRequest['params'],
    requester: r.requester as string,
    requesterGroups: JSON.parse((r.requester_groups as string | null) ?? '[]') as string[],
    source: r.source as AuditSource,
    incidentId: (r.incident_id as number | null) ?? null,
    reason: (r.reason as string | null) ?? null,
    dryRun: r.dry_run ? (JSON.parse(r.dry_run as string) as ActionRequest['dryRun']) : null,
    state: r.state as RequestState,
    createdAt: r.created_at as number,
    expiresAt: r.expires_at as number,
    updatedAt: r.updated_at as number,
    decidedBy: (r.decided_by as string | null) ?? null,
    decidedSource: (r.decided_source as AuditSource | null) ?? null,
    decidedAt: (r.decided_at as number | null) ?? null,
    decisionReason: (r.decision_reason as string | null) ?? null,
    result: r.result ? (JSON.parse(r.result as string) as ActionRequest['result']) : null,
  };
}

/** SQLite error codes that mean "cannot commit now", as opposed to a bug. */
const UNAVAILABLE = /^SQLITE_(BUSY|LOCKED|FULL|IOERR|READONLY|CANTOPEN|PROTOCOL|NOMEM)/;

export function isStoreUnavailable(e: unknown): boolean {
  const code = (e as { code?: unknown })?.code;
  return typeof code === 'string' && UNAVAILABLE.test(code);
}

export class SqliteStore implements IncidentStore, RequestStore {
  readonly db: Database.Database;
  readonly path: string;
  /** Why this process cannot write the database (null: it can). */
  readonly readOnly: string | null;
  private readonly stmts = new Map<string, Database.Statement>();

  constructor(options: StoreOptions) {
    this.path = options.path;
    const mode = options.mode ?? 0o600;
    if (options.path !== ':memory:') {
      const exists = fs.existsSync(options.path);
      if (!exists && options.mustExist) {
        throw new ChatopsError(
          'not_found',
          `No database at ${options.path}: start 'chatops daemon' first, or point --config / CHATOPS_DB at the daemon's database.`,
        );
      }
      fs.mkdirSync(path.dirname(path.resolve(options.path)), { recursive: true, mode: 0o750 });
      if (!exists) {
        // Create the file with its mode before SQLite opens it: SQLite gives the WAL and SHM
        // files the same permissions as the database.
        fs.closeSync(fs.openSync(options.path, fs.constants.O_CREAT | fs.constants.O_RDWR, mode));
        fs.chmodSync(options.path, mode);
        if (options.group) fs.chownSync(options.path, -1, groupId(options.group));
      }
    }
    const opened = openDatabase(options.path, {
      timeoutMs: options.busyTimeoutMs ?? 5000,
      allowReadOnly: options.mustExist,
      setup: (db) => {
        db.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 5000}`);
        db.pragma('journal_mode = WAL');
      },
    });
    this.db = opened.db;
    this.readOnly = opened.readOnly;
    this.db.pragma(`synchronous = ${options.synchronous === 'normal' ? 'NORMAL' : 'FULL'}`);
    this.db.pragma('foreign_keys = ON');
    this.migrate();
  }

  /** Applies pending migrations; safe when several processes open the database at once. */
  private migrate(): void {
    const known = MIGRATIONS.length;
    const current = this.db.pragma('user_version', { simple: true }) as number;
    if (current > known) {
      throw new ChatopsError(
        'config',
        `The database ${this.path} has schema version ${current}, newer than this chatops knows (${known}): upgrade chatops.`,
      );
    }
    if (current === known) return;
    if (this.readOnly)
      throw new ChatopsError('unavailable', `${this.readOnly} (It also needs its schema upgraded, which only a writer can do.)`);
    this.db
      .transaction(() => {
        const now = this.db.pragma('user_version', { simple: true }) as number; // re-read under the write lock
        for (let v = now; v < known; v++) {
          this.db.exec(MIGRATIONS[v]!);
          this.db.pragma(`user_version = ${v + 1}`);
        }
      })
      .immediate();
  }

  /** A prepared statement, cached by its text (shared with the stores that extend this database). */
  stmt(sql: string): Database.Statement {
    let s = this.stmts.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.stmts.set(sql, s);
    }
    return s;
  }

  transaction<T>(fn: () => T): T {
    if (this.readOnly) throw new ChatopsError('unavailable', this.readOnly);
    // IMMEDIATE takes the write lock up front, so two processes never deadlock upgrading a read lock.
    return this.db.transaction(fn).immediate();
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  /** A cheap query proving the database answers (for /ready). */
  ping(): void {
    this.stmt('SELECT 1').get();
  }

  recordDelivery(d: DeliveryRecord): number {
    const raw = typeof d.raw === 'string' ? encodeRaw(d.raw) : d.raw;
    const r = this.stmt(
      `INSERT INTO deliveries (received_at, source, group_key, status, alert_count, content_hash, raw, raw_encoding)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(d.receivedAt, d.source, d.groupKey, d.status, d.alertCount, d.contentHash, raw.bytes, raw.encoding);
    return Number(r.lastInsertRowid);
  }

  /** The body of a stored delivery exactly as received, or null (unknown or pruned). */
  deliveryBody(id: number): string | null {
    const r = this.stmt('SELECT raw, raw_encoding FROM deliveries WHERE id = ?').get(id) as
      { raw: string | Uint8Array; raw_encoding: string } | undefined;
    return r ? decodeRaw(r.raw_encoding, r.raw) : null;
  }

  markDelivery(id: number, outcome: string): void {
    this.stmt('UPDATE deliveries SET outcome = ? WHERE id = ?').run(outcome, id);
  }

  /**
   * Deletes raw deliveries received before `cutoff` and delivered outbox rows older than it, in
   * batches so no writer waits long. Incidents, alerts and the audit chain are never pruned.
   */
  prune(cutoff: number, batch = 5000): { deliveries: number; outbox: number } {
    let deliveries = 0;
    let outbox = 0;
    for (;;) {
      const n = this.transaction(
        () =>
          this.stmt('DELETE FROM deliveries WHERE id IN (SELECT id FROM deliveries WHERE received_at < ? LIMIT ?)').run(cutoff, batch)
            .changes,
      );
      deliveries += n;
      if (n < batch) break;
    }
    for (;;) {
      const n = this.transaction(
        () =>
          this.stmt('DELETE FROM outbox WHERE id IN (SELECT id FROM outbox WHERE done_at IS NOT NULL AND done_at < ? LIMIT ?)').run(
            cutoff,
            batch,
          ).changes,
      );
      outbox += n;
      if (n < batch) break;
    }
    return { deliveries, outbox };
  }

  countDeliveries(): number {
    return (this.stmt('SELECT count(*) AS n FROM deliveries').get() as { n: number }).n;
  }

  latestIncidentByKey(key: string, fingerprints: readonly string[]): IncidentSnapshot | null {
    const row = this.stmt('SELECT * FROM incidents WHERE key = ? ORDER BY id DESC LIMIT 1').get(key) as Row | undefined;
    if (!row) return null;
    const incident = toIncident(row);
    // Only the alerts this delivery names, by primary key in one statement: ingest cost stays
    // flat as an incident grows.
    const alerts = new Map<string, StoredAlert>();
    const rows = this.stmt('SELECT * FROM alerts WHERE incident_id = ? AND fingerprint IN (SELECT value FROM json_each(?))').all(
      incident.id,
      JSON.stringify(fingerprints),
    ) as Row[];
    for (const r of rows) alerts.set(r.fingerprint as string, toAlert(r));
    return { incident, alerts };
  }

  insertIncident(i: IncidentNew): number {
    const r = this.stmt(
      `INSERT INTO incidents (key, status, alertname, severity, namespace, target, labels, annotations, group_key, external_url,
         firing, total, opened_at, updated_at, resolved_at, acknowledged_by, acknowledged_at, truncated_alerts, cluster)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      i.key,
      i.status,
      i.alertname,
      i.severity,
      i.namespace,
      i.target,
      JSON.stringify(i.labels),
      JSON.stringify(i.annotations),
      i.groupKey,
      i.externalURL,
      i.firing,
      i.total,
      i.openedAt,
      i.updatedAt,
      i.resolvedAt,
      i.acknowledgedBy,
      i.acknowledgedAt,
      i.truncatedAlerts ?? 0,
      i.cluster === undefined ? DEFAULT_CLUSTER : i.cluster,
    );
    return Number(r.lastInsertRowid);
  }

  updateIncident(i: Incident): void {
    this.stmt(
      `UPDATE incidents SET status = ?, alertname = ?, severity = ?, namespace = ?, target = ?, labels = ?, annotations = ?,
         group_key = ?, external_url = ?, firing = ?, total = ?, updated_at = ?, resolved_at = ?, acknowledged_by = ?, acknowledged_at = ?,
         truncated_alerts = ?
       WHERE id = ?`,
    ).run(
      i.status,
      i.alertname,
      i.severity,
      i.namespace,
      i.target,
      JSON.stringify(i.labels),
      JSON.stringify(i.annotations),
      i.groupKey,
      i.externalURL,
      i.firing,
      i.total,
      i.updatedAt,
      i.resolvedAt,
      i.acknowledgedBy,
      i.acknowledgedAt,
      i.truncatedAlerts ?? 0,
      i.id,
    );
  }

  upsertAlerts(incidentId: number, alerts: readonly AlertEvent[], now: number): void {
    const s = this.stmt(
      `INSERT INTO alerts (incident_id, fingerprint, status, labels, annotations, starts_at, ends_at, generator_url, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (incident_id, fingerprint) DO UPDATE SET status = excluded.status, labels = excluded.labels,
         annotations = excluded.annotations, starts_at = excluded.starts_at, ends_at = excluded.ends_at,
         generator_url = excluded.generator_url, updated_at = excluded.updated_at, reconciled = 0`,
    );
    for (const a of alerts) {
      s.run(
        incidentId,
        a.fingerprint,
        a.status,
        a.labelsJson ?? JSON.stringify(a.labels),
        a.annotationsJson ?? JSON.stringify(a.annotations),
        a.startsAt,
        a.endsAt,
        a.generatorURL,
        now,
      );
    }
  }

  reconcileCandidates(resolvedSince: number): TrackedAlert[] {
    const firing = this.stmt(
      `SELECT a.*, i.key AS incident_key, i.cluster AS incident_cluster FROM incidents i JOIN alerts a ON a.incident_id = i.id
       WHERE i.status IN ('firing', 'acknowledged') AND a.status = 'firing'`,
    ).all() as Row[];
    const reconciled = this.stmt(
      `SELECT a.*, i.key AS incident_key, i.cluster AS incident_cluster FROM alerts a JOIN incidents i ON i.id = a.incident_id
       WHERE a.reconciled = 1 AND a.status = 'resolved' AND a.updated_at >= ?`,
    ).all(resolvedSince) as Row[];
    return [...firing, ...reconciled].map((r) => ({
      ...toAlert(r),
      incidentKey: r.incident_key as string,
      cluster: (r.incident_cluster as string | null) ?? null,
    }));
  }

  markReconciled(incidentId: number, fingerprints: readonly string[]): void {
    const s = this.stmt('UPDATE alerts SET reconciled = 1 WHERE incident_id = ? AND fingerprint = ?');
    for (const fp of fingerprints) s.run(incidentId, fp);
  }

  getIncident(id: number): Incident | null {
    const row = this.stmt('SELECT * FROM incidents WHERE id = ?').get(id) as Row | undefined;
    return row ? toIncident(row) : null;
  }

  listIncidents(filter: IncidentFilter): Incident[] {
    return [...this.iterateIncidents(filter)];
  }

  /** Incidents newest first, streamed (a full list can be long). */
  *iterateIncidents(filter: IncidentFilter): Generator<Incident> {
    const statuses = filter.statuses && filter.statuses.length > 0 ? filter.statuses : null;
    const clusters = filter.clusters && filter.clusters.length > 0 ? filter.clusters : null;
    const clauses: string[] = [];
    if (statuses) clauses.push(`status IN (${statuses.map(() => '?').join(',')})`);
    if (clusters) clauses.push(`cluster IN (${clusters.map(() => '?').join(',')})`);
    const where = clauses.length ? `WHERE ${clauses.join(' AND ')}` : '';
    const limit = filter.limit !== undefined ? 'LIMIT ?' : '';
    const params: unknown[] = [...(statuses ?? []), ...(clusters ?? [])];
    if (filter.limit !== undefined) params.push(filter.limit);
    // Not cached: the IN list varies. Newest first (ids grow with opening time).
    for (const r of rows(this.db.prepare(`SELECT * FROM incidents ${where} ORDER BY id DESC ${limit}`), params)) yield toIncident(r);
  }

  countIncidentsByStatus(): Record<IncidentStatus, number> {
    const out: Record<IncidentStatus, number> = { firing: 0, acknowledged: 0, resolved: 0 };
    for (const r of this.stmt('SELECT status, count(*) AS n FROM incidents GROUP BY status').all() as {
      status: IncidentStatus;
      n: number;
    }[]) {
      out[r.status] = r.n;
    }
    return out;
  }

  /** Incidents per cluster and status (cluster null: no configured cluster claims them), for /metrics. */
  countIncidentsByCluster(): { cluster: string | null; status: IncidentStatus; n: number }[] {
    return this.stmt('SELECT cluster, status, count(*) AS n FROM incidents GROUP BY cluster, status').all() as {
      cluster: string | null;
      status: IncidentStatus;
      n: number;
    }[];
  }

  alertsOf(incidentId: number): StoredAlert[] {
    return (this.stmt('SELECT * FROM alerts WHERE incident_id = ? ORDER BY starts_at, fingerprint').all(incidentId) as Row[]).map(toAlert);
  }

  /** Audit rows this connection appended (a process that appended updates the anchor on close). */
  auditAppended = 0;

  appendAudit(given: AuditEntry): AuditRecord {
    const last = this.stmt('SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1').get() as { seq: number; hash: string } | undefined;
    const seq = (last?.seq ?? 0) + 1;
    const prevHash = last?.hash ?? GENESIS_HASH;
    // Hash exactly what a reader will get back (the detail through JSON), not the caller's objects.
    const { entry, detailJson } = storedEntry(given);
    const hash = chainHash(prevHash, seq, entry);
    this.stmt(
      `INSERT INTO audit (seq, ts, actor, source, action, target, incident_id, result, detail, prev_hash, hash)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(seq, entry.ts, entry.actor, entry.source, entry.action, entry.target, entry.incidentId, entry.result, detailJson, prevHash, hash);
    this.auditAppended++;
    return { ...entry, seq, prevHash, hash };
  }

  auditOf(incidentId: number): AuditRecord[] {
    return (this.stmt('SELECT * FROM audit WHERE incident_id = ? ORDER BY seq').all(incidentId) as Row[]).map(toAudit);
  }

  /** Every audit row in chain order, streamed (the chain can be long). */
  *auditRows(filter: { sinceTs?: number; incidentId?: number } = {}): Generator<AuditRecord> {
    const clauses: string[] = [];
    const params: unknown[] = [];
    if (filter.sinceTs !== undefined) {
      clauses.push('ts >= ?');
      params.push(filter.sinceTs);
    }
    if (filter.incidentId !== undefined) {
      clauses.push('incident_id = ?');
      params.push(filter.incidentId);
    }
    const where = clauses.length ? `WHERE ${clauses.join(' AND ')}` : '';
    for (const r of this.db.prepare(`SELECT * FROM audit ${where} ORDER BY seq`).iterate(...params)) yield toAudit(r as Row);
  }

  /** Up to `limit` audit rows after `seq`, in chain order (for the sinks). */
  auditAfter(seq: number, limit: number): AuditRecord[] {
    return (this.stmt('SELECT * FROM audit WHERE seq > ? ORDER BY seq LIMIT ?').all(seq, limit) as Row[]).map(toAudit);
  }

  /** The newest row's seq and hash (the chain head), null for an empty chain. */
  auditHead(): { seq: number; hash: string } | null {
    return (this.stmt('SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1').get() as { seq: number; hash: string } | undefined) ?? null;
  }

  /** One row's stored hash, null when there is no such row. */
  auditHash(seq: number): string | null {
    return (this.stmt('SELECT hash FROM audit WHERE seq = ?').get(seq) as { hash: string } | undefined)?.hash ?? null;
  }

  lastAuditSeq(): number {
    return (this.stmt('SELECT coalesce(max(seq), 0) AS n FROM audit').get() as { n: number }).n;
  }

  enqueue(entry: OutboxEntry, now: number): void {
    this.stmt('INSERT INTO outbox (kind, incident_id, payload, created_at, next_attempt_at) VALUES (?, ?, ?, ?, ?)').run(
      entry.kind,
      entry.incidentId,
      JSON.stringify(entry.payload),
      now,
      now,
    );
  }

  /** Pending outbox rows and the age of the oldest, for /metrics. */
  outboxDepth(now: number): { depth: number; oldestAgeMs: number } {
    const r = this.stmt('SELECT count(*) AS n, min(created_at) AS oldest FROM outbox WHERE done_at IS NULL').get() as {
      n: number;
      oldest: number | null;
    };
    return { depth: r.n, oldestAgeMs: r.oldest === null ? 0 : Math.max(0, now - r.oldest) };
  }

  setMeta(key: string, value: string, now: number): void {
    this.stmt(
      'INSERT INTO meta (key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at',
    ).run(key, value, now);
  }

  getMeta(key: string): { value: string; updatedAt: number } | null {
    const r = this.stmt('SELECT value, updated_at FROM meta WHERE key = ?').get(key) as { value: string; updated_at: number } | undefined;
    return r ? { value: r.value, updatedAt: r.updated_at } : null;
  }

  insertRequest(r: ActionRequest): void {
    this.stmt(
      `INSERT INTO action_requests (id, action, risk, namespace, deployment, params, requester, requester_groups, source, incident_id, reason, dry_run, state,
         created_at, expires_at, updated_at, decided_by, decided_source, decided_at, decision_reason, result, cluster)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      r.id,
      r.action,
      r.risk,
      r.target.namespace,
      r.target.deployment,
      JSON.stringify(r.params),
      r.requester,
      JSON.stringify(r.requesterGroups),
      r.source,
      r.incidentId,
      r.reason,
      r.dryRun ? JSON.stringify(r.dryRun) : null,
      r.state,
      r.createdAt,
      r.expiresAt,
      r.updatedAt,
      r.decidedBy,
      r.decidedSource,
      r.decidedAt,
      r.decisionReason,
      r.result ? JSON.stringify(r.result) : null,
      r.target.cluster ?? DEFAULT_CLUSTER,
    );
  }

  getRequest(id: string): ActionRequest | null {
    const row = this.stmt('SELECT * FROM action_requests WHERE id = ?').get(id) as Row | undefined;
    return row ? toRequest(row) : null;
  }

  listRequests(filter: RequestFilter): ActionRequest[] {
    const clauses: string[] = [];
    const params: unknown[] = [];
    if (filter.states && filter.states.length > 0) {
      clauses.push(`state IN (${filter.states.map(() => '?').join(',')})`);
      params.push(...filter.states);
    }
    if (filter.incidentId !== undefined) {
      clauses.push('incident_id = ?');
      params.push(filter.incidentId);
    }
    const where = clauses.length ? `WHERE ${clauses.join(' AND ')}` : '';
    const limit = filter.limit !== undefined ? `LIMIT ${Math.max(0, Math.floor(filter.limit))}` : '';
    return (this.db.prepare(`SELECT * FROM action_requests ${where} ORDER BY created_at, id ${limit}`).all(...params) as Row[]).map(
      toRequest,
    );
  }

  transitionRequest(
    id: string,
    from: RequestState,
    to: RequestState,
    now: number,
    f: TransitionFields = {},
    notExpiredAt?: number,
  ): boolean {
    // One guarded UPDATE: whoever changes the row first wins, in any process; the rest see 0 changes.
    const r = this.stmt(
      `UPDATE action_requests SET state = ?, updated_at = ?,
         decided_by = coalesce(?, decided_by), decided_source = coalesce(?, decided_source), decided_at = coalesce(?, decided_at),
         decision_reason = coalesce(?, decision_reason), result = coalesce(?, result)
       WHERE id = ? AND state = ? AND (? IS NULL OR expires_at > ?)`,
    ).run(
      to,
      now,
      f.decidedBy ?? null,
      f.decidedSource ?? null,
      f.decidedAt ?? null,
      f.decisionReason ?? null,
      f.result ? JSON.stringify(f.result) : null,
      id,
      from,
      notExpiredAt ?? null,
      notExpiredAt ?? null,
    );
    return r.changes === 1;
  }

  recordApproval(a: ApprovalRecord): void {
    this.stmt('INSERT INTO approvals (request_id, actor, source, decision, outcome, reason, ts) VALUES (?, ?, ?, ?, ?, ?, ?)').run(
      a.requestId,
      a.actor,
      a.source,
      a.decision,
      a.outcome,
      a.reason,
      a.ts,
    );
  }

  approvalsOf(requestId: string): ApprovalRecord[] {
    return (this.stmt('SELECT * FROM approvals WHERE request_id = ? ORDER BY id').all(requestId) as Row[]).map((r) => ({
      requestId: r.request_id as string,
      actor: r.actor as string,
      source: r.source as AuditSource,
      decision: r.decision as 'approve' | 'deny',
      outcome: r.outcome as 'accepted' | 'refused',
      reason: (r.reason as string | null) ?? null,
      ts: r.ts as number,
    }));
  }
}
