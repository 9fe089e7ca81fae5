/** `chatops audit [list]`, `chatops audit verify`, `chatops audit export`. */
import { anchorPath, readAnchor } from '../../adapters/store/audit-anchor.js';
import { checkAnchor, verifyChain, type AuditAnchor } from '../../core/audit-chain.js';
import { parseDuration } from '../../core/duration.js';
import { ChatopsError } from '../../core/errors.js';
import type { AuditRecord } from '../../core/types.js';
import { openExisting } from '../context.js';
import { logOf, type GlobalOptions } from '../command-log.js';
import { EXIT } from '../errors.js';
import { auditJson, clean } from '../format.js';
import type { Output } from '../output.js';

/** An ISO 8601 date or date-time (what `--since` accepts besides a duration). */
const ISO_TIME = /^\d{4}-\d\d-\d\d(?:[T ]\d\d:\d\d(?::\d\d(?:\.\d+)?)?(?:Z|[+-]\d\d:?\d\d)?)?$/;

function parseSince(text: string | undefined, now: number): number | undefined {
  if (text === undefined) return undefined;
  const ago = parseDuration(text);
  if (ago !== null) return now - ago;
  const at = ISO_TIME.test(text.trim()) ? Date.parse(text.trim()) : NaN;
  if (Number.isNaN(at))
    throw new ChatopsError('usage', `--since ${JSON.stringify(text)} is neither a time (2026-11-26T03:00:00Z) nor a duration (2h).`);
  return at;
}

export function listAudit(
  globals: GlobalOptions,
  opts: { since?: string; incident?: number; json?: boolean; limit?: number },
  out: Output,
): void {
  const rt = openExisting(globals);
  try {
    const sinceTs = parseSince(opts.since, rt.clock.now());
    let rows: AuditRecord[] = [...rt.store.auditRows({ sinceTs, incidentId: opts.incident })];
    if (opts.limit !== undefined) rows = rows.slice(-opts.limit);
    logOf(globals).debug({ sinceTs, incident: opts.incident, rows: rows.length }, 'audit rows read');
    if (opts.json) {
      out.jsonArray(rows, auditJson);
      return;
    }
    if (rows.length === 0) {
      out.text('No audit rows.');
      return;
    }
    for (const r of rows) {
      if (out.closed) return;
      out.text(
        `${r.seq}\t${new Date(r.ts).toISOString()}\t${clean(r.actor)}\t${r.source}\t${r.action}\t${r.result}\t${r.incidentId ?? '-'}\t${clean(r.target ?? '-')}`,
      );
    }
  } finally {
    rt.close();
  }
}

export function verifyAudit(globals: GlobalOptions, opts: { json?: boolean }, out: Output): number {
  const rt = openExisting(globals);
  try {
    // The chain, then its anchor outside the database: a chain cut at its end is still a valid chain.
    const where = anchorPath(rt.store.path, rt.loaded.config.audit.anchor);
    let anchor: AuditAnchor | null;
    try {
      anchor = readAnchor(where);
    } catch (e) {
      throw new ChatopsError(
        'unavailable',
        `The audit anchor ${where} cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}): fix its permissions, or move it aside to verify without it.`,
      );
    }
    const verdict = checkAnchor(verifyChain(rt.store.auditRows()), anchor, (seq) => rt.store.auditHash(seq));
    logOf(globals).debug({ verdict, anchor: where }, 'audit chain verified');
    // With --json the verdict is the document, broken or not; the sentence still goes to stderr.
    if (opts.json)
      out.json({ ...verdict, anchor: anchor ? { path: where, seq: anchor.seq, hash: anchor.hash, writtenAt: anchor.writtenAt } : null });
    if (verdict.ok) {
      const anchored = anchor
        ? `; it holds row ${anchor.seq} as anchored in ${where}`
        : `; no anchor at ${where} yet (the chatops account writes it)`;
      if (!opts.json) out.text(`Audit chain intact: ${verdict.rows} rows, head ${verdict.head.slice(0, 16)}${anchored}.`);
      return EXIT.ok;
    }
    out.error(`audit chain broken at row ${verdict.badSeq}: ${verdict.reason}.`);
    return EXIT.failed;
  } finally {
    rt.close();
  }
}

export function exportAudit(globals: GlobalOptions, opts: { since?: string }, out: Output): void {
  const rt = openExisting(globals);
  try {
    const sinceTs = parseSince(opts.since, rt.clock.now());
    logOf(globals).debug({ sinceTs }, 'exporting audit rows');
    out.jsonLines(rt.store.auditRows({ sinceTs }), auditJson);
  } finally {
    rt.close();
  }
}
