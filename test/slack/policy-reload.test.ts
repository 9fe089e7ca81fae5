/**
 * SIGHUP (systemctl reload) puts a re-read policy in force in the running daemon: a Slack
 * click after the reload is judged by the new policy. A file that does not validate is refused
 * and the policy in force stays.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { webhookBody } from '../support/builders.js';
import { waitFor } from '../support/daemon.js';
import { KubeFake, kubernetesSection, remediatorRules } from '../support/kube-fake.js';
import { postWebhook, slackStack, writeSlackConfig } from '../support/slack-daemon.js';
import { tempDir } from '../support/tmp.js';

test('SIGHUP reloads the policy; an invalid file is refused and the old policy stays', async (t) => {
  const dir = tempDir(t);
  const fake = await KubeFake.start();
  t.after(() => fake.close());
  fake.allow(remediatorRules(['staging']));
  fake.addDeployment({ namespace: 'staging', name: 'web', replicas: 1 });
  const kube = kubernetesSection(fake.writeKubeconfig(dir));
  const policy = (maxRisk: string) =>
    `${kube}policy:\n  max_risk: ${maxRisk}\n  namespaces: [staging]\n  requesters:\n    mutate: [U0ALICE]\n`;
  const { emu, daemon } = await slackStack(t, { dir, config: policy('mutate') });
  await postWebhook(
    daemon.url,
    webhookBody([{ fingerprint: 'a000000000000001', labels: { alertname: 'Stuck', namespace: 'staging', deployment: 'web' } }], {
      groupKey: 'stuck',
    }),
  );
  const top = await waitFor(() => emu.incidentMessages(1)[0], { what: 'incident posted', timeoutMs: 15_000 });
  const restart = emu.element(top.ts, 'chatops:remediate:rollout-restart');
  assert.ok(restart, 'restart offered under max_risk: mutate');

  // An invalid file: refused, logged, nothing changes.
  fs.writeFileSync(path.join(dir, 'chatops.yaml'), 'policy:\n  max_risk: yolo\n');
  daemon.child.kill('SIGHUP');
  await waitFor(() => daemon.logs.some((l) => l.msg === 'reload refused; the previous policy stays in force'), {
    what: 'reload refused',
    timeoutMs: 10_000,
  });
  assert.equal((await fetch(`${daemon.url}/health`)).status, 200);

  // Tighten to read-only and reload: a click from the message Alice still sees is refused.
  writeSlackConfig(dir, policy('read'));
  daemon.child.kill('SIGHUP');
  await waitFor(() => daemon.logs.some((l) => l.msg === 'policy reloaded' && l.maxRisk === 'read'), {
    what: 'policy reloaded',
    timeoutMs: 10_000,
  });
  await emu.click({ ts: top.ts, actionId: 'chatops:remediate:rollout-restart', user: 'U0ALICE', staleElement: restart });
  const note = await waitFor(() => emu.ephemerals.find((e) => e.user === 'U0ALICE'), { what: 'refusal', timeoutMs: 15_000 });
  assert.match(note.text, /max_risk|read/);
  assert.equal(fake.writes().filter((w) => w.method === 'PATCH').length, 0, 'nothing ran');
});
