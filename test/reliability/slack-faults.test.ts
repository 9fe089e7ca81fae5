/**
 * Slack faults not covered by test/slack/faults.test.ts (429 bursts, 5xx, dropped/hung posts,
 * crash mid-post, dropped sockets, refresh_requested, watchdog): `disconnect` with `warning` and
 * `link_disabled`, a socket closed while an envelope is in flight, garbage and malformed frames
 * (docs/protocols.md trap 3: an events_api envelope without payload.event), apps.connections.open
 * failing for a stretch with /ready honest throughout, and a 429 storm on posts and updates.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Database } from '../../src/adapters/store/sqlite-driver.js';
import path from 'node:path';
import { waitFor } from '../support/daemon.js';
import { webhookBody } from '../support/builders.js';
import { SlackEmulator } from '../support/slack-emulator.js';
import { postWebhook, ready, spawnSlackDaemon, stopDaemon } from '../support/slack-daemon.js';
import { tempDir } from '../support/tmp.js';

const alertsFor = (n: number, extra: { fingerprint?: string; pod?: string } = {}) =>
  webhookBody(
    [
      {
        fingerprint: (extra.fingerprint ?? `e${n}`).padStart(16, '0'),
        labels: { alertname: `SF${n}`, ...(extra.pod ? { pod: extra.pod } : {}) },
      },
    ],
    { groupKey: `{}:{alertname="SF${n}"}` },
  );

test('disconnects, a socket closed mid-envelope, malformed frames, apps.connections.open failing, a 429 storm: no loss, no duplicates, /ready honest', async (t) => {
  const dir = tempDir(t);
  const emu = await SlackEmulator.start();
  t.after(() => emu.stop());
  const daemon = await spawnSlackDaemon({ dir, emulator: emu });
  t.after(() => stopDaemon(daemon));
  const isReady = async () => (await ready(daemon.url)).status === 200;
  await waitFor(isReady, { what: 'ready', timeoutMs: 20_000 });
  let faults = 0;
  assert.equal((await postWebhook(daemon.url, alertsFor(1))).status, 200);
  const top = await waitFor(() => emu.incidentMessages(1)[0], { what: 'posted', timeoutMs: 15_000 });

  // disconnect(warning) and disconnect(link_disabled): the client reconnects after each.
  for (const reason of ['warning', 'link_disabled'] as const) {
    const opened = emu.connectionsOpened;
    emu.disconnectAll(reason);
    faults++;
    await waitFor(() => emu.connectionsOpened > opened && emu.connected > 0, { what: `reconnected after ${reason}`, timeoutMs: 20_000 });
    await waitFor(isReady, { what: `ready after ${reason}`, timeoutMs: 20_000 });
  }

  // Garbage and malformed frames: ignored, the process survives (docs/protocols.md trap 3), the socket stays usable.
  for (const s of emu.sockets) {
    s.send('{"envelope_id":"trunc","type":"interactive","payl');
    s.send(
      JSON.stringify({
        envelope_id: 'no-event',
        type: 'events_api',
        accepts_response_payload: false,
        retry_attempt: 0,
        retry_reason: '',
        payload: { type: 'event_callback' },
      }),
    );
    s.send(JSON.stringify({ envelope_id: 'unknown', type: 'interactive', payload: { type: 'nonsense' } }));
    faults += 3;
  }
  await new Promise((r) => setTimeout(r, 1000));
  assert.equal(daemon.child.exitCode, null, 'the daemon survived malformed frames');
  assert.equal((await fetch(`${daemon.url}/health`)).status, 200);

  // A socket closed while a click is in flight: the click is lost (Slack does not redeliver
  // interactions) or applied once; after the reconnect a click works and nothing is doubled.
  const opened = emu.connectionsOpened;
  const ackButton = { ...emu.element(top.ts, 'chatops:ack')! };
  const inFlight = emu.click({ ts: top.ts, actionId: 'chatops:ack', user: 'U0ALICE' });
  emu.dropAll();
  faults++;
  await inFlight;
  await waitFor(() => emu.connectionsOpened > opened && emu.connected > 0, {
    what: 'reconnected after the mid-envelope close',
    timeoutMs: 20_000,
  });
  await waitFor(isReady, { what: 'ready', timeoutMs: 20_000 });
  assert.equal(
    (await emu.click({ ts: top.ts, actionId: 'chatops:ack', user: 'U0ALICE', staleElement: ackButton })).acked,
    true,
    'a click after the reconnect is acked',
  );
  await waitFor(() => /Acknowledged by <@U0ALICE>/.test(JSON.stringify(emu.incidentMessages(1)[0]!.blocks)), {
    what: 'acknowledged',
    timeoutMs: 20_000,
  });

  // apps.connections.open failing for a stretch (6 failures ≈ 10 s of retries at ping_timeout 500ms):
  // /ready says not ready at every poll until it reconnects; alerts are still posted meanwhile.
  emu.fault(
    'apps.connections.open',
    ...Array.from({ length: 6 }, (_, i) =>
      i % 2 ? { type: 'status' as const, status: 500 } : { type: 'error' as const, error: 'internal_error' },
    ),
  );
  faults += 6;
  const failedBefore = emu.callsOf('apps.connections.open').filter((c) => !c.ok).length;
  emu.dropAll();
  faults++;
  const readiness: number[] = [];
  await waitFor(async () => (await ready(daemon.url)).status === 503, {
    what: 'not ready while disconnected',
    timeoutMs: 10_000,
    intervalMs: 20,
  });
  assert.equal((await postWebhook(daemon.url, alertsFor(2))).status, 200);
  while (emu.callsOf('apps.connections.open').filter((c) => !c.ok).length < failedBefore + 6) {
    const r = await ready(daemon.url);
    readiness.push(r.status);
    assert.equal(r.status, 503, `/ready must not claim readiness while the socket is down (${JSON.stringify(r.body)})`);
    assert.match(r.body.reason ?? '', /slack/i);
    await new Promise((res) => setTimeout(res, 200));
  }
  await waitFor(() => emu.incidentMessages(2).length === 1, { what: 'posted while the socket could not connect', timeoutMs: 20_000 });
  // Back within seconds once apps.connections.open answers again (the wait is bounded generously).
  await waitFor(isReady, { what: 'ready after the fault ends', timeoutMs: 20_000 });

  // A 429 storm on posts and updates while incidents open and grow.
  emu.fault('chat.postMessage', ...Array.from({ length: 8 }, () => ({ type: 'status' as const, status: 429, retryAfter: 1 })));
  emu.fault('chat.update', ...Array.from({ length: 6 }, () => ({ type: 'status' as const, status: 429, retryAfter: 1 })));
  faults += 14;
  for (let n = 3; n <= 6; n++) assert.equal((await postWebhook(daemon.url, alertsFor(n))).status, 200);
  for (let n = 3; n <= 6; n++) {
    assert.equal(
      (
        await postWebhook(
          daemon.url,
          webhookBody(
            [
              { fingerprint: `e${n}`.padStart(16, '0'), labels: { alertname: `SF${n}` } },
              { fingerprint: `b${n}`.padStart(16, '0'), labels: { alertname: `SF${n}`, pod: 'b' } },
            ],
            { groupKey: `{}:{alertname="SF${n}"}` },
          ),
        )
      ).status,
      200,
    );
  }
  await waitFor(async () => /chatops_outbox_depth 0\b/.test(await (await fetch(`${daemon.url}/metrics`)).text()), {
    what: 'outbox drained after the storm',
    timeoutMs: 60_000,
    intervalMs: 250,
  });
  for (let n = 3; n <= 6; n++) {
    await waitFor(() => /2 of 2 alerts/.test(JSON.stringify(emu.incidentMessages(n)[0]?.blocks)), {
      what: `incident ${n} updated`,
      timeoutMs: 30_000,
    });
  }

  // No loss, no duplicates.
  const db = new Database(path.join(dir, 'chatops.db'), { readonly: true });
  t.after(() => db.close());
  const ids = (db.prepare('SELECT id FROM incidents').all() as { id: number }[]).map((r) => r.id);
  assert.equal(ids.length, 6);
  for (const id of ids) assert.equal(emu.incidentMessages(id).length, 1, `incident ${id} has exactly one top message`);
  const keys = emu.messages
    .filter((m) => m.metadata?.event_type === 'chatops_reply')
    .map((m) => `${m.threadTs}/${String(m.metadata!.event_payload.reply_key)}`);
  assert.equal(new Set(keys).size, keys.length, 'no reply posted twice');
  const acks = db.prepare("SELECT count(*) AS n FROM audit WHERE action = 'incident.ack' AND result = 'ok'").get() as { n: number };
  assert.equal(acks.n, 1, 'acknowledged exactly once');
  t.diagnostic(`faults injected ${faults}; /ready polled ${readiness.length} times during the apps.connections.open outage, all 503`);
});
