/** `chatops db backup <file>`: SQLite's online backup, safe while the daemon writes. */
import fs from 'node:fs';
import path from 'node:path';
import { verifyChain } from '../../core/audit-chain.js';
import { ChatopsError } from '../../core/errors.js';
import { Database } from '../../adapters/store/sqlite-driver.js';
import { SqliteStore } from '../../adapters/store/sqlite-store.js';
import { openExisting } from '../context.js';
import { logOf, type GlobalOptions } from '../command-log.js';
import { EXIT } from '../errors.js';
import type { Output } from '../output.js';

/** What is at `p` without following a link: a file, a link (and where to), or nothing. */
function entryAt(p: string): string | null {
  let st: fs.Stats;
  try {
    st = fs.lstatSync(p);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new ChatopsError(
      'usage',
      `Cannot check ${p} (${(e as NodeJS.ErrnoException).code}): choose a backup path in a directory you may read.`,
    );
  }
  if (!st.isSymbolicLink()) return 'a file';
  const to = fs.readlinkSync(p);
  return `a symbolic link to ${to}${fs.existsSync(p) ? '' : ' (which does not exist)'}`;
}

/**
 * Refuses any existing entry at the backup path or where SQLite puts its journal files beside
 * it: a backup never overwrites, and never writes through a symbolic link (a dangling link
 * planted at `<file>-journal` would otherwise make SQLite create a file wherever it points).
 */
function refuseExisting(file: string, target: string): void {
  for (const [p, what] of [
    [target, 'the backup path'],
    [`${target}-journal`, "the backup's journal path"],
    [`${target}-wal`, "the backup's WAL path"],
    [`${target}-shm`, "the backup's shared-memory path"],
  ] as const) {
    const there = entryAt(p);
    if (!there) continue;
    if (p === target && there === 'a file')
      throw new ChatopsError('usage', `${file} already exists: choose a new file name (a backup never overwrites).`);
    throw new ChatopsError(
      'usage',
      `${what} ${p} is already taken by ${there}: a backup never overwrites nor writes through a link; remove it or choose another file name.`,
    );
  }
}

/**
 * Exit 0 only for a copy that is whole and whose audit chain verifies: a scheduled backup must
 * notice (exit 1) when it has preserved a tampered or damaged trail.
 */
export async function backupDatabase(globals: GlobalOptions, file: string, io: Output): Promise<number> {
  const target = path.resolve(file);
  refuseExisting(file, target);
  const rt = openExisting(globals);
  try {
    if (path.resolve(rt.store.path) === target) throw new ChatopsError('usage', 'The backup file must differ from the database itself.');
    fs.mkdirSync(path.dirname(target), { recursive: true });
    // The copy holds everything the database does: create it private before SQLite writes to it
    // ('wx' = O_EXCL: fails on anything that appeared there since the check, a link included).
    try {
      fs.closeSync(fs.openSync(target, 'wx', 0o600));
    } catch (e) {
      throw new ChatopsError(
        'usage',
        `Cannot create ${file} (${(e as NodeJS.ErrnoException).code}): choose a new file name in a directory you may write.`,
      );
    }
    try {
      await rt.store.db.backup(target);
    } catch (e) {
      fs.rmSync(target, { force: true });
      throw new ChatopsError(
        'unavailable',
        `The backup to ${file} failed (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}): check free space and permissions there, then try again.`,
        { cause: e },
      );
    }
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
    io.text(
      `Backup written to ${file}: ${fs.statSync(target).size} bytes, ${incidents} incidents, audit chain ${verdict.ok ? `intact (${verdict.rows} rows)` : `BROKEN at row ${verdict.badSeq}`}.`,
    );
    if (!verdict.ok) {
      io.error(
        `the backup's audit chain is broken at row ${verdict.badSeq} (${verdict.reason}), so the database's own chain is too: run 'chatops audit verify', find who changed the database, and keep older backups.`,
      );
      return EXIT.failed;
    }
    return EXIT.ok;
  } finally {
    copy.close();
  }
}
