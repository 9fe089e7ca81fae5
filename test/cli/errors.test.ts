/**
 * Error sentences name what the user wrote and where: the flag or variable (not "the
 * environment"), every schema problem, the payload file, the YAML line; and a read-only
 * database reads fine and refuses writes with what to fix.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createOsUser, runCliAsync } from '../support/cli-async.js';
import { runCli } from '../support/daemon.js';
import { FIXTURES, tempDir } from '../support/tmp.js';

const fx = (f: string) => path.join(FIXTURES, 'alertmanager', f);

function oneSentence(stderr: string): string {
  const lines = stderr.trim().split('\n');
  assert.equal(lines.length, 1, `expected one line on stderr, got:\n${stderr}`);
  assert.match(lines[0]!, /^chatops: .+\.$/);
  assert.doesNotMatch(stderr, /this is a bug|\bat .+:\d+:\d+\)/);
  return lines[0]!;
}

describe('error sentences', () => {
  it('a bad --listen names the flag; a bad variable names the variable', (t) => {
    const dir = tempDir(t);
    const flag = runCli(['daemon', '--listen', '127.0.0.1:notaport'], { env: { CHATOPS_DB: path.join(dir, 'c.db') } });
    assert.equal(flag.code, 2);
    const line = oneSentence(flag.stderr);
    assert.match(line, /--listen: expected host:port such as "127\.0\.0\.1:9095", got "127\.0\.0\.1:notaport"/);
    assert.doesNotMatch(line, /environment/);
    const variable = runCli(['incidents', 'list'], { env: { CHATOPS_DB: path.join(dir, 'c.db'), CHATOPS_LISTEN: 'nowhere' } });
    assert.equal(variable.code, 2);
    assert.match(oneSentence(variable.stderr), /CHATOPS_LISTEN \(webhook\.listen\): expected host:port/);
  });

  it('a payload with several problems names each of them, and the file', (t) => {
    const dir = tempDir(t);
    const env = { CHATOPS_DB: path.join(dir, 'c.db') };
    const payload = JSON.parse(fs.readFileSync(fx('01-firing-single.json'), 'utf8')) as Record<string, any>;
    delete payload.groupKey;
    delete payload.alerts[0].fingerprint;
    const file = path.join(dir, 'two-problems.json');
    fs.writeFileSync(file, JSON.stringify(payload));
    const r = runCli(['alerts', 'ingest', file], { env });
    assert.equal(r.code, 2);
    const line = oneSentence(r.stderr);
    assert.match(line, /two-problems\.json is not an Alertmanager webhook payload/);
    assert.match(line, /alerts\[0\]\.fingerprint: /);
    assert.match(line, /groupKey: /);
    assert.doesNotMatch(line, /more problems/);
    assert.equal(runCli(['render', file], { env }).stderr, r.stderr, 'render reads payloads the same way');
  });

  it('a file that is not JSON is named as a file, with where it breaks', (t) => {
    const dir = tempDir(t);
    const env = { CHATOPS_DB: path.join(dir, 'c.db') };
    const file = path.join(dir, 'broken.json');
    fs.writeFileSync(file, '{\n  "version": "4",\n}\n');
    const r = runCli(['alerts', 'ingest', file], { env });
    assert.equal(r.code, 2);
    const line = oneSentence(r.stderr);
    assert.match(line, /broken\.json is not valid JSON \(.* at line 3, column 1\)/);
    assert.doesNotMatch(line, /body/i);
    const stdin = runCli(['alerts', 'ingest', '-'], { env, input: '{"version":' });
    assert.match(oneSentence(stdin.stderr), /^chatops: stdin is not valid JSON/);
    assert.ok(!fs.existsSync(env.CHATOPS_DB), 'a payload that does not parse creates no database');
  });

  it('a YAML error names file:line:column and ends in a fix, not a dangling excerpt', (t) => {
    const dir = tempDir(t);
    const file = path.join(dir, 'chatops.yaml');
    fs.writeFileSync(file, 'webhook:\n  listen: [\n');
    const r = runCli(['--config', file, 'incidents', 'list'], { env: { CHATOPS_DB: path.join(dir, 'c.db') } });
    assert.equal(r.code, 2);
    const line = oneSentence(r.stderr);
    assert.match(line, new RegExp(`${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:3:1 is not valid YAML: `));
    assert.doesNotMatch(line, /column \d+:/);
  });

  describe('a read-only database directory', () => {
    let account: ReturnType<typeof createOsUser>;
    let dir: string;
    before(() => {
      account = createOsUser();
    });
    after(() => account.remove());

    it('reads work; writes refuse with what to fix (exit 1)', async (t) => {
      dir = tempDir(t);
      const data = path.join(dir, 'data');
      const db = path.join(data, 'chatops.db');
      const env = { CHATOPS_DB: db };
      assert.equal(runCli(['alerts', 'ingest', fx('02-firing-group-of-3.json')], { env }).code, 0);
      // The user owns the file but may not create files beside it (no -wal/-shm can be made).
      const uid = Number(spawnSync('id', ['-u', account.user], { encoding: 'utf8' }).stdout);
      for (const f of fs.readdirSync(data)) fs.chownSync(path.join(data, f), uid, -1);
      fs.chownSync(data, uid, -1);
      const before = fs.readdirSync(data).sort();
      fs.chmodSync(data, 0o500);
      fs.chmodSync(dir, 0o755);
      const as = (args: string[]) => runCliAsync(args, { env, user: account.user, cwd: dir });

      const list = await as(['incidents', 'list', '--json']);
      assert.equal(list.code, 0, list.stderr);
      assert.equal((JSON.parse(list.stdout) as unknown[]).length, 1);
      for (const args of [['incidents', 'show', '1'], ['audit', 'verify'], ['audit', 'export'], ['approvals']]) {
        const r = await as(args);
        assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
        assert.equal(r.stderr, '');
      }
      const ack = await as(['ack', '1']);
      assert.equal(ack.code, 1);
      const line = oneSentence(ack.stderr);
      assert.match(
        line,
        new RegExp(`read-only here \\(${account.user} cannot create files in ${data.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}\\)`),
      );
      assert.match(line, /sudo -u chatops chatops/);
      assert.deepEqual(fs.readdirSync(data).sort(), before, 'nothing was written');
    });
  });
});
