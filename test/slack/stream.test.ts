/**
 * A storm that lasts (issue: "incidents #3–#10 were never posted"): a steady stream of new
 * groups, 10 a second, keeps the channel's digest growing. Every incident — the first ones
 * with their own message and the later ones as digest lines — must become visible while the
 * stream still runs; the stream only stops once they are (or the test gives up).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { webhookBody } from '../support/builders.js';
import { waitFor } from '../support/daemon.js';
import { postWebhook, slackStack } from '../support/slack-daemon.js';
import type { SlackEmulator } from '../support/slack-emulator.js';

const digests = (emu: SlackEmulator) => emu.topMessages().filter((m) => m.metadata?.event_type === 'chatops_digest');
const digestText = (emu: SlackEmulator) =>
  digests(emu)
    .map((m) => JSON.stringify(m.blocks))
    .join('\n');
const visible = (emu: SlackEmulator, id: number, digest: string) => emu.incidentMessages(id).length === 1 || digest.includes(`*#${id}*`);

test('a steady stream of new groups: the first incidents and the digest lines all appear while the storm lasts', async (t) => {
  const { emu, daemon } = await slackStack(t, {
    // Slack's own pace (about one post a second per channel, chat.update Tier 3) and the defaults that follow it.
    emulator: { postRate: { perSecond: 1, burst: 3 }, updateRate: { perSecond: 1, burst: 3 } },
    slack: { post_interval: '1s', update_interval: '1200ms' },
  });
  let n = 0;
  let streaming = true;
  const stream = (async () => {
    while (streaming) {
      n++;
      const res = await postWebhook(
        daemon.url,
        webhookBody(
          [{ fingerprint: n.toString(16).padStart(16, '0'), labels: { alertname: `Stream${n}`, namespace: 'prod', severity: 'warning' } }],
          { groupKey: `{}:{alertname="Stream${n}"}` },
        ),
      );
      assert.equal(res.status, 200);
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  t.after(async () => {
    streaming = false;
    await stream;
  });
  try {
    // While the stream runs: the first 30 incidents become visible (1–10 own messages, the rest digest lines).
    await waitFor(
      () => {
        const d = digestText(emu);
        return n > 40 && Array.from({ length: 30 }, (_, k) => k + 1).every((id) => visible(emu, id, d));
      },
      { what: 'the first 30 incidents visible while new groups keep arriving', timeoutMs: 90_000, intervalMs: 250 },
    );
  } finally {
    streaming = false;
    await stream;
  }
  for (let id = 1; id <= 10; id++) assert.equal(emu.incidentMessages(id).length, 1, `incident ${id} has its own message`);
  assert.equal(digests(emu).length, 1, 'one digest for the rest');
  // Once the stream stops, everything that arrived is visible too.
  await waitFor(
    () => {
      const d = digestText(emu);
      return Array.from({ length: n }, (_, k) => k + 1).every((id) => visible(emu, id, d));
    },
    { what: `all ${n} incidents visible`, timeoutMs: 60_000, intervalMs: 250 },
  );
  t.diagnostic(`${n} incidents streamed`);
});
