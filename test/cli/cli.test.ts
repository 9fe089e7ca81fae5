/** The spawned built binary: output contracts, exit codes and one-sentence errors. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { tamperAudit } from '../support/audit-db.js';
import { runCli } from '../support/daemon.js';
import { FIXTURES, tempDir } from '../support/tmp.js';

const fx = (f: string) => path.join(FIXTURES, 'alertmanager', f);

function oneSentence(stderr: string): void {
  const lines = stderr.trim().split('\n');
  assert.equal(lines.length, 1, `expected one line on stderr, got:\n${stderr}`);
  assert.match(lines[0]!, /^chatops: .+[.:]/);
  assert.ok(!/\bat .+:\d+:\d+/.test(stderr), 'no stack trace');
}

describe('chatops CLI', () => {
  it('--version and --help', () => {
    const v = runCli(['--version']);
    assert.equal(v.code, 0);
    assert.match(v.stdout.trim(), /^\d+\.\d+\.\d+$/);
    const h = runCli(['--help']);
    assert.equal(h.code, 0);
    for (const cmd of ['daemon', 'incidents', 'ack', 'alerts', 'audit']) assert.match(h.stdout, new RegExp(`\\b${cmd}\\b`));
  });

  it('ingest, list, show, ack: the JSON contract', (t) => {
    const dir = tempDir(t);
    const env = { CHATOPS_DB: path.join(dir, 'c.db') };
    const ing = runCli(['alerts', 'ingest', fx('02-firing-group-of-3.json')], { env });
    assert.equal(ing.code, 0, ing.stderr);
    assert.match(ing.stdout, /incident 1 opened \(firing\)/);
    const stdin = runCli(['alerts', 'ingest', '-', '--json'], {
      env,
      input: fs.readFileSync(fx('06-unicode-injection-long-description.json'), 'utf8'),
    });
    assert.equal(stdin.code, 0, stdin.stderr);
    assert.equal(JSON.parse(stdin.stdout).outcome, 'applied');

    const list = JSON.parse(runCli(['incidents', 'list', '--json'], { env }).stdout) as Record<string, unknown>[];
    assert.equal(list.length, 2);
    assert.equal(list[0]!.id, 2, 'newest first');
    for (const key of [
      'id',
      'key',
      'status',
      'alertname',
      'severity',
      'namespace',
      'firing',
      'total',
      'openedAt',
      'updatedAt',
      'resolvedAt',
      'acknowledgedBy',
    ]) {
      assert.ok(key in list[0]!, `list item lacks ${key}`);
    }
    assert.match(String(list[0]!.openedAt), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.equal(list[1]!.firing, 3);
    assert.equal(list[1]!.resolvedAt, null);

    const show = JSON.parse(runCli(['incidents', 'show', '1', '--json'], { env }).stdout) as {
      alerts: Record<string, unknown>[];
      timeline: Record<string, unknown>[];
    };
    assert.equal(show.alerts.length, 3);
    for (const key of ['fingerprint', 'status', 'labels', 'annotations', 'startsAt', 'endsAt'])
      assert.ok(key in show.alerts[0]!, `alert lacks ${key}`);
    assert.equal(show.alerts[0]!.endsAt, null);
    assert.ok(show.timeline.some((r) => r.action === 'incident.opened'));

    const ack = runCli(['ack', '1'], { env });
    assert.equal(ack.code, 0, ack.stderr);
    const again = runCli(['ack', '1'], { env });
    assert.equal(again.code, 0);
    assert.match(again.stdout, /already acknowledged/);
    const acked = JSON.parse(runCli(['incidents', 'list', '--status', 'acknowledged', '--json'], { env }).stdout) as Record<
      string,
      unknown
    >[];
    assert.deepEqual(
      acked.map((i) => i.id),
      [1],
    );
    assert.match(String(acked[0]!.acknowledgedBy), /^cli:/);
    assert.equal(
      (JSON.parse(runCli(['incidents', 'list', '--status', 'open', '--limit', '1', '--json'], { env }).stdout) as unknown[]).length,
      1,
    );

    const table = runCli(['incidents', 'list'], { env });
    assert.match(table.stdout, /ID\s+STATUS/);
    assert.match(table.stdout, /◐ acked/);
    // Control characters in alert text never reach the terminal.
    assert.ok(!/[\u0000-\u0008\u000b-\u001f]/.test(table.stdout));
  });

  it('incidents list --cluster with a name the configuration does not know: nothing listed, and a note naming the known ones', (t) => {
    const env = { CHATOPS_DB: path.join(tempDir(t), 'c.db') };
    assert.equal(runCli(['alerts', 'ingest', fx('01-firing-single.json')], { env }).code, 0);
    const typo = runCli(['incidents', 'list', '--cluster', 'defualt'], { env });
    assert.equal(typo.code, 0, typo.stderr);
    assert.equal(typo.stdout.trim(), 'No incidents.');
    assert.equal(typo.stderr.trim(), 'No cluster defualt in the configuration (it has: default).');
    const known = runCli(['incidents', 'list', '--cluster', 'default'], { env });
    assert.match(known.stdout, /^1\s/m);
    assert.equal(known.stderr, '');
  });

  it('ack of a resolved incident fails (1) with a sentence', (t) => {
    const dir = tempDir(t);
    const env = { CHATOPS_DB: path.join(dir, 'c.db') };
    for (const f of ['02-firing-group-of-3.json', '04-group-all-resolved.json'])
      assert.equal(runCli(['alerts', 'ingest', fx(f)], { env }).code, 0);
    const r = runCli(['ack', '1'], { env });
    assert.equal(r.code, 1);
    oneSentence(r.stderr);
    assert.match(r.stderr, /already resolved/);
    const audit = JSON.parse(runCli(['audit', '--incident', '1', '--json'], { env }).stdout) as { action: string; result: string }[];
    assert.ok(
      audit.some((a) => a.action === 'incident.ack' && a.result === 'refused'),
      'the refusal is audited',
    );
  });

  it('exit codes: unknown id 1, bad usage 2, bad config 2, missing database 1', (t) => {
    const dir = tempDir(t);
    const env = { CHATOPS_DB: path.join(dir, 'c.db') };
    const missing = runCli(['incidents', 'list'], { env });
    assert.equal(missing.code, 1);
    oneSentence(missing.stderr);
    assert.match(missing.stderr, /No database at .*start 'chatops daemon' first/);
    assert.equal(runCli(['alerts', 'ingest', fx('01-firing-single.json')], { env }).code, 0);

    const unknown = runCli(['incidents', 'show', '999'], { env });
    assert.equal(unknown.code, 1);
    oneSentence(unknown.stderr);
    assert.match(unknown.stderr, /No incident 999/);

    const badId = runCli(['ack', 'abc'], { env });
    assert.equal(badId.code, 2);
    oneSentence(badId.stderr);

    const badStatus = runCli(['incidents', 'list', '--status', 'burning'], { env });
    assert.equal(badStatus.code, 2);
    assert.match(badStatus.stderr, /firing, acknowledged, resolved or open/);

    assert.equal(runCli(['frobnicate'], { env }).code, 2);

    const badPayload = runCli(['alerts', 'ingest', '-'], { env, input: '{"version":"4"}' });
    assert.equal(badPayload.code, 2);
    oneSentence(badPayload.stderr);

    const cfg = path.join(dir, 'bad.yaml');
    fs.writeFileSync(cfg, 'webhook:\n  listen: nowhere\nincidents:\n  reopen_window: soon\n');
    const badConfig = runCli(['--config', cfg, 'incidents', 'list'], { env });
    assert.equal(badConfig.code, 2);
    oneSentence(badConfig.stderr);
    assert.match(badConfig.stderr, /webhook\.listen/);
    assert.match(badConfig.stderr, /incidents\.reopen_window/);
  });

  it('the daemon refuses a non-loopback listen address without a token (exit 2, one sentence)', (t) => {
    const dir = tempDir(t);
    const r = runCli(['daemon', '--listen', '0.0.0.0:0'], { env: { CHATOPS_DB: path.join(dir, 'c.db') } });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /Refusing to listen on 0\.0\.0\.0:0 without a webhook token.*CHATOPS_WEBHOOK_TOKEN/);
  });

  it('audit verify names the first tampered row', (t) => {
    const dir = tempDir(t);
    const db = path.join(dir, 'c.db');
    const env = { CHATOPS_DB: db };
    assert.equal(runCli(['alerts', 'ingest', fx('02-firing-group-of-3.json')], { env }).code, 0);
    assert.equal(runCli(['audit', 'verify'], { env }).code, 0);
    assert.equal(runCli(['ack', '1'], { env }).code, 0);
    const audit = JSON.parse(runCli(['audit', '--json'], { env }).stdout) as { seq: number }[];
    assert.ok(audit.length >= 3);
    // An attacker with write access drops the guard trigger and edits row 2.
    tamperAudit(db, "UPDATE audit SET actor = 'cli:mallory' WHERE seq = 2");
    const r = runCli(['audit', 'verify'], { env });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /audit chain broken at row 2: row 2 was changed/);
  });
});
