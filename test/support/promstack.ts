/**
 * Real Alertmanager and Prometheus (Debian packages) on 127.0.0.1 with temp configs and free
 * ports, for end-to-end tests. .ci/run installs them; a test that needs them fails loudly when
 * they are missing rather than skipping.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { waitFor } from './daemon.js';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

function requireBinary(name: string): string {
  const r = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
  const found = r.stdout.trim();
  if (!found) throw new Error(`${name} is not installed: run 'apt-get install -y prometheus prometheus-alertmanager' (.ci/run does)`);
  return found;
}

export interface Service {
  url: string;
  port: number;
  child: ChildProcess;
  log(): string;
  stop(): Promise<void>;
}

async function startService(bin: string, args: string[], dir: string, name: string, port: number): Promise<Service> {
  const logFile = path.join(dir, `${name}.log`);
  const out = fs.openSync(logFile, 'a');
  const child = spawn(bin, args, { stdio: ['ignore', out, out] });
  fs.closeSync(out);
  const url = `http://127.0.0.1:${port}`;
  const service: Service = {
    url,
    port,
    child,
    log: () => fs.readFileSync(logFile, 'utf8'),
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const gone = new Promise<void>((r) => child.once('exit', () => r()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await gone;
      clearTimeout(timer);
    },
  };
  try {
    await waitFor(async () => (await fetch(`${url}/-/ready`)).ok, { timeoutMs: 30_000, what: `${name} ready` });
  } catch (e) {
    await service.stop();
    throw new Error(`${(e as Error).message}\n${service.log()}`);
  }
  return service;
}

export interface AlertmanagerOptions {
  webhookUrl: string;
  /** Bearer token Alertmanager sends to the webhook. */
  token?: string;
  groupBy?: string[];
  groupWait?: string;
  groupInterval?: string;
  repeatInterval?: string;
  /** Listen here (to restart an instance where the daemon expects it); default a free port. */
  port?: number;
  /** webhook_configs[].max_alerts: Alertmanager sends at most this many alerts and counts the rest in truncatedAlerts. */
  maxAlerts?: number;
}

/** Starts Alertmanager with one webhook receiver; HA gossip off (it would bind 0.0.0.0:9094). */
export async function startAlertmanager(dir: string, opts: AlertmanagerOptions): Promise<Service> {
  const bin = requireBinary('prometheus-alertmanager');
  const port = opts.port ?? (await freePort());
  fs.mkdirSync(path.join(dir, 'am-data'), { recursive: true });
  const auth = opts.token
    ? `\n        http_config:\n          authorization:\n            type: Bearer\n            credentials: ${JSON.stringify(opts.token)}`
    : '';
  fs.writeFileSync(
    path.join(dir, 'alertmanager.yml'),
    `route:
  receiver: chatops
  group_by: ${JSON.stringify(opts.groupBy ?? ['alertname', 'namespace'])}
  group_wait: ${opts.groupWait ?? '1s'}
  group_interval: ${opts.groupInterval ?? '1s'}
  repeat_interval: ${opts.repeatInterval ?? '1h'}
receivers:
  - name: chatops
    webhook_configs:
      - url: ${JSON.stringify(opts.webhookUrl)}
        send_resolved: true${opts.maxAlerts ? `\n        max_alerts: ${opts.maxAlerts}` : ''}${auth}
`,
  );
  return startService(
    bin,
    [
      `--config.file=${path.join(dir, 'alertmanager.yml')}`,
      `--storage.path=${path.join(dir, 'am-data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      `--web.external-url=http://127.0.0.1:${port}`,
      '--cluster.listen-address=',
    ],
    dir,
    'alertmanager',
    port,
  );
}

/**
 * Starts Prometheus scraping itself every second (so `up` has data). `externalLabels`: the
 * labels it adds to every alert it sends (a cluster's `external_labels: {cluster: …}`).
 */
export async function startPrometheus(
  dir: string,
  opts: { alertmanagerPort?: number; rulesFile?: string; externalLabels?: Record<string, string> } = {},
): Promise<Service> {
  const bin = requireBinary('prometheus');
  const port = await freePort();
  fs.mkdirSync(path.join(dir, 'prom-data'), { recursive: true });
  const external = opts.externalLabels ? `, external_labels: ${JSON.stringify(opts.externalLabels)}` : '';
  fs.writeFileSync(
    path.join(dir, 'prometheus.yml'),
    `global: { scrape_interval: 1s, evaluation_interval: 1s${external} }
${opts.alertmanagerPort ? `alerting:\n  alertmanagers: [ { static_configs: [ { targets: ['127.0.0.1:${opts.alertmanagerPort}'] } ] } ]` : ''}
rule_files: [ ${opts.rulesFile ? JSON.stringify(opts.rulesFile) : ''} ]
scrape_configs:
  - job_name: prometheus
    static_configs: [ { targets: ['127.0.0.1:${port}'] } ]
`,
  );
  return startService(
    bin,
    [
      `--config.file=${path.join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${path.join(dir, 'prom-data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      `--web.external-url=http://127.0.0.1:${port}`,
      '--rules.alert.resend-delay=1s',
    ],
    dir,
    'prometheus',
    port,
  );
}

/** Posts alerts to Alertmanager's API v2 (what Prometheus would do). */
export async function postAlerts(
  am: Service,
  alerts: Array<{
    labels: Record<string, string>;
    annotations?: Record<string, string>;
    startsAt?: string;
    endsAt?: string;
    generatorURL?: string;
  }>,
): Promise<void> {
  const res = await fetch(`${am.url}/api/v2/alerts`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(alerts),
  });
  if (!res.ok) throw new Error(`Alertmanager refused alerts: ${res.status} ${await res.text()}`);
}

/** Waits until Prometheus has scraped itself `n` times (a range over the last minute then holds samples). */
export async function waitForScrapes(prom: Service, n = 3): Promise<void> {
  await waitFor(
    async () => {
      const r = (await (await fetch(`${prom.url}/api/v1/query?query=${encodeURIComponent('count_over_time(up[1m])')}`)).json()) as {
        data: { result: { value: [number, string] }[] };
      };
      return Number(r.data.result[0]?.value[1] ?? 0) >= n;
    },
    { what: `Prometheus scraped itself ${n} times`, timeoutMs: 30_000 },
  );
}
