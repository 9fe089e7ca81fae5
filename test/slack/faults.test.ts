/**
 * Faults: 429 bursts with Retry-After, 5xx, uncertain posts (stored, then the response is lost),
 * a crash while a post is in flight, dropped sockets and disconnect frames. Nothing is lost and
 * no incident ever gets a second top message.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { waitFor } from '../support/daemon.js';
import { webhookBody } from '../support/builders.js';
import { SlackEmulator } from '../support/slack-emulator.js';
import { postWebhook, ready, slackStack, spawnSlackDaemon, stopDaemon } from '../support/slack-daemon.js';
import { tempDir } from '../support/tmp.js';

const group = (n: number) => ({ groupKey: `{}:{alertname="Fault${n}"}` });
const alertsFor = (n: number, fp = `f${n}`) =>
  webhookBody([{ fingerprint: fp.padStart(16, '0'), labels: { alertname: `Fault${n}` } }], group(n));

function assertOneTopEach(emu: SlackEmulator, ids: number[]): void {
  for (const id of ids) assert.equal(emu.incidentMessages(id).length, 1, `incident ${id} has exactly one top message`);
}

test('429 bursts, 500s and uncertain posts: no loss, no duplicate top message', async (t) => {
  const { emu, daemon } = await slackStack(t);

  // A burst of 429s with Retry-After, then a 500 (not stored), then a dropped response (stored).
  emu.fault(
    'chat.postMessage',
    { type: 'status', status: 429, retryAfter: 1 },
    { type: 'status', status: 429, retryAfter: 1 },
    { type: 'status', status: 429, retryAfter: 1 },
    { type: 'status', status: 500 },
    { type: 'drop' },
  );
  for (let n = 1; n <= 4; n++) assert.equal((await postWebhook(daemon.url, alertsFor(n))).status, 200);
  await waitFor(() => [1, 2, 3, 4].every((id) => emu.incidentMessages(id).length > 0), { what: 'all four posted', timeoutMs: 30_000 });

  // A response that never comes (the request times out after the message was stored).
  emu.fault('chat.postMessage', { type: 'hang' });
  await postWebhook(daemon.url, alertsFor(5));
  await waitFor(() => emu.incidentMessages(5).length > 0, { what: 'hung post stored', timeoutMs: 15_000 });
  // The update after a 5xx still lands: join an alert into incident 5 while chat.update fails twice.
  emu.fault('chat.update', { type: 'status', status: 500 }, { type: 'status', status: 503 });
  emu.fault('chat.postMessage', { type: 'drop' }); // the thread reply is stored, its response lost
  await postWebhook(
    daemon.url,
    webhookBody(
      [
        { fingerprint: '00000000000000f5', labels: { alertname: 'Fault5' } },
        { fingerprint: '00000000000000e5', labels: { alertname: 'Fault5', pod: 'b' } },
      ],
      group(5),
    ),
  );
  await waitFor(() => /2 of 2 alerts/.test(JSON.stringify(emu.incidentMessages(5)[0]?.blocks)), {
    what: 'update after 5xx',
    timeoutMs: 30_000,
  });
  await waitFor(() => emu.replies(emu.incidentMessages(5)[0]!.ts).length === 1, {
    what: 'one reply for the joined alert',
    timeoutMs: 15_000,
  });

  assertOneTopEach(emu, [1, 2, 3, 4, 5]);
  assert.ok(emu.callsOf('chat.postMessage').filter((c) => c.status === 429).length >= 3, 'the 429s were met');
  assert.ok(emu.callsOf('conversations.history').length >= 1, 'an uncertain post was looked up before posting again');
  const metrics = await (await fetch(`${daemon.url}/metrics`)).text();
  assert.match(metrics, /chatops_slack_calls_total\{method="chat.postMessage",outcome="rate_limited"\} [1-9]/);
  await waitFor(async () => /chatops_outbox_depth 0\b/.test(await (await fetch(`${daemon.url}/metrics`)).text()), {
    what: 'outbox drained',
    timeoutMs: 15_000,
  });
  assert.equal(emu.replies(emu.incidentMessages(5)[0]!.ts).length, 1, 'the reply of uncertain outcome was found, not repeated');
  assert.ok(emu.callsOf('conversations.replies').length >= 1);
});

test('a crash while a post is in flight does not produce a second top message', async (t) => {
  const dir = tempDir(t);
  const emu = await SlackEmulator.start();
  t.after(() => emu.stop());
  let daemon = await spawnSlackDaemon({ dir, emulator: emu, slack: { request_timeout: '60s' } });
  t.after(() => stopDaemon(daemon));
  await waitFor(async () => (await ready(daemon.url)).status === 200, { what: 'ready', timeoutMs: 20_000 });
  emu.fault('chat.postMessage', { type: 'hang' });
  await postWebhook(daemon.url, alertsFor(1));
  await waitFor(() => emu.incidentMessages(1).length === 1, { what: 'post stored by Slack', timeoutMs: 15_000 });
  await daemon.kill9(); // before the ts could be stored
  daemon = await spawnSlackDaemon({ dir, emulator: emu });
  await waitFor(async () => (await ready(daemon.url)).status === 200, { what: 'ready after the crash', timeoutMs: 20_000 });
  // A later change to the incident must update the one message, not post another.
  await postWebhook(
    daemon.url,
    webhookBody(
      [
        { fingerprint: '00000000000000f1', labels: { alertname: 'Fault1' } },
        { fingerprint: '00000000000000e1', labels: { alertname: 'Fault1', pod: 'b' } },
      ],
      group(1),
    ),
  );
  await waitFor(() => /2 of 2 alerts/.test(JSON.stringify(emu.incidentMessages(1)[0]?.blocks)), {
    what: 'the first message updated',
    timeoutMs: 20_000,
  });
  assertOneTopEach(emu, [1]);
});

test('dropped sockets and disconnect frames: the app reconnects and clicks are acked again', async (t) => {
  const { emu, daemon } = await slackStack(t);
  await postWebhook(daemon.url, alertsFor(1));
  const top = await waitFor(() => emu.incidentMessages(1)[0], { what: 'posted', timeoutMs: 15_000 });

  // A dropped socket: /ready reports it, then the client reconnects by itself, through
  // apps.connections.open failing twice (a Slack error, then an HTTP 500).
  const opened = emu.connectionsOpened;
  emu.fault('apps.connections.open', { type: 'error', error: 'internal_error' }, { type: 'status', status: 500 });
  emu.dropAll();
  await waitFor(async () => (await ready(daemon.url)).status === 503, {
    what: '/ready says not ready',
    timeoutMs: 15_000,
    intervalMs: 20,
  }).catch(() => null);
  await waitFor(() => emu.connectionsOpened > opened && emu.connected > 0, { what: 'reconnected after a drop', timeoutMs: 20_000 });
  await waitFor(async () => (await ready(daemon.url)).status === 200, { what: 'ready again', timeoutMs: 20_000 });
  assert.ok(emu.callsOf('apps.connections.open').filter((c) => !c.ok).length >= 2, 'the failing apps.connections.open calls were retried');

  // A routine refresh.
  const opened2 = emu.connectionsOpened;
  emu.disconnectAll('refresh_requested');
  await waitFor(() => emu.connectionsOpened > opened2 && emu.connected > 0, { what: 'reconnected after disconnect', timeoutMs: 20_000 });

  // Alerts arriving while the socket is down still reach Slack (posting needs only the Web API).
  emu.closeAll(1001);
  await postWebhook(daemon.url, alertsFor(2));
  await waitFor(() => emu.incidentMessages(2).length === 1, { what: 'posted while the socket was down', timeoutMs: 15_000 });

  await waitFor(() => emu.connected > 0, { what: 'connected', timeoutMs: 20_000 });
  await waitFor(async () => (await ready(daemon.url)).status === 200, { what: 'ready', timeoutMs: 20_000 });
  const click = await waitFor(async () => (await emu.click({ ts: top.ts, actionId: 'chatops:ack', user: 'U0ALICE' })).acked, {
    what: 'ack after reconnects',
    timeoutMs: 20_000,
  });
  assert.equal(click, true);
  await waitFor(() => /Acknowledged by <@U0ALICE>/.test(JSON.stringify(emu.incidentMessages(1)[0]!.blocks)), {
    what: 'ack shown',
    timeoutMs: 15_000,
  });
});

test('the watchdog rebuilds a client that stays disconnected', async (t) => {
  const dir = tempDir(t);
  const emu = await SlackEmulator.start();
  t.after(() => emu.stop());
  emu.sendHello = false; // the handshake never completes: app.start() would wait forever
  const daemon = await spawnSlackDaemon({ dir, emulator: emu, slack: { watchdog: '2s' } });
  t.after(() => stopDaemon(daemon));
  await waitFor(
    async () => {
      const r = await ready(daemon.url);
      return r.status === 503 && /slack socket/i.test(r.body.reason ?? '');
    },
    { what: '/ready names the socket', timeoutMs: 15_000 },
  );
  await waitFor(() => daemon.logs.some((l) => l.msg === 'slack socket stuck; rebuilding the client'), {
    what: 'watchdog rebuild',
    timeoutMs: 20_000,
  });
  emu.sendHello = true;
  await waitFor(async () => (await ready(daemon.url)).status === 200, { what: 'ready after the rebuild', timeoutMs: 30_000 });
});
