/**
 * End to end: real Alertmanager → spawned daemon → Slack emulator, with the real Bolt app
 * connected over Socket Mode.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { runCli, waitFor } from '../support/daemon.js';
import { postAlerts, startAlertmanager, type Service } from '../support/promstack.js';
import { SlackEmulator, type StoredMessage } from '../support/slack-emulator.js';
import { ready, spawnSlackDaemon, stopDaemon } from '../support/slack-daemon.js';
import { tempDir } from '../support/tmp.js';

const text = (m: StoredMessage) => JSON.stringify(m.blocks);

test('one top message per incident, thread replies, ack, in-place resolve, thread kept across a restart', async (t) => {
  const dir = tempDir(t);
  const emu = await SlackEmulator.start();
  t.after(() => emu.stop());
  let daemon = await spawnSlackDaemon({ dir, emulator: emu });
  t.after(() => stopDaemon(daemon));
  // Alertmanager needs the daemon's URL, and the daemon's port changes on restart: pin it.
  const port = Number(new URL(daemon.url).port);
  const am: Service = await startAlertmanager(dir, { webhookUrl: `${daemon.url}/api/alertmanager` });
  t.after(() => am.stop());
  await waitFor(async () => (await ready(daemon.url)).status === 200, {
    what: 'daemon ready with the socket connected',
    timeoutMs: 20_000,
  });

  const startsAt = new Date(Date.now() - 60_000).toISOString();
  const base = { alertname: 'DiskFull', namespace: 'prod', severity: 'warning' };
  await postAlerts(am, [
    {
      labels: { ...base, pod: 'db-0' },
      annotations: { summary: 'disk almost full', runbook_url: 'https://runbooks.example/disk' },
      startsAt,
    },
  ]);
  // Incident 1 first: two groups posted together flush at the same moment, in either order.
  const top = await waitFor(() => emu.incidentMessages(1)[0], { what: 'top message for incident 1', timeoutMs: 20_000 });
  await postAlerts(am, [{ labels: { alertname: 'Other', namespace: 'dev', severity: 'info' }, startsAt }]);
  await waitFor(() => emu.topMessages().length === 2, { what: 'a second incident, a second top message', timeoutMs: 20_000 });
  assert.match(text(top), /FIRING: DiskFull/);
  assert.match(text(top), /runbooks\.example\/disk/);

  // A new fingerprint joins: thread reply + top message updated in place.
  await postAlerts(am, [{ labels: { ...base, pod: 'db-1' }, annotations: { summary: 'disk almost full' }, startsAt }]);
  await waitFor(() => emu.replies(top.ts).some((r) => /joined/.test(r.text)), {
    what: 'thread reply for the joining alert',
    timeoutMs: 20_000,
  });
  await waitFor(() => /2 of 2 alerts/.test(text(emu.incidentMessages(1)[0]!)), { what: 'top message shows 2 firing', timeoutMs: 20_000 });
  assert.match(emu.replies(top.ts).find((r) => /joined/.test(r.text))!.text, /pod=db-1/);

  // Acknowledge from Slack: acked at once, message updated, audit row names the Slack user.
  const ackButton = emu.element(top.ts, 'chatops:ack')!;
  assert.ok(ackButton, 'the message has an Acknowledge button');
  assert.equal(ackButton.value, '1', 'buttons carry only the opaque incident id');
  const click = await emu.click({ ts: top.ts, actionId: 'chatops:ack', user: 'U0ALICE' });
  assert.equal(click.acked, true, 'the click is acked within 3 s');
  await waitFor(() => /Acknowledged by <@U0ALICE>/.test(text(emu.incidentMessages(1)[0]!)), { what: 'ack shown', timeoutMs: 15_000 });
  const env = { CHATOPS_DB: path.join(dir, 'chatops.db') };
  const list = JSON.parse(runCli(['incidents', '--json'], { env }).stdout) as { id: number; status: string }[];
  assert.equal(list.find((i) => i.id === 1)?.status, 'acknowledged');
  const audit = JSON.parse(runCli(['audit', '--incident', '1', '--json'], { env }).stdout) as {
    action: string;
    actor: string;
    source: string;
  }[];
  assert.ok(
    audit.some((e) => e.action === 'incident.ack' && e.actor === 'U0ALICE' && e.source === 'slack'),
    'audit row with the Slack user',
  );

  // Restart the daemon on the same port and database: the thread is kept.
  await stopDaemon(daemon);
  daemon = await spawnSlackDaemon({ dir, emulator: emu, env: { CHATOPS_LISTEN: `127.0.0.1:${port}` } });
  await waitFor(async () => (await ready(daemon.url)).status === 200, { what: 'ready after restart', timeoutMs: 20_000 });
  await postAlerts(am, [{ labels: { ...base, pod: 'db-2' }, startsAt }]);
  await waitFor(() => emu.replies(top.ts).some((r) => /pod=db-2/.test(r.text)), {
    what: 'reply in the same thread after the restart',
    timeoutMs: 20_000,
  });
  assert.equal(emu.incidentMessages(1).length, 1, 'still one top message for incident 1');

  // Resolve everything: the top message flips in place, buttons gone, duration shown.
  const endsAt = new Date(Date.now() - 1000).toISOString();
  await postAlerts(
    am,
    ['db-0', 'db-1', 'db-2'].map((pod) => ({ labels: { ...base, pod }, startsAt, endsAt })),
  );
  await waitFor(() => /RESOLVED: DiskFull/.test(text(emu.incidentMessages(1)[0]!)), { what: 'resolved in place', timeoutMs: 30_000 });
  const resolved = emu.incidentMessages(1)[0]!;
  assert.equal(
    resolved.blocks.some((b) => b.type === 'actions'),
    false,
    'no buttons on a resolved incident',
  );
  assert.match(text(resolved), /Resolved .* after /);
  await waitFor(() => emu.replies(top.ts).some((r) => /Resolved after/.test(r.text)), { what: 'resolved reply', timeoutMs: 15_000 });

  // A click from a stale rendering is re-checked: ephemeral note, nothing changes.
  const stale = await emu.click({ ts: top.ts, actionId: 'chatops:ack', user: 'U0BOB', staleElement: ackButton });
  assert.equal(stale.acked, true);
  await waitFor(() => emu.ephemerals.find((e) => e.user === 'U0BOB'), { what: 'ephemeral refusal', timeoutMs: 15_000 });
  assert.match(emu.ephemerals.find((e) => e.user === 'U0BOB')!.text, /already resolved/);

  assert.equal(
    emu.topMessages().filter((m) => m.metadata?.event_type === 'chatops_incident').length,
    2,
    'exactly one top message per incident',
  );
  const metrics = await (await fetch(`${daemon.url}/metrics`)).text();
  assert.match(metrics, /chatops_slack_socket_connected 1/);
  for (const secret of ['xoxb-test', 'xapp-1-A0TEST']) {
    assert.ok(!JSON.stringify(daemon.logs).includes(secret), `no ${secret} in the logs`);
    assert.ok(!metrics.includes(secret), `no ${secret} in /metrics`);
  }
  for (const c of emu.calls.filter((c) => c.method.startsWith('chat.')))
    assert.ok(c.ok || c.status === 429, `${c.method} failed: ${c.error}`);
});
