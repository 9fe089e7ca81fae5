/**
 * Ingest scenarios for `npm run bench`, each measured against a baseline in the same run,
 * interleaved (A, B, A, B …) so that the machine's load falls on both alike:
 *
 * - goal 1: chatops vs a bare express 5 + better-sqlite3 server, every alert a new fingerprint
 *   spread over 100 groups, so every incident keeps growing;
 * - goal 2: the latency of a delivery into an incident of 100, 10,000 and 100,000 alerts;
 * - goal 3: chatops with Slack on (each change also feeds the thread) vs Slack off.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SqliteStore } from '../src/adapters/store/sqlite-store.js';
import { ingestDelivery } from '../src/core/ingest.js';
import type { AlertEvent, Delivery } from '../src/core/types.js';
import { waitFor } from '../test/support/daemon.js';
import { SlackEmulator } from '../test/support/slack-emulator.js';
import { ready, spawnSlackDaemon, stopDaemon } from '../test/support/slack-daemon.js';
import { quantile, round, runLoad, type LoadResult } from './load.js';
import { cpuMs, rssMb, startBaseline, startChatops, THIS_RUNTIME, type Runtime, type Server } from './servers.js';

export interface Shape {
  alertsPerDelivery: number;
  clients: number;
  groups: number;
}

export type SideResult = Omit<LoadResult, 'nextFingerprint' | 'nextGroup' | 'latencies'> & {
  /** Server CPU (all threads) per 1,000 alerts: steadier than throughput on a loaded machine. */
  cpuMsPer1000Alerts: number;
};

interface Side {
  name: string;
  server: { url: string; pid: number };
}

/**
 * Runs `rounds` rounds of `roundMs` against each side in turn (after a short warm-up each),
 * each side keeping its own fingerprints and groups, and sums them up per side.
 */
export async function interleave(sides: Side[], shape: Shape, rounds: number, roundMs: number): Promise<Record<string, SideResult>> {
  const state = new Map(sides.map((s) => [s.name, { fp: 0, group: 0, results: [] as LoadResult[], cpu: 0 }]));
  const run = async (side: Side, ms: number, keep: boolean) => {
    const st = state.get(side.name)!;
    const cpu0 = cpuMs(side.server.pid);
    const r = await runLoad({ url: side.server.url, ...shape, durationMs: ms, fingerprintFrom: st.fp, groupFrom: st.group });
    st.fp = r.nextFingerprint;
    st.group = r.nextGroup;
    if (keep) {
      st.results.push(r);
      st.cpu += cpuMs(side.server.pid) - cpu0;
    }
  };
  for (const side of sides) await run(side, Math.max(500, roundMs / 4), false);
  for (let i = 0; i < rounds; i++) {
    // Alternate which side goes first, so neither always follows the other.
    const order = i % 2 === 0 ? sides : [...sides].reverse();
    for (const side of order) await run(side, roundMs, true);
  }
  const out: Record<string, SideResult> = {};
  for (const [name, st] of state) {
    const latencies = st.results.flatMap((r) => r.latencies);
    const alerts = st.results.reduce((n, r) => n + r.alerts, 0);
    const seconds = st.results.reduce((n, r) => n + r.seconds, 0);
    out[name] = {
      requests: latencies.length,
      alerts,
      seconds: round(seconds, 1),
      alertsPerSec: round(alerts / seconds, 0),
      p50ms: round(quantile(latencies, 0.5)),
      p99ms: round(quantile(latencies, 0.99)),
      errors: st.results.reduce((n, r) => n + r.errors, 0),
      cpuMsPer1000Alerts: round(st.cpu / (alerts / 1000), 1),
    };
  }
  return out;
}

export interface VsBaselineRow {
  runtime: string;
  shape: Shape;
  ours: SideResult;
  baseline: SideResult;
  ratio: number;
  target: number;
  met: boolean;
}

/** Goal 1: chatops vs the bare server, growing incidents. Also reports memory (idle and peak). */
export async function ingestVsBaseline(work: string, o: { smoke: boolean; runtimes: Runtime[] }) {
  const shapes: Shape[] = o.smoke
    ? [{ alertsPerDelivery: 10, clients: 8, groups: 10 }]
    : [1, 10, 100].map((n) => ({ alertsPerDelivery: n, clients: 8, groups: 100 }));
  const rounds = o.smoke ? 1 : 4;
  const roundMs = o.smoke ? 600 : 5000;
  const rows: VsBaselineRow[] = [];
  const memory = { idleMb: NaN, peakMb: NaN };
  for (const runtime of o.runtimes) {
    for (const shape of shapes) {
      const tag = `${runtime.label.replace(/\W+/g, '')}-${shape.alertsPerDelivery}`;
      const ours = await startChatops(path.join(work, `ours-${tag}.db`), {}, { runtime });
      const base = await startBaseline(path.join(work, `base-${tag}.db`), { runtime });
      try {
        if (runtime === o.runtimes[0] && Number.isNaN(memory.idleMb)) {
          await new Promise((r) => setTimeout(r, 500));
          memory.idleMb = rssMb(ours.child.pid!, 'VmRSS');
        }
        const r = await interleave(
          [
            { name: 'ours', server: { url: ours.url, pid: ours.child.pid! } },
            { name: 'baseline', server: { url: base.url, pid: base.child.pid! } },
          ],
          shape,
          rounds,
          roundMs,
        );
        if (runtime === o.runtimes[0])
          memory.peakMb = Math.max(Number.isNaN(memory.peakMb) ? 0 : memory.peakMb, rssMb(ours.child.pid!, 'VmHWM'));
        const ratio = round(r.ours!.alertsPerSec / r.baseline!.alertsPerSec);
        rows.push({
          runtime: runtime.label,
          shape,
          ours: r.ours!,
          baseline: r.baseline!,
          ratio,
          target: 1.0,
          met: ratio >= 1.0 && r.ours!.errors === 0,
        });
      } finally {
        await ours.stop();
        await base.stop();
      }
    }
  }
  return { rows, memory };
}

/** A delivery of 10 alerts of one incident, as an Alertmanager webhook body. */
function flapBody(
  groupKey: string,
  alerts: { fingerprint: string; status: 'firing' | 'resolved'; startsAt: number; pod: string }[],
): string {
  return JSON.stringify({
    receiver: 'chatops',
    status: alerts.some((a) => a.status === 'firing') ? 'firing' : 'resolved',
    version: '4',
    groupKey,
    truncatedAlerts: 0,
    groupLabels: { alertname: 'Flat' },
    commonLabels: { alertname: 'Flat' },
    commonAnnotations: {},
    externalURL: 'http://am:9093',
    alerts: alerts.map((a) => ({
      status: a.status,
      labels: { alertname: 'Flat', namespace: 'prod', deployment: 'web', pod: a.pod, severity: 'warning' },
      annotations: { summary: `pod ${a.pod} is not ready`, description: 'Readiness probe failed for 5 minutes.' },
      startsAt: new Date(a.startsAt).toISOString(),
      endsAt: a.status === 'resolved' ? new Date(a.startsAt + 60_000).toISOString() : '0001-01-01T00:00:00Z',
      generatorURL: 'http://prometheus.example:9090/graph?g0.expr=up',
      fingerprint: a.fingerprint,
    })),
  });
}

const FLAT_KEY = '{}:{alertname="Flat"}';
const fingerprintOf = (i: number) => `f${i.toString(16).padStart(15, '0')}`;

/** One incident holding `n` firing alerts, stored the way ingest stores them (1,000-alert deliveries). */
function seedIncident(db: string, n: number, startsAt: number): void {
  const store = new SqliteStore({ path: db, synchronous: 'normal' });
  const ctx = { store, clock: { now: () => Date.now() }, notify: false, lifecycle: { keyLabels: [], reopenWindowMs: 3_600_000 } };
  for (let from = 0; from < n; from += 1000) {
    const alerts: AlertEvent[] = Array.from({ length: Math.min(1000, n - from) }, (_, k) => ({
      fingerprint: fingerprintOf(from + k),
      status: 'firing',
      labels: { alertname: 'Flat', namespace: 'prod', deployment: 'web', pod: `web-${from + k}`, severity: 'warning' },
      annotations: { summary: `pod web-${from + k} is not ready`, description: 'Readiness probe failed for 5 minutes.' },
      startsAt,
      endsAt: null,
      generatorURL: 'http://prometheus.example:9090/graph?g0.expr=up',
    }));
    const d: Delivery = {
      receiver: 'chatops',
      status: 'firing',
      groupKey: FLAT_KEY,
      groupLabels: { alertname: 'Flat' },
      commonLabels: {},
      commonAnnotations: {},
      externalURL: 'http://am:9093',
      truncatedAlerts: 0,
      alerts,
    };
    ingestDelivery(ctx, d, JSON.stringify(d), { source: 'cli', actor: 'bench', auditSource: 'cli' });
  }
  store.close();
}

export interface FlatRow {
  alertsInIncident: number;
  deliveries: number;
  p50ms: number;
  p99ms: number;
}

/**
 * Goal 2: one daemon per size, each with one incident of that many alerts; deliveries go to
 * the three in turn. Each delivery resolves or re-fires 10 of the incident's alerts chosen at
 * random (flapping), so the incident keeps its size while every delivery writes alert rows
 * and audit rows.
 */
export async function flatInIncidentSize(work: string, o: { smoke: boolean }) {
  const sizes = o.smoke ? [100, 1000] : [100, 10_000, 100_000];
  const deliveries = o.smoke ? 20 : 600;
  const startsAt = Date.now() - 3_600_000;
  const daemons: { n: number; server: Server; state: Map<string, { status: 'firing' | 'resolved'; startsAt: number }>; lat: number[] }[] =
    [];
  try {
    for (const n of sizes) {
      const db = path.join(work, `flat-${n}.db`);
      seedIncident(db, n, startsAt);
      daemons.push({ n, server: await startChatops(db), state: new Map(), lat: [] });
    }
    let tick = 0;
    for (let i = 0; i < deliveries + 20; i++) {
      for (const d of daemons) {
        const picked = new Set<number>();
        while (picked.size < 10) picked.add(Math.floor(Math.random() * d.n));
        const alerts = [...picked].map((k) => {
          const fp = fingerprintOf(k);
          const prev = d.state.get(fp) ?? { status: 'firing' as const, startsAt };
          // A resolved alert fires again as a new instance (a later startsAt).
          const next =
            prev.status === 'firing'
              ? { status: 'resolved' as const, startsAt: prev.startsAt }
              : { status: 'firing' as const, startsAt: startsAt + ++tick * 1000 };
          d.state.set(fp, next);
          return { fingerprint: fp, pod: `web-${k}`, ...next };
        });
        const t0 = performance.now();
        const res = await fetch(`${d.server.url}/api/alertmanager`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: flapBody(FLAT_KEY, alerts),
        });
        await res.arrayBuffer();
        if (res.status !== 200) throw new Error(`flat: delivery refused with ${res.status}`);
        if (i >= 20) d.lat.push(performance.now() - t0); // the first 20 warm up
      }
    }
  } finally {
    for (const d of daemons) await d.server.stop();
  }
  const rows: FlatRow[] = daemons.map((d) => ({
    alertsInIncident: d.n,
    deliveries: d.lat.length,
    p50ms: round(quantile(d.lat, 0.5)),
    p99ms: round(quantile(d.lat, 0.99)),
  }));
  const spread = (xs: number[]) => round(Math.max(...xs) / Math.min(...xs));
  const p50Spread = spread(rows.map((r) => r.p50ms));
  const p99Spread = spread(rows.map((r) => r.p99ms));
  return { rows, p50Spread, p99Spread, target: 1.5, met: p50Spread <= 1.5 && p99Spread <= 1.5 };
}

/**
 * Goal 3: the same daemon with Slack on (against the Slack emulator the tests use, at Slack's
 * per-channel rate) and off, interleaved, growing incidents.
 */
export async function slackOnVsOff(work: string, o: { smoke: boolean }) {
  const shape: Shape = o.smoke ? { alertsPerDelivery: 10, clients: 8, groups: 10 } : { alertsPerDelivery: 100, clients: 8, groups: 100 };
  const dir = fs.mkdtempSync(path.join(work, 'slack-on-'));
  const emu = await SlackEmulator.start({ postRate: { perSecond: 1, burst: 3 }, updateRate: { perSecond: 1, burst: 3 } });
  const on = await spawnSlackDaemon({
    dir,
    emulator: emu,
    slack: { post_interval: '1s', update_interval: '1200ms', ping_timeout: '5s', request_timeout: '10s' },
  });
  const off = await startChatops(path.join(work, 'slack-off.db'));
  try {
    await waitFor(async () => (await ready(on.url)).status === 200, { what: 'Slack daemon ready', timeoutMs: 30_000 });
    const r = await interleave(
      [
        { name: 'on', server: { url: on.url, pid: on.child.pid! } },
        { name: 'off', server: { url: off.url, pid: off.child.pid! } },
      ],
      shape,
      o.smoke ? 1 : 4,
      o.smoke ? 600 : 5000,
    );
    const ratio = round(r.on!.alertsPerSec / r.off!.alertsPerSec);
    const slackCalls = emu.calls.filter((c) => c.method === 'chat.postMessage' || c.method === 'chat.update').length;
    return { shape, on: r.on!, off: r.off!, ratio, slackWriteCalls: slackCalls, target: 0.8, met: ratio >= 0.8 && r.on!.errors === 0 };
  } finally {
    await stopDaemon(on).catch(() => on.kill9());
    await off.stop();
    await emu.stop();
  }
}

export const machineLoad = () => ({ loadavg: os.loadavg().map((n) => round(n, 2)), cpuPressure: cpuPressure() });

/** Share of the last 60 s in which some task waited for a CPU (Linux PSI), or null. */
function cpuPressure(): number | null {
  try {
    const m = /some avg10=[\d.]+ avg60=([\d.]+)/.exec(fs.readFileSync('/proc/pressure/cpu', 'utf8'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

export { THIS_RUNTIME };
