/**
 * Storm digest (issue: "the 190 incidents in it have no buttons, no links and no thread";
 * "posted before 8 of the first 10 incident messages"): the digest comes after the incident
 * messages posted before it, and each incident listed can be acted on from Slack — its thread
 * opened on demand, or acknowledged — with the real Bolt app against the strict emulator.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { webhookBody } from '../support/builders.js';
import { runCli, waitFor } from '../support/daemon.js';
import { postWebhook, slackStack } from '../support/slack-daemon.js';
import { validateBlocks } from '../support/slack-emulator.js';

test("digest menus: open an incident's thread on demand, acknowledge one; the digest is posted after the earlier messages", async (t) => {
  const { dir, emu, daemon } = await slackStack(t, {
    slack: { storm: '{ threshold: 3, window: 60s }' },
    emulator: { postRate: { perSecond: 5, burst: 2 } },
  });
  for (let n = 1; n <= 8; n++) {
    assert.equal(
      (
        await postWebhook(
          daemon.url,
          webhookBody(
            [{ fingerprint: `d${n}`.padStart(16, '0'), labels: { alertname: `Digest${n}`, namespace: 'prod', deployment: `app${n}` } }],
            { groupKey: `{}:{alertname="Digest${n}"}` },
          ),
        )
      ).status,
      200,
    );
  }
  const digest = await waitFor(
    () => {
      const d = emu.topMessages().find((m) => m.metadata?.event_type === 'chatops_digest');
      return d && [4, 5, 6, 7, 8].every((id) => JSON.stringify(d.blocks).includes(`*#${id}*`)) ? d : null;
    },
    { what: 'the digest lists incidents 4–8', timeoutMs: 30_000 },
  );
  const order = emu.topMessages().map((m) => m.metadata?.event_type);
  assert.deepEqual(
    order,
    ['chatops_incident', 'chatops_incident', 'chatops_incident', 'chatops_digest'],
    'the three incident messages come before the digest',
  );
  assert.deepEqual(validateBlocks(digest.blocks), []);
  const open = emu.element(digest.ts, 'chatops:digest:open');
  const ack = emu.element(digest.ts, 'chatops:digest:ack');
  assert.ok(open && ack, 'the digest offers Open thread… and Acknowledge…');

  // Acknowledge #5 from the digest.
  assert.equal((await emu.click({ ts: digest.ts, actionId: 'chatops:digest:ack', user: 'U0ALICE', option: '5' })).acked, true);
  const env = { CHATOPS_DB: path.join(dir, 'chatops.db') };
  await waitFor(
    () =>
      (JSON.parse(runCli(['incidents', 'show', '5', '--json'], { env }).stdout) as { acknowledgedBy: string }).acknowledgedBy === 'U0ALICE',
    { what: 'incident 5 acknowledged', timeoutMs: 15_000 },
  );
  await waitFor(() => JSON.stringify(emu.messages.find((m) => m.ts === digest.ts)!.blocks).includes('👀 *#5*'), {
    what: 'the digest shows #5 acknowledged',
    timeoutMs: 20_000,
  });

  // Open #6's thread: it gets its own message, with its buttons, once.
  assert.equal((await emu.click({ ts: digest.ts, actionId: 'chatops:digest:open', user: 'U0BOB', option: '6' })).acked, true);
  const own = await waitFor(() => emu.incidentMessages(6)[0], { what: 'incident 6 has its own message', timeoutMs: 20_000 });
  assert.ok(emu.element(own.ts, 'chatops:ack'), 'with its buttons');
  await waitFor(
    () =>
      JSON.stringify(emu.messages.find((m) => m.ts === digest.ts)!.blocks).includes(
        '*#6* Digest6 — app6 (critical, 1/1 firing) · own thread',
      ),
    { what: 'the digest line points to the thread', timeoutMs: 20_000 },
  ).catch((e) => {
    throw new Error(`${e.message}: ${JSON.stringify(emu.messages.find((m) => m.ts === digest.ts)!.blocks)}`);
  });
  await emu.click({ ts: digest.ts, actionId: 'chatops:digest:open', user: 'U0BOB', option: '6', staleElement: open });
  const note = await waitFor(() => emu.ephemerals.find((e) => e.user === 'U0BOB'), {
    what: 'a second open is answered',
    timeoutMs: 15_000,
  });
  assert.match(note.text, /already has its own message/);
  assert.equal(emu.incidentMessages(6).length, 1, 'still one message');
  // Acting in the opened thread works like on any incident message.
  await emu.click({ ts: own.ts, actionId: 'chatops:ack', user: 'U0BOB' });
  await waitFor(() => /Acknowledged by <@U0BOB>/.test(JSON.stringify(emu.incidentMessages(6)[0]!.blocks)), {
    what: 'incident 6 acknowledged in its thread',
    timeoutMs: 15_000,
  });
});
