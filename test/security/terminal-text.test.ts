/**
 * The one terminal sanitiser (src/text/terminal.ts): unit cases for every class of character an
 * alert can carry, a property over arbitrary strings, then the built CLI end to end: a hostile
 * webhook payload shown with `incidents list/show` and `audit` reaches the terminal as text only,
 * while `--json` keeps every value exact.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { clean, cleanLines, terminalSafe, visible } from '../../src/text/terminal.js';
import { displayWidth, fitCells, truncateCells } from '../../src/text/cells.js';
import { incidentTable } from '../../src/cli/format.js';
import { runCli } from '../support/daemon.js';
import { tempDir } from '../support/tmp.js';
import { webhookBody } from '../support/builders.js';
import fs from 'node:fs';

/** Anything a terminal would act on rather than print. */
const ACTIVE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]|\p{Cf}|\p{Zl}|\p{Zp}|\p{Cs}/u;

const HOSTILE: [string, string][] = [
  ['clear screen + home', '\x1b[2J\x1b[H'],
  ['window title (OSC, BEL)', '\x1b]0;pwned\x07'],
  ['window title (OSC, ST)', '\x1b]2;pwned\x1b\\'],
  ['8-bit CSI', '\u009b31m'],
  ['DCS', '\x1bPq#0;2;0;0;0\x1b\\'],
  ['hyperlink (OSC 8)', '\x1b]8;;https://evil.example\x07click\x1b]8;;\x07'],
  ['bell, backspace, DEL', '\x07\x08\x7f'],
  ['carriage return overwrite', 'real\rFAKE ACK BY'],
  ['bidi override', 'abc\u202edcba'],
  ['bidi isolates', '\u2066x\u2069\u2067y\u2069\u2068z\u2069'],
  ['zero-width', 'a\u200bb\u200cc\u200dd\u2060e'],
  ['BOM', '\ufeffstart'],
  ['line/paragraph separators', 'a\u2028b\u2029c'],
  ['lone surrogates', 'a\ud800b\udc00'],
  ['tag characters', 'flag\u{e0041}'],
];

describe('clean', () => {
  for (const [name, text] of HOSTILE) {
    it(`leaves nothing active: ${name}`, () => {
      const out = clean(`x${text}y`);
      assert.doesNotMatch(out, ACTIVE, JSON.stringify(out));
      assert.doesNotMatch(out, /\x1b|\u009b/);
    });
  }
  it('removes whole sequences, not just the ESC (no "[2J" debris)', () => {
    assert.equal(clean('a\x1b[2Jb\x1b]0;title\x07c'), 'abc');
  });
  it('turns line breaks and tabs into spaces on one line; cleanLines keeps them', () => {
    assert.equal(clean('a\nb\tc\r\nd'), 'a b c  d');
    assert.equal(cleanLines('a\nb\tc\r\nd\x1b[2J'), 'a\nb\tc\nd');
  });
  it('leaves ordinary text, CJK and emoji alone', () => {
    for (const s of ['KubePodCrashLooping', '日本語のアラート', 'café 😀 ✓', 'a-b_c.d/e=f']) assert.equal(clean(s), s);
  });
  it('never leaves anything active (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => !ACTIVE.test(clean(s)) && !ACTIVE.test(cleanLines(s).replace(/[\n\t]/g, ''))),
      { numRuns: 2000 },
    );
  });
});

describe('visible and terminalSafe', () => {
  it('shows ids with their hidden characters as escapes, so two ids never look alike', () => {
    assert.equal(visible('abc\x1b[2J'), 'abc\\u001b[2J');
    assert.equal(visible('a\u202eb'), 'a\\u202eb');
    assert.equal(visible('a\\u202eb'), 'a\\\\u202eb');
    assert.notEqual(visible('a\u202eb'), visible('a\\u202eb'));
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => !ACTIVE.test(visible(s))),
      { numRuns: 1000 },
    );
  });
  it("terminalSafe keeps JSON values exact and keeps chatops' own progress redraw", () => {
    const value = { s: 'x\u202e\u200b\u009b\u2028\x7f😀\ud800', n: 1 };
    const text = `${JSON.stringify(value)}\n`;
    const safe = terminalSafe(text);
    assert.doesNotMatch(safe.trim(), ACTIVE);
    assert.deepEqual(JSON.parse(safe), value);
    assert.equal(terminalSafe('\r\x1b[2K[###] step'), '\r\x1b[2K[###] step');
    assert.equal(terminalSafe('a\r\x1b[2Kb'), 'a\\u000d\\u001b[2Kb');
  });
});

describe('display width', () => {
  it('counts terminal cells: CJK and emoji take two', () => {
    assert.equal(displayWidth('日本'), 4);
    assert.equal(displayWidth('😀'), 2);
    assert.equal(displayWidth('abc'), 3);
    assert.equal(truncateCells('日本語テキスト', 5), '日本…');
    assert.equal(fitCells('日本', 6), '日本  ');
  });
  it('aligns the incident table by cells', () => {
    const base = {
      key: 'k',
      status: 'firing' as const,
      severity: 'critical',
      namespace: 'prod',
      target: 't',
      firing: 1,
      total: 1,
      openedAt: 0,
      updatedAt: 0,
      resolvedAt: null,
      acknowledgedBy: null,
      acknowledgedAt: null,
      labels: {},
      annotations: {},
      groupKey: 'g',
      externalURL: '',
    };
    const out = incidentTable(
      [
        { ...base, id: 1, alertname: '日本語' },
        { ...base, id: 2, alertname: 'ascii' },
      ],
      0,
    ).split('\n');
    const col = (line: string) => displayWidth(line.slice(0, line.indexOf('prod/t')));
    assert.equal(col(out[1]!), col(out[2]!));
  });
});

describe('the built CLI shows hostile alert text as text', () => {
  it('incidents list/show and audit carry no escape, bidi or zero-width character; --json is exact', (t) => {
    const dir = tempDir(t);
    const env = { CHATOPS_DB: path.join(dir, 'c.db') };
    const evil = Object.fromEntries(HOSTILE.filter(([n]) => n !== 'lone surrogates').map(([, v], i) => [`l${i}`, `v${v}`]));
    const body = webhookBody([
      {
        labels: { alertname: `Fake\x1b[2J\x1b[HACK BY cli:boss\x1b]0;title\x07`, namespace: 'prod\u202e', ...evil },
        annotations: { summary: 'x\u200by\ufeff\r\nACK BY\u2028' },
      },
    ]);
    fs.writeFileSync(path.join(dir, 'p.json'), JSON.stringify(body));
    assert.equal(runCli(['alerts', 'ingest', path.join(dir, 'p.json')], { env }).code, 0);
    for (const args of [['incidents', 'list'], ['incidents', 'show', '1'], ['audit']]) {
      const r = runCli(args, { env });
      assert.equal(r.code, 0, r.stderr);
      assert.doesNotMatch(r.stdout.replace(/[\n\t]/g, ''), ACTIVE, `${args.join(' ')}: ${JSON.stringify(r.stdout)}`);
    }
    const json = JSON.parse(runCli(['incidents', 'show', '1', '--json'], { env }).stdout) as {
      labels: Record<string, string>;
      annotations: Record<string, string>;
    };
    assert.equal(json.labels.namespace, 'prod\u202e');
    assert.equal(json.annotations.summary, 'x\u200by\ufeff\r\nACK BY\u2028');
    const bad = runCli(['incidents', 'show', '1\x1b[2J'], { env });
    assert.doesNotMatch(bad.stderr.replace(/\n/g, ''), ACTIVE, 'error sentences too');
  });

  it('the webhook refuses a fingerprint that is not hex and a lone surrogate', (t) => {
    const dir = tempDir(t);
    const env = { CHATOPS_DB: path.join(dir, 'c.db') };
    for (const [name, text, why] of [
      ['fingerprint', JSON.stringify(webhookBody([{ fingerprint: 'abc\x1b[2J' }])), /fingerprint: expected hex digits/],
      ['surrogate', JSON.stringify(webhookBody([{ labels: { alertname: 'A' } }])).replace('"A"', '"A\\ud800"'), /lone UTF-16 surrogate/],
    ] as const) {
      fs.writeFileSync(path.join(dir, `${name}.json`), text);
      const r = runCli(['alerts', 'ingest', path.join(dir, `${name}.json`)], { env });
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, why);
    }
  });
});
