/** `chatops audit` and `chatops audit verify`. */
import { anchorPath, readAnchor } from '../../adapters/store/audit-anchor.js';
import { checkAnchor, verifyChain, type AuditAnchor } from '../../core/audit-chain.js';
import { parseDuration } from '../../core/duration.js';
import { ChatopsError } from '../../core/errors.js';
import type { AuditRecord } from '../../core/types.js';
import { openExisting, type GlobalOptions } from '../context.js';
import { EXIT } from '../errors.js';
import { auditJson, clean } from '../format.js';
import type { Io } from '../main.js';

export function parseSince(text: string | undefined, now: number): number | undefined {
  if (text === undefined) return undefined;
  const ago = parseDuration(text);
  if (ago !== null) return now - ago;
  const at = Date.parse(text);
  if (Number.isNaN(at)) throw new ChatopsError('usage', `--since ${JSON.stringify(text)} is neither a time (2026-11-26T03:00:00Z) nor a duration (2h).`);
  return at;
}

export function listAudit(globals: GlobalOptions, opts: { since?: string; incident?: number; json?: boolean; limit?: number }, io: Io): void {
  const rt = openExisting(globals);
  try {
    let rows: AuditRecord[] = [...rt.store.auditRows({ sinceTs: parseSince(opts.since, rt.clock.now()), incidentId: opts.incident })];
    if (opts.limit !== undefined) rows = rows.slice(-opts.limit);
    if (opts.json) {
      io.stdout(`${JSON.stringify(rows.map(auditJson), null, 2)}\n`);
      return;
    }
    if (rows.length === 0) {
      io.stdout('No audit rows.\n');
      return;
    }
    for (const r of rows) {
      io.stdout(`${r.seq}\t${new Date(r.ts).toISOString()}\t${clean(r.actor)}\t${r.source}\t${r.action}\t${r.result}\t${r.incidentId ?? '-'}\t${clean(r.target ?? '-')}\n`);
    }
  } finally {
    rt.close();
  }
}

export function verifyAudit(globals: GlobalOptions, opts: { json?: boolean }, io: Io): number {
  const rt = openExisting(globals);
  try {
    // The chain, then its anchor outside the database: a chain cut at its end is still a valid chain.
    const where = anchorPath(rt.store.path, rt.loaded.config.audit.anchor);
    let anchor: AuditAnchor | null;
    try {
      anchor = readAnchor(where);
    } catch (e) {
      throw new ChatopsError('unavailable', `The audit anchor ${where} cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}): fix its permissions, or move it aside to verify without it.`);
    }
    const verdict = checkAnchor(verifyChain(rt.store.auditRows()), anchor, (seq) => rt.store.auditHash(seq));
    if (opts.json) io.stdout(`${JSON.stringify({ ...verdict, anchor: anchor ? { path: where, seq: anchor.seq, hash: anchor.hash, writtenAt: anchor.writtenAt } : null })}\n`);
    if (verdict.ok) {
      const anchored = anchor ? `; it holds row ${anchor.seq} as anchored in ${where}` : `; no anchor at ${where} yet (the chatops account writes it)`;
      if (!opts.json) io.stdout(`Audit chain intact: ${verdict.rows} rows, head ${verdict.head.slice(0, 16)}${anchored}.\n`);
      return EXIT.ok;
    }
    io.stderr(`chatops: audit chain broken at row ${verdict.badSeq}: ${verdict.reason}.\n`);
    return EXIT.failed;
  } finally {
    rt.close();
  }
}

export function exportAudit(globals: GlobalOptions, opts: { since?: string }, io: Io): void {
  const rt = openExisting(globals);
  try {
    for (const r of rt.store.auditRows({ sinceTs: parseSince(opts.since, rt.clock.now()) })) io.stdout(`${JSON.stringify(auditJson(r))}\n`);
  } finally {
    rt.close();
  }
}
