/** Coalescing: changes that pile up while a message waits become one chat.update with the latest state. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { waitFor } from '../support/daemon.js';
import { webhookBody } from '../support/builders.js';
import { postWebhook, slackStack } from '../support/slack-daemon.js';

test('five pending updates of one message become one chat.update', async (t) => {
  const { emu, daemon } = await slackStack(t);
  const alerts = (n: number) =>
    webhookBody(
      Array.from({ length: n }, (_, k) => ({ fingerprint: `c${k}`.padStart(16, '0'), labels: { alertname: 'Coalesce', pod: `p${k}` } })),
      { groupKey: '{}:{alertname="Coalesce"}' },
    );
  await postWebhook(daemon.url, alerts(1));
  const top = await waitFor(() => emu.incidentMessages(1)[0], { what: 'posted', timeoutMs: 15_000 });

  // chat.update is rate limited for 3 s: meanwhile five more alerts join, one delivery each.
  emu.fault('chat.update', { type: 'status', status: 429, retryAfter: 3 });
  for (let n = 2; n <= 6; n++) assert.equal((await postWebhook(daemon.url, alerts(n))).status, 200);
  await waitFor(() => /6 of 6 alerts/.test(JSON.stringify(emu.incidentMessages(1)[0]!.blocks)), {
    what: 'latest state shown',
    timeoutMs: 20_000,
  });
  await waitFor(async () => /chatops_outbox_depth 0\b/.test(await (await fetch(`${daemon.url}/metrics`)).text()), {
    what: 'outbox drained',
    timeoutMs: 15_000,
  });
  const updates = emu.callsOf('chat.update').filter((c) => c.args.ts === top.ts && c.ok);
  assert.equal(updates.length, 1, `one successful chat.update for five changes, got ${updates.length}`);
  const joined = emu
    .replies(top.ts)
    .map((r) => r.text)
    .join('\n');
  for (let k = 1; k <= 5; k++) assert.match(joined, new RegExp(`pod=p${k}\\b`), `the thread names alert p${k}`);
});
