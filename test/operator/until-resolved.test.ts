/**
 * "Silence until resolved" end to end: the spawned daemon with Slack (emulator) and a real
 * Alertmanager. Offered in the Slack menu and by `chatops silence --until-resolved`; the daemon
 * expires the silence when the incident resolves, whichever path resolved it (a webhook, or
 * `chatops alerts ingest` in another process), audits it and says so in the thread. A silence
 * with a duration is left alone.
 */
import { createHash } from 'node:crypto';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { webhookBody } from '../support/builders.js';
import { runCli, waitFor } from '../support/daemon.js';
import { startAlertmanager } from '../support/promstack.js';
import { postWebhook, slackStack } from '../support/slack-daemon.js';
import { tempDir } from '../support/tmp.js';

interface AmSilence {
  id: string;
  status: { state: string };
  matchers: { name: string; value: string }[];
}

const T0 = Date.parse('2026-01-01T00:00:00Z');
const body = (name: string, status: 'firing' | 'resolved') =>
  webhookBody(
    [
      {
        fingerprint: createHash('sha256').update(name).digest('hex').slice(0, 16),
        status,
        startsAt: T0,
        endsAt: status === 'resolved' ? Date.now() : null,
        labels: { alertname: name, namespace: 'prod', severity: 'critical' },
      },
    ],
    { groupKey: name },
  );

test('until resolved: from the Slack menu and the CLI, expired by the daemon when the incident resolves (webhook or alerts ingest)', async (t) => {
  const dir = tempDir(t);
  const am = await startAlertmanager(dir, { webhookUrl: 'http://127.0.0.1:9/unused' });
  t.after(() => am.stop());
  const { emu, daemon } = await slackStack(t, { dir, config: 'policy:\n  max_risk: low\n', env: { ALERTMANAGER_URL: am.url } });
  const cliEnv = { CHATOPS_DB: path.join(dir, 'chatops.db'), CHATOPS_CONFIG: path.join(dir, 'chatops.yaml'), ALERTMANAGER_URL: am.url };
  const silences = async (alertname: string) =>
    ((await (await fetch(`${am.url}/api/v2/silences`)).json()) as AmSilence[]).filter((s) =>
      s.matchers.some((m) => m.name === 'alertname' && m.value === alertname),
    );
  const stateOf = async (alertname: string) => (await silences(alertname)).map((s) => s.status.state);
  const audit = () =>
    JSON.parse(runCli(['audit', '--json'], { env: cliEnv }).stdout) as {
      action: string;
      actor: string;
      incidentId: number;
      result: string;
      detail: { reason?: string; untilResolved?: boolean };
    }[];

  for (const name of ['ViaSlack', 'ViaCli', 'WithDuration'])
    assert.equal((await postWebhook(daemon.url, body(name, 'firing'))).status, 200);
  const top = await waitFor(() => emu.incidentMessages(1)[0], { what: 'incident 1 posted', timeoutMs: 20_000 });
  const menu = emu.element(top.ts, 'chatops:silence') as { options: { text: { text: string }; value: string }[] };
  assert.deepEqual(
    menu.options.map((o) => o.text.text),
    ['Silence 1h', 'Silence 4h', 'Silence 24h', 'Silence until resolved'],
  );

  // Slack: the menu's "until resolved".
  assert.equal((await emu.click({ ts: top.ts, actionId: 'chatops:silence', user: 'U0ALICE', option: 'resolved' })).acked, true);
  await waitFor(async () => (await stateOf('ViaSlack')).includes('active'), { what: 'silence active in Alertmanager', timeoutMs: 15_000 });
  await waitFor(() => JSON.stringify(emu.incidentMessages(1)[0]!.blocks).includes('Silenced until it resolves'), {
    what: 'the message says until it resolves',
    timeoutMs: 15_000,
  });
  await waitFor(
    () => emu.replies(top.ts).find((m) => /Silenced in Alertmanager until the incident resolves \(at most .*\) by <@U0ALICE>/.test(m.text)),
    { what: 'the thread says so', timeoutMs: 15_000 },
  );

  // The CLI's --until-resolved, and a silence with a duration that must outlive its incident.
  const viaCli = runCli(['silence', '2', '--until-resolved'], { env: cliEnv });
  assert.equal(viaCli.code, 0, viaCli.stderr);
  assert.match(
    viaCli.stdout,
    /^Incident 2 silenced until it resolves \(at most until \S+\) \(silence [0-9a-f-]+, matching .*alertname="ViaCli"/,
  );
  const both = runCli(['silence', '3', '--until-resolved', '--duration', '1h'], { env: cliEnv });
  assert.equal(both.code, 2, 'one or the other');
  assert.match(both.stderr, /^chatops: Give --duration or --until-resolved, not both\.\n$/);
  assert.equal(runCli(['silence', '3', '--duration', '1h'], { env: cliEnv }).code, 0);

  // Resolved by a webhook: the daemon expires the Slack silence and says why.
  assert.equal((await postWebhook(daemon.url, body('ViaSlack', 'resolved'))).status, 200);
  await waitFor(async () => (await stateOf('ViaSlack')).every((s) => s === 'expired'), {
    what: 'the Slack silence expired',
    timeoutMs: 20_000,
  });
  await waitFor(() => emu.replies(top.ts).find((m) => /Silence `[0-9a-f-]+` expired: the incident resolved\./.test(m.text)), {
    what: 'the thread is told',
    timeoutMs: 15_000,
  });

  // Resolved by `chatops alerts ingest` in another process: the daemon's sweep finds it.
  for (const name of ['ViaCli', 'WithDuration']) {
    const file = path.join(dir, `${name}.json`);
    fs.writeFileSync(file, JSON.stringify(body(name, 'resolved')));
    assert.equal(runCli(['alerts', 'ingest', file], { env: cliEnv }).code, 0);
  }
  await waitFor(async () => (await stateOf('ViaCli')).every((s) => s === 'expired'), {
    what: 'the CLI silence expired',
    timeoutMs: 30_000,
  });

  const ended = audit().filter((a) => a.action === 'incident.unsilence');
  assert.deepEqual(ended.map((a) => [a.incidentId, a.actor, a.result, a.detail.reason]).sort(), [
    [1, 'daemon', 'ok', 'the incident resolved'],
    [2, 'daemon', 'ok', 'the incident resolved'],
  ]);
  assert.deepEqual(await stateOf('WithDuration'), ['active'], 'a silence with a duration keeps it');
});
