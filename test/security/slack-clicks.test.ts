/**
 * Defence in depth in Slack clicks: every button (not only Approve/Deny) must be clicked on the
 * message of the incident it names. A crafted payload on incident 1's message that names
 * incident 2 (Acknowledge, Silence, Unsilence, a remediation button) does nothing, is audited as
 * refused under the clicker's name, and the clicker is told why. The real Bolt app in the daemon,
 * the Slack emulator sending the payloads over Socket Mode.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { it } from 'node:test';
import { Database } from '../../src/adapters/store/sqlite-driver.js';
import { waitFor } from '../support/daemon.js';
import { postWebhook, slackStack } from '../support/slack-daemon.js';
import { webhookBody } from '../support/builders.js';

it('a button naming another incident than the message clicked is refused, audited and explained', async (t) => {
  const { dir, emu, daemon } = await slackStack(t);
  for (const [i, name] of ['web', 'api'].entries()) {
    const r = await postWebhook(
      daemon.url,
      webhookBody([{ fingerprint: `c00000000000000${i}`, labels: { alertname: 'Down', namespace: 'prod', deployment: name } }], {
        groupKey: name,
      }),
    );
    assert.equal(r.status, 200);
  }
  const one = await waitFor(() => emu.incidentMessages(1)[0], { what: 'incident 1 posted', timeoutMs: 20_000 });
  await waitFor(() => emu.incidentMessages(2)[0], { what: 'incident 2 posted', timeoutMs: 20_000 });
  const ack = emu.element(one.ts, 'chatops:ack')!;
  const crafted: [string, Record<string, unknown>, string?][] = [
    ['chatops:ack', { ...ack, value: '2' }],
    [
      'chatops:silence',
      {
        type: 'static_select',
        action_id: 'chatops:silence',
        options: [{ text: { type: 'plain_text', text: 'Silence 1h' }, value: '2:1h' }],
      },
      '1h',
    ],
    ['chatops:unsilence', { type: 'button', action_id: 'chatops:unsilence', value: '2', text: { type: 'plain_text', text: 'Unsilence' } }],
    [
      'chatops:remediate:rollout-restart',
      { type: 'button', action_id: 'chatops:remediate:rollout-restart', value: '2', text: { type: 'plain_text', text: 'Restart' } },
    ],
  ];
  for (const [actionId, element, option] of crafted) {
    const before = emu.ephemerals.filter((e) => e.user === 'U0MALLORY').length;
    assert.equal((await emu.click({ ts: one.ts, actionId, user: 'U0MALLORY', staleElement: element, option })).acked, true);
    const note = await waitFor(() => emu.ephemerals.filter((e) => e.user === 'U0MALLORY')[before], {
      what: `refusal for ${actionId}`,
      timeoutMs: 20_000,
    });
    assert.match(note.text, /Refused: that button belongs to incident #2, not to the message you clicked; nothing was done/, actionId);
  }
  // The real button on its own message still works.
  assert.equal((await emu.click({ ts: one.ts, actionId: 'chatops:ack', user: 'U0ALICE' })).acked, true);
  await waitFor(
    () => {
      const db = new Database(path.join(dir, 'chatops.db'), { readonly: true });
      try {
        return (
          (
            db.prepare("SELECT count(*) AS n FROM audit WHERE action = 'incident.ack' AND result = 'ok' AND incident_id = 1").get() as {
              n: number;
            }
          ).n === 1
        );
      } finally {
        db.close();
      }
    },
    { what: 'incident 1 acknowledged by its own button', timeoutMs: 20_000 },
  );

  const db = new Database(path.join(dir, 'chatops.db'), { readonly: true });
  t.after(() => db.close());
  const incident2 = db.prepare('SELECT status, acknowledged_by FROM incidents WHERE id = 2').get() as {
    status: string;
    acknowledged_by: string | null;
  };
  assert.deepEqual(incident2, { status: 'firing', acknowledged_by: null }, 'incident 2 untouched');
  const refused = (
    db.prepare("SELECT action, actor, incident_id, detail FROM audit WHERE result = 'refused' ORDER BY seq").all() as {
      action: string;
      actor: string;
      incident_id: number;
      detail: string;
    }[]
  ).map((r) => ({ action: r.action, actor: r.actor, incident: r.incident_id, why: (JSON.parse(r.detail) as { why: string }).why }));
  assert.deepEqual(
    refused.map((r) => [r.action, r.actor, r.incident]),
    [
      ['incident.ack', 'U0MALLORY', 2],
      ['incident.silence', 'U0MALLORY', 2],
      ['incident.unsilence', 'U0MALLORY', 2],
      ['slack.click', 'U0MALLORY', 2],
    ],
  );
  assert.ok(refused.every((r) => /belongs to incident #2, not to the message you clicked/.test(r.why)));
});
