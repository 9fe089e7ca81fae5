/**
 * Slack soak for `npm run bench`: a sustained storm, not a burst — new alert groups arriving
 * at a steady rate for minutes (and the first incidents growing) against the spawned daemon
 * and the emulator at Slack's own pace. Measures, each second, how long the incident waiting
 * longest to appear in Slack has waited (the daemon's own metric) against the documented
 * bound, how old the oldest undelivered outbox row is, and at the end what was lost.
 * `test/slack/outbox-sim.test.ts` runs the same kind of stream on a fake clock in `npm test`.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { webhookBody } from '../test/support/builders.js';
import { waitFor } from '../test/support/daemon.js';
import { SlackEmulator } from '../test/support/slack-emulator.js';
import { postWebhook, ready, spawnSlackDaemon, stopDaemon } from '../test/support/slack-daemon.js';

export interface SoakResult {
  seconds: number;
  groupsPerSecond: number;
  incidents: number;
  joins: number;
  boundSeconds: number;
  maxVisibilityLagSeconds: number;
  maxOutboxAgeSeconds: number;
  lost: number;
  ownMessages: number;
  digestMessages: number;
  slackWriteCalls: number;
  http429: number;
  peakRssMb: number;
}

const metric = (text: string, name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);

export async function soakScenario(smoke: boolean): Promise<SoakResult> {
  const seconds = Number(process.env.BENCH_SOAK_SECONDS ?? (smoke ? 8 : 180));
  const perSecond = smoke ? 5 : 10;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chatops-bench-soak-'));
  // Slack's pace: about one post a second per channel, chat.update Tier 3 (50+/min); the daemon's defaults follow it.
  const emu = await SlackEmulator.start({ postRate: { perSecond: 1, burst: 3 }, updateRate: { perSecond: 50 / 60, burst: 3 } });
  const daemon = await spawnSlackDaemon({
    dir,
    emulator: emu,
    slack: { post_interval: '1s', update_interval: '1200ms', ping_timeout: '5s', request_timeout: '10s' },
  });
  try {
    await waitFor(async () => (await ready(daemon.url)).status === 200, { what: 'ready', timeoutMs: 20_000 });
    let n = 0;
    let joins = 0;
    let maxLag = 0;
    let maxAge = 0;
    let bound = NaN;
    const started = Date.now();
    let nextSample = started + 1000;
    while (Date.now() - started < seconds * 1000) {
      const tickStart = Date.now();
      n++;
      const res = await postWebhook(
        daemon.url,
        webhookBody(
          [{ fingerprint: n.toString(16).padStart(16, '0'), labels: { alertname: `Soak${n}`, namespace: 'prod', severity: 'warning' } }],
          { groupKey: `{}:{alertname="Soak${n}"}` },
        ),
      );
      if (res.status !== 200) throw new Error(`ingest refused a soak delivery: ${res.status}`);
      if (n % (perSecond * 2) === 0) {
        // Every 2 s an alert joins one of the first ten incidents (they have their own messages).
        joins++;
        const g = ((joins - 1) % 10) + 1;
        await postWebhook(
          daemon.url,
          webhookBody(
            [
              { fingerprint: g.toString(16).padStart(16, '0'), labels: { alertname: `Soak${g}`, namespace: 'prod', severity: 'warning' } },
              {
                fingerprint: (0xf0000000 + joins).toString(16).padStart(16, '0'),
                labels: { alertname: `Soak${g}`, namespace: 'prod', severity: 'warning', pod: `p${joins}` },
              },
            ],
            { groupKey: `{}:{alertname="Soak${g}"}` },
          ),
        );
      }
      if (Date.now() >= nextSample) {
        const m = await (await fetch(`${daemon.url}/metrics`)).text();
        maxLag = Math.max(maxLag, metric(m, 'chatops_slack_visibility_lag_seconds'));
        maxAge = Math.max(maxAge, metric(m, 'chatops_outbox_oldest_age_seconds'));
        bound = metric(m, 'chatops_slack_visibility_bound_seconds');
        nextSample += 1000;
      }
      await new Promise((r) => setTimeout(r, Math.max(0, 1000 / perSecond - (Date.now() - tickStart))));
    }
    // The stream stops; everything that arrived must become visible.
    const digestText = () =>
      emu
        .topMessages()
        .filter((m) => m.metadata?.event_type === 'chatops_digest')
        .map((m) => JSON.stringify(m.blocks))
        .join('\n');
    const visible = (id: number, d: string) => emu.incidentMessages(id).length === 1 || d.includes(`*#${id}*`);
    await waitFor(
      () => {
        const d = digestText();
        return Array.from({ length: n }, (_, k) => k + 1).every((id) => visible(id, d));
      },
      { timeoutMs: 120_000, intervalMs: 500, what: 'every incident visible' },
    ).catch(() => undefined);
    const d = digestText();
    const writes = emu.calls.filter((c) => c.method === 'chat.postMessage' || c.method === 'chat.update');
    const status = fs.readFileSync(`/proc/${daemon.child.pid}/status`, 'utf8');
    return {
      seconds,
      groupsPerSecond: perSecond,
      incidents: n,
      joins,
      boundSeconds: bound,
      maxVisibilityLagSeconds: Math.round(maxLag * 10) / 10,
      maxOutboxAgeSeconds: Math.round(maxAge * 10) / 10,
      lost: Array.from({ length: n }, (_, k) => k + 1).filter((id) => !visible(id, d)).length,
      ownMessages: emu.topMessages().filter((m) => m.metadata?.event_type === 'chatops_incident').length,
      digestMessages: emu.topMessages().filter((m) => m.metadata?.event_type === 'chatops_digest').length,
      slackWriteCalls: writes.length,
      http429: writes.filter((c) => c.status === 429).length,
      peakRssMb: Math.round(Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? NaN) / 102.4) / 10,
    };
  } finally {
    await stopDaemon(daemon).catch(() => daemon.kill9());
    await emu.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
