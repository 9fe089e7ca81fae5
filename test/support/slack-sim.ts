/**
 * The outbox on a fake clock against the Slack emulator, in one process: the real worker, the
 * real SlackWebApi (WebClient included) and a real SQLite store, with the emulator answering
 * each HTTP request in process on the same clock. Nothing is mocked but the transport: HTTP on
 * real time could not simulate minutes in milliseconds.
 */
import path from 'node:path';
import { SlackWebApi } from '../../src/adapters/slack/web-api.js';
import { SlackStore } from '../../src/adapters/store/slack-store.js';
import { SqliteStore } from '../../src/adapters/store/sqlite-store.js';
import { messageSettings } from '../../src/adapters/slack/controls.js';
import { ingestDelivery } from '../../src/core/ingest.js';
import { policyFromConfig } from '../../src/core/policy.js';
import type { Delivery } from '../../src/core/types.js';
import { parseConfig } from '../../src/config/schema.js';
import { OutboxWorker, type OutboxConfig } from '../../src/daemon/outbox/worker.js';
import { silentLogger } from '../../src/logger.js';
import { FakeTimers } from './fake-timers.js';
import { SlackEmulator, type EmulatorOptions } from './slack-emulator.js';

/** fetch for WebClient, answered by the emulator in process (a dropped or hung answer is a network error). */
function emulatorFetch(emu: SlackEmulator): typeof fetch {
  return (async (input: string | URL | Request, init?: RequestInit) => {
    const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
    const method = url.pathname.replace(/^\/api\//, '');
    const args: Record<string, unknown> = {};
    for (const [k, v] of new URLSearchParams(String(init?.body ?? ''))) args[k] = v;
    for (const k of ['blocks', 'metadata']) if (typeof args[k] === 'string') args[k] = JSON.parse(args[k] as string);
    const headers = new Headers(init?.headers);
    const r = emu.dispatch(method, args, headers.get('authorization'), headers.get('content-type') ?? '');
    if (r.after) throw new TypeError('fetch failed', { cause: { code: r.after === 'drop' ? 'ECONNRESET' : 'UND_ERR_HEADERS_TIMEOUT' } });
    return new Response(r.body === null ? '<html>error</html>' : JSON.stringify(r.body), {
      status: r.status,
      headers: { 'content-type': r.body === null ? 'text/html' : 'application/json', ...r.headers },
    });
  }) as typeof fetch;
}

export interface Sim {
  timers: FakeTimers;
  emu: SlackEmulator;
  store: SqliteStore;
  slack: SlackStore;
  worker: OutboxWorker;
  ingest(d: Delivery): void;
  stop(): Promise<void>;
}

export function startSim(
  dir: string,
  opts: { emulator?: EmulatorOptions; slack?: Record<string, unknown>; config?: Partial<OutboxConfig> } = {},
): Sim {
  const timers = new FakeTimers();
  const emu = SlackEmulator.inProcess({ clock: timers.now, ...opts.emulator });
  const store = new SqliteStore({ path: path.join(dir, 'sim.db'), synchronous: 'normal' });
  const slack = new SlackStore(store);
  const parsed = parseConfig({ slack: { channel: 'C0OPS', ...opts.slack } });
  if (!parsed.ok) throw new Error(parsed.problems.join('; '));
  const c = parsed.config;
  const api = new SlackWebApi({
    token: 'xoxb-test',
    apiUrl: 'http://slack.sim/api/',
    timeoutMs: c.slack.request_timeout,
    logger: silentLogger(),
    fetch: emulatorFetch(emu),
  });
  const worker = new OutboxWorker({
    store,
    slack,
    api,
    timers,
    logger: silentLogger(),
    config: {
      defaultChannel: 'C0OPS',
      routes: c.slack.routes,
      stormThreshold: c.slack.storm.threshold,
      stormWindowMs: c.slack.storm.window,
      intervalMs: 5 * c.slack.update_interval,
      postIntervalMs: c.slack.post_interval,
      updateIntervalMs: c.slack.update_interval,
      prometheusOf: () => null,
      messages: () => messageSettings(policyFromConfig(c.policy), c),
      ...opts.config,
    },
  });
  const ctx = { store, clock: { now: timers.now }, notify: true, lifecycle: { keyLabels: [], reopenWindowMs: 3_600_000 } };
  worker.start();
  return {
    timers,
    emu,
    store,
    slack,
    worker,
    ingest: (d) => {
      ingestDelivery(ctx, d, JSON.stringify(d), { source: 'webhook', actor: 'alertmanager:sim', auditSource: 'alertmanager' });
      worker.nudge();
    },
    async stop() {
      const stopping = worker.stop();
      while ((await Promise.race([stopping.then(() => true), timers.advance(1000).then(() => false)])) === false);
      store.close();
    },
  };
}
