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
  /** When the incident became visible in Slack (its own message posted, or its digest line shown). */
  visibleAt: number | null;
  /** A digested incident whose own message someone asked for from the digest. */
  promotedAt: number | null;
  /** Slack refused its post for good: it will not become visible. */
  gaveUpAt: number | null;
}

/** A request's own message (Approve/Deny), updated in place as the request moves on. */
export interface RequestMessageRow {
  requestId: string;
  channel: string;
  /** The incident's thread it lives in; null for a top-level message (a request without an incident). */
  threadTs: string | null;
  ts: string | null;
  postStartedAt: number | null;
}

export interface DigestRow {
  id: number;
  channel: string;
  ts: string | null;
  postStartedAt: number | null;
  openedAt: number;
  lastAddedAt: number;
  dirty: boolean;
  /** The last successful post or update. */
  syncedAt: number | null;
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
  visibleAt: (r.visible_at as number | null) ?? null,
  promotedAt: (r.promoted_at as number | null) ?? null,
  gaveUpAt: (r.gave_up_at as number | null) ?? null,
});

const toDigest = (r: Row): DigestRow => ({
  id: r.id as number,
  channel: r.channel as string,
  ts: (r.ts as string | null) ?? null,
  postStartedAt: (r.post_started_at as number | null) ?? null,
  openedAt: r.opened_at as number,
  lastAddedAt: r.last_added_at as number,
  dirty: Boolean(r.dirty),
  syncedAt: (r.synced_at as number | null) ?? null,
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
    return (
      this.stmt('SELECT * FROM outbox WHERE done_at IS NULL AND next_attempt_at <= ? ORDER BY id LIMIT ?').all(now, limit) as Row[]
    ).map((r) => ({
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

  /**
   * Rows that backed off while Slack was unreachable are due again now: once a call succeeds,
   * the backlog drains at the rate limits' pace, not at each row's own backoff.
   */
  release(ids: readonly number[], now: number): number {
    const s = this.stmt('UPDATE outbox SET next_attempt_at = ? WHERE id = ? AND done_at IS NULL AND next_attempt_at > ?');
    let n = 0;
    for (const id of ids) n += s.run(now, id, now).changes;
    return n;
  }

  /** At start: every undelivered row is due (its backoff belonged to the process that stopped). */
  releaseAll(now: number): number {
    return this.stmt('UPDATE outbox SET next_attempt_at = ? WHERE done_at IS NULL AND next_attempt_at > ?').run(now, now).changes;
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
   * After a chat.update (or the post) rendered once row `upto` existed: it covers every pending
   * update of this incident up to it. Update-only kinds are done; reply kinds (a silence is
   * written as `incident.updated` with reason "silence" and replies too) keep their reply.
   */
  coalesceUpdates(incidentId: number, upto: number, updateOnly: readonly string[], replyKinds: readonly string[], now: number): void {
    const isReply = `(kind IN (${replyKinds.map(() => '?').join(',')}) OR (kind = 'incident.updated' AND coalesce(json_extract(payload, '$.reason'), '') = 'silence'))`;
    this.transaction(() => {
      this.db
        .prepare(
          `UPDATE outbox SET done_at = ? WHERE incident_id = ? AND id <= ? AND done_at IS NULL AND kind IN (${updateOnly.map(() => '?').join(',')}) AND NOT ${isReply}`,
        )
        .run(now, incidentId, upto, ...updateOnly, ...replyKinds);
      this.db
        .prepare(
          `UPDATE outbox SET payload = json_set(payload, '$.topUpdated', 1) WHERE incident_id = ? AND id <= ? AND done_at IS NULL AND ${isReply}`,
        )
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
    const r = this.stmt('SELECT incident_id FROM slack_messages WHERE channel = ? AND ts = ?').get(channel, ts) as
      { incident_id: number } | undefined;
    return r?.incident_id ?? null;
  }

  createMessage(incidentId: number, channel: string, digestId: number | null, now: number): void {
    this.stmt(
      'INSERT INTO slack_messages (incident_id, channel, digest_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING',
    ).run(incidentId, channel, digestId, now, now);
  }

  markPostStarted(incidentId: number, now: number): void {
    this.stmt('UPDATE slack_messages SET post_started_at = ?, updated_at = ? WHERE incident_id = ?').run(now, now, incidentId);
  }

  /** The top message is posted: the incident is visible (if it was not already, as a digest line). */
  setTs(incidentId: number, ts: string, now: number): void {
    this.stmt('UPDATE slack_messages SET ts = ?, visible_at = coalesce(visible_at, ?), updated_at = ? WHERE incident_id = ?').run(
      ts,
      now,
      now,
      incidentId,
    );
  }

  /** Asked for from the digest: the incident gets its own message (and thread) as well as its line. */
  promote(incidentId: number, now: number): boolean {
    return (
      this.stmt(
        'UPDATE slack_messages SET promoted_at = ?, updated_at = ? WHERE incident_id = ? AND digest_id IS NOT NULL AND promoted_at IS NULL',
      ).run(now, now, incidentId).changes > 0
    );
  }

  markGaveUp(incidentId: number, now: number): void {
    this.stmt('UPDATE slack_messages SET gave_up_at = ?, updated_at = ? WHERE incident_id = ? AND visible_at IS NULL').run(
      now,
      now,
      incidentId,
    );
  }

  /** Open incidents with no Slack message or digest line yet (they opened while Slack was off), oldest first. */
  openIncidentsWithoutMessage(limit: number): number[] {
    return (
      this.stmt(
        `SELECT i.id FROM incidents i LEFT JOIN slack_messages m ON m.incident_id = i.id
      WHERE i.status != 'resolved' AND m.incident_id IS NULL
        AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.incident_id = i.id AND o.done_at IS NULL)
      ORDER BY i.id LIMIT ?`,
      ).all(limit) as { id: number }[]
    ).map((r) => r.id);
  }

  /** Open incidents whose own message is posted (re-rendered when the policy changes). */
  postedOpenIncidents(): number[] {
    return (
      this.stmt(
        `SELECT m.incident_id FROM slack_messages m JOIN incidents i ON i.id = m.incident_id
      WHERE m.ts IS NOT NULL AND i.status != 'resolved' ORDER BY m.incident_id`,
      ).all() as { incident_id: number }[]
    ).map((r) => r.incident_id);
  }

  /** The incident waiting longest to become visible in Slack, if any. */
  oldestInvisible(): { incidentId: number; since: number } | null {
    const r = this.stmt(
      'SELECT incident_id, created_at FROM slack_messages WHERE visible_at IS NULL AND gave_up_at IS NULL ORDER BY created_at LIMIT 1',
    ).get() as { incident_id: number; created_at: number } | undefined;
    return r ? { incidentId: r.incident_id, since: r.created_at } : null;
  }

  /**
   * Own messages of a channel created up to `at` that are still to be posted (with undelivered
   * rows): a digest opened after them must not be posted above them.
   */
  ownPostsPendingBefore(channel: string, at: number): number {
    return (
      this.stmt(
        `SELECT count(*) AS n FROM slack_messages m WHERE m.channel = ? AND m.digest_id IS NULL AND m.ts IS NULL AND m.created_at <= ?
      AND EXISTS (SELECT 1 FROM outbox o WHERE o.incident_id = m.incident_id AND o.done_at IS NULL)`,
      ).get(channel, at) as { n: number }
    ).n;
  }

  setEnrichment(incidentId: number, text: string, now: number): void {
    this.stmt('UPDATE slack_messages SET enrichment = ?, updated_at = ? WHERE incident_id = ?').run(text, now, incidentId);
  }

  /** Incidents given their own top message in a channel since a time (for the storm decision). */
  ownMessagesSince(channel: string, since: number): number {
    return (
      this.stmt('SELECT count(*) AS n FROM slack_messages WHERE channel = ? AND created_at >= ? AND digest_id IS NULL').get(
        channel,
        since,
      ) as { n: number }
    ).n;
  }

  // --- digests ------------------------------------------------------------------------------

  /** The channel's digest still collecting (its last addition within the window), if any. */
  openDigest(channel: string, since: number): DigestRow | null {
    const r = this.stmt('SELECT * FROM slack_digests WHERE channel = ? AND last_added_at >= ? ORDER BY id DESC LIMIT 1').get(
      channel,
      since,
    ) as Row | undefined;
    return r ? toDigest(r) : null;
  }

  digestSize(id: number): number {
    return (this.stmt('SELECT count(*) AS n FROM slack_messages WHERE digest_id = ?').get(id) as { n: number }).n;
  }

  /** Lines of the digest not yet shown in Slack. */
  digestUnshown(id: number): number {
    return (this.stmt('SELECT count(*) AS n FROM slack_messages WHERE digest_id = ? AND visible_at IS NULL').get(id) as { n: number }).n;
  }

  /** After a successful post or update that listed these incidents. */
  markDigestSynced(id: number, shown: readonly number[], now: number): void {
    this.transaction(() => {
      this.stmt('UPDATE slack_digests SET synced_at = ?, updated_at = ? WHERE id = ?').run(now, now, id);
      const s = this.stmt(
        'UPDATE slack_messages SET visible_at = ?, updated_at = ? WHERE incident_id = ? AND digest_id = ? AND visible_at IS NULL',
      );
      for (const i of shown) s.run(now, now, i, id);
    });
  }

  /** Incidents of a digest promoted to their own message. */
  digestPromoted(id: number): number[] {
    return (
      this.stmt('SELECT incident_id FROM slack_messages WHERE digest_id = ? AND promoted_at IS NOT NULL').all(id) as {
        incident_id: number;
      }[]
    ).map((r) => r.incident_id);
  }

  createDigest(channel: string, now: number): number {
    return Number(
      this.stmt('INSERT INTO slack_digests (channel, opened_at, last_added_at, dirty, updated_at) VALUES (?, ?, ?, 1, ?)').run(
        channel,
        now,
        now,
        now,
      ).lastInsertRowid,
    );
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
    return (
      this.stmt('SELECT incident_id FROM slack_messages WHERE digest_id = ? ORDER BY incident_id').all(id) as { incident_id: number }[]
    ).map((r) => r.incident_id);
  }

  // --- request messages ---------------------------------------------------------------------

  requestMessage(requestId: string): RequestMessageRow | null {
    const r = this.stmt('SELECT * FROM slack_request_messages WHERE request_id = ?').get(requestId) as Row | undefined;
    return r
      ? {
          requestId: r.request_id as string,
          channel: r.channel as string,
          threadTs: (r.thread_ts as string | null) ?? null,
          ts: (r.ts as string | null) ?? null,
          postStartedAt: (r.post_started_at as number | null) ?? null,
        }
      : null;
  }

  /** Records where a request's message goes and that its post starts now (looked up after an uncertain outcome). */
  startRequestPost(requestId: string, channel: string, threadTs: string | null, now: number): void {
    this.stmt(
      `INSERT INTO slack_request_messages (request_id, channel, thread_ts, post_started_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)
      ON CONFLICT (request_id) DO UPDATE SET post_started_at = excluded.post_started_at, updated_at = excluded.updated_at`,
    ).run(requestId, channel, threadTs, now, now, now);
  }

  setRequestTs(requestId: string, ts: string, now: number): void {
    this.stmt('UPDATE slack_request_messages SET ts = ?, updated_at = ? WHERE request_id = ?').run(ts, now, requestId);
  }
}
