/**
 * `chatops audit` and its subcommands own their options (commander gives a parent's options to
 * the parent, so a shadowed `--since` was silently ignored), and every command is checked for
 * options an ancestor would swallow.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import type { Command } from 'commander';
import { buildProgram } from '../../src/cli/main.js';
import { bufferSink, Output } from '../../src/cli/output.js';
import { ackedIncidentDb, tamperAudit } from '../support/audit-db.js';
import { runCli } from '../support/daemon.js';
import { FIXTURES, tempDir } from '../support/tmp.js';

const fx = (f: string) => path.join(FIXTURES, 'alertmanager', f);

function flagsOf(cmd: Command): string[] {
  return cmd.options.flatMap((o) => [o.long, o.short].filter((f): f is string => Boolean(f)));
}

describe('audit options', () => {
  it('no command defines an option that one of its ancestors also defines', () => {
    const program = buildProgram(new Output(bufferSink(), bufferSink()), () => {});
    const shadowed: string[] = [];
    const walk = (cmd: Command, inherited: Map<string, string>) => {
      for (const flag of flagsOf(cmd)) {
        if (inherited.has(flag)) shadowed.push(`${inherited.get(flag)} and ${cmd.name()} both define ${flag}`);
      }
      const next = new Map(inherited);
      for (const flag of flagsOf(cmd)) next.set(flag, cmd.name());
      for (const sub of cmd.commands) walk(sub, next);
    };
    walk(program, new Map());
    assert.deepEqual(shadowed, []);
  });

  it('audit export --since filters, and a bad --since is refused (exit 2)', (t) => {
    const dir = tempDir(t);
    const db = path.join(dir, 'c.db');
    const env = { CHATOPS_DB: db };
    assert.equal(runCli(['alerts', 'ingest', fx('02-firing-group-of-3.json')], { env }).code, 0);
    // Age every row by two hours, then add one fresh row: only it is newer than 1m.
    tamperAudit(db, 'UPDATE audit SET ts = ts - 7200000');
    assert.equal(runCli(['ack', '1'], { env }).code, 0);
    const all = runCli(['audit', 'export'], { env }).stdout.trim().split('\n');
    assert.ok(all.length >= 3, `${all.length} rows`);
    const recent = runCli(['audit', 'export', '--since', '1m'], { env });
    assert.equal(recent.code, 0, recent.stderr);
    assert.deepEqual(
      recent.stdout
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as { action: string }).action),
      ['incident.ack'],
    );
    const iso = runCli(['audit', 'export', '--since', new Date(Date.now() - 60_000).toISOString()], { env });
    assert.equal(iso.stdout.trim().split('\n').length, 1);

    for (const args of [
      ['audit', 'export', '--since', 'garbage'],
      ['audit', '--since', 'garbage'],
      ['audit', 'list', '--since', '1'],
      ['audit', 'export', '--since', 'yesterday'],
    ]) {
      const bad = runCli(args, { env });
      assert.equal(bad.code, 2, `${args.join(' ')}: ${bad.stdout}${bad.stderr}`);
      assert.match(bad.stderr, /^chatops: --since ".+" is neither a time .* nor a duration/);
      assert.equal(bad.stdout, '');
    }
    // The listing still answers at `chatops audit` (the README's form) and at `audit list`.
    assert.equal((JSON.parse(runCli(['audit', '--since', '1m', '--json'], { env }).stdout) as unknown[]).length, 1);
    assert.equal((JSON.parse(runCli(['audit', 'list', '--limit', '2', '--json'], { env }).stdout) as unknown[]).length, 2);
  });

  it('audit verify --json prints the verdict as one document, intact or broken', (t) => {
    const { db, env } = ackedIncidentDb(t);
    const good = runCli(['audit', 'verify', '--json'], { env });
    assert.equal(good.code, 0, good.stderr);
    const verdict = JSON.parse(good.stdout) as { ok: boolean; rows: number };
    assert.equal(verdict.ok, true);
    assert.ok(verdict.rows >= 2);

    tamperAudit(db, "UPDATE audit SET actor = 'cli:mallory' WHERE seq = 2");
    const bad = runCli(['audit', 'verify', '--json'], { env });
    assert.equal(bad.code, 1);
    const broken = JSON.parse(bad.stdout) as { ok: boolean; badSeq: number };
    assert.equal(broken.ok, false);
    assert.equal(broken.badSeq, 2);
    assert.match(bad.stderr, /^chatops: audit chain broken at row 2/);
  });
});
