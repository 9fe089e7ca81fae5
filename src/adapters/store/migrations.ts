/**
 * Schema migrations, keyed by PRAGMA user_version. Append only: never edit a shipped step.
 * Each step runs in one transaction with the version bump.
 */
export const MIGRATIONS: readonly string[] = [
  // 1: the spine — deliveries, incidents, alerts, audit chain, outbox, meta.
  `
  CREATE TABLE deliveries (
    id INTEGER PRIMARY KEY,
    received_at INTEGER NOT NULL,
    source TEXT NOT NULL,
    group_key TEXT NOT NULL,
    status TEXT NOT NULL,
    alert_count INTEGER NOT NULL,
    content_hash TEXT NOT NULL,
    outcome TEXT NOT NULL DEFAULT 'pending',
    raw TEXT NOT NULL
  );
  CREATE INDEX deliveries_received ON deliveries(received_at);

  CREATE TABLE incidents (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('firing', 'acknowledged', 'resolved')),
    alertname TEXT NOT NULL,
    severity TEXT NOT NULL,
    namespace TEXT NOT NULL,
    target TEXT NOT NULL,
    labels TEXT NOT NULL,
    annotations TEXT NOT NULL,
    group_key TEXT NOT NULL,
    external_url TEXT NOT NULL,
    firing INTEGER NOT NULL,
    total INTEGER NOT NULL,
    opened_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    resolved_at INTEGER,
    acknowledged_by TEXT,
    acknowledged_at INTEGER
  );
  CREATE INDEX incidents_key ON incidents(key, id);
  CREATE INDEX incidents_status ON incidents(status, id);

  CREATE TABLE alerts (
    incident_id INTEGER NOT NULL REFERENCES incidents(id),
    fingerprint TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('firing', 'resolved')),
    labels TEXT NOT NULL,
    annotations TEXT NOT NULL,
    starts_at INTEGER NOT NULL,
    ends_at INTEGER,
    generator_url TEXT NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (incident_id, fingerprint)
  ) WITHOUT ROWID;

  CREATE TABLE audit (
    seq INTEGER PRIMARY KEY,
    ts INTEGER NOT NULL,
    actor TEXT NOT NULL,
    source TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT,
    incident_id INTEGER,
    result TEXT NOT NULL,
    detail TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
  );
  CREATE INDEX audit_incident ON audit(incident_id, seq);
  -- Guards against accidents; the hash chain is what detects deliberate edits.
  CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit BEGIN SELECT RAISE(ABORT, 'audit rows are append-only'); END;
  CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit BEGIN SELECT RAISE(ABORT, 'audit rows are append-only'); END;

  CREATE TABLE outbox (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    incident_id INTEGER,
    payload TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    done_at INTEGER,
    last_error TEXT
  );
  CREATE INDEX outbox_pending ON outbox(next_attempt_at) WHERE done_at IS NULL;

  CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    updated_at INTEGER NOT NULL
  );
  `,
  // 2: the incidents UI pages through incidents by status, most recently changed first.
  // IF NOT EXISTS: harmless if branches merging migrations reorder steps on a dev database.
  `
  CREATE INDEX IF NOT EXISTS incidents_status_updated ON incidents(status, updated_at DESC, id DESC);
  `,
  // 3: action requests and every approve/deny click on them.
  `
  CREATE TABLE action_requests (
    id TEXT PRIMARY KEY,
    action TEXT NOT NULL,
    risk TEXT NOT NULL,
    namespace TEXT NOT NULL,
    deployment TEXT NOT NULL,
    params TEXT NOT NULL,
    requester TEXT NOT NULL,
    requester_groups TEXT NOT NULL DEFAULT '[]',
    source TEXT NOT NULL,
    incident_id INTEGER,
    reason TEXT,
    dry_run TEXT,
    state TEXT NOT NULL CHECK (state IN ('pending', 'approved', 'running', 'succeeded', 'failed', 'denied', 'expired', 'cancelled')),
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    decided_by TEXT,
    decided_source TEXT,
    decided_at INTEGER,
    decision_reason TEXT,
    result TEXT
  );
  CREATE INDEX action_requests_state ON action_requests(state, expires_at);
  CREATE INDEX action_requests_incident ON action_requests(incident_id, created_at);

  CREATE TABLE approvals (
    id INTEGER PRIMARY KEY,
    request_id TEXT NOT NULL REFERENCES action_requests(id),
    actor TEXT NOT NULL,
    source TEXT NOT NULL,
    decision TEXT NOT NULL CHECK (decision IN ('approve', 'deny')),
    outcome TEXT NOT NULL CHECK (outcome IN ('accepted', 'refused')),
    reason TEXT,
    ts INTEGER NOT NULL
  );
  CREATE INDEX approvals_request ON approvals(request_id, id);
  `,
  // 4: Slack — one message per incident (or a line in a storm digest) and storm digests.
  // IF NOT EXISTS: harmless if branches merging migrations reorder steps on a dev database.
  `
  CREATE TABLE IF NOT EXISTS slack_digests (
    id INTEGER PRIMARY KEY,
    channel TEXT NOT NULL,
    ts TEXT,
    post_started_at INTEGER,
    opened_at INTEGER NOT NULL,
    last_added_at INTEGER NOT NULL,
    dirty INTEGER NOT NULL DEFAULT 1,
    updated_at INTEGER NOT NULL
  );
  CREATE INDEX IF NOT EXISTS slack_digests_channel ON slack_digests(channel, id);

  CREATE TABLE IF NOT EXISTS slack_messages (
    incident_id INTEGER PRIMARY KEY REFERENCES incidents(id),
    channel TEXT NOT NULL,
    ts TEXT,
    digest_id INTEGER REFERENCES slack_digests(id),
    -- set before chat.postMessage is sent, cleared when its ts is stored: a row with this set
    -- and no ts had a post of uncertain outcome, so look it up before posting again.
    post_started_at INTEGER,
    enrichment TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  );
  CREATE INDEX IF NOT EXISTS slack_messages_channel ON slack_messages(channel, created_at);
  `,
  // 5: what Slack shows is the truth — truncated groups, when each incident became visible
  // (own message or digest line), digests promoted on demand, request messages updated in place.
  `
  ALTER TABLE incidents ADD COLUMN truncated_alerts INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE slack_messages ADD COLUMN visible_at INTEGER;
  ALTER TABLE slack_messages ADD COLUMN promoted_at INTEGER;
  ALTER TABLE slack_messages ADD COLUMN gave_up_at INTEGER;
  UPDATE slack_messages SET visible_at = updated_at
    WHERE ts IS NOT NULL OR digest_id IN (SELECT id FROM slack_digests WHERE ts IS NOT NULL);
  CREATE INDEX IF NOT EXISTS slack_messages_digest ON slack_messages(digest_id) WHERE digest_id IS NOT NULL;
  CREATE INDEX IF NOT EXISTS slack_messages_invisible ON slack_messages(created_at) WHERE visible_at IS NULL;
  ALTER TABLE slack_digests ADD COLUMN synced_at INTEGER;
  CREATE TABLE IF NOT EXISTS slack_request_messages (
    request_id TEXT PRIMARY KEY,
    channel TEXT NOT NULL,
    thread_ts TEXT,
    ts TEXT,
    -- as for slack_messages: set before the post, so an uncertain outcome is looked up first
    post_started_at INTEGER,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  );
  `,
  // 6: incidents from before the timestamp rule follow it (the SQL comment is what tests look for).
  `
  -- one timestamp rule: openedAt is the earliest startsAt of an incident's alerts (it was the
  -- arrival of the first delivery), and resolvedAt is never before it.
  UPDATE incidents SET opened_at = min(opened_at, coalesce((SELECT min(starts_at) FROM alerts WHERE alerts.incident_id = incidents.id), opened_at));
  UPDATE incidents SET resolved_at = opened_at WHERE resolved_at IS NOT NULL AND resolved_at < opened_at;
  `,
  // 7: reconciliation with Alertmanager — an alert chatops resolved because Alertmanager no
  // longer had it (not on Alertmanager's word) may fire again when an instance lists it.
  `
  ALTER TABLE alerts ADD COLUMN reconciled INTEGER NOT NULL DEFAULT 0;
  CREATE INDEX IF NOT EXISTS alerts_reconciled ON alerts(updated_at) WHERE reconciled = 1;
  `,
  // 8: what the daemon adds to an incident's thread after its message (graphs, workload state,
  // SLO): one row per incident and kind, so each is done once, survives a restart and is
  // given up (with a note) after a bounded number of attempts.
  `
  CREATE TABLE IF NOT EXISTS incident_extras (
    incident_id INTEGER NOT NULL REFERENCES incidents(id),
    kind TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('running', 'done', 'noted', 'skipped')),
    attempts INTEGER NOT NULL DEFAULT 0,
    data TEXT,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (incident_id, kind)
  );
  CREATE INDEX IF NOT EXISTS incident_extras_running ON incident_extras(state) WHERE state = 'running';
  `,
  // 9: many clusters — the cluster an incident belongs to (NULL: no configured cluster claims
  // it) and the cluster a request acts in; everything stored before is the single cluster's.
  `
  ALTER TABLE incidents ADD COLUMN cluster TEXT DEFAULT 'default';
  ALTER TABLE action_requests ADD COLUMN cluster TEXT NOT NULL DEFAULT 'default';
  CREATE INDEX IF NOT EXISTS incidents_cluster ON incidents(cluster, id);
  `,
  // 10: raw deliveries stored compressed. A 100-alert delivery is ~45 KB of repetitive JSON:
  // stored as text it was 11 overflow pages written to the WAL (and checkpointed) per
  // delivery, more than its alert rows; Brotli brings it to about one page. Old rows keep
  // 'identity'; SqliteStore.deliveryBody reads either.
  `
  ALTER TABLE deliveries ADD COLUMN raw_encoding TEXT NOT NULL DEFAULT 'identity';
  `,
  // 11: indexes for the Slack outbox's hot queries, which scanned the outbox, a table that only
  // grows (delivered rows are kept for store.retention): due rows in id order and an
  // incident's pending rows (coalescing updates). A digest's incidents are indexed by 5.
  `
  CREATE INDEX IF NOT EXISTS outbox_due ON outbox(id) WHERE done_at IS NULL;
  CREATE INDEX IF NOT EXISTS outbox_incident_pending ON outbox(incident_id, id) WHERE done_at IS NULL;
  `,
];
