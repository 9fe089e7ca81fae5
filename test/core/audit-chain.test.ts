import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { canonicalJson, chainHash, GENESIS_HASH, verifyChain } from '../../src/core/audit-chain.js';
import type { AuditEntry, AuditRecord } from '../../src/core/types.js';

function chain(entries: AuditEntry[]): AuditRecord[] {
  let prev = GENESIS_HASH;
  return entries.map((e, i) => {
    const hash = chainHash(prev, i + 1, e);
    const row = { ...e, seq: i + 1, prevHash: prev, hash };
    prev = hash;
    return row;
  });
}

const entry = (action: string): AuditEntry => ({ ts: 1, actor: 'cli:alice', source: 'cli', action, target: 't', incidentId: 1, result: 'ok', detail: { b: 1, a: [2, { d: 1, c: 2 }] } });

describe('audit chain', () => {
  it('canonical JSON sorts keys at every level', () => {
    assert.equal(canonicalJson({ b: 1, a: { d: [1, { z: 1, y: 2 }], c: null } }), '{"a":{"c":null,"d":[1,{"y":2,"z":1}]},"b":1}');
  });

  it('verifies an intact chain', () => {
    const v = verifyChain(chain([entry('a'), entry('b'), entry('c')]));
    assert.equal(v.ok, true);
    assert.equal(v.rows, 3);
  });

  it('names the edited, deleted and swapped rows', () => {
    const rows = chain([entry('a'), entry('b'), entry('c'), entry('d')]);
    const edited = rows.map((r) => (r.seq === 2 ? { ...r, actor: 'cli:mallory' } : r));
    assert.deepEqual(pick(verifyChain(edited)), { ok: false, badSeq: 2 });
    const deleted = rows.filter((r) => r.seq !== 3);
    assert.deepEqual(pick(verifyChain(deleted)), { ok: false, badSeq: 4 });
    const swapped = [rows[0]!, rows[2]!, rows[1]!, rows[3]!];
    assert.deepEqual(pick(verifyChain(swapped)), { ok: false, badSeq: 3 });
  });
});

function pick(v: ReturnType<typeof verifyChain>) {
  return v.ok ? { ok: true } : { ok: false, badSeq: v.badSeq };
}
