/**
 * SlackStore: what the outbox worker and the Slack interactions keep in the shared database —
 * one message (or digest line) per incident, storm digests, outbox progress.
 * Shares the SqliteStore's connection, so its writes join the same transactions.
 */
import type Database from 'better-sqlite3';
import type { SqliteStore } from './sqlite-store.js';

export interface OutboxRow {
  id: number;
  kind: string;
  incidentId: number | null;
  payload: Record<string, unknown>;
  attempts: number;
  createdAt: number;
}

export interface SlackMessageRow {
  incidentId: number;
  channel: string;
  ts: string | null;
  digestId: number | null;
  postStartedAt: number | null;
  enrichment: string | null;
  createdAt: number;
}

export interface DigestRow {
  id: number;
  channel: string;
  ts: string | null;
  postStartedAt: number | null;
  openedAt: number;
  lastAddedAt: number;
  dirty: boolean;
}

type Row = Record<string, unknown>;

const toMessage = (r: Row): SlackMessageRow => ({
  incidentId: r.incident_id as number,
  channel: r.channel as string,
  ts: (r.ts as string | null) ?? null,
  digestId: (r.digest_id as number | null) ?? null,
  postStartedAt: (r.post_started_at as number | null) ?? null,
  enrichment: (r.enrichment as string | null) ?? null,
  createdAt: r.created_at as number,
});

const toDigest = (r: Row): DigestRow => ({
  id: r.id as number,
  channel: r.channel as string,
  ts: (r.ts as string | null) ?? null,
  postStartedAt: (r.post_started_at as number | null) ?? null,
  openedAt: r.opened_at as number,
  lastAddedAt: r.last_added_at as number,
  dirty: Boolean(r.dirty),
});

export class SlackStore {
  private readonly db: Database.Database;

  constructor(readonly store: SqliteStore) {
    this.db = store.db;
  }

  private stmt(sql: string): Database.Statement {
    return this.store.stmt(sql);
  }

  transaction<T>(fn: () => T): T {
    return this.store.transaction(fn);
  }

  // --- outbox -------------------------------------------------------------------------------

  /** Undelivered rows due now, oldest first. */
  dueOutbox(now: number, limit = 1000): OutboxRow[] {
    return (this.stmt('SELECT * FROM outbox WHERE done_at IS NULL AND next_attempt_at <= ? ORDER BY id LIMIT ?').all(now, limit) as Row[]).map((r) => ({
      id: r.id as number,
      kind: r.kind as string,
      incidentId: (r.incident_id as number | null) ?? null,
      payload: JSON.parse(r.payload as string) as Record<string, unknown>,
      attempts: r.attempts as number,
      createdAt: r.created_at as number,
    }));
  }

  markDone(ids: readonly number[], now: number): void {
    const s = this.stmt('UPDATE outbox SET done_at = ?, last_error = NULL WHERE id = ? AND done_at IS NULL');
    for (const id of ids) s.run(now, id);
  }

  /** Puts rows back for later; `failed` counts an attempt and records the error. */
  defer(ids: readonly number[], until: number, failed: { error: string } | null): void {
    const s = failed
      ? this.stmt('UPDATE outbox SET next_attempt_at = ?, attempts = attempts + 1, last_error = ? WHERE id = ? AND done_at IS NULL')
      : this.stmt('UPDATE outbox SET next_attempt_at = ? WHERE id = ? AND done_at IS NULL');
    for (const id of ids) {
      if (failed) s.run(until, failed.error.slice(0, 500), id);
      else s.run(until, id);
    }
  }

  /** The newest outbox row id (what a render taken now has seen). */
  maxOutboxId(): number {
    return (this.stmt('SELECT coalesce(max(id), 0) AS n FROM outbox').get() as { n: number }).n;
  }

  /** Rows whose thread reply is about to be sent with this metadata key (looked up after an uncertain outcome). */
  setReplyKey(ids: readonly number[], key: number): void {
    const s = this.stmt("UPDATE outbox SET payload = json_set(payload, '$.replyKey', ?) WHERE id = ?");
    for (const id of ids) s.run(key, id);
  }

  /** Reply rows whose top-message part is done: only their thread reply remains. */
  markTopUpdated(ids: readonly number[]): void {
    const s = this.stmt("UPDATE outbox SET payload = json_set(payload, '$.topUpdated', 1) WHERE id = ?");
    for (const id of ids) s.run(id);
  }

  /**
   * After a chat.update rendered once row `upto` existed: that update covers every pending
   * update of this incident up to it (update-only kinds are done; reply kinds keep their reply).
   */
  coalesceUpdates(incidentId: number, upto: number, updateOnly: readonly string[], replyKinds: readonly string[], now: number): void {
    this.transaction(() => {
      this.db.prepare(`UPDATE outbox SET done_at = ? WHERE incident_id = ? AND id <= ? AND done_at IS NULL AND kind IN (${updateOnly.map(() => '?').join(',')})`)
        .run(now, incidentId, upto, ...updateOnly);
      this.db.prepare(`UPDATE outbox SET payload = json_set(payload, '$.topUpdated', 1) WHERE incident_id = ? AND id <= ? AND done_at IS NULL AND kind IN (${replyKinds.map(() => '?').join(',')})`)
        .run(incidentId, upto, ...replyKinds);
    });
  }

  // --- messages -----------------------------------------------------------------------------

  messageOf(incidentId: number): SlackMessageRow | null {
    const r = this.stmt('SELECT * FROM slack_messages WHERE incident_id = ?').get(incidentId) as Row | undefined;
    return r ? toMessage(r) : null;
  }

  /** The incident whose top message this is, if any. */
  incidentOfMessage(channel: string, ts: string): number | null {
    const r = this.stmt('SELECT incident_id FROM slack_messages WHERE channel = ? AND ts = ?').get(channel, ts) as { incident_id: number } | undefined;
    return r?.incident_id ?? null;
  }

  createMessage(incidentId: number, channel: string, digestId: number | null, now: number): void {
    this.stmt('INSERT INTO slack_messages (incident_id, channel, digest_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING')
      .run(incidentId, channel, digestId, now, now);
  }

  markPostStarted(incidentId: number, now: number): void {
    this.stmt('UPDATE slack_messages SET post_started_at = ?, updated_at = ? WHERE incident_id = ?').run(now, now, incidentId);
  }

  setTs(incidentId: number, ts: string, now: number): void {
    this.stmt('UPDATE slack_messages SET ts = ?, updated_at = ? WHERE incident_id = ?').run(ts, now, incidentId);
  }

  setEnrichment(incidentId: number, text: string, now: number): void {
    this.stmt('UPDATE slack_messages SET enrichment = ?, updated_at = ? WHERE incident_id = ?').run(text, now, incidentId);
  }

  /** Incidents given their own top message in a channel since a time (for the storm decision). */
  ownMessagesSince(channel: string, since: number): number {
    return (this.stmt('SELECT count(*) AS n FROM slack_messages WHERE channel = ? AND created_at >= ? AND digest_id IS NULL').get(channel, since) as { n: number }).n;
  }

  // --- digests ------------------------------------------------------------------------------

  /** The channel's digest still collecting (its last addition within the window), if any. */
  openDigest(channel: string, since: number): DigestRow | null {
    const r = this.stmt('SELECT * FROM slack_digests WHERE channel = ? AND last_added_at >= ? ORDER BY id DESC LIMIT 1').get(channel, since) as Row | undefined;
    return r ? toDigest(r) : null;
  }

  createDigest(channel: string, now: number): number {
    return Number(this.stmt('INSERT INTO slack_digests (channel, opened_at, last_added_at, dirty, updated_at) VALUES (?, ?, ?, 1, ?)').run(channel, now, now, now).lastInsertRowid);
  }

  touchDigest(id: number, now: number, added: boolean): void {
    if (added) this.stmt('UPDATE slack_digests SET last_added_at = ?, dirty = 1, updated_at = ? WHERE id = ?').run(now, now, id);
    else this.stmt('UPDATE slack_digests SET dirty = 1, updated_at = ? WHERE id = ?').run(now, id);
  }

  digest(id: number): DigestRow | null {
    const r = this.stmt('SELECT * FROM slack_digests WHERE id = ?').get(id) as Row | undefined;
    return r ? toDigest(r) : null;
  }

  dirtyDigests(): DigestRow[] {
    return (this.stmt('SELECT * FROM slack_digests WHERE dirty = 1 ORDER BY id').all() as Row[]).map(toDigest);
  }

  markDigestClean(id: number, now: number): void {
    this.stmt('UPDATE slack_digests SET dirty = 0, updated_at = ? WHERE id = ?').run(now, id);
  }

  markDigestPostStarted(id: number, now: number): void {
    this.stmt('UPDATE slack_digests SET post_started_at = ?, updated_at = ? WHERE id = ?').run(now, now, id);
  }

  setDigestTs(id: number, ts: string, now: number): void {
    this.stmt('UPDATE slack_digests SET ts = ?, updated_at = ? WHERE id = ?').run(ts, now, id);
  }

  digestIncidentIds(id: number): number[] {
    return (this.stmt('SELECT incident_id FROM slack_messages WHERE digest_id = ? ORDER BY incident_id').all(id) as { incident_id: number }[]).map((r) => r.incident_id);
  }
}
