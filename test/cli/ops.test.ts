/**
 * Operating commands as the README's recipes use them: `config check` beside the running
 * daemon, `db backup` from cron, and the default policy (a responder can ack AND silence).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ackedIncidentDb, tamperAudit } from '../support/audit-db.js';
import { runCli, spawnDaemon } from '../support/daemon.js';
import { freePort, startAlertmanager } from '../support/promstack.js';
import { FIXTURES, tempDir } from '../support/tmp.js';

const fx = (f: string) => path.join(FIXTURES, 'alertmanager', f);

interface Report {
  ok: boolean;
  checks: { name: string; ok: boolean; detail: string }[];
}

describe('operating chatops', () => {
  it('config check passes while the daemon holds the port, and says so', async (t) => {
    const dir = tempDir(t);
    const port = await freePort();
    const env = { CHATOPS_DB: path.join(dir, 'c.db'), CHATOPS_LISTEN: `127.0.0.1:${port}` };
    const daemon = await spawnDaemon(env, { cwd: dir });
    t.after(() => daemon.stop());
    const r = runCli(['config', 'check', '--json'], { env, cwd: dir });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const webhook = (JSON.parse(r.stdout) as Report).checks.find((c) => c.name === `webhook 127.0.0.1:${port}`)!;
    assert.equal(webhook.ok, true);
    assert.match(webhook.detail, new RegExp(`held by the running chatops daemon \\(pid ${daemon.child.pid}\\) on this database`));

    // Once it has stopped, another program on the port fails the check again.
    assert.equal(await daemon.stop(), 0);
    const net = await import('node:net');
    const other = net.createServer();
    await new Promise<void>((resolve) => other.listen(port, '127.0.0.1', resolve));
    t.after(() => other.close());
    const busy = runCli(['config', 'check'], { env, cwd: dir });
    assert.equal(busy.code, 1);
    assert.match(busy.stdout, new RegExp(`✗ webhook 127\\.0\\.0\\.1:${port}: 127\\.0\\.0\\.1:${port} is in use by another program`));
  });

  it('db backup exits 1 when the copy preserves a broken audit chain', (t) => {
    const { dir, db, env } = ackedIncidentDb(t);
    const good = runCli(['db', 'backup', path.join(dir, 'good.db')], { env });
    assert.equal(good.code, 0, good.stderr);
    tamperAudit(db, "UPDATE audit SET actor = 'cli:mallory' WHERE seq = 2");
    const bad = runCli(['db', 'backup', path.join(dir, 'bad.db')], { env });
    assert.equal(bad.code, 1, 'a cron job notices');
    assert.match(bad.stdout, /Backup written to .*audit chain BROKEN at row 2/);
    assert.match(bad.stderr, /^chatops: the backup's audit chain is broken at row 2 .*chatops audit verify.*\n$/);
    assert.ok(fs.existsSync(path.join(dir, 'bad.db')), 'the copy is kept as evidence');
  });

  it('on the default policy a responder can acknowledge and silence (both low)', async (t) => {
    const dir = tempDir(t);
    const am = await startAlertmanager(dir, { webhookUrl: 'http://127.0.0.1:9/unused' });
    t.after(() => am.stop());
    const env = { CHATOPS_DB: path.join(dir, 'c.db'), ALERTMANAGER_URL: am.url };
    assert.equal(runCli(['alerts', 'ingest', fx('02-firing-group-of-3.json')], { env, cwd: dir }).code, 0);
    const silence = runCli(['silence', '1', '--duration', '1h', '--json'], { env, cwd: dir });
    assert.equal(silence.code, 0, silence.stderr);
    assert.equal((JSON.parse(silence.stdout) as { kind: string }).kind, 'done');
    const ack = runCli(['ack', '1'], { env, cwd: dir });
    assert.equal(ack.code, 0, ack.stderr);
    // Kubernetes changes stay off by default.
    const restart = runCli(['remediate', 'rollout-restart', 'prod/web'], { env, cwd: dir });
    assert.equal(restart.code, 4);
    assert.match(restart.stderr, /policy\.max_risk allows only up to low/);

    // Below low, neither is allowed: one rule for both low actions, each refusal audited.
    fs.writeFileSync(path.join(dir, 'read.yaml'), 'policy: { max_risk: read }\n');
    for (const args of [
      ['ack', '1'],
      ['silence', '1'],
    ]) {
      const r = runCli(['--config', 'read.yaml', ...args], { env, cwd: dir });
      assert.equal(r.code, 4, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, new RegExp(`${args[0]} is a low action and policy\\.max_risk allows only up to read`));
    }
    const audit = JSON.parse(runCli(['audit', '--incident', '1', '--json'], { env, cwd: dir }).stdout) as {
      action: string;
      result: string;
    }[];
    assert.deepEqual(
      audit.filter((a) => a.result === 'refused').map((a) => a.action),
      ['incident.ack', 'incident.silence'],
    );
  });
});
