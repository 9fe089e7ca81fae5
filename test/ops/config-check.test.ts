/** `chatops config check` against a real Prometheus and Alertmanager, a real database file and port. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { describe, it } from 'node:test';
import { runCli } from '../support/daemon.js';
import { freePort, startAlertmanager, startPrometheus } from '../support/promstack.js';
import { tempDir } from '../support/tmp.js';

interface Report {
  ok: boolean;
  checks: { name: string; ok: boolean; detail: string; skipped?: boolean }[];
}

describe('config check', () => {
  it('passes against live Prometheus and Alertmanager, fails with fixes when they are gone', async (t) => {
    const dir = tempDir(t);
    const prom = await startPrometheus(dir);
    t.after(() => prom.stop());
    const am = await startAlertmanager(dir, { webhookUrl: 'http://127.0.0.1:9/none' });
    t.after(() => am.stop());
    const port = await freePort();
    const env = {
      CHATOPS_DB: path.join(dir, 'c.db'),
      CHATOPS_LISTEN: `127.0.0.1:${port}`,
      PROMETHEUS_URL: prom.url,
      ALERTMANAGER_URL: am.url,
      CHATOPS_WEBHOOK_TOKEN: 'do-not-print-me',
    };
    const good = runCli(['config', 'check', '--json'], { env, cwd: dir });
    assert.equal(good.code, 0, good.stdout + good.stderr);
    const report = JSON.parse(good.stdout) as Report;
    const byName = Object.fromEntries(report.checks.map((c) => [c.name, c]));
    assert.match(byName.prometheus!.detail, /Prometheus 2\./);
    assert.match(byName.alertmanager!.detail, /Alertmanager 0\./);
    assert.equal(byName['database writable']!.ok, true);
    assert.equal(byName[`webhook 127.0.0.1:${port}`]!.ok, true);
    assert.equal(byName.slack!.skipped, true);

    // Port taken, Prometheus stopped, database world-readable: each line fails with its fix.
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(port, '127.0.0.1', r));
    t.after(() => blocker.close());
    await prom.stop();
    fs.writeFileSync(
      path.join(dir, 'seed.json'),
      fs.readFileSync(path.resolve(import.meta.dirname, '../fixtures/alertmanager/01-firing-single.json')),
    );
    assert.equal(runCli(['alerts', 'ingest', 'seed.json'], { env, cwd: dir }).code, 0);
    fs.chmodSync(env.CHATOPS_DB, 0o644);
    const bad = runCli(['config', 'check'], { env, cwd: dir });
    assert.equal(bad.code, 1);
    assert.match(bad.stdout, /✗ webhook 127\.0\.0\.1:\d+: .* is in use .*set webhook\.listen/);
    assert.match(bad.stdout, /✗ prometheus: .* unreachable \(ECONNREFUSED\): check PROMETHEUS_URL/);
    assert.match(bad.stdout, /✗ database writable: .* readable by everyone .*chmod 600/);
    assert.match(bad.stdout, /✓ alertmanager/);
    for (const out of [good.stdout, bad.stdout, good.stderr, bad.stderr]) assert.ok(!out.includes('do-not-print-me'), 'token printed');
  });

  it('an invalid config file is the first failed line (exit 2)', (t) => {
    const dir = tempDir(t);
    const cfg = path.join(dir, 'c.yaml');
    fs.writeFileSync(cfg, 'webhook:\n  listen: 99999\n');
    const r = runCli(['--config', cfg, 'config', 'check'], { cwd: dir });
    assert.equal(r.code, 2);
    assert.match(r.stdout, /✗ configuration: .*webhook\.listen/);
  });
});
