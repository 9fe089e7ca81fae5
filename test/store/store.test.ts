import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { Database } from '../../src/adapters/store/sqlite-driver.js';
import { MIGRATIONS } from '../../src/adapters/store/migrations.js';
import { SqliteStore } from '../../src/adapters/store/sqlite-store.js';
import { BIN, runCli, testEnv } from '../support/daemon.js';
import { webhookBody } from '../support/builders.js';
import { tempDir } from '../support/tmp.js';

describe('SqliteStore', () => {
  it('migrates by user_version, WAL on, and refuses a newer schema', (t) => {
    const dir = tempDir(t);
    const file = path.join(dir, 's.db');
    const s = new SqliteStore({ path: file });
    assert.equal(s.db.pragma('user_version', { simple: true }), MIGRATIONS.length);
    assert.equal(s.db.pragma('journal_mode', { simple: true }), 'wal');
    s.close();
    const raw = new Database(file);
    raw.pragma(`user_version = ${MIGRATIONS.length + 1}`);
    raw.close();
    assert.throws(() => new SqliteStore({ path: file }), /newer than this chatops knows.*upgrade chatops/);
  });

  it("an upgrade applies the timestamp rule to incidents opened before it (openedAt from the alerts' startsAt)", (t) => {
    const file = path.join(tempDir(t), 'old.db');
    const step = MIGRATIONS.findIndex((m) => m.includes('one timestamp rule'));
    assert.ok(step > 0);
    const raw = new Database(file);
    for (let v = 0; v < step; v++) raw.exec(MIGRATIONS[v]!);
    raw.pragma(`user_version = ${step}`);
    // Opened at the webhook's arrival (the old rule), resolved at the alert's endsAt: "resolved before it opened".
    raw.exec(`INSERT INTO incidents (id, key, status, alertname, severity, namespace, target, labels, annotations, group_key, external_url,
      firing, total, opened_at, updated_at, resolved_at) VALUES (1, 'k', 'resolved', 'A', '', '', '', '{}', '{}', 'k', '', 0, 1, 5000, 5000, 3000)`);
    raw.exec(`INSERT INTO alerts (incident_id, fingerprint, status, labels, annotations, starts_at, ends_at, generator_url, updated_at)
      VALUES (1, 'f', 'resolved', '{}', '{}', 1000, 3000, '', 5000)`);
    raw.close();
    const s = new SqliteStore({ path: file });
    t.after(() => s.close());
    const i = s.getIncident(1)!;
    assert.equal(i.openedAt, 1000);
    assert.equal(i.resolvedAt, 3000);
  });

  it('opens the file to a group when configured', (t) => {
    const dir = tempDir(t);
    const file = path.join(dir, 'g.db');
    new SqliteStore({ path: file, mode: 0o660, group: 'daemon' }).close();
    const st = fs.statSync(file);
    assert.equal(st.mode & 0o777, 0o660);
    const gid = Number(
      fs
        .readFileSync('/etc/group', 'utf8')
        .split('\n')
        .find((l) => l.startsWith('daemon:'))!
        .split(':')[2],
    );
    assert.equal(st.gid, gid);
    assert.throws(() => new SqliteStore({ path: path.join(dir, 'h.db'), group: 'no-such-group-xyz' }), /no group "no-such-group-xyz"/);
  });

  it('audit rows are append-only (guard triggers)', (t) => {
    const s = new SqliteStore({ path: path.join(tempDir(t), 'a.db') });
    s.appendAudit({ ts: 1, actor: 'a', source: 'cli', action: 'x', target: null, incidentId: null, result: 'ok', detail: {} });
    assert.throws(() => s.db.prepare("UPDATE audit SET actor = 'b'").run(), /append-only/);
    assert.throws(() => s.db.prepare('DELETE FROM audit').run(), /append-only/);
    s.close();
  });

  it('several processes writing at once: nothing lost, chain intact', async (t) => {
    const dir = tempDir(t);
    const db = path.join(dir, 'shared.db');
    const payloads = Array.from({ length: 12 }, (_, i) => {
      const f = path.join(dir, `p${i}.json`);
      fs.writeFileSync(
        f,
        JSON.stringify(
          webhookBody([{ fingerprint: `a${i.toString().padStart(15, '0')}`, labels: { alertname: `Multi${i}` } }], {
            groupKey: `{}:{alertname="Multi${i}"}`,
          }),
        ),
      );
      return f;
    });
    // 12 CLI processes ingest concurrently into one database file.
    const codes = await Promise.all(
      payloads.map(
        (f) =>
          new Promise<number>((resolve) => {
            const child = spawn(process.execPath, [BIN, 'alerts', 'ingest', f], { env: testEnv({ CHATOPS_DB: db }), stdio: 'ignore' });
            child.on('exit', (code) => resolve(code ?? -1));
          }),
      ),
    );
    assert.deepEqual(
      codes,
      payloads.map(() => 0),
    );
    const list = JSON.parse(runCli(['incidents', 'list', '--json'], { env: { CHATOPS_DB: db } }).stdout) as unknown[];
    assert.equal(list.length, 12);
    assert.equal(runCli(['audit', 'verify'], { env: { CHATOPS_DB: db } }).code, 0);
  });

  it('prunes raw deliveries and delivered outbox rows past retention; keeps incidents, alerts, audit', (t) => {
    const s = new SqliteStore({ path: path.join(tempDir(t), 'p.db') });
    const day = 86_400_000;
    const now = Date.parse('2026-11-26T00:00:00Z');
    for (let i = 0; i < 12; i++) {
      s.recordDelivery({
        receivedAt: now - i * day,
        source: 'webhook',
        groupKey: `g${i}`,
        status: 'firing',
        alertCount: 1,
        contentHash: 'h',
        raw: '{}',
      });
      s.enqueue({ kind: 'incident.updated', incidentId: null, payload: {} }, now - i * day);
    }
    s.db.prepare('UPDATE outbox SET done_at = created_at WHERE id % 2 = 0').run();
    s.appendAudit({ ts: now - 20 * day, actor: 'a', source: 'cli', action: 'x', target: null, incidentId: null, result: 'ok', detail: {} });
    const pruned = s.prune(now - 5 * day - 1, 2);
    assert.deepEqual(pruned, { deliveries: 6, outbox: 3 });
    assert.equal(s.countDeliveries(), 6);
    const pending = (s.db.prepare('SELECT count(*) AS n FROM outbox WHERE done_at IS NULL').get() as { n: number }).n;
    assert.equal(pending, 6, 'undelivered outbox rows are never pruned');
    assert.equal(s.lastAuditSeq(), 1, 'the audit chain is kept');
    s.close();
  });

  it('the daemon prunes at start with store.retention, and keeps everything with 0', async (t) => {
    const { loadConfig } = await import('../../src/config/load.js');
    const { startDaemon } = await import('../../src/daemon/daemon.js');
    const { silentLogger } = await import('../../src/logger.js');
    for (const [retention, left] of [
      ['7d', 1],
      ['0', 2],
    ] as const) {
      const dir = tempDir(t);
      const db = path.join(dir, 'r.db');
      const s = new SqliteStore({ path: db });
      for (const age of [1, 30])
        s.recordDelivery({
          receivedAt: Date.now() - age * 86_400_000,
          source: 'webhook',
          groupKey: 'g',
          status: 'firing',
          alertCount: 1,
          contentHash: 'h',
          raw: '{}',
        });
      s.close();
      fs.mkdirSync(path.join(dir, 'config'));
      fs.writeFileSync(path.join(dir, 'config/chatops.yaml'), `store:\n  retention: "${retention}"\n`);
      const d = await startDaemon(loadConfig({ env: { CHATOPS_DB: db, CHATOPS_LISTEN: '127.0.0.1:0' }, cwd: dir }), silentLogger());
      const n = d.runtime.store.countDeliveries();
      await d.stop();
      assert.equal(n, left, `retention ${retention}`);
    }
  });
});
