/**
 * Storm: 2,000 alerts in 200 incidents at once, under the emulator's per-channel rate limits.
 * Every incident reaches Slack (its own message or a line in the digest), nothing is lost, and
 * the number of calls stays bounded.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { waitFor } from '../support/daemon.js';
import { webhookBody } from '../support/builders.js';
import { SlackEmulator, type StoredMessage } from '../support/slack-emulator.js';
import { postWebhook, ready, spawnSlackDaemon, stopDaemon } from '../support/slack-daemon.js';
import { tempDir } from '../support/tmp.js';

const INCIDENTS = 200;
const PER_INCIDENT = 10;

function delivery(i: number, status: 'firing' | 'resolved') {
  const startsAt = Date.parse('2026-11-26T10:00:00Z');
  return webhookBody(
    Array.from({ length: PER_INCIDENT }, (_, k) => ({
      fingerprint: (i * 100 + k).toString(16).padStart(16, '0'),
      status,
      startsAt,
      endsAt: status === 'resolved' ? startsAt + 60_000 : null,
      labels: { alertname: `Storm${i}`, namespace: 'prod', pod: `pod-${k}`, severity: 'critical' },
    })),
    { groupKey: `{}:{alertname="Storm${i}"}` },
  );
}

async function postAll(url: string, status: 'firing' | 'resolved'): Promise<void> {
  for (let b = 0; b < INCIDENTS; b += 20) {
    const batch = Array.from({ length: 20 }, (_, k) => b + k + 1);
    const codes = await Promise.all(batch.map(async (i) => (await postWebhook(url, delivery(i, status))).status));
    assert.deepEqual([...new Set(codes)], [200]);
  }
}

const digestText = (emu: SlackEmulator): string =>
  emu
    .topMessages()
    .filter((m) => m.metadata?.event_type === 'chatops_digest')
    .map((m) => JSON.stringify(m.blocks))
    .join('\n');

function visible(emu: SlackEmulator, id: number, digest: string): boolean {
  return emu.incidentMessages(id).length === 1 || digest.includes(`*#${id}*`);
}

test('2,000 alerts / 200 incidents: every incident visible, none lost, bounded calls', async (t) => {
  const dir = tempDir(t);
  const emu = await SlackEmulator.start({ postRate: { perSecond: 1, burst: 3 }, updateRate: { perSecond: 1, burst: 3 } });
  t.after(() => emu.stop());
  const daemon = await spawnSlackDaemon({
    dir,
    emulator: emu,
    slack: { post_interval: '1s' },
    config: 'incidents:\n  reopen_window: 1h\n',
  });
  t.after(() => stopDaemon(daemon));
  await waitFor(async () => (await ready(daemon.url)).status === 200, { what: 'ready', timeoutMs: 20_000 });

  const started = Date.now();
  await postAll(daemon.url, 'firing');
  await waitFor(
    () => {
      const digest = digestText(emu);
      return Array.from({ length: INCIDENTS }, (_, k) => k + 1).every((id) => visible(emu, id, digest));
    },
    { what: 'every incident visible in Slack', timeoutMs: 90_000, intervalMs: 250 },
  );
  t.diagnostic(`all ${INCIDENTS} incidents visible after ${Date.now() - started} ms`);

  const own = emu.topMessages().filter((m: StoredMessage) => m.metadata?.event_type === 'chatops_incident');
  const digests = emu.topMessages().filter((m: StoredMessage) => m.metadata?.event_type === 'chatops_digest');
  assert.equal(own.length, 10, 'the first `threshold` incidents get their own message');
  assert.equal(digests.length, 1, 'the rest share one digest');
  for (let id = 1; id <= INCIDENTS; id++) assert.ok(emu.incidentMessages(id).length <= 1, `incident ${id}: at most one top message`);

  // Resolve the storm: own messages flip in place, the digest shows every incident resolved.
  await postAll(daemon.url, 'resolved');
  await waitFor(
    () =>
      digestText(emu).includes(`(0 open)`) &&
      own.every((m) => emu.incidentMessages(Number(m.metadata!.event_payload.incident_id))[0]!.text.startsWith('[RESOLVED]')),
    { what: 'storm resolved in Slack', timeoutMs: 90_000, intervalMs: 250 },
  );
  await waitFor(async () => /chatops_outbox_depth 0\b/.test(await (await fetch(`${daemon.url}/metrics`)).text()), {
    what: 'outbox drained',
    timeoutMs: 30_000,
  });
  t.diagnostic(`storm delivered and resolved after ${Date.now() - started} ms`);

  const writes = emu.calls.filter((c) => c.method === 'chat.postMessage' || c.method === 'chat.update');
  const limited = writes.filter((c) => c.status === 429).length;
  t.diagnostic(`${writes.length} write calls (${limited} answered 429) for ${INCIDENTS * PER_INCIDENT} alerts`);
  // 10 top posts + 10 updates + 10 replies + a digest post and its updates: far below one call per alert.
  assert.ok(writes.length - limited <= 80, `bounded Slack calls: ${writes.length - limited}`);
  const refused = emu.calls.filter((c) => !c.ok && c.status !== 429);
  assert.deepEqual(
    refused.map((c) => `${c.method}: ${c.error}`),
    [],
  );
});
