import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { SqliteStore } from '../../src/adapters/store/sqlite-store.js';
import { FIXTURES } from '../support/tmp.js';
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

const entry = (action: string): AuditEntry => ({
  ts: 1,
  actor: 'cli:alice',
  source: 'cli',
  action,
  target: 't',
  incidentId: 1,
  result: 'ok',
  detail: { b: 1, a: [2, { d: 1, c: 2 }] },
});

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

describe('canonical JSON is RFC 8785 (JCS)', () => {
  const bits = (hex: string) => Buffer.from(hex, 'hex').readDoubleBE(0);
  it('serialises numbers as the RFC 8785 appendix B samples', () => {
    const samples: [string, string][] = [
      ['0000000000000000', '0'],
      ['8000000000000000', '0'],
      ['0000000000000001', '5e-324'],
      ['8000000000000001', '-5e-324'],
      ['7fefffffffffffff', '1.7976931348623157e+308'],
      ['ffefffffffffffff', '-1.7976931348623157e+308'],
      ['4340000000000000', '9007199254740992'],
      ['c340000000000000', '-9007199254740992'],
      ['4430000000000000', '295147905179352830000'],
      ['44b52d02c7e14af5', '9.999999999999997e+22'],
      ['44b52d02c7e14af6', '1e+23'],
      ['44b52d02c7e14af7', '1.0000000000000001e+23'],
      ['444b1ae4d6e2ef4e', '999999999999999700000'],
      ['444b1ae4d6e2ef4f', '999999999999999900000'],
      ['444b1ae4d6e2ef50', '1e+21'],
      ['3eb0c6f7a0b5ed8c', '9.999999999999997e-7'],
      ['3eb0c6f7a0b5ed8d', '0.000001'],
      ['41b3de4355555553', '333333333.3333332'],
      ['41b3de4355555554', '333333333.33333325'],
      ['41b3de4355555555', '333333333.3333333'],
      ['41b3de4355555556', '333333333.3333334'],
      ['41b3de4355555557', '333333333.33333343'],
      ['becbf647612f3696', '-0.0000033333333333333333'],
      ['43143ff3c1cb0959', '1424953923781206.2'],
    ];
    for (const [hex, want] of samples) assert.equal(canonicalJson(bits(hex)), want, hex);
    assert.throws(() => canonicalJson(Number.NaN));
    assert.throws(() => canonicalJson(Number.POSITIVE_INFINITY));
  });

  it('sorts properties by UTF-16 code units (RFC 8785 §3.2.3)', () => {
    const input = JSON.parse(
      '{"\\u20ac":"Euro Sign","\\r":"Carriage Return","\\ufb33":"Hebrew Letter Dalet With Dagesh","1":"One","\\ud83d\\ude00":"Emoji: Grinning Face","\\u0080":"Control","\\u00f6":"Latin Small Letter O With Diaeresis"}',
    );
    assert.equal(
      canonicalJson(input),
      '{"\\r":"Carriage Return","1":"One","\u0080":"Control","ö":"Latin Small Letter O With Diaeresis","€":"Euro Sign","😀":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"}',
    );
  });

  it('produces the RFC 8785 §3.2.4 example', () => {
    const input = JSON.parse(
      '{"numbers":[333333333.33333329,1E30,4.50,2e-3,0.000000000000000000000000001],"string":"\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/","literals":[null,true,false]}',
    );
    assert.equal(
      canonicalJson(input),
      '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}',
    );
  });

  it('honours toJSON: a Date hashes as the ISO string verify reads back', () => {
    const at = new Date(Date.UTC(2026, 10, 26, 3));
    assert.equal(canonicalJson({ at }), '{"at":"2026-11-26T03:00:00.000Z"}');
  });
});

describe('append hashes exactly what verify reads', () => {
  it('a Date, undefined, NaN and a lone surrogate in an entry: the stored chain verifies', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chatops-audit-'));
    const store = new SqliteStore({ path: path.join(dir, 'a.db') });
    try {
      store.appendAudit({
        ts: 1,
        actor: 'cli:alice',
        source: 'cli',
        action: 'x',
        target: 'k\ud800',
        incidentId: null,
        result: 'ok',
        detail: { at: new Date(5), gone: undefined, nan: Number.NaN, list: [undefined, 1], text: 'a\udc00b' },
      });
      store.appendAudit({ ts: 2, actor: 'cli:bob', source: 'cli', action: 'y', target: null, incidentId: 1, result: 'ok', detail: {} });
      const rows = [...store.auditRows()];
      assert.deepEqual(rows[0]!.detail, { at: '1970-01-01T00:00:00.005Z', nan: null, list: [null, 1], text: 'a\ufffdb' });
      assert.equal(rows[0]!.target, 'k\ufffd');
      assert.deepEqual(pick(verifyChain(rows)), { ok: true });
    } finally {
      store.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a chain written by chatops 0.1 (before RFC 8785) still verifies, lone surrogates in details included', () => {
    const lines = fs.readFileSync(path.join(FIXTURES, 'audit/chain-written-by-0.1.jsonl'), 'utf8').trim().split('\n');
    const rows: AuditRecord[] = lines.map((l) => {
      const r = JSON.parse(l) as AuditRecord & { ts: string };
      return { ...r, ts: Date.parse(r.ts) };
    });
    assert.ok(
      rows.some((r) => JSON.stringify(r.detail).includes('\\ud800')),
      'the fixture holds a lone surrogate',
    );
    assert.deepEqual(pick(verifyChain(rows)), { ok: true });
    assert.deepEqual(pick(verifyChain(rows.map((r) => (r.seq === 7 ? { ...r, detail: { ...r.detail, alertname: 'Odd\ufffd' } } : r)))), {
      ok: false,
      badSeq: 7,
    });
  });
});
