/**
 * `npm run bench`: every goal of issue 15 measured against its baseline in the same run
 * (interleaved where both run at once), then the older scenarios; prints a table that says
 * for each goal whether it is met, and writes bench/results.json.
 * BENCH_SMOKE=1 runs tiny sizes (used by `npm test` so the harness cannot rot; no verdict there
 * means anything). Node 24 is measured too when scripts/node24.sh has prepared .node24/tree
 * (BENCH_NODE24=0 skips it; BENCH_NODE24=<dir> names another tree built for another Node).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { cliColdStart, timeCommands } from './cli.js';
import { flatInIncidentSize, ingestVsBaseline, machineLoad, slackOnVsOff } from './ingest.js';
import { round, runLoad } from './load.js';
import { seedIncidents } from './seed.js';
import { ROOT, startChatops, THIS_RUNTIME, type Runtime } from './servers.js';
import { clickScenario, stormScenario } from './slack.js';
import { soakScenario } from './soak.js';
import { tuiReport, tuiScenario } from './tui.js';

const SMOKE = process.env.BENCH_SMOKE === '1';
const OUT = process.env.BENCH_OUT ?? path.join(ROOT, 'bench/results.json');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'chatops-bench-'));

/** The second runtime: a tree built for another Node by scripts/node24.sh. */
function otherRuntime(): Runtime | null {
  const setting = process.env.BENCH_NODE24;
  if (setting === '0' || SMOKE) return null;
  const tree = setting || path.join(ROOT, '.node24/tree');
  const node = setting ? path.join(tree, '../npm/node_modules/node/bin/node') : path.join(ROOT, '.node24/npm/node_modules/node/bin/node');
  if (!fs.existsSync(path.join(tree, 'node_modules/.node24-stamp')) || !fs.existsSync(node)) {
    if (setting) throw new Error(`BENCH_NODE24=${setting}: no tree built for another Node there (run scripts/node24.sh)`);
    return null;
  }
  const version = fs.readFileSync(path.join(tree, 'node_modules/.node24-stamp'), 'utf8').split(' ')[0]!;
  return { label: `node ${version}`, node, root: tree };
}

/** The scale curve (kept from the first benchmark): stored incidents vs ingest and list/show. */
async function scaleScenario() {
  const sizes = SMOKE ? [100, 1000] : [1000, 10_000, 100_000];
  const rows: Record<string, unknown>[] = [];
  for (const n of sizes) {
    const db = path.join(work, `scale-${n}.db`);
    seedIncidents(db, n);
    const bin = path.join(ROOT, 'bin/chatops');
    const t = timeCommands(
      THIS_RUNTIME,
      {
        list: [bin, 'incidents', 'list', '--status', 'open', '--limit', '50', '--json'],
        show: [bin, 'incidents', 'show', String(Math.floor(n / 2)), '--json'],
      },
      { CHATOPS_DB: db },
      SMOKE ? 2 : 7,
    );
    const daemon = await startChatops(db);
    const r = await runLoad({
      url: daemon.url,
      alertsPerDelivery: 1,
      clients: 1,
      groups: 1_000_000,
      requests: SMOKE ? 10 : 200,
      fingerprintFrom: 1 << 30,
    });
    await daemon.stop();
    rows.push({ incidents: n, ingestP50ms: r.p50ms, ingestP99ms: r.p99ms, listOpenLimit50Ms: t.list, showMs: t.show });
  }
  return rows;
}

const yes = (met: boolean) => (met ? 'met' : 'NOT MET');
const pad = (s: unknown, n: number) => String(s).padEnd(n);

async function main() {
  const machine = {
    cores: os.cpus().length,
    cpu: os.cpus()[0]?.model ?? 'unknown',
    memoryGb: round(os.totalmem() / 1024 ** 3, 1),
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
  };
  const loadBefore = machineLoad();
  const started = Date.now();
  const other = otherRuntime();
  const runtimes = other ? [THIS_RUNTIME, other] : [THIS_RUNTIME];
  const log = (s: string) => process.stderr.write(`bench: ${s} (${round((Date.now() - started) / 1000, 0)} s)\n`);

  log('goal 1: ingest vs the bare server');
  const ingest = await ingestVsBaseline(work, { smoke: SMOKE, runtimes });
  log('goal 2: flat in incident size');
  const flat = await flatInIncidentSize(work, { smoke: SMOKE });
  log('goal 3: Slack on vs off');
  const slackOn = await slackOnVsOff(work, { smoke: SMOKE });
  log('goal 4: CLI cold start');
  const cli = cliColdStart(work, { smoke: SMOKE, runtimes });
  log('scale curve');
  const scale = await scaleScenario();
  log('Slack storm');
  const storm = await stormScenario(SMOKE);
  log('click latency');
  const clicks = await clickScenario(SMOKE);
  const soak = await soakScenario(SMOKE);
  const tui = await tuiScenario(SMOKE);
  const loadAfter = machineLoad();

  const goals = {
    1: ingest.rows.every((r) => r.met),
    2: flat.met,
    3: slackOn.met,
    4: cli.rows.every((r) => r.met),
    5: runtimes.length > 1,
  };
  const results = {
    date: new Date().toISOString(),
    smoke: SMOKE,
    machine,
    load: { before: loadBefore, after: loadAfter },
    runtimes: runtimes.map((r) => r.label),
    goals,
    ingest: ingest.rows,
    memory: { ...ingest.memory, stormPeakMb: storm.peakRssMb, targets: { idleMb: 120, peakMb: 200 } },
    flat,
    slackOn,
    cli,
    scale,
    storm,
    clicks,
    soak,
    tui,
    seconds: round((Date.now() - started) / 1000, 1),
  };
  fs.mkdirSync(path.dirname(OUT), { recursive: true });
  fs.writeFileSync(OUT, `${JSON.stringify(results, null, 2)}\n`);

  const out: string[] = [];
  out.push(
    `machine: ${machine.cores} cores (${machine.cpu}), ${machine.memoryGb} GiB; load average ${loadBefore.loadavg.join(' ')} before, ${loadAfter.loadavg.join(' ')} after${loadAfter.cpuPressure !== null ? `; CPU pressure (some, 60 s) ${loadBefore.cpuPressure}% → ${loadAfter.cpuPressure}%` : ''}`,
  );
  out.push(`runtimes: ${runtimes.map((r) => r.label).join(', ')}${other ? '' : ' (run scripts/node24.sh to measure Node 24 too)'}`);
  out.push(
    '',
    'goal 1 — ingest vs a bare express + better-sqlite3 server (WAL, synchronous=FULL), every alert new, 100 growing incidents; target ratio >= 1.0',
  );
  out.push(
    `${pad('runtime', 16)}${pad('alerts x clients', 18)}${pad('ours a/s', 10)}${pad('base a/s', 10)}${pad('ratio', 7)}${pad('ours p50/p99 ms', 17)}${pad('base p50/p99 ms', 17)}${pad('cpu ms/1k alerts', 18)}`,
  );
  for (const r of ingest.rows) {
    out.push(
      `${pad(r.runtime, 16)}${pad(`${r.shape.alertsPerDelivery} x ${r.shape.clients}`, 18)}${pad(r.ours.alertsPerSec, 10)}${pad(r.baseline.alertsPerSec, 10)}${pad(r.ratio, 7)}${pad(`${r.ours.p50ms}/${r.ours.p99ms}`, 17)}${pad(`${r.baseline.p50ms}/${r.baseline.p99ms}`, 17)}${pad(`${r.ours.cpuMsPer1000Alerts} vs ${r.baseline.cpuMsPer1000Alerts}`, 18)}${yes(r.met)}`,
    );
  }
  out.push(
    '',
    `goal 2 — a delivery (10 alerts resolving or re-firing) into an incident of N alerts; target p50 and p99 within ${flat.target}x across sizes`,
  );
  for (const r of flat.rows)
    out.push(
      `  ${pad(r.alertsInIncident.toLocaleString('en'), 10)} alerts: p50 ${r.p50ms} ms, p99 ${r.p99ms} ms (${r.deliveries} deliveries)`,
    );
  out.push(`  spread: p50 ${flat.p50Spread}x, p99 ${flat.p99Spread}x — ${yes(flat.met)}`);
  out.push(
    '',
    `goal 3 — ingest with Slack on vs off (${slackOn.shape.alertsPerDelivery} alerts x ${slackOn.shape.clients} clients, growing incidents); target ratio >= ${slackOn.target}`,
  );
  out.push(
    `  on ${slackOn.on.alertsPerSec} a/s (p99 ${slackOn.on.p99ms} ms), off ${slackOn.off.alertsPerSec} a/s (p99 ${slackOn.off.p99ms} ms), ratio ${slackOn.ratio}; ${slackOn.slackWriteCalls} Slack write calls — ${yes(slackOn.met)}`,
  );
  out.push(
    '',
    `goal 4 — CLI cold start, ${cli.incidents.toLocaleString('en')} incidents, median of ${cli.runs} runs taking turns with node -e 0`,
  );
  for (const r of cli.rows)
    out.push(
      `  ${pad(r.runtime, 16)}${pad(r.command, 28)}${pad(`${r.ms} ms`, 12)}node -e 0 ${pad(`${r.nodeBareMs} ms`, 10)}${pad(`${r.ratio}x`, 8)}target <= ${pad(`${r.target}x`, 7)}${yes(r.met)}`,
    );
  out.push('', `goal 5 — measured on ${runtimes.map((r) => r.label).join(' and ')} — ${yes(goals[5])}`);
  out.push('', `memory: idle ${ingest.memory.idleMb} MB (target <= 120), peak during ingest ${ingest.memory.peakMb} MB (target <= 200)`);
  out.push('', 'scale curve: incidents  ingest p50/p99 ms  list --status open --limit 50 ms  show ms');
  for (const r of scale as Array<Record<string, number>>)
    out.push(
      `${String(r.incidents).padStart(22)}  ${`${r.ingestP50ms}/${r.ingestP99ms}`.padStart(17)}  ${String(r.listOpenLimit50Ms).padStart(32)}  ${String(r.showMs).padStart(7)}`,
    );
  out.push(
    '',
    `storm (${storm.alerts} alerts / ${storm.incidents} incidents, one channel, emulator enforcing Slack's per-channel rate): first message ${storm.firstMessageMs} ms (target <= 2000), all visible ${storm.allVisibleMs} ms (target <= 15000), ${storm.slackWriteCalls} write calls, ${storm.http429} answered 429, lost ${storm.lost}, daemon peak RSS ${storm.peakRssMb} MB (target <= 200)`,
  );
  out.push(
    '',
    `click -> ack (${clicks.clicks} block_actions over the socket): ours p50 ${clicks.ours.p50ms} / p99 ${clicks.ours.p99ms} ms (target p99 <= 50), bare Bolt p50 ${clicks.baseline.p50ms} / p99 ${clicks.baseline.p99ms} ms, ratio p99 ${clicks.ratioP99}; unacked ${clicks.ours.unacked}/${clicks.baseline.unacked}`,
  );
  out.push(
    '',
    `slack soak (${soak.groupsPerSecond} new groups/s for ${soak.seconds} s = ${soak.incidents} incidents, ${soak.joins} joins, emulator at Slack's pace): longest wait to be visible ${soak.maxVisibilityLagSeconds} s (bound ${soak.boundSeconds} s), oldest undelivered row ${soak.maxOutboxAgeSeconds} s, lost ${soak.lost}, ${soak.ownMessages} own + ${soak.digestMessages} digest messages, ${soak.slackWriteCalls} write calls (${soak.http429} answered 429), daemon peak RSS ${soak.peakRssMb} MB`,
  );
  out.push('', ...tuiReport(tui));
  out.push(
    '',
    `goals: ${Object.entries(goals)
      .map(([k, v]) => `${k} ${yes(v)}`)
      .join(', ')}${SMOKE ? ' (smoke sizes: verdicts mean nothing)' : ''}`,
  );
  out.push(`total ${results.seconds} s; results in ${path.relative(ROOT, OUT)}`);
  process.stdout.write(`${out.join('\n')}\n`);
}

try {
  await main();
} finally {
  fs.rmSync(work, { recursive: true, force: true });
}
// The bare Bolt baseline's socket client can leave a 30 s close-handshake timer behind.
process.exit(0);
