/**
 * `chatops config check`: validate the file and environment, then probe every configured
 * connection; one line per check with ✓/✗ and the fix. Exit 1 when any check fails.
 * Secrets are never printed: lines name the variable, not its value.
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { BOT_SCOPES } from '../../adapters/slack/scopes.js';
import { SqliteStore } from '../../adapters/store/sqlite-store.js';
import { clusterConfigs, type ClusterConfig } from '../../config/clusters.js';
import type { LoadedConfig } from '../../config/load.js';
import { DEFAULT_CLUSTER } from '../../core/clusters.js';
import { load } from '../context.js';
import { logOf, type GlobalOptions } from '../command-log.js';
import { EXIT } from '../errors.js';
import type { Output } from '../output.js';

export interface CheckResult {
  name: string;
  ok: boolean;
  /** What was found (ok) or what is wrong and how to fix it (not ok). */
  detail: string;
  /** Checks that do not apply (a dependency not configured) are reported, not failed. */
  skipped?: boolean;
  /** With named clusters: the cluster the check is about, and how it recognises its incidents. */
  cluster?: string;
  recognised?: string;
}

export type Check = (loaded: LoadedConfig) => Promise<CheckResult | CheckResult[]>;

const TIMEOUT_MS = 5000;

async function getJson(url: string, init: RequestInit = {}): Promise<{ status: number; body: any; headers: Headers }> {
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(TIMEOUT_MS) });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return { status: res.status, body, headers: res.headers };
}

const reason = (e: unknown): string => {
  const err = e as { cause?: { code?: string; errors?: { code?: string }[]; message?: string }; name?: string; message?: string };
  if (err?.name === 'TimeoutError') return `no answer within ${TIMEOUT_MS / 1000} s`;
  return err?.cause?.code ?? err?.cause?.errors?.[0]?.code ?? err?.cause?.message ?? err?.message ?? String(e);
};

const checkDatabase: Check = async ({ config }) => {
  const name = 'database writable';
  const file = config.store.path;
  try {
    const exists = fs.existsSync(file);
    if (!exists) {
      const dir = path.dirname(path.resolve(file));
      let probe = dir;
      while (!fs.existsSync(probe)) probe = path.dirname(probe);
      fs.accessSync(probe, fs.constants.W_OK);
      return { name, ok: true, detail: `${file} does not exist yet; the daemon will create it (${probe} is writable)` };
    }
    const store = new SqliteStore({ path: file, mustExist: true, busyTimeoutMs: 2000 });
    try {
      if (store.readOnly) return { name, ok: false, detail: store.readOnly };
      store.transaction(() => store.setMeta('config.check', new Date().toISOString(), Date.now()));
      const mode = fs.statSync(file).mode & 0o777;
      if (mode & 0o007) return { name, ok: false, detail: `${file} is readable by everyone (mode ${mode.toString(8)}): chmod 600 it` };
      return {
        name,
        ok: true,
        detail: `${file} (mode ${mode.toString(8).padStart(4, '0')}, schema ${store.db.pragma('user_version', { simple: true })})`,
      };
    } finally {
      store.close();
    }
  } catch (e) {
    return {
      name,
      ok: false,
      detail: `cannot write ${file} (${(e as { code?: string }).code ?? reason(e)}): run as the chatops account or fix store.path`,
    };
  }
};

/** How recent the daemon's heartbeat (rewritten every 2 s) must be to count as running. */
const HEARTBEAT_FRESH_MS = 10_000;

/**
 * The chatops daemon on this database, if its heartbeat says it runs and listens on `port`:
 * the port being in use is then expected (the systemd recipe runs `config check` beside it).
 */
function runningDaemonOn(file: string, port: number): { pid: number } | null {
  if (!fs.existsSync(file)) return null;
  let store: SqliteStore | null = null;
  try {
    store = new SqliteStore({ path: file, mustExist: true, busyTimeoutMs: 2000 });
    const meta = store.getMeta('daemon.heartbeat');
    if (!meta || Date.now() - meta.updatedAt > HEARTBEAT_FRESH_MS) return null;
    const hb = JSON.parse(meta.value) as { pid?: number; url?: string; stoppedAt?: number };
    if (hb.stoppedAt !== undefined || typeof hb.pid !== 'number' || !hb.url || Number(new URL(hb.url).port) !== port) return null;
    process.kill(hb.pid, 0); // throws when no such process (ESRCH); EPERM means it exists as another user
    return { pid: hb.pid };
  } catch (e) {
    return (e as { code?: string }).code === 'EPERM' ? { pid: NaN } : null;
  } finally {
    store?.close();
  }
}

const checkWebhookPort: Check = async ({ config }) => {
  const { host, port } = config.webhook.listen;
  const name = `webhook ${host}:${port}`;
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', (e: NodeJS.ErrnoException) => {
      if (e.code !== 'EADDRINUSE') {
        resolve({ name, ok: false, detail: `cannot listen on ${host}:${port} (${e.code}): fix webhook.listen / CHATOPS_LISTEN` });
        return;
      }
      const daemon = runningDaemonOn(config.store.path, port);
      resolve(
        daemon
          ? {
              name,
              ok: true,
              detail: `${host}:${port} is held by the running chatops daemon${Number.isNaN(daemon.pid) ? '' : ` (pid ${daemon.pid})`} on this database, as expected`,
            }
          : {
              name,
              ok: false,
              detail: `${host}:${port} is in use by another program (no chatops daemon on ${config.store.path} holds it): stop that program or set webhook.listen / CHATOPS_LISTEN`,
            },
      );
    });
    srv.listen(port, host, () => srv.close(() => resolve({ name, ok: true, detail: `${host}:${port} is free` })));
  });
};

/** A Web API call's answer, with the token's scopes (Slack sends them in `x-oauth-scopes`). */
async function slackCall(apiUrl: string, method: string, token: string, args: Record<string, string> = {}): Promise<any> {
  const r = await getJson(`${apiUrl.replace(/\/?$/, '/')}${method}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(args).toString(),
  });
  if (r.status !== 200) throw new Error(`HTTP ${r.status}`);
  return { ...r.body, scopes: r.headers.get('x-oauth-scopes') };
}

/** The bot scopes the manifest asks for that the token lacks (graphs need files:write). */
function scopeCheck(granted: string | null): CheckResult | null {
  if (granted === null) return null;
  const have = new Set(granted.split(',').map((s) => s.trim()));
  const missing = BOT_SCOPES.filter((s) => !have.has(s));
  return missing.length
    ? {
        name: 'slack scopes',
        ok: false,
        detail: `the bot token lacks ${missing.join(', ')}${missing.includes('files:write') ? ' (graphs cannot be posted)' : ''}: add them under OAuth & Permissions (or re-create the app from config/slack-app-manifest.yaml) and reinstall`,
      }
    : { name: 'slack scopes', ok: true, detail: BOT_SCOPES.join(', ') };
}

const checkSlack: Check = async ({ config, secrets }) => {
  const bot = secrets.slackBotToken;
  const app = secrets.slackAppToken;
  if (!bot && !app)
    return { name: 'slack', ok: true, skipped: true, detail: 'off (set SLACK_BOT_TOKEN and SLACK_APP_TOKEN to post incidents)' };
  const apiUrl = config.slack.api_url ?? 'https://slack.com/api/';
  const results: CheckResult[] = [];
  if (!bot?.startsWith('xoxb-'))
    results.push({
      name: 'slack bot token',
      ok: false,
      detail: 'SLACK_BOT_TOKEN is missing or not a bot token (xoxb-…): copy it from OAuth & Permissions',
    });
  else {
    try {
      const r = await slackCall(apiUrl, 'auth.test', bot);
      results.push(
        r.ok
          ? { name: 'slack bot token', ok: true, detail: `auth.test: bot ${r.user ?? r.user_id} in ${r.team ?? r.team_id}` }
          : { name: 'slack bot token', ok: false, detail: `auth.test says ${r.error}: reinstall the app and update SLACK_BOT_TOKEN` },
      );
      const scopes = r.ok ? scopeCheck(r.scopes) : null;
      if (scopes) results.push(scopes);
    } catch (e) {
      results.push({ name: 'slack bot token', ok: false, detail: `auth.test failed (${reason(e)}): check network access to ${apiUrl}` });
    }
  }
  if (!app?.startsWith('xapp-'))
    results.push({
      name: 'slack app token',
      ok: false,
      detail: 'SLACK_APP_TOKEN is missing or not an app-level token (xapp-…): create one with connections:write under Basic Information',
    });
  else {
    try {
      const r = await slackCall(apiUrl, 'apps.connections.open', app);
      results.push(
        r.ok
          ? { name: 'slack app token', ok: true, detail: 'apps.connections.open: Socket Mode available' }
          : {
              name: 'slack app token',
              ok: false,
              detail: `apps.connections.open says ${r.error}: enable Socket Mode and give the app token connections:write`,
            },
      );
    } catch (e) {
      results.push({ name: 'slack app token', ok: false, detail: `apps.connections.open failed (${reason(e)})` });
    }
  }
  const channels = [
    ...new Set([config.slack.channel, ...config.slack.routes.map((r) => r.channel)].filter((c): c is string => Boolean(c))),
  ];
  if (channels.length === 0)
    results.push({
      name: 'slack channels',
      ok: false,
      detail: 'no channel: set SLACK_CHANNEL (or slack.channel) to the channel id incidents go to',
    });
  for (const channel of bot?.startsWith('xoxb-') ? channels : []) {
    if (!bot) break;
    try {
      const r = await slackCall(apiUrl, 'conversations.info', bot, { channel });
      results.push(
        r.ok
          ? {
              name: `slack channel ${channel}`,
              ok: true,
              detail: `#${r.channel?.name ?? channel}${r.channel?.is_member === false ? ' (not a member yet: /invite the app)' : ''}`,
            }
          : {
              name: `slack channel ${channel}`,
              ok: false,
              detail: `conversations.info says ${r.error}: check the channel id and invite the app`,
            },
      );
    } catch (e) {
      results.push({ name: `slack channel ${channel}`, ok: false, detail: `conversations.info failed (${reason(e)})` });
    }
  }
  return results;
};

/** Where a cluster's settings live, for the fix a failed check names. */
function keysOf(cluster: ClusterConfig): { prometheus: string; alertmanager: string; kubernetes: string } {
  return cluster.name === DEFAULT_CLUSTER
    ? { prometheus: 'PROMETHEUS_URL', alertmanager: 'ALERTMANAGER_URL', kubernetes: 'kubernetes.enabled: true' }
    : {
        prometheus: `clusters[${cluster.name}].prometheus.url`,
        alertmanager: `clusters[${cluster.name}].alertmanager.url`,
        kubernetes: `clusters[${cluster.name}].kubernetes`,
      };
}

async function checkPrometheus(cluster: ClusterConfig): Promise<CheckResult> {
  const name = 'prometheus';
  const { url } = cluster.prometheus;
  const key = keysOf(cluster).prometheus;
  if (!url) return { name, ok: true, skipped: true, detail: `not configured (set ${key} to enrich alerts)` };
  try {
    const r = await getJson(new URL('api/v1/status/buildinfo', url.endsWith('/') ? url : `${url}/`).toString());
    if (r.status === 200 && r.body?.status === 'success')
      return { name, ok: true, detail: `${url} (Prometheus ${r.body.data?.version ?? '?'})` };
    return { name, ok: false, detail: `${url} answered ${r.status} to /api/v1/status/buildinfo: check ${key} points at Prometheus itself` };
  } catch (e) {
    return { name, ok: false, detail: `${url} unreachable (${reason(e)}): check ${key} and that Prometheus runs` };
  }
}

async function checkAlertmanager(cluster: ClusterConfig): Promise<CheckResult[]> {
  const name = 'alertmanager';
  const { urls } = cluster.alertmanager;
  const key = keysOf(cluster).alertmanager;
  if (urls.length === 0) return [{ name, ok: true, skipped: true, detail: `not configured (set ${key} for silences and reconciliation)` }];
  // Every instance of an HA pair: reconciliation asks each.
  return Promise.all(
    urls.map(async (url): Promise<CheckResult> => {
      try {
        const r = await getJson(new URL('api/v2/status', url.endsWith('/') ? url : `${url}/`).toString());
        if (r.status === 200 && r.body?.versionInfo)
          return {
            name,
            ok: true,
            detail: `${url} (Alertmanager ${r.body.versionInfo.version ?? '?'}, cluster ${r.body.cluster?.status ?? '?'})`,
          };
        return { name, ok: false, detail: `${url} answered ${r.status} to /api/v2/status: check ${key}` };
      } catch (e) {
        return { name, ok: false, detail: `${url} unreachable (${reason(e)}): check ${key} and that Alertmanager runs` };
      }
    }),
  );
}

/**
 * Kubernetes: for every namespace in the cluster's policy.namespaces, a SelfSubjectAccessReview
 * for each permission the actions enabled by policy.max_risk need, so a missing RBAC rule shows
 * here before anyone requests anything.
 */
async function checkKubernetes(loaded: LoadedConfig, cluster: ClusterConfig): Promise<CheckResult[]> {
  const { config } = loaded;
  if (!cluster.kubernetes)
    return [{ name: 'kubernetes', ok: true, skipped: true, detail: `off (set ${keysOf(cluster).kubernetes} to run remediation)` }];
  const { lazyExecutor } = await import('../../app.js');
  const { CATALOGUE, riskRank } = await import('../../core/actions.js');
  const { policyFor, policyFromConfig } = await import('../../core/policy.js');
  const policy = policyFor(policyFromConfig(config.policy, config.clusters), cluster.name);
  const where = cluster.name === DEFAULT_CLUSTER ? 'policy.namespaces' : `cluster ${cluster.name}'s policy.namespaces`;
  if (policy.namespaces.length === 0)
    return [{ name: 'kubernetes', ok: true, skipped: true, detail: `${where} is empty: no action may touch any namespace` }];
  let executor;
  try {
    executor = await lazyExecutor(loaded, cluster)();
  } catch (e) {
    return [{ name: 'kubernetes', ok: false, detail: reason(e) }];
  }
  const actions = Object.values(CATALOGUE).filter((a) => a.targetKind === 'deployment' && riskRank(a.risk) <= riskRank(policy.maxRisk));
  const permissions = actions.flatMap((a) => a.permissions);
  // Every namespace at once: a cluster whose API hangs costs one request timeout, not one per namespace.
  return Promise.all(
    policy.namespaces.map(async (namespace): Promise<CheckResult> => {
      const pre = await executor.checkPermissions(permissions, { namespace, deployment: '' });
      return pre.allowed
        ? {
            name: `kubernetes ${namespace}`,
            ok: true,
            detail: `may run ${actions.map((a) => a.name).join(', ')} (policy.max_risk ${policy.maxRisk})`,
          }
        : { name: `kubernetes ${namespace}`, ok: false, detail: pre.reason };
    }),
  );
}

/** How a cluster recognises its incidents, for the head of its block. */
function recognised(cluster: ClusterConfig): string {
  const labels = Object.entries(cluster.match.labels).map(([k, v]) => `${k}="${v}"`);
  const urls = cluster.match.externalURLs;
  return [labels.length ? `alerts labelled ${labels.join(', ')}` : '', urls.length ? `from Alertmanager ${urls.join(' or ')}` : '']
    .filter(Boolean)
    .join(' ');
}

/**
 * Prometheus, Alertmanager and Kubernetes of every cluster: with one cluster, lines as they
 * always were; with named clusters, each cluster's checks (run side by side: one cluster's API
 * being down delays no other) carry its name, and print as one block per cluster.
 */
const checkClusters: Check = async (loaded) => {
  const all = clusterConfigs(loaded.config);
  const blocks = await Promise.all(
    all.map(async (cluster) => {
      const results = [await checkPrometheus(cluster), ...(await checkAlertmanager(cluster)), ...(await checkKubernetes(loaded, cluster))];
      return loaded.config.clusters ? results.map((r) => ({ ...r, cluster: cluster.name, recognised: recognised(cluster) })) : results;
    }),
  );
  return blocks.flat();
};

/** The checks in order. */
const CHECKS: Check[] = [checkDatabase, checkWebhookPort, checkSlack, checkClusters];

async function runChecks(loaded: LoadedConfig, checks: readonly Check[] = CHECKS): Promise<CheckResult[]> {
  const out: CheckResult[] = [];
  for (const check of checks) {
    try {
      const r = await check(loaded);
      out.push(...(Array.isArray(r) ? r : [r]));
    } catch (e) {
      out.push({ name: check.name, ok: false, detail: `check failed unexpectedly: ${reason(e)}` });
    }
  }
  return out;
}

export async function configCheck(globals: GlobalOptions, opts: { json?: boolean }, io: Output): Promise<number> {
  let loaded: LoadedConfig;
  try {
    loaded = load(globals);
  } catch (e) {
    // An invalid file is itself a failed check; say so in the same format.
    const result: CheckResult = { name: 'configuration', ok: false, detail: (e as Error).message };
    io.result(opts, { ok: false, checks: [result] }, () => `✗ ${result.name}: ${result.detail}`);
    return EXIT.usage;
  }
  const results: CheckResult[] = [
    { name: 'configuration', ok: true, detail: loaded.file ? `${loaded.file} is valid` : 'embedded defaults (no config file)' },
    ...(await runChecks(loaded)),
  ];
  const ok = results.every((r) => r.ok);
  logOf(globals).debug({ checks: results.length, failed: results.filter((r) => !r.ok).map((r) => r.name) }, 'checks done');
  io.result(opts, { ok, checks: results }, () => checkText(results));
  return ok ? EXIT.ok : EXIT.failed;
}

/** One line per check; a cluster's checks under a line naming it (one block per cluster). */
function checkText(results: readonly CheckResult[]): string {
  const lines: string[] = [];
  let block: string | undefined;
  for (const r of results) {
    if (r.cluster !== undefined && r.cluster !== block) {
      const ok = results.filter((x) => x.cluster === r.cluster).every((x) => x.ok);
      lines.push(`${ok ? '✓' : '✗'} cluster ${r.cluster}${r.recognised ? ` (${r.recognised})` : ''}`);
    }
    block = r.cluster;
    lines.push(`${r.cluster !== undefined ? '  ' : ''}${r.skipped ? '-' : r.ok ? '✓' : '✗'} ${r.name}: ${r.detail}`);
  }
  return lines.join('\n');
}
