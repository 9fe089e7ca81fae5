/** Injection and Block Kit limits, end to end: what the daemon posts, the strict emulator accepts. */
import assert from 'node:assert/strict';
import { mrkdwnTexts } from '../support/mrkdwn.js';
import { test } from 'node:test';
import { waitFor } from '../support/daemon.js';
import { webhookBody } from '../support/builders.js';
import { type StoredMessage } from '../support/slack-emulator.js';
import { postWebhook, slackStack } from '../support/slack-daemon.js';

/** Texts Slack parses for mentions and links (mrkdwn objects and the fallback text). */
const parsed = (m: StoredMessage): string => mrkdwnTexts(m).join('\n');

test('alert text cannot ping or forge links, and oversized alerts are cut, not rejected', async (t) => {
  const { emu, daemon } = await slackStack(t);

  const evil = '<!channel> <!here> <@U123> <https://evil.example|click here> &amp;';
  const r1 = await postWebhook(
    daemon.url,
    webhookBody(
      [
        {
          fingerprint: 'e1',
          labels: { alertname: 'Evil', pod: '<!channel>' },
          annotations: { summary: evil, description: evil, runbook_url: 'javascript:alert(1)' },
        },
      ],
      { groupKey: '{}:{alertname="Evil"}' },
    ),
  );
  assert.equal(r1.status, 200);
  // A joining alert with a hostile label: the thread reply is escaped too.
  await waitFor(() => emu.incidentMessages(1)[0], { what: 'evil incident posted', timeoutMs: 15_000 });
  await postWebhook(
    daemon.url,
    webhookBody(
      [
        { fingerprint: 'e1', labels: { alertname: 'Evil', pod: '<!channel>' }, annotations: { summary: evil } },
        { fingerprint: 'e2', labels: { alertname: 'Evil', pod: '<@U123>' } },
      ],
      { groupKey: '{}:{alertname="Evil"}' },
    ),
  );

  const labels = Object.fromEntries(
    Array.from({ length: 60 }, (_, i) => [`label_${String(i).padStart(2, '0')}`, `value ${i} ${'x'.repeat(50)}`]),
  );
  const big = 'Ünïcödé & <b> '.repeat(800); // ~11 KB
  const r2 = await postWebhook(
    daemon.url,
    webhookBody(
      [{ fingerprint: 'b1', labels: { ...labels, alertname: 'A'.repeat(300) }, annotations: { description: big, summary: big } }],
      { groupKey: '{}:{alertname="big"}' },
    ),
  );
  assert.equal(r2.status, 200);

  const evilTop = emu.incidentMessages(1)[0]!;
  await waitFor(() => emu.replies(evilTop.ts).length > 0, { what: 'reply for the joining alert', timeoutMs: 15_000 });
  const bigTop = await waitFor(() => emu.incidentMessages(2)[0], { what: 'oversized incident posted', timeoutMs: 15_000 });

  for (const m of [evilTop, ...emu.replies(evilTop.ts), bigTop]) {
    const s = parsed(m);
    for (const bad of ['<!channel>', '<!here>', '<@U123>', '<https://evil'])
      assert.ok(!s.includes(bad), `${bad} must not reach Slack unescaped: ${s.slice(0, 200)}`);
  }
  assert.ok(!JSON.stringify(evilTop.blocks).includes('javascript:'), 'a non-http runbook is not linked');
  assert.match(parsed(bigTop), /truncated: chatops incidents show 2/);
  const refused = emu.calls.filter((c) => c.method.startsWith('chat.') && !c.ok && c.status !== 429);
  assert.deepEqual(
    refused.map((c) => `${c.method}: ${c.error}`),
    [],
    'Slack (the emulator) refused nothing',
  );
});
