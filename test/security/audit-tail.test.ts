/**
 * The audit tail cannot be cut silently (issue: "whoever can write the database can drop the
 * guard triggers and delete the newest audit rows; audit verify still says intact"). The built
 * CLI writes the chain head to an anchor outside the database when it appends; an attacker with
 * write access to the database (better-sqlite3 directly, as `sqlite3` would) drops the triggers
 * and cuts, rewrites or rolls back the chain; `chatops audit verify` exits 1 naming the anchor.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import type Sqlite from 'better-sqlite3';
import { Database } from '../../src/adapters/store/sqlite-driver.js';
import { chainHash } from '../../src/core/audit-chain.js';
import { runCli } from '../support/daemon.js';
import { FIXTURES, tempDir } from '../support/tmp.js';

function seed(t: { after(fn: () => void): void }) {
  const dir = tempDir(t);
  const db = path.join(dir, 'chatops.db');
  const env = { CHATOPS_DB: db };
  for (const f of ['01-firing-single', '02-firing-group-of-3']) {
    const r = runCli(['alerts', 'ingest', path.join(FIXTURES, `alertmanager/${f}.json`)], { env });
    assert.equal(r.code, 0, r.stderr);
  }
  assert.equal(runCli(['ack', '1'], { env }).code, 0);
  return { dir, db, env, anchor: `${db}.anchor` };
}

/** A command that appends audit rows. */
const more = (env: Record<string, string>) =>
  runCli(['alerts', 'ingest', path.join(FIXTURES, 'alertmanager/06-unicode-injection-long-description.json')], { env });

/** What an attacker with write access to the database file can do. */
function tamper(db: string, fn: (d: Sqlite.Database) => void): void {
  const d = new Database(db);
  try {
    d.exec('DROP TRIGGER IF EXISTS audit_no_delete; DROP TRIGGER IF EXISTS audit_no_update;');
    fn(d);
  } finally {
    d.close();
  }
}

const lastSeq = (db: string) => {
  const d = new Database(db, { readonly: true });
  try {
    return (d.prepare('SELECT max(seq) AS n FROM audit').get() as { n: number }).n;
  } finally {
    d.close();
  }
};

describe('audit tail anchored outside the database', () => {
  it('the CLI that appends writes the anchor; verify reports it', (t) => {
    const { db, env, anchor } = seed(t);
    const a = JSON.parse(fs.readFileSync(anchor, 'utf8')) as { seq: number; hash: string };
    assert.equal(a.seq, lastSeq(db));
    const r = runCli(['audit', 'verify'], { env });
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stdout,
      new RegExp(`Audit chain intact: ${a.seq} rows, .*holds row ${a.seq} as anchored in ${anchor.replace(/[.]/g, '\\.')}`),
    );
  });

  it('deleting the newest rows (triggers dropped) is reported as truncated, exit 1, naming the anchor', (t) => {
    const { db, env, anchor } = seed(t);
    const head = lastSeq(db);
    tamper(db, (d) => d.prepare('DELETE FROM audit WHERE seq > ?').run(head - 2));
    const r = runCli(['audit', 'verify'], { env });
    assert.equal(r.code, 1, r.stdout);
    assert.match(
      r.stderr,
      new RegExp(
        `audit chain broken at row ${head - 1}: the chain is truncated: it ends at row ${head - 2}, but the anchor ${anchor.replace(/[.]/g, '\\.')} \\(written .*\\) records row ${head}`,
      ),
    );
  });

  it('a later append does not launder the cut: the anchor stays, verify still fails', (t) => {
    const { db, env, anchor } = seed(t);
    const head = lastSeq(db);
    const before = fs.readFileSync(anchor, 'utf8');
    tamper(db, (d) => d.prepare('DELETE FROM audit WHERE seq > ?').run(head - 3));
    assert.equal(more(env).code, 0, 'the next command appends rows');
    assert.equal(fs.readFileSync(anchor, 'utf8'), before, 'the anchor did not move onto the cut chain');
    assert.equal(runCli(['audit', 'verify'], { env }).code, 1);
  });

  it('cutting and re-extending the chain with valid hashes is reported as rewritten at the anchored row', (t) => {
    const { db, env } = seed(t);
    const head = lastSeq(db);
    tamper(db, (d) => {
      d.prepare('DELETE FROM audit WHERE seq > ?').run(head - 2);
      let prev = (d.prepare('SELECT hash FROM audit WHERE seq = ?').get(head - 2) as { hash: string }).hash;
      for (let seq = head - 1; seq <= head + 1; seq++) {
        const entry = {
          ts: Date.now(),
          actor: 'cli:nobody',
          source: 'cli' as const,
          action: 'incident.ack',
          target: 'x',
          incidentId: 1,
          result: 'ok',
          detail: {},
        };
        const hash = chainHash(prev, seq, entry);
        d.prepare(
          'INSERT INTO audit (seq, ts, actor, source, action, target, incident_id, result, detail, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
        ).run(seq, entry.ts, entry.actor, entry.source, entry.action, entry.target, entry.incidentId, entry.result, '{}', prev, hash);
        prev = hash;
      }
    });
    const r = runCli(['audit', 'verify'], { env });
    assert.equal(r.code, 1);
    assert.match(r.stderr, new RegExp(`row ${head} differs from the anchor .*: the chain was rewritten from there`));
  });

  it('putting an older copy of the database back (a rollback) is reported as truncated', (t) => {
    const { dir, db, env } = seed(t);
    const copy = path.join(dir, 'old.db');
    assert.equal(runCli(['db', 'backup', copy], { env }).code, 0);
    assert.equal(more(env).code, 0);
    fs.rmSync(`${db}-wal`, { force: true });
    fs.rmSync(`${db}-shm`, { force: true });
    fs.copyFileSync(copy, db);
    const r = runCli(['audit', 'verify'], { env });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /the chain is truncated/);
  });
});
