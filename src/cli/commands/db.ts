/** `chatops db backup <file>`: SQLite's online backup, safe while the daemon writes. */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { verifyChain } from '../../core/audit-chain.js';
import { ChatopsError } from '../../core/errors.js';
import { SqliteStore } from '../../adapters/store/sqlite-store.js';
import { logOf, openExisting, type GlobalOptions } from '../context.js';
import { EXIT } from '../errors.js';
import type { Output } from '../output.js';

/**
 * Exit 0 only for a copy that is whole and whose audit chain verifies: a scheduled backup must
 * notice (exit 1) when it has preserved a tampered or damaged trail.
 */
export async function backupDatabase(globals: GlobalOptions, file: string, io: Output): Promise<number> {
  const target = path.resolve(file);
  if (fs.existsSync(target)) throw new ChatopsError('usage', `${file} already exists: choose a new file name (a backup never overwrites).`);
  const rt = openExisting(globals);
  try {
    if (path.resolve(rt.store.path) === target) throw new ChatopsError('usage', 'The backup file must differ from the database itself.');
    fs.mkdirSync(path.dirname(target), { recursive: true });
    // The copy holds everything the database does: create it private before SQLite writes to it.
    fs.closeSync(fs.openSync(target, 'wx', 0o600));
    await rt.store.db.backup(target);
    logOf(globals).debug({ from: rt.store.path, to: target }, 'online backup written');
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
    io.text(`Backup written to ${file}: ${fs.statSync(target).size} bytes, ${incidents} incidents, audit chain ${verdict.ok ? `intact (${verdict.rows} rows)` : `BROKEN at row ${verdict.badSeq}`}.`);
    if (!verdict.ok) {
      io.error(`the backup's audit chain is broken at row ${verdict.badSeq} (${verdict.reason}), so the database's own chain is too: run 'chatops audit verify', find who changed the database, and keep older backups.`);
      return EXIT.failed;
    }
    return EXIT.ok;
  } finally {
    copy.close();
  }
}
