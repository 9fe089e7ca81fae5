/**
 * Catch-up (issue: "incidents that opened while Slack was off are never posted once Slack is
 * turned on"): open incidents without a message get one when the daemon starts with Slack,
 * under the storm rules; incidents already resolved do not flood the channel.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { webhookBody } from '../support/builders.js';
import { spawnDaemon, waitFor } from '../support/daemon.js';
import { postWebhook, slackStack, stopDaemon } from '../support/slack-daemon.js';
import { tempDir } from '../support/tmp.js';

test('incidents opened while Slack was off are posted when it comes on; resolved ones are not', async (t) => {
  const dir = tempDir(t);
  const db = path.join(dir, 'chatops.db');
  const off = await spawnDaemon({ CHATOPS_DB: db });
  const fire = (n: number, status: 'firing' | 'resolved' = 'firing') =>
    webhookBody(
      [
        {
          fingerprint: (0xc000 + n).toString(16).padStart(16, '0'),
          status,
          startsAt: Date.parse('2026-11-26T10:00:00Z'),
          endsAt: status === 'resolved' ? Date.parse('2026-11-26T10:05:00Z') : null,
          labels: { alertname: `Offline${n}`, namespace: 'prod' },
        },
      ],
      { groupKey: `{}:{alertname="Offline${n}"}` },
    );
  // 14 incidents open while Slack is off; 2 of them resolve before it comes on.
  for (let n = 1; n <= 14; n++) assert.equal((await postWebhook(off.url, fire(n))).status, 200);
  for (const n of [3, 4]) assert.equal((await postWebhook(off.url, fire(n, 'resolved'))).status, 200);
  await stopDaemon(off);

  const { emu } = await slackStack(t, { dir, slack: { post_interval: '100ms', update_interval: '100ms' } });
  const digest = () => emu.topMessages().find((m) => m.metadata?.event_type === 'chatops_digest');
  const open = [1, 2, ...Array.from({ length: 10 }, (_, k) => k + 5)];
  await waitFor(
    () => {
      const d = JSON.stringify(digest()?.blocks ?? []);
      return open.every((id) => emu.incidentMessages(id).length === 1 || d.includes(`*#${id}*`));
    },
    { what: 'every open incident visible in Slack', timeoutMs: 30_000 },
  );
  const own = emu.topMessages().filter((m) => m.metadata?.event_type === 'chatops_incident');
  assert.equal(own.length, 10, 'the storm threshold holds for catch-up too: 10 own messages, the rest in the digest');
  for (const id of [3, 4]) assert.equal(emu.incidentMessages(id).length, 0, `resolved incident ${id} gets no message of its own`);
  assert.ok(!JSON.stringify(digest()?.blocks ?? []).match(/\*#(3|4)\*/), 'resolved incidents are not listed either');
});
