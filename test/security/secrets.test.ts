/**
 * Secrets never leave: the daemon runs at log level trace with distinctive Slack, webhook and
 * Kubernetes tokens through a session (ingest with right and wrong bearer tokens, Slack faults,
 * clicks, an approved restart, a socket refresh, a Kubernetes 401, config check), and every log
 * line, audit row, /metrics, /ready, CLI output and error is scanned for each token value.
 * The database file and its -wal/-shm are not world-readable.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { runCliAsync } from '../support/cli-async.js';
import { waitFor } from '../support/daemon.js';
import { webhookBody } from '../support/builders.js';
import { FAKE_USER, KubeFake, remediatorRules, twoPersonPolicy } from '../support/kube-fake.js';
import { SlackEmulator } from '../support/slack-emulator.js';
import { ready, spawnSlackDaemon, stopDaemon } from '../support/slack-daemon.js';
import { tempDir } from '../support/tmp.js';

const SECRETS = {
  bot: 'xoxb-2718281828-SECRETBOTTOKEN0aa11bb22',
  app: 'xapp-1-A0TEST-1-SECRETAPPTOKEN33cc44dd',
  webhook: 'whk-SECRETWEBHOOK-55ee66ff77',
  kube: 'kube-SECRETSATOKEN-8899aabbcc',
};

function assertClean(where: string, text: string): void {
  for (const [name, value] of Object.entries(SECRETS)) {
    assert.ok(!text.includes(value), `the ${name} token appears in ${where}`);
    // A prefix long enough to identify it (a token cut for display is still a leak).
    assert.ok(!text.includes(value.slice(0, 20)), `a prefix of the ${name} token appears in ${where}`);
  }
}

test('tokens never appear in logs (trace), audit rows, /metrics, CLI output or errors; the database is not world-readable', async (t) => {
  const dir = tempDir(t);
  const fake = await KubeFake.start();
  t.after(() => fake.close());
  fake.users.set(SECRETS.kube, { username: FAKE_USER, rules: remediatorRules(['prod']) });
  fake.addDeployment({ namespace: 'prod', name: 'web', replicas: 2 });
  const kubeconfig = fake.writeKubeconfig(dir, SECRETS.kube);
  const emu = await SlackEmulator.start({ botToken: SECRETS.bot, appToken: SECRETS.app });
  t.after(() => emu.stop());
  const config = `log:
  level: trace
kubernetes:
  enabled: true
  kubeconfig: ${kubeconfig}
  poll_interval: 10ms
  rollout_timeout: 1m
${twoPersonPolicy({ requesters: ['U0ALICE'], approvers: ['U0BOB'] })}`;
  const tokens = { SLACK_BOT_TOKEN: SECRETS.bot, SLACK_APP_TOKEN: SECRETS.app, CHATOPS_WEBHOOK_TOKEN: SECRETS.webhook };
  const daemon = await spawnSlackDaemon({ dir, emulator: emu, config, env: tokens });
  let raw = '';
  daemon.child.stderr!.on('data', (d: Buffer) => {
    raw += d.toString('utf8');
  });
  t.after(() => stopDaemon(daemon));
  await waitFor(async () => (await ready(daemon.url)).status === 200, { what: 'ready', timeoutMs: 20_000 });

  const post = (body: unknown, token: string | null) =>
    fetch(`${daemon.url}/api/alertmanager`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    });
  const body = webhookBody(
    [{ fingerprint: 'a000000000000001', labels: { alertname: 'SecretTest', namespace: 'prod', deployment: 'web' } }],
    { groupKey: 'secret' },
  );
  const outputs: [string, string][] = [];
  for (const token of [null, 'wrong-token', `${SECRETS.webhook}x`]) {
    const r = await post(body, token);
    assert.equal(r.status, 401);
    outputs.push([`401 body (${token})`, await r.text()]);
  }
  // Slack faults while the message is posted: a 500, a 429 and a Slack error on the update.
  emu.fault('chat.postMessage', { type: 'status', status: 500 }, { type: 'status', status: 429, retryAfter: 1 });
  emu.fault('chat.update', { type: 'error', error: 'invalid_auth' });
  assert.equal((await post(body, SECRETS.webhook)).status, 200);
  const top = await waitFor(() => emu.incidentMessages(1)[0], { what: 'incident posted', timeoutMs: 20_000 });

  // Clicks: a refused request, a request, its approval, the run; then an ack.
  await emu.click({ ts: top.ts, actionId: 'chatops:remediate:rollout-restart', user: 'U0MALLORY' });
  await emu.click({ ts: top.ts, actionId: 'chatops:remediate:rollout-restart', user: 'U0ALICE' });
  const approval = await waitFor(() => emu.replies(top.ts).find((m) => emu.element(m.ts, 'chatops:approve')), {
    what: 'approval message',
    timeoutMs: 15_000,
  });
  await emu.click({ ts: approval.ts, actionId: 'chatops:approve', user: 'U0BOB' });
  await waitFor(() => emu.replies(top.ts).some((m) => /Done: \*rollout-restart\*/.test(m.text)), {
    what: 'restart done',
    timeoutMs: 30_000,
  });
  await emu.click({ ts: top.ts, actionId: 'chatops:ack', user: 'U0BOB' });
  // A socket refresh.
  const opened = emu.connectionsOpened;
  emu.disconnectAll('refresh_requested');
  await waitFor(() => emu.connectionsOpened > opened && emu.connected > 0, { what: 'reconnected', timeoutMs: 20_000 });

  // The database and its WAL/SHM while the daemon holds them.
  const db = path.join(dir, 'chatops.db');
  for (const f of [db, `${db}-wal`, `${db}-shm`]) {
    if (!fs.existsSync(f)) continue;
    const mode = fs.statSync(f).mode & 0o777;
    assert.equal(mode & 0o007, 0, `${path.basename(f)} is mode ${mode.toString(8)}: readable or writable by everyone`);
  }
  assert.ok(fs.existsSync(`${db}-wal`), 'WAL mode: the -wal file exists while the daemon runs');

  outputs.push(['/metrics', await (await fetch(`${daemon.url}/metrics`)).text()]);
  outputs.push(['/ready', await (await fetch(`${daemon.url}/ready`)).text()]);
  outputs.push(['/health', await (await fetch(`${daemon.url}/health`)).text()]);

  // The CLI: its output and its errors, including a Kubernetes 401 and a Slack token Slack refuses.
  const env = { CHATOPS_DB: db, CHATOPS_CONFIG: path.join(dir, 'chatops.yaml'), SLACK_API_URL: emu.apiUrl, ...tokens };
  const cli = async (name: string, args: string[], extra: Record<string, string> = {}) => {
    const r = await runCliAsync(args, { env: { ...env, ...extra } });
    outputs.push([`chatops ${name} stdout`, r.stdout], [`chatops ${name} stderr`, r.stderr]);
    return r;
  };
  const exported = await cli('audit export', ['audit', 'export', '--format', 'jsonl']);
  assert.equal(exported.code, 0, exported.stderr);
  assert.ok(exported.stdout.split('\n').filter(Boolean).length >= 6, 'the audit trail has the session in it');
  await cli('audit', ['audit', '--json']);
  await cli('incidents show', ['incidents', 'show', '1', '--json']);
  const check = await cli('config check', ['config', 'check']);
  assert.match(check.stdout, /slack/i);
  await cli('config check --json', ['config', 'check', '--json']);
  await cli('config check (Slack refuses the token)', ['config', 'check'], { SLACK_BOT_TOKEN: `${SECRETS.bot}-revoked` });
  await cli('approve unknown', ['approve', 'r-aaaaaaaaaaaaaaaa']);
  await cli('debug error', ['--debug', 'approve', 'r-aaaaaaaaaaaaaaaa']);
  fake.users.delete(SECRETS.kube); // the token is revoked: every call is 401
  const unauthorised = await cli('remediate with a revoked kube token', ['remediate', 'pods', 'prod/web']);
  assert.notEqual(unauthorised.code, 0);
  assert.ok(unauthorised.stderr.trim().length > 0, 'the 401 is reported');

  await stopDaemon(daemon);
  assert.ok(
    daemon.logs.some((l) => l.level === 10 || l.level === 20),
    'trace/debug lines were written (the level took effect)',
  );
  outputs.push(['daemon log', raw]);
  for (const [where, text] of outputs) assertClean(where, text);
  t.diagnostic(
    `scanned ${raw.split('\n').length} log lines, ${exported.stdout.split('\n').filter(Boolean).length} audit rows, ${outputs.length} outputs for ${Object.keys(SECRETS).length} tokens`,
  );
});
