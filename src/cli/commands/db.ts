/** `chatops db backup <file>`: SQLite's online backup, safe while the daemon writes. */
import fs from 'node:fs';
import path from 'node:path';
import { verifyChain } from '../../core/audit-chain.js';
import { ChatopsError } from '../../core/errors.js';
import { Database } from '../../adapters/store/sqlite-driver.js';
import { SqliteStore } from '../../adapters/store/sqlite-store.js';
import { openExisting, type GlobalOptions } from '../context.js';
import type { Io } from '../main.js';

export async function backupDatabase(globals: GlobalOptions, file: string, io: Io): Promise<void> {
  const target = path.resolve(file);
  if (fs.existsSync(target)) throw new ChatopsError('usage', `${file} already exists: choose a new file name (a backup never overwrites).`);
  const rt = openExisting(globals);
  try {
    if (path.resolve(rt.store.path) === target) throw new ChatopsError('usage', 'The backup file must differ from the database itself.');
    fs.mkdirSync(path.dirname(target), { recursive: true });
    // The copy holds everything the database does: create it private before SQLite writes to it.
    fs.closeSync(fs.openSync(target, 'wx', 0o600));
    await rt.store.db.backup(target);
  } finally {
    rt.close();
  }
  // Prove the copy is usable: integrity check, then the audit chain.
  const check = new Database(target, { readonly: true });
  let integrity: string;
  try {
    integrity = check.pragma('integrity_check', { simple: true }) as string;
  } finally {
    check.close();
  }
  if (integrity !== 'ok') throw new ChatopsError('failed', `The backup ${file} failed its integrity check (${integrity}): try again.`);
  const copy = new SqliteStore({ path: target, mustExist: true });
  try {
    const verdict = verifyChain(copy.auditRows());
    const incidents = Object.values(copy.countIncidentsByStatus()).reduce((a, b) => a + b, 0);
    io.stdout(`Backup written to ${file}: ${fs.statSync(target).size} bytes, ${incidents} incidents, audit chain ${verdict.ok ? `intact (${verdict.rows} rows)` : `BROKEN at row ${verdict.badSeq}`}.\n`);
  } finally {
    copy.close();
  }
}
