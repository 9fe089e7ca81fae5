/**
 * Enrichment against a REAL Prometheus (and with it stopped), and the Silence / Unsilence
 * buttons against a REAL Alertmanager.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { runCli, waitFor } from '../support/daemon.js';
import { freePort, postAlerts, startAlertmanager, startPrometheus } from '../support/promstack.js';
import { SlackEmulator, type StoredMessage } from '../support/slack-emulator.js';
import { ready, spawnSlackDaemon, stopDaemon } from '../support/slack-daemon.js';
import { tempDir } from '../support/tmp.js';

const text = (m: StoredMessage | undefined) => JSON.stringify(m?.blocks ?? []);

interface AmSilence {
  id: string;
  status: { state: string };
  matchers: { name: string; value: string }[];
  createdBy: string;
}

test('promql_query enrichment, silence and unsilence through Alertmanager', async (t) => {
  const dir = tempDir(t);
  const emu = await SlackEmulator.start();
  t.after(() => emu.stop());
  const prom = await startPrometheus(dir);
  t.after(() => prom.stop());
  // The daemon must know Alertmanager's URL and Alertmanager the daemon's: pick the daemon's port first.
  const port = await freePort();
  const am = await startAlertmanager(dir, { webhookUrl: `http://127.0.0.1:${port}/api/alertmanager` });
  t.after(() => am.stop());
  // Silencing is a `low` action: the policy must allow it.
  const daemon = await spawnSlackDaemon({
    dir,
    emulator: emu,
    config: 'policy:\n  max_risk: low\n',
    env: { CHATOPS_LISTEN: `127.0.0.1:${port}`, PROMETHEUS_URL: prom.url, ALERTMANAGER_URL: am.url },
  });
  t.after(() => stopDaemon(daemon));
  await waitFor(async () => (await ready(daemon.url)).status === 200, { what: 'ready', timeoutMs: 20_000 });
  // `up` has data once Prometheus scraped itself.
  await waitFor(
    async () =>
      ((await (await fetch(`${prom.url}/api/v1/query?query=up`)).json()) as { data: { result: unknown[] } }).data.result.length > 0,
    { what: 'up has data', timeoutMs: 20_000 },
  );

  await postAlerts(am, [
    {
      labels: { alertname: 'TargetDown', namespace: 'prod', job: 'api', severity: 'critical' },
      annotations: { summary: 'api down', promql_query: 'up' },
    },
  ]);
  await waitFor(() => emu.incidentMessages(1)[0], { what: 'top message', timeoutMs: 20_000 });
  await waitFor(() => /Current value\* of `up`/.test(text(emu.incidentMessages(1)[0])), { what: 'enrichment update', timeoutMs: 20_000 });
  assert.match(text(emu.incidentMessages(1)[0]), /job=.*prometheus.*\} 1/, 'the value of up for the one series');
  const top = emu.incidentMessages(1)[0]!;

  // Silence 1h from the menu.
  const click = await emu.click({ ts: top.ts, actionId: 'chatops:silence', user: 'U0ALICE', option: '1h' });
  assert.equal(click.acked, true);
  const silence = await waitFor(
    async () => {
      const list = (await (await fetch(`${am.url}/api/v2/silences`)).json()) as AmSilence[];
      return list.find((s) => s.status.state === 'active');
    },
    { what: 'silence in Alertmanager', timeoutMs: 15_000 },
  );
  assert.deepEqual(silence.matchers.map((m) => `${m.name}=${m.value}`).sort(), [
    'alertname=TargetDown',
    'job=api',
    'namespace=prod',
    'severity=critical',
  ]);
  assert.equal(silence.createdBy, 'U0ALICE');
  await waitFor(() => text(emu.incidentMessages(1)[0]).includes(silence.id) && emu.element(top.ts, 'chatops:unsilence'), {
    what: 'silence shown with Unsilence',
    timeoutMs: 15_000,
  });
  await waitFor(() => emu.replies(top.ts).some((r) => r.text.includes(silence.id)), { what: 'silence reply in thread', timeoutMs: 15_000 });

  // Unsilence expires it in Alertmanager and brings the menu back.
  await emu.click({ ts: top.ts, actionId: 'chatops:unsilence', user: 'U0BOB' });
  await waitFor(
    async () => {
      const list = (await (await fetch(`${am.url}/api/v2/silences`)).json()) as AmSilence[];
      return list.find((s) => s.id === silence.id)?.status.state === 'expired';
    },
    { what: 'silence expired in Alertmanager', timeoutMs: 15_000 },
  );
  await waitFor(() => emu.element(top.ts, 'chatops:silence'), { what: 'Silence menu back', timeoutMs: 15_000 });

  // The CLI silences too, and the daemon delivers its outbox row.
  // No Slack tokens in the CLI's environment: the daemon's database says Slack is on.
  const cli = runCli(['silence', '1', '--duration', '30m', '--comment', 'maintenance', '--json'], {
    env: { CHATOPS_DB: path.join(dir, 'chatops.db'), CHATOPS_CONFIG: path.join(dir, 'chatops.yaml'), ALERTMANAGER_URL: am.url },
  });
  assert.equal(cli.code, 0, cli.stderr);
  const cliSilence = JSON.parse(cli.stdout) as { silenceId: string };
  await waitFor(() => text(emu.incidentMessages(1)[0]).includes(cliSilence.silenceId), {
    what: 'CLI silence shown in Slack',
    timeoutMs: 15_000,
  });

  // Prometheus stopped: the message is still posted, the enrichment says why it is missing.
  await prom.stop();
  await postAlerts(am, [
    { labels: { alertname: 'QueueBacklog', namespace: 'prod', severity: 'warning' }, annotations: { promql_query: 'sum(queue_depth)' } },
  ]);
  await waitFor(() => emu.incidentMessages(2)[0], { what: 'posted without Prometheus', timeoutMs: 20_000 });
  await waitFor(() => /unavailable: cannot reach Prometheus/.test(text(emu.incidentMessages(2)[0])), {
    what: 'enrichment error shown',
    timeoutMs: 20_000,
  });
});
