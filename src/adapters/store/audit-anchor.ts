/**
 * The audit chain's anchor: the newest (seq, hash) written to a small file outside the database,
 * so whoever can write the database still cannot cut its newest rows without `audit verify`
 * noticing. It is as strong as the file's directory: keep it where only the service account
 * writes (README, bastion section). Writers only move it forward, and never onto a chain that
 * no longer holds the anchored row.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { AuditAnchor } from '../../core/audit-chain.js';
import type { SqliteStore } from './sqlite-store.js';

/** Where the anchor of this database is kept: `audit.anchor`, else beside the database. */
export function anchorPath(storePath: string, configured: string | undefined): string {
  return configured ?? `${storePath}.anchor`;
}

/** The anchor, null when none was written yet; throws when it exists but cannot be read. */
export function readAnchor(file: string): AuditAnchor | null {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
  const a = JSON.parse(text) as { seq?: unknown; hash?: unknown; writtenAt?: unknown };
  if (!Number.isInteger(a.seq) || typeof a.hash !== 'string' || !/^[0-9a-f]{64}$/.test(a.hash)) {
    throw new Error(`${file} is not an audit anchor (expected {"seq", "hash", "writtenAt"})`);
  }
  return { seq: a.seq as number, hash: a.hash, where: file, writtenAt: String(a.writtenAt ?? 'at an unknown time') };
}

export type AnchorWrite = 'written' | 'current' | 'diverged';

/**
 * Records the chain's head in the anchor when it moved forward. 'diverged' (nothing written):
 * the row the anchor names is gone or different, which `audit verify` reports. Throws when the
 * file cannot be written (a process that is not the service account).
 */
export function advanceAnchor(store: SqliteStore, file: string, now: number): AnchorWrite {
  const head = store.auditHead();
  if (!head) return 'current';
  const old = readAnchor(file);
  if (old && old.seq >= head.seq) return old.seq === head.seq && old.hash === head.hash ? 'current' : 'diverged';
  if (old && store.auditHash(old.seq) !== old.hash) return 'diverged';
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  fs.writeFileSync(tmp, `${JSON.stringify({ seq: head.seq, hash: head.hash, writtenAt: new Date(now).toISOString() })}\n`, { mode: 0o644 });
  fs.renameSync(tmp, file);
  return 'written';
}
