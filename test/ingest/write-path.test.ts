/**
 * The daemon's write path: group commit (concurrent deliveries share one transaction, each in
 * its own savepoint, answered only after COMMIT), one outbox row per delivery for joining
 * alerts, WAL checkpoints from a worker thread, raw bodies stored compressed, and webhook
 * bodies parsed in a worker thread (spawned built daemon).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { Database } from '../../src/adapters/store/sqlite-driver.js';
import { startCheckpointer } from '../../src/adapters/store/checkpointer.js';
import { GroupCommitIngest } from '../../src/adapters/store/group-commit.js';
import { MIGRATIONS } from '../../src/adapters/store/migrations.js';
import { SqliteStore } from '../../src/adapters/store/sqlite-store.js';
import { OFFLOAD_BYTES } from '../../src/adapters/alertmanager/webhook-parser.js';
import type { IngestContext, IngestOrigin } from '../../src/core/ingest.js';
import { silentLogger } from '../../src/logger.js';
import { alert, delivery, webhookBody } from '../support/builders.js';
import { spawnDaemon } from '../support/daemon.js';
import { tempDir } from '../support/tmp.js';

const origin: IngestOrigin = { source: 'webhook', actor: 'alertmanager:test', auditSource: 'alertmanager' };
const count = (s: SqliteStore, table: string) => (s.db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;

function open(dir: string, busyTimeoutMs = 5000) {
  const store = new SqliteStore({ path: path.join(dir, 'g.db'), busyTimeoutMs });
  const ctx: IngestContext = {
    store,
    clock: { now: () => Date.parse('2026-11-30T12:00:00Z') },
    notify: false,
    lifecycle: { keyLabels: [], reopenWindowMs: 3_600_000 },
  };
  return { store, ctx };
}

describe('group commit', () => {
  it('commits deliveries that arrive together in one transaction and answers each with its own result', async (t) => {
    const { store, ctx } = open(tempDir(t));
    t.after(() => store.close());
    const commits: number[] = [];
    const ingest = new GroupCommitIngest(store, ctx, { onCommit: (n) => commits.push(n) });
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) => {
        const d = delivery([alert({ labels: { alertname: `G${i}` } })], { groupKey: `g${i}` });
        return ingest.ingest(d, JSON.stringify(d), origin);
      }),
    );
    assert.deepEqual(commits, [6], 'one commit for the six');
    assert.deepEqual(
      results.map((r) => r.incidents[0]!.action),
      Array(6).fill('open'),
    );
    assert.equal(new Set(results.map((r) => r.deliveryId)).size, 6);
    assert.equal(count(store, 'incidents'), 6);
    assert.equal(count(store, 'deliveries'), 6);
  });

  it('a delivery that fails is rolled back alone; the rest of its batch commits', async (t) => {
    const { store, ctx } = open(tempDir(t));
    t.after(() => store.close());
    const good = (i: number) => delivery([alert({ labels: { alertname: `Ok${i}` } })], { groupKey: `ok${i}` });
    // A status the schema refuses (the parser never lets it through): the alerts CHECK fails mid-delivery.
    const bad = delivery(
      [alert({ labels: { alertname: 'Bad' } }), alert({ labels: { alertname: 'Bad' }, status: 'sideways' as 'firing' })],
      { groupKey: 'bad' },
    );
    const commits: number[] = [];
    const gc = new GroupCommitIngest(store, ctx, { onCommit: (n) => commits.push(n) });
    const outcomes = await Promise.allSettled([good(1), bad, good(2)].map((d) => gc.ingest(d, JSON.stringify(d), origin)));
    assert.deepEqual(commits, [3]);
    assert.deepEqual(
      outcomes.map((o) => o.status),
      ['fulfilled', 'rejected', 'fulfilled'],
    );
    assert.match(String((outcomes[1] as PromiseRejectedResult).reason), /CHECK constraint failed/);
    assert.deepEqual(
      store
        .listIncidents({})
        .map((i) => i.key)
        .sort(),
      ['ok1', 'ok2'],
      'nothing of the failed delivery, all of the others',
    );
    assert.equal(count(store, 'deliveries'), 2);
    assert.equal(count(store, 'audit'), 4);
  });

  it('when the store cannot commit, every delivery of the batch fails and none is stored', async (t) => {
    const dir = tempDir(t);
    const { store, ctx } = open(dir, 50);
    t.after(() => store.close());
    const gc = new GroupCommitIngest(store, ctx);
    const other = new Database(path.join(dir, 'g.db'));
    other.exec('BEGIN IMMEDIATE'); // another process holds the write lock past busy_timeout
    const ds = [0, 1, 2].map((i) => delivery([alert({ labels: { alertname: `L${i}` } })], { groupKey: `l${i}` }));
    const outcomes = await Promise.allSettled(ds.map((d) => gc.ingest(d, JSON.stringify(d), origin)));
    other.exec('ROLLBACK');
    other.close();
    assert.deepEqual(
      outcomes.map((o) => o.status),
      ['rejected', 'rejected', 'rejected'],
    );
    for (const o of outcomes) assert.equal((o as PromiseRejectedResult).reason.code, 'SQLITE_BUSY');
    assert.equal(count(store, 'incidents'), 0);
    // The next batch commits normally.
    const r = await gc.ingest(ds[0]!, JSON.stringify(ds[0]), origin);
    assert.equal(r.outcome, 'applied');
  });
});

describe('outbox rows of an ingest', () => {
  it('alerts joining an incident are one row per delivery naming them all, not one row per alert', async (t) => {
    const { store, ctx } = open(tempDir(t));
    t.after(() => store.close());
    const gc = new GroupCommitIngest(store, { ...ctx, notify: true });
    const batch = (from: number) =>
      delivery(
        Array.from({ length: 50 }, (_, k) =>
          alert({ fingerprint: (from + k).toString(16).padStart(16, '0'), labels: { pod: `p${from + k}` } }),
        ),
        { groupKey: 'grow' },
      );
    for (const from of [0, 50, 100]) await gc.ingest(batch(from), JSON.stringify(batch(from)), origin);
    const rows = store.db.prepare('SELECT kind, payload FROM outbox ORDER BY id').all() as { kind: string; payload: string }[];
    assert.deepEqual(
      rows.map((r) => r.kind),
      ['incident.opened', 'incident.updated', 'alert.joined', 'incident.updated', 'alert.joined'],
    );
    const joined = rows
      .filter((r) => r.kind === 'alert.joined')
      .map((r) => (JSON.parse(r.payload) as { fingerprints: string[] }).fingerprints);
    assert.deepEqual(
      joined,
      [50, 100].map((from) => Array.from({ length: 50 }, (_, k) => (from + k).toString(16).padStart(16, '0'))),
    );
  });
});

describe('raw deliveries', () => {
  it('are stored compressed and read back byte for byte; rows from before the migration still read', (t) => {
    const dir = tempDir(t);
    const file = path.join(dir, 'r.db');
    // A database as the schema before compression left it, with a delivery stored as text.
    const compression = MIGRATIONS.findIndex((m) => m.includes('raw_encoding'));
    assert.ok(compression > 0);
    const old = new Database(file);
    old.pragma('journal_mode = WAL');
    for (let v = 0; v < compression; v++) old.exec(MIGRATIONS[v]!);
    old.pragma(`user_version = ${compression}`);
    old
      .prepare(
        "INSERT INTO deliveries (received_at, source, group_key, status, alert_count, content_hash, raw) VALUES (1, 'webhook', 'g', 'firing', 1, 'h', '{\"old\":true}')",
      )
      .run();
    old.close();
    const store = new SqliteStore({ path: file });
    t.after(() => store.close());
    assert.equal(store.deliveryBody(1), '{"old":true}');
    const body = JSON.stringify(
      webhookBody(
        Array.from({ length: 200 }, (_, i) => ({
          fingerprint: i.toString(16).padStart(16, '0'),
          labels: { pod: `web-${i}` },
          annotations: { summary: `pod web-${i} is not ready — ünïcode ✓` },
        })),
      ),
    );
    const id = store.recordDelivery({
      receivedAt: 2,
      source: 'webhook',
      groupKey: 'g',
      status: 'firing',
      alertCount: 200,
      contentHash: 'h',
      raw: body,
    });
    assert.equal(store.deliveryBody(id), body);
    const stored = store.db.prepare('SELECT length(raw) AS n, raw_encoding FROM deliveries WHERE id = ?').get(id) as {
      n: number;
      raw_encoding: string;
    };
    assert.equal(stored.raw_encoding, 'br');
    assert.ok(stored.n * 5 < Buffer.byteLength(body), `stored ${stored.n} bytes of ${Buffer.byteLength(body)}`);
    assert.equal(store.deliveryBody(999), null);
  });
});

describe('WAL checkpoints in a worker thread', () => {
  it('copies committed pages into the database file while the writer never checkpoints itself', async (t) => {
    const dir = tempDir(t);
    const file = path.join(dir, 'c.db');
    const store = new SqliteStore({ path: file });
    t.after(() => store.close());
    const checkpointer = startCheckpointer(store, silentLogger(), { intervalMs: 20, synchronous: 'full', busyTimeoutMs: 5000 });
    assert.equal(store.db.pragma('wal_autocheckpoint', { simple: true }), 16_000, 'the writer only checkpoints as a safety net');
    const before = fs.statSync(file).size;
    const ins = store.db.prepare('INSERT INTO meta (key, value, updated_at) VALUES (?, ?, 0)');
    for (let i = 0; i < 200; i++) store.transaction(() => ins.run(`k${i}`, 'x'.repeat(4000)));
    // 200 pages far below the writer's threshold: only the worker can have moved them.
    const deadline = Date.now() + 60_000;
    while (fs.statSync(file).size < before + 200 * 4000 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.ok(fs.statSync(file).size >= before + 200 * 4000, 'the database file grew by the checkpointed pages');
    await checkpointer.stop();
    assert.equal(store.db.pragma('wal_autocheckpoint', { simple: true }), 1000, "back to SQLite's default once the worker is gone");
    const check = new Database(file, { readonly: true });
    assert.equal((check.prepare('SELECT count(*) AS n FROM meta').get() as { n: number }).n, 200);
    check.close();
  });
});

describe('webhook bodies parsed in a worker thread (built daemon)', () => {
  it('a large delivery is stored exactly; a large invalid one gets the same 400 as a small one', async (t) => {
    const dir = tempDir(t);
    const daemon = await spawnDaemon({ CHATOPS_DB: path.join(dir, 'w.db') }, { cwd: dir });
    t.after(() => daemon.stop());
    const post = async (body: string) => {
      const res = await fetch(`${daemon.url}/api/alertmanager`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      return { status: res.status, json: (await res.json()) as { error?: string; deliveryId?: number } };
    };
    const big = (over: Record<string, unknown> = {}) =>
      JSON.stringify(
        webhookBody(
          Array.from({ length: 120 }, (_, i) => ({ fingerprint: `b${i.toString(16).padStart(15, '0')}`, labels: { pod: `web-${i}` } })),
          { groupKey: 'big', ...over },
        ),
      );
    assert.ok(Buffer.byteLength(big()) > OFFLOAD_BYTES);
    // The first large body starts the thread; later ones go through it once it has loaded.
    const results = [];
    for (let i = 0; i < 20; i++) results.push(await post(big()));
    assert.deepEqual(
      results.map((r) => r.status),
      Array(20).fill(200),
    );
    const badBig = await post(big({ version: '3' }));
    const badSmall = await post(JSON.stringify(webhookBody([{ fingerprint: 'c000000000000001' }], { version: '3' })));
    assert.equal(badBig.status, 400);
    assert.equal(badBig.json.error, badSmall.json.error);
    const brokenBig = await post(`${big()}}`);
    assert.equal(brokenBig.status, 400);
    assert.match(String(brokenBig.json.error), /not valid JSON/);
    await daemon.stop();
    const store = new SqliteStore({ path: path.join(dir, 'w.db') });
    assert.equal(store.deliveryBody(results[0]!.json.deliveryId!), big());
    const stored = store.alertsOf(1);
    assert.equal(stored.length, 120);
    const sent = (
      JSON.parse(big()) as { alerts: { fingerprint: string; labels: Record<string, string>; annotations: Record<string, string> }[] }
    ).alerts;
    assert.deepEqual(
      stored.map((a) => [a.fingerprint, a.labels, a.annotations]),
      sent.map((a) => [a.fingerprint, a.labels, a.annotations]),
    );
    store.close();
  });
});
