/**
 * The terminal UI's cost for `npm run bench`: the BUILT `chatops incidents` in a real pty
 * (util-linux `script`) over a database of 10,000 incidents, next to a live daemon. Measures
 * resident memory, CPU while nothing changes (the daemon's heartbeat still commits every 2 s),
 * CPU while the daemon takes 20 deliveries/s, and how long a key press takes to reach the
 * screen. Goals (issue 15): RSS <= 100 MB, idle <= 1 % of a core, <= 5 % under load, keys <= 50 ms.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { webhookBody } from '../test/support/builders.js';
import { BIN, spawnDaemon } from '../test/support/daemon.js';
import { seedIncidents } from './seed.js';

const quantile = (xs: number[], q: number): number =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))] ?? NaN;
const round = (n: number, d = 2) => Math.round(n * 10 ** d) / 10 ** d;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export const TUI_GOALS = { rssMb: 100, idleCpuPct: 1, loadCpuPct: 5, keyP99Ms: 50 };

export interface TuiResult {
  incidents: number;
  rssMb: number;
  peakRssMb: number;
  idleCpuPct: number;
  /** Bytes the UI wrote to the terminal while idle (a still screen writes nothing). */
  idleBytes: number;
  loadCpuPct: number;
  deliveriesPerSec: number;
  keys: number;
  /** CPU time the UI spent per key (all its work in the key phase, divided by the keys). */
  keyCpuMs: number;
  keyP50Ms: number;
  keyP99Ms: number;
  keyMaxMs: number;
  loadAvg: number[];
  goals: typeof TUI_GOALS;
  met: { rss: boolean; idleCpu: boolean; loadCpu: boolean; keys: boolean };
}

/** CPU seconds (user + system, all threads) the process has used so far. */
function cpuSeconds(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
}

function memMb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return round(Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? NaN) / 1024, 1);
}

/** The UI in a pty: `script` gives it a terminal of a fixed size; we type into it and read its screen bytes. */
export class PtyUi {
  private out = '';
  private listeners: (() => void)[] = [];
  bytes = 0;

  private constructor(readonly child: ChildProcess) {
    child.stdout!.on('data', (b: Buffer) => {
      this.out += b.toString('utf8');
      if (this.out.length > 200_000) this.out = this.out.slice(-100_000);
      this.bytes += b.length;
      for (const l of this.listeners.splice(0)) l();
    });
  }

  static start(db: string, columns: number, rows: number, nodeArgs: string[] = [], extraEnv: Record<string, string> = {}): PtyUi {
    const cmd = `stty cols ${columns} rows ${rows}; exec ${[process.execPath, ...nodeArgs, BIN, 'incidents'].map((a) => JSON.stringify(a)).join(' ')}`;
    const child = spawn('script', ['-qfec', cmd, '/dev/null'], {
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        LANG: 'C.UTF-8',
        TZ: 'UTC',
        TERM: 'xterm-256color',
        CHATOPS_DB: db,
        ...extraEnv,
      },
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    return new PtyUi(child);
  }

  /** The UI's own process (script's child, which exec'd node). */
  pid(): number {
    const p = this.child.pid!;
    const kids = fs.readFileSync(`/proc/${p}/task/${p}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
    if (kids.length !== 1) throw new Error(`expected one child of script, found ${kids.join(',') || 'none'}`);
    return Number(kids[0]);
  }

  async waitFor(text: string, timeoutMs = 30_000): Promise<void> {
    const end = Date.now() + timeoutMs;
    while (!this.out.replace(/\u001B\[[0-9;?]*[A-Za-z]/g, '').includes(text)) {
      if (Date.now() > end) throw new Error(`the UI did not show ${JSON.stringify(text)}; last output:\n${this.out.slice(-2000)}`);
      await sleep(20);
    }
  }

  /** Milliseconds from writing `key` to the first bytes the UI writes back. */
  async press(key: string, timeoutMs = 5_000): Promise<number> {
    const answered = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no answer to ${JSON.stringify(key)} in ${timeoutMs} ms`)), timeoutMs);
      this.listeners.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
    const t0 = performance.now();
    this.child.stdin!.write(key);
    await answered;
    return performance.now() - t0;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((r) => this.child.once('exit', r));
    this.child.stdin!.write('q');
    await Promise.race([exited, sleep(5_000)]);
    if (this.child.exitCode === null) this.child.kill('SIGKILL');
  }
}

/** Keys that move around the list, open an incident, filter: each changes the screen. */
const KEYS = ['j', 'j', 'k', '\u001B[6~', '\u001B[5~', 'G', 'g', '\r', '\u001B', '3', '0', '/', 'S', '\r', '\u001B'];

export async function tuiScenario(smoke: boolean): Promise<TuiResult> {
  const n = smoke ? 500 : 10_000;
  const window = smoke ? 2_000 : 20_000;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chatops-bench-tui-'));
  const db = path.join(dir, 'chatops.db');
  seedIncidents(db, n);
  const daemon = await spawnDaemon({ CHATOPS_DB: db });
  const ui = PtyUi.start(db, 120, 40);
  try {
    await ui.waitFor(`of ${n}`);
    await ui.waitFor('daemon ✓ up');
    const pid = ui.pid();
    await sleep(smoke ? 500 : 3_000); // start-up work and the first heartbeats settle

    // Idle: nothing changes but the daemon's heartbeat.
    let cpu0 = cpuSeconds(pid);
    let bytes0 = ui.bytes;
    let t0 = performance.now();
    await sleep(window);
    const idleCpuPct = round((100 * (cpuSeconds(pid) - cpu0)) / ((performance.now() - t0) / 1000));
    const idleBytes = ui.bytes - bytes0;
    const rssMb = memMb(pid, 'VmRSS');

    // Key presses, each after the screen has settled. The UI's CPU time per key says what a
    // key costs whatever else the machine is doing; the wall time includes waiting for a core.
    const latencies: number[] = [];
    const keysCpu0 = cpuSeconds(pid);
    for (let pass = 0; pass < (smoke ? 1 : 4); pass++) {
      for (const key of KEYS) {
        latencies.push(await ui.press(key));
        await sleep(150);
      }
    }
    const keyCpuMs = round((1000 * (cpuSeconds(pid) - keysCpu0)) / latencies.length, 1);

    // Load: 20 deliveries/s into 50 groups, each a new alert (incidents change and re-sort).
    let sent = 0;
    let failed = 0;
    const posts: Promise<void>[] = [];
    cpu0 = cpuSeconds(pid);
    bytes0 = ui.bytes;
    t0 = performance.now();
    while (performance.now() - t0 < window) {
      const k = sent++;
      const body = webhookBody(
        [
          {
            fingerprint: (0x10_0000 + k).toString(16).padStart(16, '0'),
            labels: { alertname: `Load${k % 50}`, namespace: 'bench', deployment: `svc-${k % 50}`, pod: `p-${k}` },
          },
        ],
        { groupKey: `{}:{alertname="Load${k % 50}"}` },
      );
      posts.push(
        fetch(`${daemon.url}/api/alertmanager`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        }).then(
          async (r) => {
            await r.arrayBuffer();
            if (!r.ok) failed++;
          },
          () => {
            failed++;
          },
        ),
      );
      const due = t0 + sent * 50;
      await sleep(Math.max(0, due - performance.now()));
    }
    const loadSeconds = (performance.now() - t0) / 1000;
    const loadCpuPct = round((100 * (cpuSeconds(pid) - cpu0)) / loadSeconds);
    await Promise.all(posts);
    if (failed) throw new Error(`${failed} of ${sent} deliveries failed`);
    const peakRssMb = memMb(pid, 'VmHWM');

    const keyP99Ms = round(quantile(latencies, 0.99), 1);
    const met = {
      rss: peakRssMb <= TUI_GOALS.rssMb,
      idleCpu: idleCpuPct <= TUI_GOALS.idleCpuPct,
      loadCpu: loadCpuPct <= TUI_GOALS.loadCpuPct,
      keys: keyP99Ms <= TUI_GOALS.keyP99Ms,
    };
    return {
      incidents: n,
      rssMb,
      peakRssMb,
      idleCpuPct,
      idleBytes,
      loadCpuPct,
      deliveriesPerSec: round(sent / loadSeconds, 1),
      keys: latencies.length,
      keyCpuMs,
      keyP50Ms: round(quantile(latencies, 0.5), 1),
      keyP99Ms,
      keyMaxMs: round(Math.max(...latencies), 1),
      loadAvg: os.loadavg().map((l) => round(l)),
      goals: TUI_GOALS,
      met,
    };
  } finally {
    await ui.stop();
    await daemon.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const yes = (ok: boolean) => (ok ? 'met' : 'NOT MET');

/** The scenario's lines for the bench report. */
export function tuiReport(r: TuiResult): string[] {
  return [
    `terminal UI (${r.incidents} incidents, built binary in a pty, load avg ${r.loadAvg.join(' ')}):`,
    `  RSS ${r.rssMb} MB, peak ${r.peakRssMb} MB (goal <= ${r.goals.rssMb}): ${yes(r.met.rss)}`,
    `  idle CPU ${r.idleCpuPct}% of a core, ${r.idleBytes} bytes written (goal <= ${r.goals.idleCpuPct}%): ${yes(r.met.idleCpu)}`,
    `  CPU while the daemon takes ${r.deliveriesPerSec} deliveries/s: ${r.loadCpuPct}% (goal <= ${r.goals.loadCpuPct}%): ${yes(r.met.loadCpu)}`,
    `  key press to screen, ${r.keys} keys: p50 ${r.keyP50Ms} / p99 ${r.keyP99Ms} / max ${r.keyMaxMs} ms (goal p99 <= ${r.goals.keyP99Ms}): ${yes(r.met.keys)}; the UI's CPU per key ${r.keyCpuMs} ms`,
  ];
}
