/**
 * CLI cold start for `npm run bench` (goal 4): each command against `node -e 0` of the same
 * runtime, run in turn (node -e 0, list, list --limit 50, show, approvals, --help, again …)
 * so the machine's load falls on all alike; medians.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { SqliteStore } from '../src/adapters/store/sqlite-store.js';
import type { IncidentNew } from '../src/core/incidents.js';
import { quantile, round } from './load.js';
import type { Runtime } from './servers.js';

/** `n` incidents (10 % firing, 10 % acknowledged, the rest resolved), one alert each. */
export function seedIncidents(db: string, n: number): void {
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

function timeOnce(runtime: Runtime, args: string[], env: NodeJS.ProcessEnv): number {
  const t0 = performance.now();
  const r = spawnSync(runtime.node, args, { env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env }, stdio: ['ignore', 'ignore', 'pipe'], cwd: runtime.root });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return ms;
}

/** Median of `runs` runs of each command, the commands taking turns. */
export function timeCommands(runtime: Runtime, commands: Record<string, string[]>, env: NodeJS.ProcessEnv, runs: number): Record<string, number> {
  const times = Object.fromEntries(Object.keys(commands).map((k) => [k, [] as number[]]));
  for (const args of Object.values(commands)) timeOnce(runtime, args, env); // warm the file cache
  for (let i = 0; i < runs; i++) {
    for (const [name, args] of Object.entries(commands)) times[name]!.push(timeOnce(runtime, args, env));
  }
  return Object.fromEntries(Object.entries(times).map(([k, v]) => [k, round(quantile(v, 0.5), 1)]));
}

export interface ColdStartRow {
  runtime: string;
  command: string;
  ms: number;
  nodeBareMs: number;
  ratio: number;
  target: number;
  met: boolean;
}

export function cliColdStart(work: string, o: { smoke: boolean; runtimes: Runtime[] }): { incidents: number; runs: number; rows: ColdStartRow[] } {
  const n = o.smoke ? 200 : 10_000;
  const runs = o.smoke ? 1 : 21;
  const db = path.join(work, 'cli.db');
  seedIncidents(db, n);
  const rows: ColdStartRow[] = [];
  for (const runtime of o.runtimes) {
    const bin = path.join(runtime.root, 'bin/chatops');
    const targets: Record<string, [string[], number]> = {
      'incidents list --json': [[bin, 'incidents', 'list', '--json'], 2.5],
      'incidents list --limit 50': [[bin, 'incidents', 'list', '--limit', '50'], 1.5],
      'incidents show': [[bin, 'incidents', 'show', String(Math.floor(n / 2))], 1.5],
      approvals: [[bin, 'approvals'], 1.5],
      '--help': [[bin, '--help'], 1.5],
    };
    const t = timeCommands(runtime, { 'node -e 0': ['-e', '0'], ...Object.fromEntries(Object.entries(targets).map(([k, [args]]) => [k, args])) }, { CHATOPS_DB: db }, runs);
    const bare = t['node -e 0']!;
    for (const [command, [, target]] of Object.entries(targets)) {
      const ratio = round(t[command]! / bare);
      rows.push({ runtime: runtime.label, command, ms: t[command]!, nodeBareMs: bare, ratio, target, met: ratio <= target });
    }
  }
  return { incidents: n, runs, rows };
}
