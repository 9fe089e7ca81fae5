import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
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

  it('opens the file to a group when configured', (t) => {
    const dir = tempDir(t);
    const file = path.join(dir, 'g.db');
    new SqliteStore({ path: file, mode: 0o660, group: 'daemon' }).close();
    const st = fs.statSync(file);
    assert.equal(st.mode & 0o777, 0o660);
    const gid = Number(fs.readFileSync('/etc/group', 'utf8').split('\n').find((l) => l.startsWith('daemon:'))!.split(':')[2]);
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
      fs.writeFileSync(f, JSON.stringify(webhookBody([{ fingerprint: `m${i.toString().padStart(15, '0')}`, labels: { alertname: `Multi${i}` } }], { groupKey: `{}:{alertname="Multi${i}"}` })));
      return f;
    });
    // 12 CLI processes ingest concurrently into one database file.
    const codes = await Promise.all(payloads.map((f) => new Promise<number>((resolve) => {
      const child = spawn(process.execPath, [BIN, 'alerts', 'ingest', f], { env: testEnv({ CHATOPS_DB: db }), stdio: 'ignore' });
      child.on('exit', (code) => resolve(code ?? -1));
    })));
    assert.deepEqual(codes, payloads.map(() => 0));
    const list = JSON.parse(runCli(['incidents', 'list', '--json'], { env: { CHATOPS_DB: db } }).stdout) as unknown[];
    assert.equal(list.length, 12);
    assert.equal(runCli(['audit', 'verify'], { env: { CHATOPS_DB: db } }).code, 0);
  });
});
