/**
 * Slack scenarios for `npm run bench`, against the strict emulator the tests use (real Bolt,
 * real daemon): an alert storm under per-channel rate limits, and click-to-ack latency with a
 * bare Bolt app acking in the same run as the baseline.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { App, LogLevel, SocketModeReceiver } from '@slack/bolt';
import { webhookBody } from '../test/support/builders.js';
import { waitFor } from '../test/support/daemon.js';
import { SlackEmulator } from '../test/support/slack-emulator.js';
import { APP_TOKEN, BOT_TOKEN, postWebhook, ready, spawnSlackDaemon, stopDaemon } from '../test/support/slack-daemon.js';

const quantile = (xs: number[], q: number): number =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))] ?? NaN;
const round = (n: number, d = 2) => Math.round(n * 10 ** d) / 10 ** d;

function hwmMb(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return round(Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? NaN) / 1024, 1);
}

export interface StormResult {
  incidents: number;
  alerts: number;
  firstMessageMs: number;
  allVisibleMs: number;
  slackWriteCalls: number;
  http429: number;
  lost: number;
  peakRssMb: number;
  targets: { firstMessageMs: number; allVisibleMs: number; peakRssMb: number };
}

export async function stormScenario(smoke: boolean): Promise<StormResult> {
  const incidents = smoke ? 20 : 200;
  const perIncident = smoke ? 2 : 10;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chatops-bench-storm-'));
  // Production pacing (1 message/s/channel) for the real run; the smoke run only proves the harness.
  const rate = smoke ? 10 : 1;
  const emu = await SlackEmulator.start({ postRate: { perSecond: rate, burst: 3 }, updateRate: { perSecond: rate, burst: 3 } });
  const daemon = await spawnSlackDaemon({
    dir,
    emulator: emu,
    slack: smoke
      ? { post_interval: '100ms', update_interval: '100ms' }
      : { post_interval: '1s', update_interval: '1200ms', ping_timeout: '5s', request_timeout: '10s' },
  });
  try {
    await waitFor(async () => (await ready(daemon.url)).status === 200, { what: 'ready', timeoutMs: 20_000 });
    const startsAt = Date.now() - 60_000;
    const bodies = Array.from({ length: incidents }, (_, i) =>
      webhookBody(
        Array.from({ length: perIncident }, (_, k) => ({
          fingerprint: ((i + 1) * 1000 + k).toString(16).padStart(16, '0'),
          startsAt,
          labels: { alertname: `Storm${i + 1}`, namespace: 'prod', pod: `pod-${k}`, severity: 'critical' },
        })),
        { groupKey: `{}:{alertname="Storm${i + 1}"}` },
      ),
    );
    let first = NaN;
    const t0 = performance.now();
    const watchFirst = (async () => {
      while (Number.isNaN(first) && performance.now() - t0 < 60_000) {
        if (emu.topMessages().length > 0) first = performance.now() - t0;
        await new Promise((r) => setTimeout(r, 10));
      }
    })();
    // Alertmanager sends groups concurrently: 20 deliveries in flight at a time.
    for (let b = 0; b < bodies.length; b += 20) {
      const codes = await Promise.all(bodies.slice(b, b + 20).map(async (body) => (await postWebhook(daemon.url, body)).status));
      if (codes.some((c) => c !== 200)) throw new Error(`ingest refused a storm delivery: ${codes}`);
    }
    const digest = () =>
      emu
        .topMessages()
        .filter((m) => m.metadata?.event_type === 'chatops_digest')
        .map((m) => JSON.stringify(m.blocks))
        .join('\n');
    const visible = (id: number, d: string) => emu.incidentMessages(id).length === 1 || d.includes(`*#${id}*`);
    let allVisible = NaN;
    try {
      await waitFor(
        () => {
          const d = digest();
          return Array.from({ length: incidents }, (_, k) => k + 1).every((id) => visible(id, d));
        },
        { timeoutMs: 90_000, intervalMs: 50, what: 'every incident visible' },
      );
      allVisible = performance.now() - t0;
    } catch {
      // reported as lost below
    }
    await watchFirst;
    const d = digest();
    const lost = Array.from({ length: incidents }, (_, k) => k + 1).filter((id) => !visible(id, d)).length;
    const writes = emu.calls.filter((c) => c.method === 'chat.postMessage' || c.method === 'chat.update');
    return {
      incidents,
      alerts: incidents * perIncident,
      firstMessageMs: round(first, 0),
      allVisibleMs: round(allVisible, 0),
      slackWriteCalls: writes.length,
      http429: writes.filter((c) => c.status === 429).length,
      lost,
      peakRssMb: hwmMb(daemon.child.pid!),
      targets: { firstMessageMs: 2000, allVisibleMs: 15_000, peakRssMb: 200 },
    };
  } finally {
    await stopDaemon(daemon).catch(() => daemon.kill9());
    await emu.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export interface ClickResult {
  clicks: number;
  ours: { p50ms: number; p99ms: number; unacked: number };
  baseline: { p50ms: number; p99ms: number; unacked: number };
  ratioP99: number;
  target: { p99ms: number };
}

async function timeClicks(
  emu: SlackEmulator,
  ts: string,
  actionId: string,
  n: number,
  element?: Record<string, unknown>,
): Promise<{ p50ms: number; p99ms: number; unacked: number }> {
  const lat: number[] = [];
  let unacked = 0;
  // The first ack removes the button from the message; later clicks come from screens still showing it.
  const staleElement = element ?? emu.element(ts, actionId) ?? undefined;
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    const r = await emu.click({ ts, actionId, user: `U0CLICK${i % 7}`, staleElement });
    lat.push(performance.now() - t);
    if (!r.acked) unacked++;
  }
  return { p50ms: round(quantile(lat, 0.5)), p99ms: round(quantile(lat, 0.99)), unacked };
}

export async function clickScenario(smoke: boolean): Promise<ClickResult> {
  const clicks = smoke ? 20 : 500;
  // Ours: Acknowledge on a real incident message of the real daemon (the ack goes out before the work).
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chatops-bench-click-'));
  const emu = await SlackEmulator.start();
  const daemon = await spawnSlackDaemon({ dir, emulator: emu });
  let ours;
  try {
    await waitFor(async () => (await ready(daemon.url)).status === 200, { what: 'ready', timeoutMs: 20_000 });
    await postWebhook(
      daemon.url,
      webhookBody([{ fingerprint: 'c1c1c1c1c1c1c1c1', labels: { alertname: 'ClickBench', namespace: 'prod' } }], { groupKey: 'click' }),
    );
    const top = await waitFor(() => emu.incidentMessages(1)[0], { what: 'incident posted', timeoutMs: 15_000 });
    const button = emu.element(top.ts, 'chatops:ack');
    if (!button) throw new Error('the incident message has no Acknowledge button');
    await timeClicks(emu, top.ts, 'chatops:ack', Math.min(20, clicks), button); // warm-up
    ours = await timeClicks(emu, top.ts, 'chatops:ack', clicks, button);
  } finally {
    await stopDaemon(daemon).catch(() => daemon.kill9());
    await emu.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }

  // Baseline: a bare Bolt app that only acks, through its own emulator.
  const emu2 = await SlackEmulator.start();
  const receiver = new SocketModeReceiver({
    appToken: APP_TOKEN,
    logLevel: LogLevel.ERROR,
    installerOptions: { clientOptions: { slackApiUrl: emu2.apiUrl } },
  });
  const app = new App({ token: BOT_TOKEN, receiver, logLevel: LogLevel.ERROR, clientOptions: { slackApiUrl: emu2.apiUrl } });
  app.action(/.*/, async ({ ack }) => {
    await ack();
  });
  let baseline;
  try {
    await app.start();
    const posted = await app.client.chat.postMessage({
      channel: 'C0OPS',
      text: 'bench',
      blocks: [
        { type: 'actions', elements: [{ type: 'button', action_id: 'bench:ack', text: { type: 'plain_text', text: 'Ack' }, value: '1' }] },
      ],
    });
    await timeClicks(emu2, posted.ts!, 'bench:ack', Math.min(20, clicks));
    baseline = await timeClicks(emu2, posted.ts!, 'bench:ack', clicks);
  } finally {
    await app.stop().catch(() => undefined);
    await emu2.stop();
  }
  return { clicks, ours, baseline, ratioP99: round(ours.p99ms / baseline.p99ms), target: { p99ms: 50 } };
}
