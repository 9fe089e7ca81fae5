/**
 * The real express app and a real SQLite file per test, through startDaemon (in-process, so the
 * tests can also open the same database to inspect it or to lock it).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { Database } from '../../src/adapters/store/sqlite-driver.js';
import { loadConfig } from '../../src/config/load.js';
import { startDaemon, type RunningDaemon } from '../../src/daemon/daemon.js';
import { silentLogger } from '../../src/logger.js';
import { webhookBody } from '../support/builders.js';
import { fixture, tempDir } from '../support/tmp.js';

async function daemon(t: TestContext, env: Record<string, string> = {}): Promise<RunningDaemon & { db: string }> {
  const dir = tempDir(t);
  const db = path.join(dir, 'chatops.db');
  const loaded = loadConfig({ env: { CHATOPS_DB: db, CHATOPS_LISTEN: '127.0.0.1:0', ...env }, cwd: dir });
  const d = await startDaemon(loaded, silentLogger());
  t.after(() => d.stop());
  return { ...d, db };
}

async function post(url: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${url}/api/alertmanager`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // leave empty: the assertion on status says more
  }
  return { status: res.status, json, headers: res.headers };
}

function count(d: RunningDaemon, table: string): number {
  return (d.runtime.store.db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
}

describe('POST /api/alertmanager', () => {
  it('commits a real Alertmanager payload: delivery, alerts, incident, audit', async (t) => {
    const d = await daemon(t);
    const r = await post(d.url, fixture('alertmanager/02-firing-group-of-3.json'));
    assert.equal(r.status, 200);
    assert.equal(r.json.outcome, 'applied');
    assert.equal(count(d, 'deliveries'), 1);
    assert.equal(count(d, 'alerts'), 3);
    const [inc] = d.runtime.store.listIncidents({});
    assert.equal(inc!.status, 'firing');
    assert.equal(inc!.firing, 3);
    assert.equal(inc!.alertname, 'KubePodCrashLooping');
    const audit = d.runtime.store.db.prepare('SELECT action, target, detail FROM audit ORDER BY seq').all() as {
      action: string;
      target: string;
      detail: string;
    }[];
    assert.deepEqual(
      audit.map((a) => a.action),
      ['incident.opened', 'alert.firing'],
      'one row per kind of change, not one per alert',
    );
    assert.equal(audit[1]!.target, '3 alerts');
    assert.equal((JSON.parse(audit[1]!.detail) as { fingerprints: string[] }).fingerprints.length, 3);
  });

  it('follows a group through partial and full resolution (real captured sequence)', async (t) => {
    const d = await daemon(t);
    for (const f of ['01-firing-single.json', '02-firing-group-of-3.json', '03-group-one-resolved.json']) {
      assert.equal((await post(d.url, fixture(`alertmanager/${f}`))).status, 200);
    }
    let [inc] = d.runtime.store.listIncidents({});
    assert.equal(inc!.status, 'firing');
    assert.equal(inc!.firing, 2);
    assert.equal(inc!.total, 3);
    assert.equal((await post(d.url, fixture('alertmanager/04-group-all-resolved.json'))).status, 200);
    [inc] = d.runtime.store.listIncidents({});
    assert.equal(inc!.status, 'resolved');
    assert.ok(inc!.resolvedAt);
    assert.equal(d.runtime.store.listIncidents({}).length, 1);
  });

  it('the same delivery twice (HA pair, retry) duplicates nothing', async (t) => {
    const d = await daemon(t);
    const body = fixture('alertmanager/02-firing-group-of-3.json');
    assert.equal((await post(d.url, body)).json.outcome, 'applied');
    const auditBefore = count(d, 'audit');
    // The second Alertmanager of an HA pair has another externalURL; same alerts.
    const peer = JSON.stringify({ ...JSON.parse(body), externalURL: 'http://am-2:9093' });
    const again = await post(d.url, peer);
    assert.equal(again.status, 200);
    assert.equal(again.json.outcome, 'noop');
    assert.equal(count(d, 'alerts'), 3);
    assert.equal(count(d, 'incidents'), 1);
    assert.equal(count(d, 'audit'), auditBefore);
    assert.equal(d.runtime.store.listIncidents({})[0]!.firing, 3);
  });

  it('accepts 1,000 alerts in one delivery', async (t) => {
    const d = await daemon(t);
    const body = webhookBody(
      Array.from({ length: 1000 }, (_, i) => ({ fingerprint: `f${i.toString().padStart(15, '0')}`, labels: { pod: `web-${i}` } })),
    );
    const r = await post(d.url, body);
    assert.equal(r.status, 200);
    assert.equal(count(d, 'alerts'), 1000);
    assert.equal(d.runtime.store.listIncidents({})[0]!.firing, 1000);
  });

  it('keeps unicode and 10 KB annotations intact, accepts unknown extra fields', async (t) => {
    const d = await daemon(t);
    const long = `Ünïcödé — 日本語 — 🚨 ${'x'.repeat(10 * 1024)}`;
    const body = webhookBody([{ fingerprint: 'aaaaaaaaaaaaaaaa', annotations: { description: long, summary: '<!channel> ping' } }], {
      notification_reason: 'first notification',
      routeLabels: {},
      somethingNew: { nested: [1, 2] },
    });
    (body.alerts as Record<string, unknown>[])[0]!.extraAlertField = true;
    assert.equal((await post(d.url, body)).status, 200);
    const stored = d.runtime.store.alertsOf(d.runtime.store.listIncidents({})[0]!.id)[0]!;
    assert.equal(stored.annotations.description, long);
    assert.equal(stored.annotations.summary, '<!channel> ping');
  });

  it('400 names the bad field; version other than "4" is refused', async (t) => {
    const d = await daemon(t);
    const cases: Array<[unknown, RegExp]> = [
      ['not json', /not valid JSON/],
      [[], /JSON object/],
      [{ ...webhookBody([{}]), version: '3' }, /version must be "4"/],
      [{ ...webhookBody([{}]), alerts: 'x' }, /^alerts/],
      [{ ...webhookBody([{}]), groupKey: undefined }, /^groupKey/],
      [webhookBody([{ status: 'weird' as never }]), /^alerts\[0\]\.status/],
      [webhookBody([{ labels: { alertname: 5 as never } }]), /^alerts\[0\]\.labels\.alertname/],
      [
        { ...webhookBody([{}]), alerts: [{ ...(webhookBody([{}]).alerts as object[])[0], startsAt: 'yesterday' }] },
        /alerts\[0\]\.startsAt is not an RFC 3339 time/,
      ],
      [webhookBody([{ fingerprint: 'd0d0' }, { fingerprint: 'd0d0' }]), /fingerprint repeats/],
    ];
    for (const [body, want] of cases) {
      const r = await post(d.url, body);
      assert.equal(r.status, 400, `status for ${JSON.stringify(body).slice(0, 80)}`);
      assert.match(String(r.json.error), want);
    }
    assert.equal(count(d, 'deliveries'), 0);
    assert.equal((await fetch(`${d.url}/health`)).status, 200);
  });

  it('401 without or with a wrong token, 200 with the right one', async (t) => {
    const d = await daemon(t, { CHATOPS_WEBHOOK_TOKEN: 's3cr3t-token' });
    const body = fixture('alertmanager/01-firing-single.json');
    const none = await post(d.url, body);
    assert.equal(none.status, 401);
    assert.match(String(none.json.error), /bearer token/);
    assert.ok(!JSON.stringify(none.json).includes('s3cr3t'));
    assert.equal((await post(d.url, body, { authorization: 'Bearer wrong' })).status, 401);
    assert.equal((await post(d.url, body, { authorization: 'Bearer s3cr3t-token' })).status, 200);
    const metrics = await (await fetch(`${d.url}/metrics`)).text();
    assert.ok(!metrics.includes('s3cr3t'));
    assert.match(metrics, /chatops_deliveries_total\{outcome="unauthorized"\} 2/);
  });

  it('413 over webhook.max_body', async (t) => {
    const d = await daemon(t);
    const body = webhookBody([{ annotations: { description: 'x'.repeat(1024 * 1024 + 10) } }]);
    const r = await post(d.url, body);
    assert.equal(r.status, 413);
    assert.match(String(r.json.error), /max_body/);
    assert.equal(count(d, 'deliveries'), 0);
  });

  it('503 while the store cannot commit, then 200 once it can', async (t) => {
    const dir = tempDir(t);
    const db = path.join(dir, 'chatops.db');
    fs.mkdirSync(path.join(dir, 'config'));
    fs.writeFileSync(path.join(dir, 'config/chatops.yaml'), 'store:\n  busy_timeout: 200ms\n');
    const d = await startDaemon(loadConfig({ env: { CHATOPS_DB: db, CHATOPS_LISTEN: '127.0.0.1:0' }, cwd: dir }), silentLogger());
    t.after(() => d.stop());
    // Another process holding the write lock, as a stuck CLI or backup would.
    const other = new Database(db);
    other.exec('BEGIN IMMEDIATE');
    const r = await post(d.url, fixture('alertmanager/01-firing-single.json'));
    assert.equal(r.status, 503);
    assert.equal(r.headers.get('retry-after'), '5');
    assert.match(String(r.json.error), /cannot commit/);
    other.exec('ROLLBACK');
    other.close();
    assert.equal((await post(d.url, fixture('alertmanager/01-firing-single.json'))).status, 200);
    assert.equal(d.runtime.store.countDeliveries(), 1);
  });

  it('health, ready, metrics and 404', async (t) => {
    const d = await daemon(t);
    assert.deepEqual(await (await fetch(`${d.url}/health`)).json(), { status: 'ok' });
    assert.equal((await fetch(`${d.url}/ready`)).status, 200);
    await post(d.url, fixture('alertmanager/02-firing-group-of-3.json'));
    const metrics = await (await fetch(`${d.url}/metrics`)).text();
    assert.match(metrics, /chatops_alerts_received_total\{status="firing"\} 3/);
    assert.match(metrics, /chatops_deliveries_total\{outcome="applied"\} 1/);
    assert.match(metrics, /chatops_incidents_open 1/);
    const nf = await fetch(`${d.url}/nope`);
    assert.equal(nf.status, 404);
  });

  it('refuses to listen on a non-loopback address without a token', async (t) => {
    const dir = tempDir(t);
    const loaded = loadConfig({ env: { CHATOPS_DB: path.join(dir, 'x.db'), CHATOPS_LISTEN: '0.0.0.0:0' } });
    await assert.rejects(startDaemon(loaded, silentLogger()), /Refusing to listen on 0\.0\.0\.0:0 without a webhook token/);
  });

  it('creates the database directory and file with mode 0600, WAL included', async (t) => {
    const dir = tempDir(t);
    const db = path.join(dir, 'nested/deeper/chatops.db');
    const d = await startDaemon(loadConfig({ env: { CHATOPS_DB: db, CHATOPS_LISTEN: '127.0.0.1:0' } }), silentLogger());
    await post(d.url, fixture('alertmanager/01-firing-single.json'));
    for (const f of [db, `${db}-wal`, `${db}-shm`]) {
      assert.equal(fs.statSync(f).mode & 0o777, 0o600, `${f} mode`);
    }
    await d.stop();
  });
});
