/**
 * The tamper-evident audit chain: hash = sha256(prev_hash || canonical_json(row)), where
 * canonical_json is the JSON Canonicalization Scheme (RFC 8785) and the row is exactly what a
 * reader gets back from the store (see `storedEntry`), so appending and verifying hash the same
 * bytes. Hashing is computation, not I/O, so it lives in the core.
 */
import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import type { AuditEntry, AuditRecord } from './types.js';

export const GENESIS_HASH = '0'.repeat(64);

/**
 * RFC 8785 canonical JSON: keys sorted by UTF-16 code units at every level, ECMAScript number
 * and string serialisation, `toJSON` honoured (a Date is its ISO string). Throws on what JSON
 * cannot carry exactly (NaN, Infinity, lone surrogates).
 */
export function canonicalJson(value: unknown): string {
  return canonicalize(value) ?? 'null';
}

/**
 * The rule before RFC 8785 (chatops 0.1): sorted keys and JSON.stringify for scalars. For every
 * value read back from JSON it yields the same text as RFC 8785, except a string holding a lone
 * surrogate (which JSON.stringify escapes and RFC 8785 refuses). Rows written then may hold one
 * (an alert label sent as "\ud800"), so such rows verify by this rule; new rows never hold one
 * (`storedEntry` makes every string well formed).
 */
function legacyCanonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(legacyCanonicalJson).join(',')}]`;
  const obj = value as Record<string, unknown>;
  const parts: string[] = [];
  for (const k of Object.keys(obj).sort()) {
    if (obj[k] !== undefined) parts.push(`${JSON.stringify(k)}:${legacyCanonicalJson(obj[k])}`);
  }
  return `{${parts.join(',')}}`;
}

const wellFormed = (_key: string, v: unknown): unknown => (typeof v === 'string' ? v.toWellFormed() : v);

/**
 * The entry as the store will hold it and every reader will get it back: the detail through
 * JSON (a Date becomes its ISO string, undefined disappears, NaN becomes null) and every string
 * well formed. `detailJson` is the text to store.
 */
export function storedEntry(entry: AuditEntry): { entry: AuditEntry; detailJson: string } {
  const detailJson = JSON.stringify(entry.detail ?? {}, wellFormed);
  const str = (s: string) => s.toWellFormed();
  return {
    entry: {
      ts: entry.ts,
      actor: str(entry.actor),
      source: entry.source,
      action: str(entry.action),
      target: entry.target === null ? null : str(entry.target),
      incidentId: entry.incidentId,
      result: str(entry.result),
      detail: JSON.parse(detailJson) as Record<string, unknown>,
    },
    detailJson,
  };
}

/** The fields a hash covers: everything but the hash itself. */
function hashedFields(seq: number, entry: AuditEntry): Record<string, unknown> {
  return {
    seq,
    ts: entry.ts,
    actor: entry.actor,
    source: entry.source,
    action: entry.action,
    target: entry.target,
    incidentId: entry.incidentId,
    result: entry.result,
    detail: entry.detail,
  };
}

/** The row's hash. `entry` must be as stored (see `storedEntry`). */
export function chainHash(prevHash: string, seq: number, entry: AuditEntry): string {
  const fields = hashedFields(seq, entry);
  let text: string;
  try {
    text = canonicalJson(fields);
  } catch {
    text = legacyCanonicalJson(fields);
  }
  return createHash('sha256').update(prevHash).update(text).digest('hex');
}

export type ChainVerdict =
  { ok: true; rows: number; head: string; lastSeq: number } | { ok: false; rows: number; badSeq: number; reason: string };

/** A chain head recorded outside the database (see adapters/store/audit-anchor.ts). */
export interface AuditAnchor {
  seq: number;
  hash: string;
  /** Where it is kept, for the sentence. */
  where: string;
  writtenAt: string;
}

/**
 * Checks an intact chain against an anchor: a chain that ends before the anchored row was cut
 * (its newest rows deleted, or an older copy put back); a different hash at the anchored row
 * means the chain was rewritten from there. `hashAt` reads one row's stored hash.
 */
export function checkAnchor(verdict: ChainVerdict, anchor: AuditAnchor | null, hashAt: (seq: number) => string | null): ChainVerdict {
  if (!verdict.ok || !anchor) return verdict;
  const source = `the anchor ${anchor.where} (written ${anchor.writtenAt})`;
  if (verdict.lastSeq < anchor.seq) {
    return {
      ok: false,
      rows: verdict.rows,
      badSeq: verdict.lastSeq + 1,
      reason: `the chain is truncated: it ends at row ${verdict.lastSeq}, but ${source} records row ${anchor.seq}, so rows ${verdict.lastSeq + 1} to ${anchor.seq} were deleted (if you restored an older backup on purpose, move the anchor aside)`,
    };
  }
  if (hashAt(anchor.seq) !== anchor.hash) {
    return {
      ok: false,
      rows: verdict.rows,
      badSeq: anchor.seq,
      reason: `row ${anchor.seq} differs from ${source}: the chain was rewritten from there`,
    };
  }
  return verdict;
}

/**
 * Walks rows in stored order. Catches edits (hash mismatch), deletions and reorders
 * (a seq gap or a prev_hash that is not the previous row's hash).
 */
export function verifyChain(rows: Iterable<AuditRecord>): ChainVerdict {
  let prev = GENESIS_HASH;
  let expectedSeq: number | null = null;
  let count = 0;
  for (const row of rows) {
    count++;
    if (expectedSeq !== null && row.seq !== expectedSeq) {
      return {
        ok: false,
        rows: count,
        badSeq: row.seq,
        reason: `row ${row.seq} follows row ${expectedSeq - 1}: a row is missing or out of order`,
      };
    }
    if (row.prevHash !== prev) {
      return {
        ok: false,
        rows: count,
        badSeq: row.seq,
        reason: `row ${row.seq} does not link to the row before it (prev_hash differs): a row was deleted, inserted or reordered`,
      };
    }
    const want = chainHash(row.prevHash, row.seq, row);
    if (want !== row.hash) {
      return { ok: false, rows: count, badSeq: row.seq, reason: `row ${row.seq} was changed after it was written (hash differs)` };
    }
    prev = row.hash;
    expectedSeq = row.seq + 1;
  }
  return { ok: true, rows: count, head: prev, lastSeq: expectedSeq === null ? 0 : expectedSeq - 1 };
}

/**
 * The exported form of a row: what `chatops audit --json`/`export` print and the sinks ship.
 * It carries everything needed to re-verify the chain elsewhere (ts in ms precision, hashes).
 */
export function auditExport(r: AuditRecord) {
  return {
    seq: r.seq,
    ts: new Date(r.ts).toISOString(),
    actor: r.actor,
    source: r.source,
    action: r.action,
    target: r.target,
    incidentId: r.incidentId,
    result: r.result,
    detail: r.detail,
    prevHash: r.prevHash,
    hash: r.hash,
  };
}

export type AuditExport = ReturnType<typeof auditExport>;
