/**
 * Opening the SQLite file, including when this user may read it but not write it (a read-only
 * directory or file, a read-only mount). Reads must still work there; writes must say what to fix.
 *
 * A WAL database needs its `-wal` and `-shm` files beside it even to read. When they cannot be
 * created (a read-only directory):
 * - they exist (a daemon has the database open): SQLite reads them read-only;
 * - they do not: nothing is committed outside the main file, so a copy of that file in memory,
 *   marked as a rollback-journal database (header bytes 18–19), is the whole database.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type Sqlite from 'better-sqlite3';
import { Database } from './sqlite-driver.js';
import { ChatopsError } from '../../core/errors.js';

export interface OpenedDatabase {
  db: Sqlite.Database;
  /** Why this database cannot be written here (null: writable). */
  readOnly: string | null;
}

const CANNOT_WRITE = /^SQLITE_(READONLY|CANTOPEN)/;

function who(): string {
  try {
    return os.userInfo().username;
  } catch {
    return `uid ${process.getuid?.() ?? '?'}`;
  }
}

/** Why `file` is read-only for this process, in words that say what to fix. */
function readOnlyReason(file: string): string {
  const dir = path.dirname(path.resolve(file));
  const writable = (p: string) => {
    try {
      fs.accessSync(p, fs.constants.W_OK);
      return true;
    } catch {
      return false;
    }
  };
  const what = !writable(dir)
    ? `${who()} cannot create files in ${dir}`
    : !writable(file)
      ? `${who()} may not write it`
      : 'the file system is read-only';
  return `The database ${file} is read-only here (${what}): reading works, but changing state needs write access. Run the command as the account that owns the database (sudo -u chatops chatops …), or make ${dir} and the database writable for this user.`;
}

function isCannotWrite(e: unknown): boolean {
  const code = (e as { code?: unknown })?.code;
  return typeof code === 'string' && CANNOT_WRITE.test(code);
}

/**
 * Opens `file` read-write; with `allowReadOnly`, falls back to reading it when this process
 * cannot write there, and reports why in `readOnly`. `setup` runs the first statements (the
 * journal mode), which is where SQLite finds out.
 */
export function openDatabase(
  file: string,
  opts: { timeoutMs: number; allowReadOnly?: boolean; setup(db: Sqlite.Database): void },
): OpenedDatabase {
  const db = new Database(file, { timeout: opts.timeoutMs });
  try {
    opts.setup(db);
    let writable = true;
    try {
      fs.accessSync(file, fs.constants.W_OK);
    } catch {
      writable = false;
    }
    return { db, readOnly: writable ? null : readOnlyReason(file) };
  } catch (e) {
    db.close();
    if (!isCannotWrite(e)) throw e;
    if (!opts.allowReadOnly) throw new ChatopsError('unavailable', readOnlyReason(file), { cause: e });
  }
  const reason = readOnlyReason(file);
  try {
    const ro = new Database(file, { readonly: true, fileMustExist: true, timeout: opts.timeoutMs });
    try {
      ro.prepare('SELECT count(*) FROM sqlite_master').get();
      return { db: ro, readOnly: reason };
    } catch (e) {
      ro.close();
      if (!isCannotWrite(e)) throw e;
    }
  } catch (e) {
    if (!isCannotWrite(e)) throw e;
  }
  if (fs.existsSync(`${file}-wal`)) {
    throw new ChatopsError(
      'unavailable',
      `The database ${file} cannot be read here: its ${file}-wal and ${file}-shm files must be readable and writable by ${who()} while a daemon has it open. Run the command as the account that owns the database (sudo -u chatops chatops …).`,
    );
  }
  const image = fs.readFileSync(file);
  image[18] = 1; // file format write version: legacy (not WAL)
  image[19] = 1; // file format read version
  return { db: new Database(image, { readonly: true }), readOnly: reason };
}
