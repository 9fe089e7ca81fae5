/**
 * Dependency faults with the daemon on Slack: Prometheus that never answers, Alertmanager's API
 * down during a silence (button and CLI), the Kubernetes API slow / down / 403 while an approved
 * action runs, and the database locked by another process for the CLI. Each time: the user gets
 * one clear sentence, nothing is half-done, the daemon keeps serving.
 * Elsewhere: Prometheus stopped (test/slack/silence-enrich.test.ts), webhook 503 while another
 * process holds the write lock (test/ingest/webhook.test.ts), disk full (disk-full.test.ts).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { Database } from '../../src/adapters/store/sqlite-driver.js';
import { runCliAsync } from '../support/cli-async.js';
import { waitFor, type SpawnedDaemon } from '../support/daemon.js';
import { webhookBody } from '../support/builders.js';
import { KubeFake, remediatorRules } from '../support/kube-fake.js';
import { freePort } from '../support/promstack.js';
import { SlackEmulator } from '../support/slack-emulator.js';
import { postWebhook, ready, spawnSlackDaemon, stopDaemon } from '../support/slack-daemon.js';
import { tempDir } from '../support/tmp.js';

/** A TCP server that accepts connections and never answers (a hung dependency). */
async function blackHole(t: { after(fn: () => unknown): void }): Promise<string> {
  const sockets = new Set<net.Socket>();
  const srv = net.createServer((s) => {
    sockets.add(s);
    s.on('error', () => {});
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  t.after(() => {
    for (const s of sockets) s.destroy();
    srv.close();
  });
  return `http://127.0.0.1:${(srv.address() as net.AddressInfo).port}`;
}

test('Prometheus hung, Alertmanager down, Kubernetes slow/down/403: one sentence each, nothing half-done, daemon up', async (t) => {
  const dir = tempDir(t);
  const hole = await blackHole(t);
  const closed = `http://127.0.0.1:${await freePort()}`;
  const fake = await KubeFake.start();
  t.after(() => fake.close());
  fake.allow(remediatorRules(['prod']));
  for (const name of ['web', 'api', 'db']) fake.addDeployment({ namespace: 'prod', name, replicas: 2 });
  const goodKube = fake.writeKubeconfig(dir);
  // Kubeconfigs for the daemon: the same cluster hung, or gone.
  const slowKube = fs.readFileSync(goodKube, 'utf8').replace(fake.url, hole);
  const downKube = slowKube.replace(hole, closed);
  fs.writeFileSync(path.join(dir, 'slow-kubeconfig'), slowKube);
  fs.writeFileSync(path.join(dir, 'down-kubeconfig'), downKube);
  const me = `cli:${os.userInfo().username}`;
  const config = (kubeconfig: string) => `prometheus:
  url: ${hole}
  timeout: 1s
alertmanager:
  url: ${closed}
  timeout: 1s
kubernetes:
  enabled: true
  kubeconfig: ${kubeconfig}
  request_timeout: 1s
  poll_interval: 10ms
  rollout_timeout: 10s
policy:
  max_risk: mutate
  namespaces: [prod]
  production: [prod]
  requesters:
    mutate: ["${me}"]
  approvers:
    mutate: [U0BOB]
`;
  const emu = await SlackEmulator.start();
  t.after(() => emu.stop());
  let daemon: SpawnedDaemon = await spawnSlackDaemon({ dir, emulator: emu, config: config(path.join(dir, 'slow-kubeconfig')) });
  t.after(() => stopDaemon(daemon));
  await waitFor(async () => (await ready(daemon.url)).status === 200, { what: 'ready', timeoutMs: 20_000 });
  const healthy = async () => assert.equal((await fetch(`${daemon.url}/health`)).status, 200, 'the daemon still serves');
  const db = path.join(dir, 'chatops.db');
  // The CLI requests with a working cluster (its dry run passes); the daemon runs the approval.
  fs.writeFileSync(path.join(dir, 'cli.yaml'), config(goodKube));
  const cliEnv = { CHATOPS_DB: db, CHATOPS_CONFIG: path.join(dir, 'cli.yaml') };
  const audit = () => {
    const conn = new Database(db, { readonly: true });
    try {
      return conn.prepare('SELECT actor, action, result, detail FROM audit ORDER BY seq').all() as {
        actor: string;
        action: string;
        result: string;
        detail: string;
      }[];
    } finally {
      conn.close();
    }
  };

  // Prometheus never answers: the incident is still posted; the enrichment gives up.
  for (const [i, name] of ['web', 'api', 'db'].entries()) {
    const r = await postWebhook(
      daemon.url,
      webhookBody(
        [
          {
            fingerprint: `d00000000000000${i}`,
            labels: { alertname: 'Down', namespace: 'prod', deployment: name },
            annotations: { summary: `${name} down`, promql_query: 'up' },
          },
        ],
        { groupKey: name },
      ),
    );
    assert.equal(r.status, 200);
  }
  const tops = await Promise.all(
    [1, 2, 3].map((id) =>
      waitFor(() => emu.incidentMessages(id)[0], { what: `incident ${id} posted while Prometheus hangs`, timeoutMs: 30_000 }),
    ),
  );
  await healthy();

  // Alertmanager down: the Silence menu and the CLI both say so; no silence is recorded.
  const notes = emu.ephemerals.length;
  assert.equal((await emu.click({ ts: tops[0]!.ts, actionId: 'chatops:silence', user: 'U0BOB', option: '1h' })).acked, true);
  const note = await waitFor(() => emu.ephemerals[notes], { what: 'silence error to the clicker', timeoutMs: 20_000 });
  assert.match(note.text, /Alertmanager at .* is unreachable .*: check ALERTMANAGER_URL/);
  const cliSilence = await runCliAsync(['silence', '1', '--duration', '30m'], { env: cliEnv });
  assert.equal(cliSilence.code, 1, cliSilence.stderr);
  assert.match(cliSilence.stderr, /Alertmanager at .* is unreachable/);
  assert.equal(cliSilence.stderr.trim().split('\n').length, 1, 'one sentence');
  assert.ok(!audit().some((r) => r.action === 'incident.silence' && r.result === 'ok'), 'no silence recorded');
  assert.ok(!JSON.stringify(emu.incidentMessages(1)[0]!.blocks).includes('chatops:unsilence'), 'the message does not claim a silence');
  await healthy();

  /** A CLI request on incident N, approved by Bob in Slack; resolves with the result reply. */
  const approveAndWait = async (incident: number, deployment: string) => {
    const req = await runCliAsync(['remediate', 'rollout-restart', `prod/${deployment}`, '--incident', String(incident)], { env: cliEnv });
    assert.equal(req.code, 3, req.stderr);
    const id = req.stdout.trim();
    const top = tops[incident - 1]!;
    const reply = await waitFor(() => emu.replies(top.ts).find((m) => emu.element(m.ts, 'chatops:approve')?.value === id), {
      what: `request ${id} in the thread`,
      timeoutMs: 20_000,
    });
    assert.equal((await emu.click({ ts: reply.ts, actionId: 'chatops:approve', user: 'U0BOB' })).acked, true);
    const result = await waitFor(
      () => emu.replies(top.ts).find((m) => /(Done|Failed): \*rollout-restart/.test(m.text) && m.text.includes('rollout-restart')),
      { what: `result of ${id}`, timeoutMs: 30_000 },
    ).catch((e: Error) => {
      throw new Error(
        `${e.message}\nreplies: ${JSON.stringify(emu.replies(top.ts).map((m) => m.text))}\nephemerals: ${JSON.stringify(emu.ephemerals)}\nlog: ${daemon.logs
          .slice(-8)
          .map((l) => JSON.stringify(l))
          .join('\n')}`,
      );
    });
    return { id, result };
  };
  const assertFailedOnce = (id: string, why: RegExp) => {
    const rows = audit().filter((r) => r.action === 'action.result' && (JSON.parse(r.detail) as { requestId?: string }).requestId === id);
    assert.equal(rows.length, 1, 'one result row');
    assert.equal(rows[0]!.result, 'failed');
    const summary = (JSON.parse(rows[0]!.detail) as { summary: string }).summary;
    assert.match(summary, why);
    assert.ok(!summary.includes('\n') && summary.length < 400, `one sentence: ${summary}`);
  };

  // Kubernetes slow (connections accepted, never answered).
  const slow = await approveAndWait(1, 'web');
  assert.match(slow.result.text, /Failed:/);
  assertFailedOnce(slow.id, /rollout-restart of prod\/web failed: the Kubernetes API at .* did not answer within 1s/);
  await healthy();

  // Kubernetes down (connection refused).
  await stopDaemon(daemon);
  daemon = await spawnSlackDaemon({ dir, emulator: emu, config: config(path.join(dir, 'down-kubeconfig')) });
  await waitFor(async () => (await ready(daemon.url)).status === 200, { what: 'ready', timeoutMs: 20_000 });
  const down = await approveAndWait(2, 'api');
  assert.match(down.result.text, /Failed:/);
  assertFailedOnce(down.id, /rollout-restart of prod\/api failed: .*(unreachable|refused|ECONNREFUSED)/i);
  await healthy();

  // Kubernetes 403: the service account lost patch after the request was made.
  await stopDaemon(daemon);
  daemon = await spawnSlackDaemon({ dir, emulator: emu, config: config(goodKube) });
  await waitFor(async () => (await ready(daemon.url)).status === 200, { what: 'ready', timeoutMs: 20_000 });
  const req3 = await runCliAsync(['remediate', 'rollout-restart', 'prod/db', '--incident', '3'], { env: cliEnv });
  assert.equal(req3.code, 3, req3.stderr);
  fake.allow(remediatorRules(['prod']).map((r) => (r.resource === 'deployments' ? { ...r, verbs: ['get', 'list'] } : r)));
  const reply3 = await waitFor(
    () => emu.replies(tops[2]!.ts).find((m) => emu.element(m.ts, 'chatops:approve')?.value === req3.stdout.trim()),
    { what: 'request 3 in the thread', timeoutMs: 20_000 },
  );
  await emu.click({ ts: reply3.ts, actionId: 'chatops:approve', user: 'U0BOB' });
  const forbidden = await waitFor(() => emu.replies(tops[2]!.ts).find((m) => /Failed:/.test(m.text)), {
    what: 'the 403 in the thread',
    timeoutMs: 30_000,
  });
  assert.match(forbidden.text, /forbidden|may not patch/i);
  assertFailedOnce(req3.stdout.trim(), /may not patch deployments|forbidden/i);
  assert.equal(
    fake.deployment('prod', 'db').spec.template.metadata?.annotations?.['kubectl.kubernetes.io/restartedAt'],
    undefined,
    'nothing changed',
  );
  await healthy();

  // The database locked by another process: the CLI says so in one sentence, exit 1.
  const lock = new Database(db);
  lock.pragma('busy_timeout = 0');
  lock.exec('BEGIN EXCLUSIVE');
  try {
    const ack = await runCliAsync(['ack', '1'], { env: cliEnv });
    assert.equal(ack.code, 1, ack.stderr);
    assert.match(ack.stderr, /lock|busy/i);
    assert.equal(ack.stderr.trim().split('\n').length, 1, `one sentence: ${ack.stderr}`);
  } finally {
    lock.exec('ROLLBACK');
    lock.close();
  }
  const ack = await runCliAsync(['ack', '1'], { env: cliEnv });
  assert.equal(ack.code, 0, `after the lock is released the same command works: ${ack.stderr}`);
  await healthy();
  const verify = await runCliAsync(['audit', 'verify'], { env: cliEnv });
  assert.equal(verify.code, 0, verify.stderr);
});
