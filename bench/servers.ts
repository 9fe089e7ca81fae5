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

export interface StartOptions {
  /** Extra node flags (e.g. --cpu-prof). */
  nodeArgs?: string[];
  /** The node binary (default: this process's). */
  node?: string;
}

export async function startProcess(args: string[], env: NodeJS.ProcessEnv, ready: (line: string) => string | null, o: StartOptions = {}): Promise<Server> {
  const child = spawn(o.node ?? process.execPath, [...(o.nodeArgs ?? []), ...args], { env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
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

export function startChatops(db: string, env: NodeJS.ProcessEnv = {}, o: StartOptions = {}): Promise<Server> {
  return startProcess([BIN, 'daemon'], { CHATOPS_DB: db, CHATOPS_LISTEN: '127.0.0.1:0', ...env }, jsonField('url'), o);
}

export function startBaseline(db: string, o: StartOptions = {}): Promise<Server> {
  return startProcess(['--import', 'tsx', path.join(ROOT, 'bench/baseline-server.ts'), db], {}, jsonField('url'), o);
}

export function rssMb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? NaN);
  return Math.round((kb / 1024) * 10) / 10;
}
