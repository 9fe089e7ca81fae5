/**
 * Action requests in the incident's thread: a CLI request waits for a second person, who
 * approves it with the button in Slack; the approvals core re-checks every click and the
 * action runs against the fake kube-apiserver.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { waitFor } from '../support/daemon.js';
import { webhookBody } from '../support/builders.js';
import { KubeFake, remediatorRules, twoPersonPolicy } from '../support/kube-fake.js';
import { SlackEmulator } from '../support/slack-emulator.js';
import { postWebhook, ready, runCliAsync, spawnSlackDaemon, stopDaemon } from '../support/slack-daemon.js';
import { tempDir } from '../support/tmp.js';

test('a pending request is approved from its thread reply; refusals are ephemeral', async (t) => {
  const dir = tempDir(t);
  const fake = await KubeFake.start();
  t.after(() => fake.close());
  fake.allow(remediatorRules(['prod']));
  fake.addDeployment({ namespace: 'prod', name: 'web', replicas: 2 });
  const kubeconfig = fake.writeKubeconfig(dir);
  const emu = await SlackEmulator.start();
  t.after(() => emu.stop());
  const me = `cli:${(await import('node:os')).userInfo().username}`;
  const config = `kubernetes:
  enabled: true
  kubeconfig: ${kubeconfig}
  poll_interval: 10ms
  rollout_timeout: 1m
${twoPersonPolicy({ requesters: [me], approvers: ['U0BOB'] })}`;
  const daemon = await spawnSlackDaemon({ dir, emulator: emu, config });
  t.after(() => stopDaemon(daemon));
  await waitFor(async () => (await ready(daemon.url)).status === 200, { what: 'ready', timeoutMs: 20_000 });
  await postWebhook(daemon.url, webhookBody([{ labels: { alertname: 'HighErrorRate', namespace: 'prod', deployment: 'web' } }]));
  const top = await waitFor(() => emu.incidentMessages(1)[0], { what: 'incident posted', timeoutMs: 15_000 });

  const env = { CHATOPS_DB: path.join(dir, 'chatops.db'), CHATOPS_CONFIG: path.join(dir, 'chatops.yaml') };
  const r = await runCliAsync(['remediate', 'rollout-restart', 'prod/web', '--incident', '1', '--reason', 'error rate <!here>'], env);
  assert.equal(r.code, 3, r.stderr);
  const requestId = r.stdout.trim();
  const reply = await waitFor(() => emu.replies(top.ts).find((m) => emu.element(m.ts, 'chatops:approve')), {
    what: 'request reply with Approve',
    timeoutMs: 15_000,
  });
  const approveElement = { ...emu.element(reply.ts, 'chatops:approve')! };
  assert.equal(emu.element(reply.ts, 'chatops:approve')!.value, requestId, 'the button carries only the request id');
  assert.ok(!reply.text.includes('<!here>'));

  // Someone who may not approve: refused, ephemerally, nothing runs.
  assert.equal((await emu.click({ ts: reply.ts, actionId: 'chatops:approve', user: 'U0ALICE' })).acked, true);
  await waitFor(() => emu.ephemerals.find((e) => e.user === 'U0ALICE'), { what: 'ephemeral refusal', timeoutMs: 15_000 });
  assert.match(emu.ephemerals.find((e) => e.user === 'U0ALICE')!.text, /Refused/);
  assert.equal(fake.writes().filter((w) => w.method === 'PATCH').length, 0);

  // The approver: approved, run, and the thread says so.
  assert.equal((await emu.click({ ts: reply.ts, actionId: 'chatops:approve', user: 'U0BOB' })).acked, true);
  await waitFor(() => emu.replies(top.ts).some((m) => /Approved: .* by <@U0BOB>/.test(m.text)), {
    what: 'approval in the thread',
    timeoutMs: 20_000,
  });
  await waitFor(() => emu.replies(top.ts).some((m) => /Done: \*rollout-restart\*/.test(m.text)), {
    what: 'result in the thread',
    timeoutMs: 30_000,
  });
  assert.equal(
    fake.writes().filter((w) => w.method === 'PATCH' && w.pathname === '/apis/apps/v1/namespaces/prod/deployments/web').length,
    1,
  );

  // The request message itself tells the truth in place: no Approve/Deny once decided, and how it ended.
  await waitFor(
    () => !emu.element(reply.ts, 'chatops:approve') && /Done: \*rollout-restart\*/.test(emu.messages.find((m) => m.ts === reply.ts)!.text),
    { what: 'the request message updated in place, without its buttons', timeoutMs: 20_000 },
  );
  // A second click from a screen still showing the old buttons is re-checked: the request is no longer pending.
  await emu.click({ ts: reply.ts, actionId: 'chatops:approve', user: 'U0BOB', staleElement: approveElement });
  await waitFor(() => emu.ephemerals.find((e) => e.user === 'U0BOB'), { what: 'ephemeral note on the stale click', timeoutMs: 15_000 });
  assert.equal(
    fake.writes().filter((w) => w.method === 'PATCH' && w.pathname === '/apis/apps/v1/namespaces/prod/deployments/web').length,
    1,
    'ran once',
  );

  // A request without an incident has no thread: it is posted top-level in the default channel.
  const r2 = await runCliAsync(['remediate', 'rollout-restart', 'prod/web', '--reason', 'no incident'], env);
  assert.equal(r2.code, 3, r2.stderr);
  const second = r2.stdout.trim();
  const top2 = await waitFor(() => emu.topMessages('C0OPS').find((m) => emu.element(m.ts, 'chatops:approve')?.value === second), {
    what: 'top-level request message',
    timeoutMs: 15_000,
  });
  assert.equal((await emu.click({ ts: top2.ts, actionId: 'chatops:approve', user: 'U0BOB' })).acked, true);
  await waitFor(() => emu.topMessages('C0OPS').some((m) => /Done: \*rollout-restart\*/.test(m.text)), {
    what: 'top-level result',
    timeoutMs: 30_000,
  });
  assert.equal(emu.element(top2.ts, 'chatops:approve'), null, 'the top-level request message lost its buttons too');
  await waitFor(() => emu.replies(top2.ts).some((m) => /Approved: .* by <@U0BOB>/.test(m.text)), {
    what: 'its steps are replies in its own thread, not new top-level messages',
    timeoutMs: 20_000,
  });
  assert.equal(
    emu.topMessages('C0OPS').filter((m) => m.metadata?.event_type !== 'chatops_incident').length,
    1,
    'one top-level message for the request',
  );
  assert.equal(
    fake.writes().filter((w) => w.method === 'PATCH' && w.pathname === '/apis/apps/v1/namespaces/prod/deployments/web').length,
    2,
  );
});
