/** Databases with an audit trail to verify, export, back up and tamper with. */
import assert from 'node:assert/strict';
import path from 'node:path';
import { Database } from '../../src/adapters/store/sqlite-driver.js';
import { runCli } from './daemon.js';
import { FIXTURES, tempDir } from './tmp.js';

/** A fresh database holding fixture 02's incident, acknowledged on the CLI (three audit rows). */
export function ackedIncidentDb(t: Parameters<typeof tempDir>[0]): { dir: string; db: string; env: { CHATOPS_DB: string } } {
  const dir = tempDir(t);
  const db = path.join(dir, 'c.db');
  const env = { CHATOPS_DB: db };
  assert.equal(runCli(['alerts', 'ingest', path.join(FIXTURES, 'alertmanager/02-firing-group-of-3.json')], { env }).code, 0);
  assert.equal(runCli(['ack', '1'], { env }).code, 0);
  return { dir, db, env };
}

/** Runs SQL on the audit table as an attacker with write access would: the guard trigger dropped first. */
export function tamperAudit(db: string, sql: string): void {
  const conn = new Database(db);
  try {
    conn.exec('DROP TRIGGER IF EXISTS audit_no_update');
    conn.prepare(sql).run();
  } finally {
    conn.close();
  }
}
