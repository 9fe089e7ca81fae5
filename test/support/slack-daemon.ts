/** A spawned daemon wired to a Slack emulator (and optionally Alertmanager/Prometheus). */
import fs from 'node:fs';
import path from 'node:path';
import { Agent, fetch as undiciFetch } from 'undici';
import { spawnDaemon, waitFor, type SpawnedDaemon } from './daemon.js';
import { SlackEmulator as SlackEmulatorClass, type EmulatorOptions, type SlackEmulator } from './slack-emulator.js';
import { tempDir } from './tmp.js';

export const BOT_TOKEN = 'xoxb-test';
export const APP_TOKEN = 'xapp-1-A0TEST-1-abc';

/** Writes a config file tuned for fast tests (short socket ping timeout, short request timeout). */
export function writeSlackConfig(dir: string, extra = '', slack: Record<string, string> = {}): string {
  const file = path.join(dir, 'chatops.yaml');
  const keys = {
    ping_timeout: '500ms',
    request_timeout: '2s',
    watchdog: '10s',
    post_interval: '200ms',
    update_interval: '200ms',
    ...slack,
  };
  fs.writeFileSync(
    file,
    `slack:\n${Object.entries(keys)
      .map(([k, v]) => `  ${k}: ${v}`)
      .join('\n')}\n${extra}`,
  );
  return file;
}

export interface SlackDaemonOptions {
  dir: string;
  emulator: SlackEmulator;
  env?: Record<string, string | undefined>;
  /** Extra YAML appended to the config (indented under nothing: top-level sections). */
  config?: string;
  /** Keys under slack: (scalars), overriding the fast test defaults. */
  slack?: Record<string, string>;
  channel?: string;
}

export async function spawnSlackDaemon(opts: SlackDaemonOptions): Promise<SpawnedDaemon> {
  const config = writeSlackConfig(opts.dir, opts.config ?? '', opts.slack);
  return spawnDaemon({
    CHATOPS_DB: path.join(opts.dir, 'chatops.db'),
    CHATOPS_CONFIG: config,
    SLACK_API_URL: opts.emulator.apiUrl,
    SLACK_BOT_TOKEN: BOT_TOKEN,
    SLACK_APP_TOKEN: APP_TOKEN,
    SLACK_CHANNEL: opts.channel ?? 'C0OPS',
    ...opts.env,
  });
}

/** /ready as JSON with its status. */
export async function ready(url: string): Promise<{ status: number; body: { status: string; reason?: string } }> {
  const r = await fetch(`${url}/ready`, { signal: AbortSignal.timeout(5000) });
  return { status: r.status, body: (await r.json()) as { status: string; reason?: string } };
}

/**
 * One connection per webhook post. Tests call the blocking `runCli` between posts; while it
 * blocks, a kept-alive socket can pass the daemon's keep-alive timeout unnoticed and the next
 * post is written into a connection the daemon already closed ("other side closed").
 */
const oneShot = new Agent({ pipelining: 0 });

export async function postWebhook(
  url: string,
  body: unknown,
): Promise<{ status: number; text(): Promise<string>; json(): Promise<unknown> }> {
  return undiciFetch(`${url}/api/alertmanager`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(15_000),
    dispatcher: oneShot,
  });
}

/** Stops a daemon, failing loudly (and killing it) if it does not exit within the bound. */
export async function stopDaemon(d: SpawnedDaemon, boundMs = 20_000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const bounded = new Promise<'timeout'>((r) => {
    timer = setTimeout(() => r('timeout'), boundMs);
  });
  const outcome = await Promise.race([d.stop(), bounded]);
  clearTimeout(timer);
  if (outcome === 'timeout') {
    await d.kill9();
    throw new Error(
      `the daemon did not exit within ${boundMs} ms of SIGTERM; last log lines:\n${d.logs
        .slice(-15)
        .map((l) => JSON.stringify(l))
        .join('\n')}`,
    );
  }
}

/** Runs the CLI without blocking the event loop (the emulator in this process must keep answering). */
export async function runCliAsync(
  args: string[],
  env: Record<string, string | undefined>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const { spawn } = await import('node:child_process');
  const { BIN, ROOT, testEnv } = await import('./daemon.js');
  const child = spawn(process.execPath, [BIN, ...args], { env: testEnv(env), cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => {
    stdout += String(d);
  });
  child.stderr.on('data', (d) => {
    stderr += String(d);
  });
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  return { code, stdout, stderr };
}

/**
 * A temp dir, a Slack emulator and a daemon wired to it, ready (socket connected); all torn
 * down after the test.
 */
export async function slackStack(
  t: { after(fn: () => unknown): void },
  opts: Omit<SlackDaemonOptions, 'dir' | 'emulator'> & { emulator?: EmulatorOptions; dir?: string } = {},
): Promise<{ dir: string; emu: SlackEmulator; daemon: SpawnedDaemon }> {
  const dir = opts.dir ?? tempDir(t);
  const emu = await SlackEmulatorClass.start(opts.emulator);
  t.after(() => emu.stop());
  const daemon = await spawnSlackDaemon({ ...opts, dir, emulator: emu });
  t.after(() => stopDaemon(daemon));
  await waitFor(async () => (await ready(daemon.url)).status === 200, {
    what: 'daemon ready with the socket connected',
    timeoutMs: 20_000,
  });
  return { dir, emu, daemon };
}
