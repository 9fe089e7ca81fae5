/**
 * Every message tells the current truth (issue: "Decided requests keep live buttons … Decisions
 * made in the CLI or TUI leave it the same way"): a request's message in the incident's thread
 * is updated in place and loses Approve/Deny when the request is cancelled from the CLI or
 * expires in the daemon — not only when someone clicks in Slack.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { webhookBody } from '../support/builders.js';
import { waitFor } from '../support/daemon.js';
import { kubernetesSection, startKubeFake, twoPersonPolicy } from '../support/kube-fake.js';
import { postWebhook, runCliAsync, slackStack } from '../support/slack-daemon.js';
import { tempDir } from '../support/tmp.js';

test('a request cancelled on the terminal, and one that expires, lose their buttons in Slack', async (t) => {
  const dir = tempDir(t);
  const fake = await startKubeFake(t, ['prod'], [{ namespace: 'prod', name: 'web', replicas: 2 }]);
  const me = `cli:${os.userInfo().username}`;
  const kube = kubernetesSection(fake.writeKubeconfig(dir));
  const { emu, daemon } = await slackStack(t, { dir, config: kube + twoPersonPolicy({ requesters: [me], approvers: ['U0BOB'] }) });
  await postWebhook(daemon.url, webhookBody([{ labels: { alertname: 'HighErrorRate', namespace: 'prod', deployment: 'web' } }]));
  const top = await waitFor(() => emu.incidentMessages(1)[0], { what: 'incident posted', timeoutMs: 15_000 });
  const env = (ttl: string) => {
    const file = path.join(dir, `cli-${ttl}.yaml`);
    fs.writeFileSync(
      file,
      kube + twoPersonPolicy({ requesters: [me], approvers: ['U0BOB'] }).replace('policy:\n', `policy:\n  approval_ttl: ${ttl}\n`),
    );
    return { CHATOPS_DB: path.join(dir, 'chatops.db'), CHATOPS_CONFIG: file };
  };
  const requestMessage = (id: string) =>
    emu.replies(top.ts).find((m) => emu.element(m.ts, 'chatops:approve')?.value === id || m.text.includes(id));

  // Requested and then cancelled on the terminal.
  const r1 = await runCliAsync(['remediate', 'rollout-restart', 'prod/web', '--incident', '1'], env('15m'));
  assert.equal(r1.code, 3, r1.stderr);
  const id1 = r1.stdout.trim();
  const m1 = await waitFor(() => requestMessage(id1), { what: 'request message with Approve', timeoutMs: 15_000 });
  assert.ok(emu.element(m1.ts, 'chatops:approve'));
  const cancel = await runCliAsync(['deny', id1, '--reason', 'not needed'], env('15m'));
  assert.equal(cancel.code, 0, cancel.stderr);
  await waitFor(
    () => !emu.element(m1.ts, 'chatops:approve') && /Cancelled: \*rollout-restart\*/.test(emu.messages.find((m) => m.ts === m1.ts)!.text),
    { what: "the cancelled request's message updated in place, without buttons", timeoutMs: 20_000 },
  );

  // Requested with a 2 s approval_ttl: the daemon expires it.
  const r2 = await runCliAsync(['remediate', 'rollout-restart', 'prod/web', '--incident', '1'], env('2s'));
  assert.equal(r2.code, 3, r2.stderr);
  const id2 = r2.stdout.trim();
  const m2 = await waitFor(() => requestMessage(id2), { what: 'second request message', timeoutMs: 15_000 });
  await waitFor(
    () => !emu.element(m2.ts, 'chatops:approve') && /Expired: \*rollout-restart\*/.test(emu.messages.find((m) => m.ts === m2.ts)!.text),
    { what: "the expired request's message updated in place, without buttons", timeoutMs: 30_000 },
  );
  await waitFor(() => emu.replies(top.ts).some((m) => /Expired: .*rollout-restart/.test(m.text) && m.ts !== m2.ts), {
    what: 'the expiry is also a reply in the thread',
    timeoutMs: 20_000,
  });
  assert.equal(fake.writes().filter((w) => w.method === 'PATCH').length, 0, 'nothing ran');
});
