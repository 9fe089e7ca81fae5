/**
 * `npm run bench`: every figure is measured in this run, next to a baseline measured in the
 * same run on the same machine. Prints a table and writes bench/results.json.
 * BENCH_SMOKE=1 runs tiny sizes (used by `npm test` so the harness cannot rot).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { SqliteStore } from '../src/adapters/store/sqlite-store.js';
import type { IncidentNew } from '../src/core/incidents.js';
import { clickScenario, stormScenario } from './slack.js';
import { soakScenario } from './soak.js';
import { tuiReport, tuiScenario } from './tui.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const BIN = path.join(ROOT, 'bin/chatops');
const SMOKE = process.env.BENCH_SMOKE === '1';
const OUT = process.env.BENCH_OUT ?? path.join(ROOT, 'bench/results.json');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'chatops-bench-'));

const quantile = (xs: number[], q: number): number => {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
};
const median = (xs: number[]) => quantile(xs, 0.5);
const round = (n: number, d = 2) => Math.round(n * 10 ** d) / 10 ** d;

interface Server {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

async function startProcess(args: string[], env: NodeJS.ProcessEnv, ready: (line: string) => string | null): Promise<Server> {
  const child = spawn(process.execPath, args, { env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`not ready: ${args.join(' ')}`)), 30_000);
    for (const stream of [child.stdout!, child.stderr!]) {
      readline.createInterface({ input: stream }).on('line', (line) => {
        const u = ready(line);
        if (u) {
          clearTimeout(timer);
          resolve(u);
        }
      });
    }
    child.once('exit', (code) => reject(new Error(`exited ${code}: ${args.join(' ')}`)));
  });
  return {
    url,
    child,
    stop: () => new Promise((r) => {
      if (child.exitCode !== null) return r();
      child.once('exit', () => r());
      child.kill('SIGTERM');
    }),
  };
}

const jsonField = (field: string) => (line: string): string | null => {
  try {
    const o = JSON.parse(line) as Record<string, unknown>;
    return typeof o[field] === 'string' && (field !== 'url' || o.msg === 'listening' || o.msg === undefined) ? (o[field] as string) : null;
  } catch {
    return null;
  }
};

function startChatops(db: string): Promise<Server> {
  return startProcess([BIN, 'daemon'], { CHATOPS_DB: db, CHATOPS_LISTEN: '127.0.0.1:0' }, jsonField('url'));
}

function startBaseline(db: string): Promise<Server> {
  return startProcess(['--import', 'tsx', path.join(ROOT, 'bench/baseline-server.ts'), db], {}, jsonField('url'));
}

let fpSeq = 0;
function payload(alertsPerDelivery: number, group: number): string {
  const now = new Date().toISOString();
  const alerts = Array.from({ length: alertsPerDelivery }, () => {
    const n = fpSeq++;
    return {
      status: 'firing',
      labels: { alertname: `Bench${group}`, namespace: 'prod', deployment: 'web', pod: `web-${n}`, severity: 'warning' },
      annotations: { summary: `pod web-${n} is not ready`, description: 'Readiness probe failed for 5 minutes.', runbook_url: 'https://runbooks.example.com/NotReady' },
      startsAt: now,
      endsAt: '0001-01-01T00:00:00Z',
      generatorURL: 'http://prometheus.example:9090/graph?g0.expr=up',
      fingerprint: n.toString(16).padStart(16, '0'),
    };
  });
  return JSON.stringify({ receiver: 'chatops', status: 'firing', alerts, groupLabels: { alertname: `Bench${group}` }, commonLabels: { alertname: `Bench${group}` }, commonAnnotations: {}, externalURL: 'http://am:9093', version: '4', groupKey: `{}:{alertname="Bench${group}"}`, truncatedAlerts: 0 });
}

interface LoadResult {
  requests: number;
  alertsPerSec: number;
  p50ms: number;
  p99ms: number;
  errors: number;
}

async function load(url: string, alertsPerDelivery: number, clients: number, requests: number): Promise<LoadResult> {
  const bodies = Array.from({ length: requests }, (_, i) => payload(alertsPerDelivery, i % 50));
  const latencies: number[] = [];
  let next = 0;
  let errors = 0;
  const started = performance.now();
  await Promise.all(Array.from({ length: clients }, async () => {
    while (next < bodies.length) {
      const body = bodies[next++]!;
      const t0 = performance.now();
      const res = await fetch(`${url}/api/alertmanager`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      await res.arrayBuffer();
      latencies.push(performance.now() - t0);
      if (!res.ok) errors++;
    }
  }));
  const seconds = (performance.now() - started) / 1000;
  return { requests, alertsPerSec: round(((requests - errors) * alertsPerDelivery) / seconds, 0), p50ms: round(median(latencies)), p99ms: round(quantile(latencies, 0.99)), errors };
}

function rssMb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? NaN);
  return round(kb / 1024, 1);
}

async function ingestScenario() {
  const rows: Record<string, unknown>[] = [];
  const shapes = SMOKE ? [[1, 1], [10, 8]] : [[1, 1], [1, 8], [10, 1], [10, 8], [100, 1], [100, 8]];
  let memory = { idleMb: NaN, peakMb: NaN };
  for (const [per, clients] of shapes as [number, number][]) {
    const requests = SMOKE ? 10 : Math.max(40, Math.round(3000 / per));
    const ours = await startChatops(path.join(work, `ours-${per}-${clients}.db`));
    if (Number.isNaN(memory.idleMb)) {
      await new Promise((r) => setTimeout(r, 500));
      memory.idleMb = rssMb(ours.child.pid!, 'VmRSS');
    }
    await load(ours.url, per, clients, Math.min(20, requests)); // warm-up
    const a = await load(ours.url, per, clients, requests);
    memory.peakMb = Math.max(Number.isNaN(memory.peakMb) ? 0 : memory.peakMb, rssMb(ours.child.pid!, 'VmHWM'));
    await ours.stop();
    const base = await startBaseline(path.join(work, `base-${per}-${clients}.db`));
    await load(base.url, per, clients, Math.min(20, requests));
    const b = await load(base.url, per, clients, requests);
    await base.stop();
    rows.push({ alertsPerDelivery: per, clients, ours: a, baseline: b, ratio: round(a.alertsPerSec / b.alertsPerSec), target: 0.7 });
  }
  return { rows, memory };
}

function seedIncidents(db: string, n: number): void {
  const store = new SqliteStore({ path: db, synchronous: 'normal' });
  const now = Date.now();
  store.transaction(() => {
    for (let i = 0; i < n; i++) {
      const status = i % 10 === 0 ? 'firing' : i % 10 === 1 ? 'acknowledged' : 'resolved';
      const inc: IncidentNew = {
        key: `seed-${i}`, status, alertname: `Seed${i % 100}`, severity: i % 3 ? 'warning' : 'critical', namespace: `ns-${i % 20}`, target: `app-${i % 50}`,
        labels: { alertname: `Seed${i % 100}`, namespace: `ns-${i % 20}`, deployment: `app-${i % 50}` }, annotations: { summary: `seeded incident ${i}` },
        groupKey: `seed-${i}`, externalURL: 'http://am:9093', firing: status === 'resolved' ? 0 : 1, total: 1,
        openedAt: now - (n - i) * 1000, updatedAt: now - (n - i) * 1000, resolvedAt: status === 'resolved' ? now : null,
        acknowledgedBy: status === 'acknowledged' ? 'U0SEED' : null, acknowledgedAt: status === 'acknowledged' ? now : null,
      };
      const id = store.insertIncident(inc);
      store.upsertAlerts(id, [{ fingerprint: i.toString(16).padStart(16, '0'), status: status === 'resolved' ? 'resolved' : 'firing', labels: inc.labels, annotations: inc.annotations, startsAt: inc.openedAt, endsAt: null, generatorURL: '' }], now);
    }
  });
  store.close();
}

function timeCommand(args: string[], env: NodeJS.ProcessEnv, runs: number): number {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const r = spawnSync(process.execPath, args, { env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
    times.push(performance.now() - t0);
    if (r.status !== 0) throw new Error(`${args.join(' ')} failed: ${r.stderr}`);
  }
  return round(median(times), 1);
}

function cliScenario() {
  const n = SMOKE ? 200 : 10_000;
  const runs = SMOKE ? 3 : 15;
  const db = path.join(work, 'cli.db');
  seedIncidents(db, n);
  const env = { CHATOPS_DB: db };
  const bare = timeCommand(['-e', '0'], {}, runs);
  const list = timeCommand([BIN, 'incidents', 'list', '--json'], env, runs);
  const help = timeCommand([BIN, '--help'], {}, runs);
  return { incidents: n, runs, nodeBareMs: bare, listJsonMs: list, helpMs: help, listRatio: round(list / bare), helpRatio: round(help / bare), target: 2.5 };
}

async function scaleScenario() {
  const sizes = SMOKE ? [100, 1000] : [1000, 10_000, 100_000];
  const rows: Record<string, unknown>[] = [];
  for (const n of sizes) {
    const db = path.join(work, `scale-${n}.db`);
    seedIncidents(db, n);
    const env = { CHATOPS_DB: db };
    const runs = SMOKE ? 2 : 7;
    const listLimited = timeCommand([BIN, 'incidents', 'list', '--status', 'open', '--limit', '50', '--json'], env, runs);
    const show = timeCommand([BIN, 'incidents', 'show', String(Math.floor(n / 2)), '--json'], env, runs);
    const daemon = await startChatops(db);
    const r = await load(daemon.url, 1, 1, SMOKE ? 10 : 200);
    await daemon.stop();
    rows.push({ incidents: n, ingestP50ms: r.p50ms, ingestP99ms: r.p99ms, listOpenLimit50Ms: listLimited, showMs: show });
  }
  return rows;
}

async function main() {
  const machine = { cores: os.cpus().length, cpu: os.cpus()[0]?.model ?? 'unknown', memoryGb: round(os.totalmem() / 1024 ** 3, 1), node: process.version, platform: `${os.platform()} ${os.release()}` };
  const started = Date.now();
  const ingest = await ingestScenario();
  const cli = cliScenario();
  const scale = await scaleScenario();
  const storm = await stormScenario(SMOKE);
  const clicks = await clickScenario(SMOKE);
  const soak = await soakScenario(SMOKE);
  const tui = await tuiScenario(SMOKE);
  const results = { date: new Date().toISOString(), smoke: SMOKE, machine, ingest: ingest.rows, memory: { ...ingest.memory, stormPeakMb: storm.peakRssMb, targets: { idleMb: 120, peakMb: 200 } }, cli, scale, storm, clicks, soak, tui, seconds: round((Date.now() - started) / 1000, 1) };
  fs.mkdirSync(path.dirname(OUT), { recursive: true });
  fs.writeFileSync(OUT, `${JSON.stringify(results, null, 2)}\n`);

  const out: string[] = [];
  out.push(`machine: ${machine.cores} cores (${machine.cpu}), ${machine.memoryGb} GiB, node ${machine.node}`);
  out.push('', 'ingest (durable alerts/s; ratio = ours / baseline, target >= 0.7)');
  out.push('alerts/delivery clients   ours a/s  base a/s  ratio  ours p50/p99 ms   base p50/p99 ms');
  for (const r of ingest.rows as Array<{ alertsPerDelivery: number; clients: number; ours: LoadResult; baseline: LoadResult; ratio: number }>) {
    out.push(`${String(r.alertsPerDelivery).padStart(15)} ${String(r.clients).padStart(7)} ${String(r.ours.alertsPerSec).padStart(10)} ${String(r.baseline.alertsPerSec).padStart(9)} ${String(r.ratio).padStart(6)}  ${`${r.ours.p50ms}/${r.ours.p99ms}`.padStart(14)}  ${`${r.baseline.p50ms}/${r.baseline.p99ms}`.padStart(16)}`);
  }
  out.push('', `memory: idle ${ingest.memory.idleMb} MB (target <= 120), peak during ingest ${ingest.memory.peakMb} MB (target <= 200)`);
  out.push('', `CLI cold start (${cli.incidents} incidents, median of ${cli.runs}): node -e 0 ${cli.nodeBareMs} ms; incidents list --json ${cli.listJsonMs} ms (${cli.listRatio}x, target <= 2.5x); --help ${cli.helpMs} ms (${cli.helpRatio}x)`);
  out.push('', 'scale curve: incidents  ingest p50/p99 ms  list --status open --limit 50 ms  show ms');
  for (const r of scale as Array<Record<string, number>>) out.push(`${String(r.incidents).padStart(22)}  ${`${r.ingestP50ms}/${r.ingestP99ms}`.padStart(17)}  ${String(r.listOpenLimit50Ms).padStart(32)}  ${String(r.showMs).padStart(7)}`);
  out.push('', `storm (${storm.alerts} alerts / ${storm.incidents} incidents, one channel, emulator enforcing Slack's per-channel rate): first message ${storm.firstMessageMs} ms (target <= 2000), all visible ${storm.allVisibleMs} ms (target <= 15000), ${storm.slackWriteCalls} write calls, ${storm.http429} answered 429, lost ${storm.lost}, daemon peak RSS ${storm.peakRssMb} MB (target <= 200)`);
  out.push('', `click -> ack (${clicks.clicks} block_actions over the socket): ours p50 ${clicks.ours.p50ms} / p99 ${clicks.ours.p99ms} ms (target p99 <= 50), bare Bolt p50 ${clicks.baseline.p50ms} / p99 ${clicks.baseline.p99ms} ms, ratio p99 ${clicks.ratioP99}; unacked ${clicks.ours.unacked}/${clicks.baseline.unacked}`);
  out.push('', `slack soak (${soak.groupsPerSecond} new groups/s for ${soak.seconds} s = ${soak.incidents} incidents, ${soak.joins} joins, emulator at Slack's pace): longest wait to be visible ${soak.maxVisibilityLagSeconds} s (bound ${soak.boundSeconds} s), oldest undelivered row ${soak.maxOutboxAgeSeconds} s, lost ${soak.lost}, ${soak.ownMessages} own + ${soak.digestMessages} digest messages, ${soak.slackWriteCalls} write calls (${soak.http429} answered 429), daemon peak RSS ${soak.peakRssMb} MB`);
  out.push('', ...tuiReport(tui));
  out.push('', `total ${results.seconds} s; results in ${path.relative(ROOT, OUT)}`);
  process.stdout.write(`${out.join('\n')}\n`);
}

try {
  await main();
} finally {
  fs.rmSync(work, { recursive: true, force: true });
}
// The bare Bolt baseline's socket client can leave a 30 s close-handshake timer behind.
process.exit(0);
