/**
 * One renderer, one policy (issue: "`chatops render` shows a Silence control that the daemon,
 * with the same config, does not offer"; "the Slack message offers Unsilence that is then
 * refused"): for each config, `chatops render` prints exactly the blocks the daemon posts, and
 * a control the policy in force would refuse is never shown — also after a SIGHUP reload.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { runCli, waitFor } from '../support/daemon.js';
import { kubernetesSection, startKubeFake, twoPersonPolicy } from '../support/kube-fake.js';
import { postWebhook, slackStack, writeSlackConfig } from '../support/slack-daemon.js';
import { FIXTURES, tempDir } from '../support/tmp.js';

const FIXTURE = path.join(FIXTURES, 'alertmanager/02-firing-group-of-3.json');
/** What differs between two renderings of the same state a moment apart: times. */
const normalise = (blocks: unknown) =>
  JSON.stringify(blocks)
    .replace(/<!date\^\d+\^[^>]*>/g, '<date>')
    .replace(/Open for [0-9a-z ]+/g, 'Open for …');
const READS = ['chatops:remediate:pods', 'chatops:remediate:events', 'chatops:remediate:logs'];
const controls = (blocks: unknown) => [...JSON.stringify(blocks).matchAll(/"action_id":"([^"]+)"/g)].map((m) => m[1]);

test('chatops render shows exactly what the daemon posts, and only controls the policy allows', async (t) => {
  const base = tempDir(t);
  const fake = await startKubeFake(t, ['prod'], [{ namespace: 'prod', name: 'checkout', replicas: 2 }]);
  const kube = kubernetesSection(fake.writeKubeconfig(base));
  const AM = { ALERTMANAGER_URL: 'http://127.0.0.1:9' };
  const cases: { name: string; config: string; env?: Record<string, string>; expect: string[] }[] = [
    { name: 'defaults: read only, no Alertmanager', config: '', expect: ['chatops:ack', 'chatops:runbook'] },
    {
      name: 'silencing allowed but no Alertmanager to silence in',
      config: 'policy:\n  max_risk: low\n',
      expect: ['chatops:ack', 'chatops:runbook'],
    },
    {
      name: 'silencing allowed, Alertmanager configured',
      config: 'policy:\n  max_risk: low\n',
      env: AM,
      expect: ['chatops:ack', 'chatops:silence', 'chatops:runbook'],
    },
    {
      name: 'low, but nobody may request low actions',
      config: 'policy:\n  max_risk: low\n  requesters:\n    low: []\n',
      env: AM,
      expect: ['chatops:ack', 'chatops:runbook'],
    },
    {
      name: 'mutate in prod with approvers',
      config: kube + twoPersonPolicy({ requesters: ['U0ALICE'], approvers: ['U0BOB'] }),
      env: AM,
      expect: ['chatops:ack', 'chatops:silence', 'chatops:runbook', ...READS, 'chatops:remediate:rollout-restart'],
    },
    {
      name: 'mutate in prod, nobody may approve: no restart button',
      config: kube + twoPersonPolicy({ requesters: ['U0ALICE'], approvers: [] }),
      env: AM,
      expect: ['chatops:ack', 'chatops:silence', 'chatops:runbook', ...READS],
    },
  ];
  for (const [k, c] of cases.entries()) {
    const dir = path.join(base, `case-${k}`);
    fs.mkdirSync(dir);
    const { emu, daemon } = await slackStack(t, { dir, config: c.config, env: c.env });
    assert.equal((await postWebhook(daemon.url, JSON.parse(fs.readFileSync(FIXTURE, 'utf8')))).status, 200);
    const posted = await waitFor(() => emu.incidentMessages(1)[0], { what: `${c.name}: posted`, timeoutMs: 20_000 });
    const cli = runCli(['render', FIXTURE, '--json'], {
      env: { CHATOPS_CONFIG: path.join(dir, 'chatops.yaml'), SLACK_CHANNEL: 'C0OPS', ...c.env },
    });
    assert.equal(cli.code, 0, cli.stderr);
    const rendered = JSON.parse(cli.stdout) as { channel: string; blocks: unknown[] }[];
    assert.equal(rendered.length, 1);
    assert.equal(rendered[0]!.channel, posted.channel);
    assert.equal(normalise(rendered[0]!.blocks), normalise(posted.blocks), `${c.name}: render and the daemon agree`);
    assert.deepEqual(controls(posted.blocks), c.expect, `${c.name}: controls`);

    if (k === 4) {
      // Tighten the policy in the running daemon (read only, no namespace): the posted message
      // drops every control that is now refused.
      writeSlackConfig(dir, 'policy:\n  max_risk: read\n');
      daemon.child.kill('SIGHUP');
      await waitFor(() => daemon.logs.some((l) => l.msg === 'policy reloaded'), { what: 'reloaded', timeoutMs: 10_000 });
      await waitFor(() => controls(emu.incidentMessages(1)[0]!.blocks).join() === 'chatops:ack,chatops:runbook', {
        what: 'controls follow the reloaded policy',
        timeoutMs: 20_000,
      });
    }
  }
});
