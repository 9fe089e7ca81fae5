/**
 * CLI cold start for `npm run bench` (goal 4): each command against `node -e 0` of the same
 * runtime, run in turn (node -e 0, list, list --limit 50, show, approvals, --help, again …)
 * so the machine's load falls on all alike; medians.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { quantile, round } from './load.js';
import { seedIncidents } from './seed.js';
import type { Runtime } from './servers.js';

function timeOnce(runtime: Runtime, args: string[], env: NodeJS.ProcessEnv): number {
  const t0 = performance.now();
  const r = spawnSync(runtime.node, args, {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
    cwd: runtime.root,
  });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return ms;
}

/** Median of `runs` runs of each command, the commands taking turns. */
export function timeCommands(
  runtime: Runtime,
  commands: Record<string, string[]>,
  env: NodeJS.ProcessEnv,
  runs: number,
): Record<string, number> {
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

export function cliColdStart(
  work: string,
  o: { smoke: boolean; runtimes: Runtime[] },
): { incidents: number; runs: number; rows: ColdStartRow[] } {
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
    const t = timeCommands(
      runtime,
      { 'node -e 0': ['-e', '0'], ...Object.fromEntries(Object.entries(targets).map(([k, [args]]) => [k, args])) },
      { CHATOPS_DB: db },
      runs,
    );
    const bare = t['node -e 0']!;
    for (const [command, [, target]] of Object.entries(targets)) {
      const ratio = round(t[command]! / bare);
      rows.push({ runtime: runtime.label, command, ms: t[command]!, nodeBareMs: bare, ratio, target, met: ratio <= target });
    }
  }
  return { incidents: n, runs, rows };
}
