/**
 * DaemonLease: at most one daemon per database delivers (Slack outbox, socket, expiry, audit
 * shipping, reconciliation).
 *
 * The lease is an exclusive SQLite lock on a small file beside the database (`<db>-lease`),
 * taken with `locking_mode = EXCLUSIVE` and held for the life of the process. The kernel
 * releases it the moment the holder dies, even by kill -9, so a standby takes over within one
 * poll without trusting clocks or heartbeats; and a holder that is alive but stalled keeps it,
 * so it can never wake up beside a successor. (SQLite in WAL mode already requires every
 * process on the database to share one host, so a host-local lock is no new limit.)
 *
 * Who holds it — pid, host, URL, start and heartbeat — is recorded in the database itself
 * (meta `daemon.heartbeat`, rewritten every few seconds), where a standby, the TUI header and
 * operators read it.
 */
import fs from 'node:fs';
import os from 'node:os';
import type Sqlite from 'better-sqlite3';
import { Database } from './sqlite-driver.js';
import type { SqliteStore } from './sqlite-store.js';

/** Meta key of the holder's record: JSON {pid, host, url, startedAt, stoppedAt?}. */
const HEARTBEAT_META = 'daemon.heartbeat';

export interface LeaseHolder {
  pid: number;
  host: string;
  url: string;
  startedAt: number;
  /** When the holder last wrote its record (its heartbeat). */
  heartbeatAt: number;
  /** Set when it stopped cleanly. */
  stoppedAt?: number;
}

export class DaemonLease {
  /** The lock file, or null for an in-memory database (nothing to share). */
  readonly lockPath: string | null;
  private lock: Sqlite.Database | null = null;
  private lockInode: number | null = null;
  private readonly host = os.hostname();

  constructor(
    private readonly store: SqliteStore,
    private readonly mode = 0o600,
  ) {
    this.lockPath = store.path === ':memory:' ? null : `${store.path}-lease`;
  }

  get held(): boolean {
    return this.lockPath === null || this.lock !== null;
  }

  /** Takes the lease if nobody holds it; true when this process holds it now. */
  tryAcquire(): boolean {
    if (this.held) return true;
    const file = this.lockPath!;
    // Created with the database's mode before SQLite opens it (SQLite keeps an existing file's
    // mode). Only when it does not exist: closing a descriptor of a file drops every POSIX lock
    // this process holds on it, so it is never opened outside SQLite once it may be locked.
    try {
      fs.closeSync(fs.openSync(file, 'wx', this.mode));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const db = new Database(file, { timeout: 200 });
    try {
      db.pragma('locking_mode = EXCLUSIVE');
      // In EXCLUSIVE locking mode the first write takes the exclusive lock and keeps it until close.
      db.exec('BEGIN EXCLUSIVE');
      db.exec('CREATE TABLE IF NOT EXISTS holder (pid INTEGER NOT NULL, host TEXT NOT NULL, at INTEGER NOT NULL)');
      db.exec('DELETE FROM holder');
      db.prepare('INSERT INTO holder (pid, host, at) VALUES (?, ?, ?)').run(process.pid, this.host, Date.now());
      db.exec('COMMIT');
    } catch (e) {
      db.close();
      if ((e as { code?: string }).code?.startsWith('SQLITE_BUSY')) return false;
      throw e;
    }
    this.lock = db;
    this.lockInode = fs.statSync(file).ino;
    return true;
  }

  /**
   * Null while this process still holds the lease; otherwise why not. The lock cannot be taken
   * away from a live process, but the file can be deleted or replaced under it (then a new
   * daemon would lock the new file).
   */
  lostReason(): string | null {
    if (this.lockPath === null || this.lock === null) return null;
    try {
      if (fs.statSync(this.lockPath).ino === this.lockInode) return null;
      return `the lease file ${this.lockPath} was replaced`;
    } catch {
      return `the lease file ${this.lockPath} was removed`;
    }
  }

  /** Writes the holder's record (call at once after acquiring, then every few seconds). */
  heartbeat(url: string, startedAt: number, now: number, stoppedAt?: number): void {
    this.store.setMeta(
      HEARTBEAT_META,
      JSON.stringify({ pid: process.pid, host: this.host, url, startedAt, ...(stoppedAt === undefined ? {} : { stoppedAt }) }),
      now,
    );
  }

  /** The last recorded holder, from the database. */
  holder(): LeaseHolder | null {
    const meta = this.store.getMeta(HEARTBEAT_META);
    if (!meta) return null;
    try {
      const v = JSON.parse(meta.value) as Partial<LeaseHolder>;
      return {
        pid: Number(v.pid),
        host: String(v.host ?? 'unknown host'),
        url: String(v.url ?? ''),
        startedAt: Number(v.startedAt),
        heartbeatAt: meta.updatedAt,
        stoppedAt: v.stoppedAt,
      };
    } catch {
      return null;
    }
  }

  /** Gives the lease up (clean stop): a standby takes over at its next poll. */
  release(): void {
    this.lock?.close();
    this.lock = null;
    this.lockInode = null;
  }
}
