/**
 * Slack comes back (issue: "60 s after Slack was healthy again 7 outbox rows were still
 * waiting"): during an outage (503 on every method) incidents open and grow; once a call
 * succeeds again the backlog drains at the rate limits' pace — no row keeps waiting on its own
 * backoff — and nothing is posted twice.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { Database } from '../../src/adapters/store/sqlite-driver.js';
import { webhookBody } from '../support/builders.js';
import { waitFor } from '../support/daemon.js';
import { postWebhook, slackStack } from '../support/slack-daemon.js';

const body = (n: number, pods: number) =>
  webhookBody(
    Array.from({ length: pods }, (_, k) => ({
      fingerprint: (n * 0x100 + k).toString(16).padStart(16, '0'),
      labels: { alertname: `Outage${n}`, namespace: 'prod', pod: `p${k}` },
    })),
    { groupKey: `{}:{alertname="Outage${n}"}` },
  );

test("after an outage the backlog drains at once, not at each row's backoff", async (t) => {
  const { dir, emu, daemon } = await slackStack(t, { emulator: { postRate: null, updateRate: null } });
  emu.outage(503);
  for (let n = 1; n <= 8; n++) assert.equal((await postWebhook(daemon.url, body(n, 1))).status, 200);
  // Let the rows fail for a while (long enough for per-row backoffs to reach half a minute), then the incidents grow.
  await waitFor(() => emu.calls.filter((c) => c.status === 503).length >= 5, {
    what: 'calls failing during the outage',
    timeoutMs: 60_000,
  });
  await new Promise((r) => setTimeout(r, 35_000));
  // Behind its bound, the daemon says so: a metric and a /ready detail (being behind alone does not
  // make it unready: webhooks still commit; a socket that cannot reconnect during the outage does).
  const readiness = (await (await fetch(`${daemon.url}/ready`)).json()) as { status: string; details?: string[] };
  assert.match(
    readiness.details?.join('\n') ?? '',
    /Slack is behind: incident #\d+ has waited \d+ s to appear in Slack, more than the \d+ s bound \(Slack is unreachable\)/,
  );
  const metrics = await (await fetch(`${daemon.url}/metrics`)).text();
  const lag = Number(/^chatops_slack_visibility_lag_seconds (\S+)$/m.exec(metrics)?.[1]);
  const bound = Number(/^chatops_slack_visibility_bound_seconds (\S+)$/m.exec(metrics)?.[1]);
  assert.ok(lag > bound, `lag ${lag} s over the bound ${bound} s`);
  for (let n = 1; n <= 8; n++) assert.equal((await postWebhook(daemon.url, body(n, 2))).status, 200);
  await new Promise((r) => setTimeout(r, 4000));
  const failedDuringOutage = emu.calls.length;
  emu.outage(null);
  const recovered = Date.now();

  // The first call that succeeds tells the daemon Slack is back: it says so, and from then on no
  // row waits on its own backoff.
  // (The outbox probes at growing intervals, up to 30 s; the socket's own calls do not count.)
  await waitFor(() => emu.calls.slice(failedDuringOutage).some((c) => c.ok && /^(chat|conversations)\./.test(c.method)), {
    what: 'an outbox call succeeds after the outage',
    timeoutMs: 60_000,
  });
  const back = await waitFor(
    () => daemon.logs.find((l) => l.msg === "slack is reachable again; the backlog drains at the rate limits' pace"),
    { what: 'the daemon notices Slack is back', timeoutMs: 15_000 },
  );
  const db = new Database(path.join(dir, 'chatops.db'), { readonly: true });
  t.after(() => db.close());
  const late = db
    .prepare('SELECT id, kind, next_attempt_at FROM outbox WHERE done_at IS NULL AND next_attempt_at > ?')
    .all(Number(back.time) + 1000);
  assert.deepEqual(late, [], 'rows still scheduled on their own backoff after Slack came back');
  await waitFor(async () => /chatops_outbox_depth 0\b/.test(await (await fetch(`${daemon.url}/metrics`)).text()), {
    what: 'backlog drained',
    timeoutMs: 60_000,
  });
  t.diagnostic(`backlog drained ${Date.now() - recovered} ms after the outage ended`);
  assert.equal(((await (await fetch(`${daemon.url}/ready`)).json()) as { details?: string[] }).details, undefined, 'caught up: no detail');
  for (let n = 1; n <= 8; n++) {
    assert.equal(emu.incidentMessages(n).length, 1, `incident ${n}: one top message`);
    assert.match(JSON.stringify(emu.incidentMessages(n)[0]!.blocks), /2 of 2 alerts/, `incident ${n} shows both alerts`);
    assert.ok(
      emu.replies(emu.incidentMessages(n)[0]!.ts).some((r) => /joined/.test(r.text)),
      `incident ${n}: the joined alert is told in the thread`,
    );
  }
});
