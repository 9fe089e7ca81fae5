/**
 * The two-person rule end to end through Slack: remediation buttons on the incident message
 * (from the policy in force), the requester's own Approve refused, a second person's approval
 * runs the action exactly once — also when two approvers click at the same moment.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Database } from '../../src/adapters/store/sqlite-driver.js';
import path from 'node:path';
import { waitFor } from '../support/daemon.js';
import { webhookBody } from '../support/builders.js';
import { kubernetesSection, startKubeFake, twoPersonPolicy } from '../support/kube-fake.js';
import { postWebhook, slackStack } from '../support/slack-daemon.js';
import { tempDir } from '../support/tmp.js';

test('restart from a button in prod: self-approval refused and audited, a second person runs it once, simultaneous approvals run once', async (t) => {
  const dir = tempDir(t);
  const fake = await startKubeFake(
    t,
    ['prod'],
    [
      { namespace: 'prod', name: 'web', replicas: 2 },
      { namespace: 'prod', name: 'api', replicas: 2 },
    ],
  );
  const config =
    kubernetesSection(fake.writeKubeconfig(dir)) + twoPersonPolicy({ requesters: ['U0ALICE'], approvers: ['U0ALICE', 'U0BOB', 'U0CAROL'] });
  const { emu, daemon } = await slackStack(t, { dir, config });
  await postWebhook(
    daemon.url,
    webhookBody([{ fingerprint: 'b000000000000001', labels: { alertname: 'HighErrorRate', namespace: 'prod', deployment: 'web' } }], {
      groupKey: 'web',
    }),
  );
  await postWebhook(
    daemon.url,
    webhookBody([{ fingerprint: 'b000000000000002', labels: { alertname: 'HighErrorRate', namespace: 'prod', deployment: 'api' } }], {
      groupKey: 'api',
    }),
  );
  const top1 = await waitFor(() => emu.incidentMessages(1)[0], { what: 'incident 1 posted', timeoutMs: 15_000 });
  const top2 = await waitFor(() => emu.incidentMessages(2)[0], { what: 'incident 2 posted', timeoutMs: 15_000 });
  const restart = 'chatops:remediate:rollout-restart';
  const button = emu.element(top1.ts, restart);
  assert.ok(button, 'the incident message carries the restart button the policy enables');
  assert.equal(button.value, '1', 'the button carries only the incident id');
  assert.ok(!emu.element(top1.ts, 'chatops:remediate:rollout-undo'), 'destructive actions above max_risk get no button');
  const patches = (name: string) =>
    fake.writes().filter((w) => w.method === 'PATCH' && w.pathname === `/apis/apps/v1/namespaces/prod/deployments/${name}`).length;

  // Someone who may not request: an ephemeral refusal, nothing stored.
  await emu.click({ ts: top1.ts, actionId: restart, user: 'U0MALLORY' });
  await waitFor(() => emu.ephemerals.find((e) => e.user === 'U0MALLORY'), { what: 'refusal for a non-requester', timeoutMs: 15_000 });

  // Alice requests: an approval message in the thread; her own Approve is refused and audited.
  assert.equal((await emu.click({ ts: top1.ts, actionId: restart, user: 'U0ALICE' })).acked, true);
  const approval = await waitFor(() => emu.replies(top1.ts).find((m) => emu.element(m.ts, 'chatops:approve')), {
    what: 'approval message',
    timeoutMs: 15_000,
  });
  await emu.click({ ts: approval.ts, actionId: 'chatops:approve', user: 'U0ALICE' });
  const selfNote = await waitFor(() => emu.ephemerals.find((e) => e.user === 'U0ALICE'), {
    what: 'self-approval refusal',
    timeoutMs: 15_000,
  });
  assert.match(selfNote.text, /own request/);
  assert.equal(patches('web'), 0);
  const db = new Database(path.join(dir, 'chatops.db'), { readonly: true });
  t.after(() => db.close());
  const refused = db.prepare("SELECT actor, result, detail FROM audit WHERE action = 'action.approve' AND result = 'refused'").all() as {
    actor: string;
  }[];
  assert.ok(
    refused.some((r) => r.actor === 'U0ALICE'),
    'the refused self-approval is audited',
  );

  // Bob approves: it runs once and the thread says so.
  await emu.click({ ts: approval.ts, actionId: 'chatops:approve', user: 'U0BOB' });
  await waitFor(() => emu.replies(top1.ts).some((m) => /Done: \*rollout-restart\*/.test(m.text)), {
    what: 'result in the thread',
    timeoutMs: 30_000,
  });
  assert.equal(patches('web'), 1);

  // Incident 2: Bob and Carol approve at the same moment: exactly one run.
  await emu.click({ ts: top2.ts, actionId: restart, user: 'U0ALICE' });
  const approval2 = await waitFor(() => emu.replies(top2.ts).find((m) => emu.element(m.ts, 'chatops:approve')), {
    what: 'approval message 2',
    timeoutMs: 15_000,
  });
  const [a, b] = await Promise.all([
    emu.click({ ts: approval2.ts, actionId: 'chatops:approve', user: 'U0BOB' }),
    emu.click({ ts: approval2.ts, actionId: 'chatops:approve', user: 'U0CAROL' }),
  ]);
  assert.ok(a.acked && b.acked);
  await waitFor(() => emu.replies(top2.ts).some((m) => /Done: \*rollout-restart\*/.test(m.text)), {
    what: 'result 2 in the thread',
    timeoutMs: 30_000,
  });
  await waitFor(() => emu.ephemerals.some((e) => e.user === 'U0BOB' || e.user === 'U0CAROL'), {
    what: 'the late approver told',
    timeoutMs: 15_000,
  });
  assert.equal(patches('api'), 1, 'ran exactly once');
});
