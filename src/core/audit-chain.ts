/**
 * The tamper-evident audit chain: hash = sha256(prev_hash || canonical_json(row)).
 * Hashing is computation, not I/O, so it lives in the core.
 */
import { createHash } from 'node:crypto';
import type { AuditEntry, AuditRecord } from './types.js';

export const GENESIS_HASH = '0'.repeat(64);

/** JSON with object keys sorted at every level, so equal values always hash equally. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  // Hot path (every audit row): plain loops, no intermediate entry arrays.
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj).sort();
  let out = '{';
  for (const k of keys) {
    const v = obj[k];
    if (v === undefined) continue;
    if (out.length > 1) out += ',';
    out += `${JSON.stringify(k)}:${canonicalJson(v)}`;
  }
  return `${out}}`;
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

export function chainHash(prevHash: string, seq: number, entry: AuditEntry): string {
  return createHash('sha256').update(prevHash).update(canonicalJson(hashedFields(seq, entry))).digest('hex');
}

export type ChainVerdict = { ok: true; rows: number; head: string } | { ok: false; rows: number; badSeq: number; reason: string };

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
      return { ok: false, rows: count, badSeq: row.seq, reason: `row ${row.seq} follows row ${expectedSeq - 1}: a row is missing or out of order` };
    }
    if (row.prevHash !== prev) {
      return { ok: false, rows: count, badSeq: row.seq, reason: `row ${row.seq} does not link to the row before it (prev_hash differs): a row was deleted, inserted or reordered` };
    }
    const want = chainHash(row.prevHash, row.seq, row);
    if (want !== row.hash) {
      return { ok: false, rows: count, badSeq: row.seq, reason: `row ${row.seq} was changed after it was written (hash differs)` };
    }
    prev = row.hash;
    expectedSeq = row.seq + 1;
  }
  return { ok: true, rows: count, head: prev };
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
