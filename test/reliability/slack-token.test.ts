/**
 * A token Slack refuses: the daemon says which token and how to fix it (log at start-up and
 * /ready), keeps recording incidents, and stops calling Slack with that token instead of
 * retrying it (watchdog rebuilds, outbox retries) until it is restarted with a good one.
 */
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { webhookBody } from '../support/builders.js';
import { waitFor } from '../support/daemon.js';
import { postWebhook, ready, spawnSlackDaemon, stopDaemon } from '../support/slack-daemon.js';
import { SlackEmulator, type EmulatorOptions } from '../support/slack-emulator.js';
import { tempDir } from '../support/tmp.js';

/** Long enough for several watchdog rebuilds and outbox retries (1 s, 2 s) had they happened. */
const OBSERVE_MS = 6000;
/** Lets a call already on the wire when the refusal came (a slow machine) finish first. */
const SETTLE_MS = 2000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** An emulator that knows other tokens than the daemon's, and the daemon (watchdog 1 s: rebuilds would show). */
async function refusedStack(t: TestContext, tokens: EmulatorOptions) {
  const dir = tempDir(t);
  const emulator = await SlackEmulator.start(tokens);
  t.after(() => emulator.stop());
  const daemon = await spawnSlackDaemon({ dir, emulator, slack: { watchdog: '1s' } });
  t.after(() => stopDaemon(daemon));
  return { dir, emulator, daemon };
}

describe('a Slack token Slack refuses', () => {
  it('a refused bot token: named with its fix, and no more calls with it', async (t) => {
    const { dir, emulator, daemon } = await refusedStack(t, { botToken: 'xoxb-the-real-one' });

    const refusal = await waitFor(() => daemon.logs.find((l) => /SLACK_BOT_TOKEN/.test(String(l.msg))), {
      what: 'the refusal in the log',
      timeoutMs: 20_000,
    });
    assert.equal(refusal.level, 50, 'logged as an error');
    assert.match(String(refusal.msg), /Slack refused SLACK_BOT_TOKEN \(invalid_auth\)/);
    assert.match(String(refusal.msg), /Bot User OAuth Token \(xoxb-…\).*restart chatops/);
    const r = await ready(daemon.url);
    assert.equal(r.status, 503);
    assert.match(r.body.reason ?? '', /Slack refused SLACK_BOT_TOKEN \(invalid_auth\)/);

    // Incidents are still recorded; Slack is not called again with the refused token.
    await sleep(SETTLE_MS);
    assert.equal((await postWebhook(daemon.url, webhookBody([{ labels: { alertname: 'StillRecorded' } }]))).status, 200);
    const before = emulator.calls.length;
    await sleep(OBSERVE_MS);
    assert.equal(
      emulator.calls.length,
      before,
      `no call at all after the refusal: ${emulator.calls
        .slice(before)
        .map((c) => c.method)
        .join(', ')}`,
    );
    assert.equal(daemon.logs.filter((l) => /Slack refused/.test(String(l.msg))).length, 1, 'said once');

    // Fixed and restarted: what was recorded meanwhile is posted.
    await stopDaemon(daemon);
    const fixed = await spawnSlackDaemon({ dir, emulator, slack: { watchdog: '1s' }, env: { SLACK_BOT_TOKEN: 'xoxb-the-real-one' } });
    t.after(() => stopDaemon(fixed));
    await waitFor(() => emulator.messages.some((m) => m.text.includes('StillRecorded')), {
      what: 'the held incident posted after the restart',
      timeoutMs: 30_000,
    });
    await waitFor(async () => (await ready(fixed.url)).status === 200, { what: '/ready 200 with the good token', timeoutMs: 20_000 });
  });

  it('one call answered invalid_auth while auth.test accepts the token: not a refused token', async (t) => {
    const { emulator, daemon } = await refusedStack(t, {});
    await waitFor(async () => (await ready(daemon.url)).status === 200, { what: 'ready', timeoutMs: 20_000 });
    emulator.fault('chat.postMessage', { type: 'error', error: 'invalid_auth' });
    assert.equal((await postWebhook(daemon.url, webhookBody([{ labels: { alertname: 'OneBadAnswer' } }]))).status, 200);
    await waitFor(() => emulator.messages.some((m) => m.text.includes('OneBadAnswer')), {
      what: 'posted on a later attempt',
      timeoutMs: 30_000,
    });
    assert.ok(emulator.callsOf('auth.test').length >= 2, 'auth.test was asked');
    assert.equal(daemon.logs.filter((l) => /Slack refused/.test(String(l.msg))).length, 0);
    assert.equal((await ready(daemon.url)).status, 200);
  });

  it('a refused app token: named with its fix; apps.connections.open is not retried', async (t) => {
    const { emulator, daemon } = await refusedStack(t, { appToken: 'xapp-1-A0TEST-1-the-real-one' });

    const refusal = await waitFor(() => daemon.logs.find((l) => /SLACK_APP_TOKEN/.test(String(l.msg))), {
      what: 'the refusal in the log',
      timeoutMs: 20_000,
    });
    assert.match(String(refusal.msg), /Slack refused SLACK_APP_TOKEN \(invalid_auth\)/);
    assert.match(String(refusal.msg), /connections:write/);
    const r = await ready(daemon.url);
    assert.equal(r.status, 503);
    assert.match(r.body.reason ?? '', /Slack refused SLACK_APP_TOKEN/);
    await sleep(SETTLE_MS);
    const opens = () => emulator.calls.filter((c) => c.method === 'apps.connections.open').length;
    const before = opens();
    await sleep(OBSERVE_MS);
    assert.equal(opens(), before, 'apps.connections.open is not called again');
  });
});
