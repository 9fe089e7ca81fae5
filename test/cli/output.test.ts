/**
 * The CLI's output funnel: every `--json` is exactly one document by one rule (pretty on a
 * terminal, one compact line otherwise), a reader that goes away is not an error, and `--debug`
 * logs in every command.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { openRuntime } from '../../src/app.js';
import { bufferSink, Output } from '../../src/cli/output.js';
import { loadConfig } from '../../src/config/load.js';
import { ingestDelivery } from '../../src/core/ingest.js';
import { alert, delivery } from '../support/builders.js';
import { BIN, ROOT, runCli, testEnv } from '../support/daemon.js';
import { FIXTURES, tempDir } from '../support/tmp.js';

const fx = (f: string) => path.join(FIXTURES, 'alertmanager', f);

/** A database with `n` incidents (and their audit rows), written in-process for speed. */
function seed(db: string, n: number): void {
  const rt = openRuntime(loadConfig({ env: { CHATOPS_DB: db } }));
  try {
    for (let i = 0; i < n; i++) {
      const d = delivery([alert({ labels: { alertname: `Seeded${i}`, pod: `web-${i}` }, annotations: { description: 'x'.repeat(400) } })], {
        groupKey: `{}:{seed="${i}"}`,
      });
      ingestDelivery(rt.ingest, d, JSON.stringify(d), { source: 'cli', actor: 'cli:seed', auditSource: 'cli' });
    }
  } finally {
    rt.close();
  }
}

describe('the output funnel', () => {
  it('JSON: pretty on a terminal, one compact line otherwise; arrays stream as the same document', () => {
    for (const tty of [true, false]) {
      const out = bufferSink(tty);
      const o = new Output(out, bufferSink());
      o.json({ a: [1, { b: 2 }] });
      o.jsonArray([{ x: 1 }, { y: [2] }]);
      o.jsonArray([]);
      const [one, ...rest] = out
        .text()
        .split(tty ? /\n(?=[[{])/ : '\n')
        .filter(Boolean);
      assert.deepEqual(JSON.parse(one!), { a: [1, { b: 2 }] });
      assert.deepEqual(
        rest.map((r) => JSON.parse(r)),
        [[{ x: 1 }, { y: [2] }], []],
      );
      if (tty)
        assert.equal(
          out.text(),
          `${JSON.stringify({ a: [1, { b: 2 }] }, null, 2)}\n${JSON.stringify([{ x: 1 }, { y: [2] }], null, 2)}\n[]\n`,
        );
      else assert.equal(out.text(), '{"a":[1,{"b":2}]}\n[{"x":1},{"y":[2]}]\n[]\n');
    }
  });

  it('src/cli/output.ts is the only module of the CLI that writes to stdout', () => {
    const files = (dir: string): string[] =>
      fs
        .readdirSync(dir, { withFileTypes: true })
        .flatMap((e) => (e.isDirectory() ? files(path.join(dir, e.name)) : [path.join(dir, e.name)]));
    // The TUI draws the terminal itself (Ink); every other face goes through the funnel or a logger on stderr.
    const writers = files(path.join(ROOT, 'src'))
      .filter((f) => !f.includes(`${path.sep}tui${path.sep}`) && !f.endsWith(path.join('cli', 'output.ts')))
      .filter((f) => /process\.stdout\.write|console\.(log|info|table|dir)\(/.test(fs.readFileSync(f, 'utf8')));
    assert.deepEqual(
      writers.map((f) => path.relative(ROOT, f)),
      [],
    );
  });

  it('every --json command prints exactly one compact document when piped', (t) => {
    const dir = tempDir(t);
    const env = { CHATOPS_DB: path.join(dir, 'c.db') };
    const commands = [
      ['alerts', 'ingest', fx('02-firing-group-of-3.json'), '--json'],
      ['incidents', 'list', '--json'],
      ['incidents', '--json'],
      ['incidents', 'show', '1', '--json'],
      ['ack', '1', '--json'],
      ['render', fx('02-firing-group-of-3.json'), '--json'],
      ['approvals', '--json'],
      ['approvals', '--all', '--json'],
      ['audit', '--json'],
      ['audit', 'list', '--json'],
      ['audit', 'verify', '--json'],
      ['config', 'check', '--json'],
    ];
    for (const args of commands) {
      const r = runCli(args, { env, cwd: dir });
      assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
      const lines = r.stdout.split('\n');
      assert.equal(lines.length, 2, `${args.join(' ')} printed ${lines.length - 1} lines:\n${r.stdout.slice(0, 400)}`);
      assert.equal(lines[1], '');
      JSON.parse(lines[0]!);
    }
  });

  it('with --json a failure is the one document too, beside its sentence on stderr', (t) => {
    const dir = tempDir(t);
    const env = { CHATOPS_DB: path.join(dir, 'c.db') };
    assert.equal(runCli(['alerts', 'ingest', fx('01-firing-single.json')], { env }).code, 0);
    const cases: [string[], number, string][] = [
      [['incidents', 'show', '999', '--json'], 1, 'not_found'],
      [['ack', 'abc', '--json'], 2, 'usage'],
      [['audit', 'export', '--since', 'soon', '--json'], 2, 'usage'],
      [['approvals', '--limit', 'x', '--json'], 2, 'usage'],
      [['remediate', 'pods', 'prod/web', '--json'], 4, 'refused'],
    ];
    for (const [args, code, kind] of cases) {
      const r = runCli(args, { env });
      assert.equal(r.code, code, `${args.join(' ')}: ${r.stderr}`);
      const lines = r.stdout.split('\n');
      assert.equal(lines.length, 2, `${args.join(' ')} printed:\n${r.stdout}`);
      const doc = JSON.parse(lines[0]!) as { kind: string; message: string; error?: { kind: string; exitCode: number } };
      assert.ok(doc.message, 'the sentence is in the document');
      if (kind === 'refused') assert.equal(doc.kind, 'refused', 'a refusal is an operator outcome');
      else assert.deepEqual([doc.kind, doc.error?.kind, doc.error?.exitCode], ['error', kind, code]);
      assert.match(r.stderr, /chatops: |error: /);
    }
  });

  it('a closed pipe (| head) ends the command quietly with exit 0', (t) => {
    const dir = tempDir(t);
    const db = path.join(dir, 'c.db');
    seed(db, 300); // well over a pipe's 64 KiB buffer for each command below
    for (const cmd of ['audit export', 'audit', 'audit --json', 'incidents list --json', 'incidents list']) {
      const r = spawnSync('bash', ['-c', `set -o pipefail; "${process.execPath}" "${BIN}" ${cmd} | head -c 100 >/dev/null`], {
        env: testEnv({ CHATOPS_DB: db }),
        encoding: 'utf8',
      });
      assert.equal(r.stderr, '', `${cmd}: ${r.stderr}`);
      assert.equal(r.status, 0, `${cmd} exited ${r.status}`);
    }
  });

  it('--debug logs on stderr in every command, and stdout stays the result', (t) => {
    const dir = tempDir(t);
    const db = path.join(dir, 'c.db');
    const env = { CHATOPS_DB: db };
    const commands = [
      ['alerts', 'ingest', fx('02-firing-group-of-3.json')],
      ['incidents', 'list', '--json'],
      ['incidents', 'show', '1'],
      ['ack', '1'],
      ['render', fx('02-firing-group-of-3.json')],
      ['approvals'],
      ['audit'],
      ['audit', 'verify'],
      ['audit', 'export'],
      ['config', 'check'],
      ['db', 'backup', path.join(dir, 'copy.db')],
      ['silence', '1'],
      ['remediate', 'pods', 'prod/web'],
    ];
    for (const args of commands) {
      const r = runCli(['--debug', ...args], { env, cwd: dir });
      const logs = r.stderr
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as { msg: string; level: number; command?: string });
      const name =
        ['alerts', 'incidents', 'audit', 'config', 'db'].includes(args[0]!) && args[1] && !args[1].startsWith('-')
          ? args.slice(0, 2).join(' ')
          : args[0]!;
      assert.ok(
        logs.some((l) => l.msg === 'command start' && l.command?.startsWith(name)),
        `${args.join(' ')}: no start log in:\n${r.stderr}`,
      );
      assert.ok(
        logs.some((l) => l.msg === 'command done'),
        `${args.join(' ')}: no done log`,
      );
      assert.ok(
        logs.some((l) => l.msg === 'configuration loaded'),
        `${args.join(' ')}: no configuration log`,
      );
      if (args.includes('--json')) JSON.parse(r.stdout);
    }
    // Without --debug nothing is logged.
    assert.equal(runCli(['incidents', 'list'], { env, cwd: dir }).stderr, '');
  });
});
