/** Starting and stopping the servers the scenarios measure: the chatops daemon and the baseline. */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';

export const ROOT = path.resolve(import.meta.dirname, '..');
export const BIN = path.join(ROOT, 'bin/chatops');

export interface Server {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** A Node runtime to measure on: its binary and a tree whose node_modules and dist were built for it. */
export interface Runtime {
  label: string;
  node: string;
  root: string;
}

export const THIS_RUNTIME: Runtime = { label: `node ${process.version}`, node: process.execPath, root: ROOT };

export interface StartOptions {
  /** Extra node flags (e.g. --cpu-prof). */
  nodeArgs?: string[];
  runtime?: Runtime;
  cwd?: string;
}

export async function startProcess(
  args: string[],
  env: NodeJS.ProcessEnv,
  ready: (line: string) => string | null,
  o: StartOptions = {},
): Promise<Server> {
  const child = spawn(o.runtime?.node ?? process.execPath, [...(o.nodeArgs ?? []), ...args], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    cwd: o.cwd,
  });
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
    stop: () =>
      new Promise((r) => {
        if (child.exitCode !== null) return r();
        child.once('exit', () => r());
        child.kill('SIGTERM');
      }),
  };
}

const jsonField =
  (field: string) =>
  (line: string): string | null => {
    try {
      const o = JSON.parse(line) as Record<string, unknown>;
      return typeof o[field] === 'string' && (field !== 'url' || o.msg === 'listening' || o.msg === undefined)
        ? (o[field] as string)
        : null;
    } catch {
      return null;
    }
  };

export function startChatops(db: string, env: NodeJS.ProcessEnv = {}, o: StartOptions = {}): Promise<Server> {
  return startProcess(
    [path.join(o.runtime?.root ?? ROOT, 'bin/chatops'), 'daemon'],
    { CHATOPS_DB: db, CHATOPS_LISTEN: '127.0.0.1:0', ...env },
    jsonField('url'),
    o,
  );
}

export function startBaseline(db: string, o: StartOptions = {}): Promise<Server> {
  const root = o.runtime?.root ?? ROOT;
  return startProcess(['--import', 'tsx', path.join(root, 'bench/baseline-server.ts'), db], {}, jsonField('url'), { ...o, cwd: root });
}

/** CPU time (user + system, all threads) a process has used so far, in ms. */
export function cpuMs(pid: number): number {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * (1000 / CLOCK_TICKS);
}
const CLOCK_TICKS = 100;

export function rssMb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? NaN);
  return Math.round((kb / 1024) * 10) / 10;
}
