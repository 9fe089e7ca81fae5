/**
 * Runs the README as a script. Only blocks marked with an HTML comment (invisible on GitHub)
 * run; everything else is prose to the harness, so editing the README never breaks it unless a
 * marked block stops doing what it says. The markers:
 *
 *   <!-- walkthrough: start NAME; ready "TEXT" -->   the next ```sh block runs in the background,
 *        like a second terminal; the walkthrough goes on once its output contains TEXT
 *   <!-- walkthrough: stop NAME -->                  SIGTERM to that background block (Ctrl-C)
 *   <!-- walkthrough: run[; retry 30s] -->           the next ```sh block, one command at a time,
 *        in one shell session (variables carry over); each must exit 0, or N when its line says
 *        `# exit N`; with retry, a command is re-run until it does (something not yet posted)
 *   <!-- walkthrough: output[; contains][; any: TOK …][; retry 30s] -->   the next ``` block is
 *        the stdout of the last command before it: every line, or with `contains` these lines in
 *        this order among others; runs of spaces compare equal, and each `any:` token (an age
 *        like 0s, a generated id) matches any one word; with retry the command is re-run until
 *        the output matches
 *
 * Ports on 127.0.0.1 in marked blocks (127.0.0.1:NNNN, *_PORT=NNNN) are mapped to free ones.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

export interface ShellCommand {
  text: string;
  expectedExit: number;
  line: number;
}

export type Step =
  | { kind: 'run'; commands: ShellCommand[]; retryMs: number; line: number; section: string }
  | { kind: 'start'; name: string; ready: string; script: string; line: number; section: string }
  | { kind: 'stop'; name: string; line: number; section: string }
  | { kind: 'output'; expected: string[]; contains: boolean; any: string[]; retryMs: number; line: number; section: string };

const MARKER = /^<!--\s*walkthrough:\s*(.*?)\s*-->\s*$/;

function durationMs(text: string | undefined): number {
  const m = text ? /^(\d+)\s*(ms|s|m)$/.exec(text.trim()) : null;
  if (!m) return 0;
  return Number(m[1]) * ({ ms: 1, s: 1000, m: 60_000 } as Record<string, number>)[m[2]!]!;
}

/** Splits a shell block into commands: backslash continuations and here-documents stay whole. */
export function splitCommands(block: string, firstLine: number): ShellCommand[] {
  const lines = block.split('\n');
  const out: ShellCommand[] = [];
  for (let i = 0; i < lines.length; i++) {
    const start = i;
    const parts = [lines[i]!];
    while (/\\$/.test(parts.at(-1)!) && i + 1 < lines.length) parts.push(lines[++i]!);
    const heredoc = /<<-?\s*'?"?(\w+)'?"?/.exec(parts.join('\n'));
    if (heredoc) {
      while (i + 1 < lines.length && lines[i]!.trim() !== heredoc[1]) parts.push(lines[++i]!);
    }
    const text = parts.join('\n');
    if (!text.trim() || text.trim().startsWith('#')) continue;
    const exit = /#\s*exit (\d+)\b[^'"]*$/.exec(parts[0]!.includes('<<') ? parts[0]! : parts.at(-1)!);
    out.push({ text, expectedExit: exit ? Number(exit[1]) : 0, line: firstLine + start });
  }
  return out;
}

/** The marked steps of a Markdown document, in order. */
export function parseWalkthrough(markdown: string): Step[] {
  const lines = markdown.split('\n');
  const steps: Step[] = [];
  let section = '';
  for (let i = 0; i < lines.length; i++) {
    const heading = /^#{1,6}\s+(.*)$/.exec(lines[i]!);
    if (heading) section = heading[1]!.trim();
    const bold = /^\*\*(.+?)\*\*/.exec(lines[i]!);
    if (bold) section = bold[1]!.replace(/[.:]$/, '');
    const m = MARKER.exec(lines[i]!.trim());
    if (!m) continue;
    const line = i + 1;
    const [verb, ...options] = m[1]!.split(';').map((s) => s.trim());
    const [kind, name] = verb!.split(/\s+/);
    const option = (key: string) =>
      options
        .find((o) => o === key || o.startsWith(`${key} `) || o.startsWith(`${key}:`))
        ?.slice(key.length)
        .replace(/^:/, '')
        .trim();
    if (kind === 'stop') {
      if (!name) throw new Error(`README line ${line}: "stop" needs a name`);
      steps.push({ kind, name, line, section });
      continue;
    }
    // The fenced block that follows the marker.
    let j = i + 1;
    while (j < lines.length && !lines[j]!.trim()) j++;
    const fence = /^(```+)(\w*)\s*$/.exec(lines[j] ?? '');
    if (!fence) throw new Error(`README line ${line}: a walkthrough marker must be followed by a fenced block`);
    let k = j + 1;
    while (k < lines.length && lines[k]!.trim() !== fence[1]) k++;
    const body = lines.slice(j + 1, k).join('\n');
    i = k;
    switch (kind) {
      case 'run':
        steps.push({ kind, commands: splitCommands(body, j + 2), retryMs: durationMs(option('retry')), line, section });
        break;
      case 'start': {
        const ready = /^"(.*)"$/.exec(option('ready') ?? '');
        if (!name || !ready) throw new Error(`README line ${line}: "start NAME; ready \\"TEXT\\"" needs both`);
        steps.push({ kind, name, ready: ready[1]!, script: body, line, section });
        break;
      }
      case 'output':
        steps.push({
          kind,
          expected: body.split('\n'),
          contains: option('contains') !== undefined,
          any: (option('any') ?? '').split(/\s+/).filter(Boolean),
          retryMs: durationMs(option('retry')),
          line,
          section,
        });
        break;
      default:
        throw new Error(`README line ${line}: unknown walkthrough marker "${kind}"`);
    }
  }
  return steps;
}

const words = (line: string): string[] => line.trim().split(/\s+/).filter(Boolean);

/** Whether `actual` (stdout) matches an output step; returns the first difference otherwise. */
export function compareOutput(step: Extract<Step, { kind: 'output' }>, actual: string): string | null {
  const want = step.expected.map(words).filter((w, i, all) => w.length > 0 || all.slice(i).some((x) => x.length > 0));
  const got = actual.split('\n').map(words);
  const same = (w: string[], g: string[]) => w.length === g.length && w.every((t, i) => t === g[i] || step.any.includes(t));
  if (!step.contains) {
    const trimmed = got.slice(0, got.findLastIndex((g) => g.length > 0) + 1);
    if (trimmed.length !== want.length) return `expected ${want.length} lines, got ${trimmed.length}`;
    const bad = want.findIndex((w, i) => !same(w, trimmed[i]!));
    return bad < 0 ? null : `line ${bad + 1}: expected "${want[bad]!.join(' ')}", got "${trimmed[bad]!.join(' ')}"`;
  }
  let at = 0;
  for (const w of want) {
    if (w.length === 0) continue;
    while (at < got.length && !same(w, got[at]!)) at++;
    if (at === got.length) return `no line "${w.join(' ')}" (in this order)`;
    at++;
  }
  return null;
}

/** Free loopback ports for every port the marked blocks name, and the text with them swapped in. */
export async function mapPorts(steps: Step[]): Promise<(text: string) => string> {
  const texts = steps.flatMap((s) =>
    s.kind === 'run' ? s.commands.map((c) => c.text) : s.kind === 'start' ? [s.script] : s.kind === 'output' ? s.expected : [],
  );
  const found = new Set<string>();
  for (const t of texts) for (const m of t.matchAll(/(?:127\.0\.0\.1:|_PORT=)(\d{4,5})\b/g)) found.add(m[1]!);
  const map = new Map<string, string>();
  for (const port of found) {
    const srv = net.createServer();
    await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
    map.set(port, String((srv.address() as net.AddressInfo).port));
    await new Promise<void>((resolve) => srv.close(() => resolve()));
  }
  return (text) =>
    text.replace(/(127\.0\.0\.1:|_PORT=)(\d{4,5})\b/g, (all, prefix: string, port: string) =>
      map.has(port) ? `${prefix}${map.get(port)}` : all,
    );
}

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** One bash process for the whole walkthrough, so variables and the working directory carry over. */
export class ShellSession {
  private readonly child: ChildProcess;
  private readonly dir: string;
  private n = 0;
  private buffer = '';
  private waiter: (() => void) | null = null;

  constructor(cwd: string, env: NodeJS.ProcessEnv, scratch: string) {
    this.dir = scratch;
    this.child = spawn('bash', ['--norc', '--noprofile'], { cwd, env, stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stdout!.on('data', (d: Buffer) => {
      this.buffer += d.toString('utf8');
      this.waiter?.();
    });
    this.child.stderr!.on('data', () => {});
  }

  async run(command: string, timeoutMs = 90_000): Promise<CommandResult> {
    const n = ++this.n;
    const f = (x: string) => path.join(this.dir, `${x}.${n}`);
    const done = `__walkthrough_done__ ${n}`;
    this.child.stdin!.write(`{ ${command}\n} >'${f('out')}' 2>'${f('err')}' </dev/null; echo $? >'${f('rc')}'; echo '${done}'\n`);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs / 1000} s from:\n${command}`)), timeoutMs);
      const check = () => {
        if (this.buffer.includes(done)) {
          clearTimeout(timer);
          this.waiter = null;
          resolve();
        }
      };
      this.waiter = check;
      check();
    });
    return {
      code: Number(fs.readFileSync(f('rc'), 'utf8')),
      stdout: fs.readFileSync(f('out'), 'utf8'),
      stderr: fs.readFileSync(f('err'), 'utf8'),
    };
  }

  close(): void {
    this.child.stdin!.end('exit\n');
    this.child.kill();
  }
}

/** A block running in the background, as in a second terminal. */
export class Background {
  output = '';
  readonly exited: Promise<number | null>;
  private constructor(
    readonly name: string,
    readonly child: ChildProcess,
  ) {
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  }

  static async start(
    name: string,
    script: string,
    ready: string,
    cwd: string,
    env: NodeJS.ProcessEnv,
    timeoutMs = 60_000,
  ): Promise<Background> {
    const child = spawn('bash', ['-c', script], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const bg = new Background(name, child);
    const collect = (d: Buffer) => {
      bg.output += d.toString('utf8');
    };
    child.stdout!.on('data', collect);
    child.stderr!.on('data', collect);
    const end = Date.now() + timeoutMs;
    while (!bg.output.includes(ready)) {
      if (child.exitCode !== null) throw new Error(`${name} exited (${child.exitCode}) before "${ready}":\n${bg.output}`);
      if (Date.now() > end) {
        await bg.stop();
        throw new Error(`${name} did not print "${ready}" within ${timeoutMs / 1000} s:\n${bg.output}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    return bg;
  }

  /** SIGTERM to the whole process group (what Ctrl-C reaches), then SIGKILL after 10 s. */
  async stop(): Promise<number | null> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return this.child.exitCode;
    const signal = (s: NodeJS.Signals) => {
      try {
        process.kill(-this.child.pid!, s);
      } catch {
        // already gone
      }
    };
    signal('SIGTERM');
    const timer = setTimeout(() => signal('SIGKILL'), 10_000);
    const code = await this.exited;
    clearTimeout(timer);
    return code;
  }
}
