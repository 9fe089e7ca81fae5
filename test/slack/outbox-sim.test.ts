/**
 * The outbox worker on a fake clock, minutes of Slack traffic in milliseconds: the real worker,
 * SlackWebApi and SQLite store against the emulator's rules and rate limits in process.
 * `npm run bench` runs the same kind of stream for minutes of wall time against the spawned daemon.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { delivery, alert } from '../support/builders.js';
import { startSim, type Sim } from '../support/slack-sim.js';
import { tempDir } from '../support/tmp.js';
import { visibilityBoundMs } from '../../src/daemon/slack.js';
import { parseConfig } from '../../src/config/schema.js';

const T0 = Date.parse('2026-11-26T10:00:00Z');
/** Slack's own limits: about one post a second per channel (short bursts), chat.update Tier 3 (50+/min). */
const SLACK_RATES = { postRate: { perSecond: 1, burst: 3 }, updateRate: { perSecond: 50 / 60, burst: 3 } };

const group = (n: number, pods = 1, from = 0) =>
  delivery(
    Array.from({ length: pods }, (_, k) =>
      alert({
        fingerprint: (n * 0x10000 + from + k).toString(16).padStart(16, '0'),
        startsAt: T0,
        labels: { alertname: `Grp${n}`, namespace: 'prod', pod: `p${from + k}`, deployment: 'web' },
      }),
    ),
    { groupKey: `{}:{alertname="Grp${n}"}` },
  );

function oldestUndeliveredAgeMs(sim: Sim): number {
  const r = sim.store.db.prepare('SELECT min(created_at) AS oldest FROM outbox WHERE done_at IS NULL').get() as { oldest: number | null };
  return r.oldest === null ? 0 : sim.timers.now() - r.oldest;
}

test('a storm that lasts five minutes (10 new groups a second): every incident visible within the bound, updates keep flowing', async (t) => {
  const sim = startSim(tempDir(t), { emulator: SLACK_RATES });
  t.after(() => sim.stop());
  const parsed = parseConfig({});
  assert.ok(parsed.ok);
  const bound = visibilityBoundMs(parsed.config.slack);
  let n = 0;
  let worstVisible = 0;
  let worstRow = 0;
  let joins = 0;
  for (let tick = 0; tick < 3000; tick++) {
    // 300 s in 100 ms steps
    sim.ingest(group(++n));
    // The first incidents (own messages) keep growing: an alert joins one of them every 2 s.
    if (tick % 20 === 0 && n > 10) sim.ingest(group((joins++ % 10) + 1, 1, 100 + joins));
    await sim.timers.advance(100);
    if (tick % 10 === 0) {
      const oldest = sim.slack.oldestInvisible();
      worstVisible = Math.max(worstVisible, oldest ? sim.timers.now() - oldest.since : 0);
      worstRow = Math.max(worstRow, oldestUndeliveredAgeMs(sim));
    }
  }
  t.diagnostic(
    `${n} incidents, ${joins} joins in 300 s; worst wait to be visible ${worstVisible} ms (bound ${bound} ms); oldest undelivered row at worst ${worstRow} ms`,
  );
  assert.ok(worstVisible <= bound, `an incident waited ${worstVisible} ms to be visible, more than the ${bound} ms bound`);
  assert.ok(worstRow <= 60_000, `an outbox row waited ${worstRow} ms: updates and replies starve`);
  await sim.timers.advance(120_000);
  const undelivered = sim.store.db.prepare('SELECT count(*) AS n FROM outbox WHERE done_at IS NULL').get() as { n: number };
  assert.equal(undelivered.n, 0, 'everything delivered once the storm ends');
  const invisible = sim.store.db
    .prepare('SELECT count(*) AS n FROM incidents i LEFT JOIN slack_messages m ON m.incident_id = i.id WHERE m.visible_at IS NULL')
    .get() as { n: number };
  assert.equal(invisible.n, 0, 'every incident is visible');
  const own = sim.emu.topMessages().filter((m) => m.metadata?.event_type === 'chatops_incident');
  const digests = sim.emu.topMessages().filter((m) => m.metadata?.event_type === 'chatops_digest');
  assert.equal(own.length, 10);
  assert.equal(digests.length, Math.ceil((n - 10) / 400), 'one digest message per 400 incidents');
  for (let id = 1; id <= 10; id++) {
    const top = sim.emu.incidentMessages(id)[0]!;
    const joined = Math.floor(joins / 10) + (id <= joins % 10 ? 1 : 0);
    assert.match(
      JSON.stringify(top.blocks),
      new RegExp(`${joined + 1} of ${joined + 1} alerts`),
      `incident ${id} shows every joined alert`,
    );
  }
  const refused = sim.emu.calls.filter((c) => !c.ok && c.status !== 429);
  assert.deepEqual(
    refused.map((c) => `${c.method}: ${c.error}`),
    [],
    'Slack refused nothing',
  );
  const updates = sim.emu.callsOf('chat.update').filter((c) => c.ok);
  const digestUpdates = updates.filter((c) => digests.some((d) => d.ts === c.args.ts)).length;
  t.diagnostic(
    `${updates.length} chat.update calls, ${digestUpdates} of them digests; ${sim.emu.calls.filter((c) => c.status === 429).length} answered 429`,
  );
  assert.ok(digestUpdates <= updates.length / 2, 'the digest does not take the whole update budget');
});

test("a 90 s outage: calls pause and probe; when Slack answers again the backlog drains at the rate limits' pace", async (t) => {
  const sim = startSim(tempDir(t), { emulator: { postRate: null, updateRate: null } });
  t.after(() => sim.stop());
  sim.emu.outage(503);
  for (let g = 1; g <= 8; g++) sim.ingest(group(g));
  await sim.timers.advance(30_000);
  for (let g = 1; g <= 8; g++) sim.ingest(group(g, 1, 1)); // each incident grows during the outage
  await sim.timers.advance(60_000);
  const during = sim.emu.calls.length;
  assert.ok(during <= 40, `no hammering during the outage: ${during} calls in 90 s`);
  const backedOff = sim.store.db.prepare('SELECT max(next_attempt_at) AS latest FROM outbox WHERE done_at IS NULL').get() as {
    latest: number;
  };
  t.diagnostic(`${during} calls during the outage; the latest row backed off until +${backedOff.latest - sim.timers.now()} ms`);
  sim.emu.outage(null);
  const recovered = sim.timers.now();
  // Probes back off to at most 30 s; then 8 posts, 8 updates and 8 replies at one post a second.
  let drainedAt = 0;
  for (let s = 0; s < 120 && !drainedAt; s++) {
    await sim.timers.advance(1000);
    if (oldestUndeliveredAgeMs(sim) === 0) drainedAt = sim.timers.now();
  }
  const firstOk = sim.emu.calls.find((c) => c.ok)!.at;
  t.diagnostic(`first call after the outage ${firstOk - recovered} ms after it ended; drained ${drainedAt - firstOk} ms after that`);
  assert.ok(drainedAt > 0, 'the backlog drained');
  assert.ok(
    drainedAt - firstOk <= 25_000,
    `drained ${drainedAt - firstOk} ms after the first success: paced, not waiting on per-row backoff`,
  );
  for (let g = 1; g <= 8; g++) {
    assert.equal(sim.emu.incidentMessages(g).length, 1);
    assert.match(JSON.stringify(sim.emu.incidentMessages(g)[0]!.blocks), /2 of 2 alerts/);
    assert.equal(sim.emu.replies(sim.emu.incidentMessages(g)[0]!.ts).filter((r) => /joined/.test(r.text)).length, 1);
  }
});

test('the digest comes after the incident messages posted before it, even when those posts are held up', async (t) => {
  const sim = startSim(tempDir(t), { emulator: SLACK_RATES });
  t.after(() => sim.stop());
  sim.emu.fault(
    'chat.postMessage',
    { type: 'status', status: 429, retryAfter: 5 },
    { type: 'status', status: 503 },
    { type: 'status', status: 503 },
  );
  for (let g = 1; g <= 25; g++) sim.ingest(group(g));
  await sim.timers.advance(120_000);
  const order = sim.emu.topMessages().map((m) => m.metadata?.event_type);
  assert.equal(order.length, 11);
  assert.deepEqual(
    order.slice(0, 10),
    Array.from({ length: 10 }, () => 'chatops_incident'),
    `own messages first: ${order}`,
  );
  assert.equal(order[10], 'chatops_digest');
});
