/**
 * The configuration schema: what `config/chatops.example.yaml` documents, as code.
 * `parseConfig` turns what the user wrote into a normalised Config, reporting every problem
 * at once by key path. No I/O here.
 */
import bytes from 'bytes';
import * as z from 'zod';
import { parseDuration } from '../core/duration.js';
import { RISKS } from '../core/actions.js';
import { CLUSTER_NAME, DEFAULT_CLUSTER } from '../core/clusters.js';
import { APPROVAL_SOURCES, parseSelector } from '../core/policy.js';

const duration = (fallback: string) =>
  z
    .union([z.string(), z.number()])
    .default(fallback)
    .transform((v, ctx) => {
      const ms = typeof v === 'number' ? v * 1000 : parseDuration(v);
      if (ms === null || ms < 0) {
        ctx.addIssue({ code: 'custom', message: `expected a duration such as "30s", "15m" or "1h", got ${JSON.stringify(v)}` });
        return z.NEVER;
      }
      return ms;
    });

/** A duration a cluster may set for itself (unset: the top level's). */
const ownDuration = z
  .union([z.string(), z.number()])
  .optional()
  .transform((v, ctx) => {
    if (v === undefined) return undefined;
    const ms = typeof v === 'number' ? v * 1000 : parseDuration(v);
    if (ms === null || ms < 0) {
      ctx.addIssue({ code: 'custom', message: `expected a duration such as "30s", "15m" or "1h", got ${JSON.stringify(v)}` });
      return z.NEVER;
    }
    return ms;
  });

const size = (fallback: string) =>
  z
    .union([z.string(), z.number()])
    .default(fallback)
    .transform((v, ctx) => {
      const n = typeof v === 'number' ? v : bytes.parse(v);
      if (n === null || !Number.isFinite(n) || n <= 0) {
        ctx.addIssue({ code: 'custom', message: `expected a size such as "1mb" or "512kb", got ${JSON.stringify(v)}` });
        return z.NEVER;
      }
      return n;
    });

const listen = z
  .string()
  .default('127.0.0.1:9095')
  .transform((v, ctx) => {
    const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:\s]+)):(\d{1,5})$/.exec(v);
    const port = m ? Number(m[3]) : NaN;
    if (!m || port > 65535) {
      ctx.addIssue({ code: 'custom', message: `expected host:port such as "127.0.0.1:9095", got ${JSON.stringify(v)}` });
      return z.NEVER;
    }
    return { host: (m[1] ?? m[2])!, port };
  });

const fileMode = z
  .union([z.string(), z.number()])
  .default('0600')
  .transform((v, ctx) => {
    const n = typeof v === 'number' ? v : /^0?[0-7]{3}$/.test(v) ? parseInt(v, 8) : NaN;
    if (!Number.isInteger(n) || (n & 0o007) !== 0) {
      ctx.addIssue({
        code: 'custom',
        message: `expected an octal mode with no access for others ("0600" or "0660"), got ${JSON.stringify(v)}`,
      });
      return z.NEVER;
    }
    return n;
  });

const url = z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' });

/** One URL, several separated by commas (as an environment variable carries them), or a list. */
const urlList = z
  .union([z.string(), z.array(z.string())])
  .optional()
  .transform((v, ctx) => {
    const list = (v === undefined ? [] : Array.isArray(v) ? v : v.split(',')).map((u) => u.trim()).filter(Boolean);
    for (const u of list) {
      if (!url.safeParse(u).success) ctx.addIssue({ code: 'custom', message: `expected an http(s) URL, got ${JSON.stringify(u)}` });
    }
    return list;
  });
const labelMap = z.record(z.string(), z.string());
const principals = z.array(z.string());

/** One entry of `clusters:`: how its incidents are recognised, and its own Kubernetes, Alertmanager, Prometheus, links and policy. */
const clusterSchema = z.strictObject({
  name: z.string().regex(CLUSTER_NAME, 'expected a name of lower-case letters, digits, ".", "_" and "-" (at most 63), such as "eu-west-1"'),
  // Unset: the alerts carry the cluster's name in their `cluster` label.
  match: z.strictObject({ labels: labelMap.optional(), external_url: urlList }).optional(),
  kubernetes: z
    .strictObject({
      kubeconfig: z.string().optional(),
      context: z.string().optional(),
      in_cluster: z.boolean().default(false),
      allow_exec_plugins: z.boolean().optional(),
      rollout_timeout: ownDuration,
      request_timeout: ownDuration,
      poll_interval: ownDuration,
      concurrency: z.number().int().positive().optional(),
    })
    .optional(),
  alertmanager: z.strictObject({ url: urlList, timeout: ownDuration }).optional(),
  prometheus: z.strictObject({ url: url.optional(), timeout: ownDuration }).optional(),
  links: z.strictObject({ dashboard: z.string().optional(), logs: z.string().optional() }).optional(),
  policy: z
    .strictObject({
      namespaces: z.array(z.string()).optional(),
      production: z.array(z.string()).optional(),
      deployment_selector: z.string().optional(),
      requesters: z.partialRecord(z.enum(RISKS), principals).optional(),
      approvers: z.partialRecord(z.enum(RISKS), principals).optional(),
    })
    .optional(),
});

export const configSchema = z.strictObject({
  webhook: z
    .strictObject({
      listen,
      token_file: z.string().optional(),
      max_body: size('1mb'),
      request_timeout: duration('10s'),
    })
    .prefault({}),
  store: z
    .strictObject({
      path: z.string().min(1).default('./data/chatops.db'),
      mode: fileMode,
      group: z.string().optional(),
      synchronous: z.enum(['full', 'normal']).default('full'),
      busy_timeout: duration('5s'),
      retention: duration('30d'),
    })
    .prefault({}),
  incidents: z
    .strictObject({
      key_labels: z.array(z.string().min(1)).default([]),
      reopen_window: duration('1h'),
    })
    .prefault({}),
  log: z.strictObject({ level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']).default('info') }).prefault({}),
  slack: z
    .strictObject({
      bot_token_file: z.string().optional(),
      app_token_file: z.string().optional(),
      api_url: url.optional(),
      channel: z.string().optional(),
      // A route may also name clusters: it then matches only their incidents.
      routes: z
        .array(
          z.strictObject({
            match: labelMap.default({}),
            cluster: z.union([z.string(), z.array(z.string())]).optional(),
            channel: z.string().min(1),
          }),
        )
        .default([]),
      storm: z.strictObject({ threshold: z.number().int().positive().default(10), window: duration('60s') }).prefault({}),
      post_interval: duration('1s'),
      update_interval: duration('1200ms'),
      request_timeout: duration('10s'),
      ping_timeout: duration('5s'),
      watchdog: duration('2m'),
    })
    .prefault({}),
  prometheus: z.strictObject({ url: url.optional(), timeout: duration('3s') }).prefault({}),
  alertmanager: z
    .strictObject({
      url: urlList,
      timeout: duration('5s'),
      reconcile: z.strictObject({ interval: duration('1m'), warmup: duration('3m') }).prefault({}),
    })
    // `url` may name an HA pair; the code reads the list as `urls`.
    .transform(({ url: urls, ...rest }) => ({ ...rest, urls }))
    .prefault({}),
  links: z.strictObject({ dashboard: z.string().optional(), logs: z.string().optional() }).prefault({}),
  kubernetes: z
    .strictObject({
      enabled: z.boolean().default(false),
      kubeconfig: z.string().optional(),
      context: z.string().optional(),
      // kubeconfig users with `exec` or `auth-provider` run a program as chatops: off unless allowed here.
      allow_exec_plugins: z.boolean().default(false),
      rollout_timeout: duration('5m'),
      request_timeout: duration('10s'),
      poll_interval: duration('2s'),
      // Kubernetes API calls in flight at once per cluster: a cluster whose API hangs holds only its own.
      concurrency: z.number().int().positive().default(8),
    })
    .prefault({}),
  policy: z
    .strictObject({
      // low by default: a responder can ack and silence out of the box; Kubernetes changes stay off.
      max_risk: z.enum(RISKS).default('low'),
      namespaces: z.array(z.string()).default([]),
      deployment_selector: z.string().optional(),
      production: z.array(z.string()).default([]),
      approval_ttl: duration('15m'),
      scale: z.strictObject({ min: z.number().int().nonnegative().default(1), max: z.number().int().positive().default(10) }).prefault({}),
      requesters: z.partialRecord(z.enum(RISKS), principals).default({}),
      approvers: z.partialRecord(z.enum(RISKS), principals).default({}),
      approve_from: z.partialRecord(z.enum(RISKS), z.array(z.enum(APPROVAL_SOURCES))).default({}),
      require_mapped_approvers: z.boolean().default(false),
    })
    .prefault({}),
  graphs: z
    .strictObject({
      enabled: z.boolean().default(true),
      max_queries: z.number().int().min(1).max(5).default(3),
      max_series: z.number().int().min(1).max(20).default(8),
      lookback: duration('1h'),
      max_window: duration('24h'),
      points: z.number().int().min(30).max(1000).default(240),
      min_step: duration('15s'),
      timeout: duration('10s'),
      max_bytes: size('1mb'),
      theme: z.enum(['light', 'dark']).default('light'),
      width: z.number().int().min(320).max(1600).default(720),
      height: z.number().int().min(200).max(1000).default(360),
      recovery: z.boolean().default(true),
    })
    .prefault({}),
  slo: z
    .strictObject({
      enabled: z.boolean().default(true),
      conventions: z.array(z.enum(['sloth', 'pyrra'])).default(['sloth', 'pyrra']),
      service_label: z.string().min(1).default('service'),
      queries: z
        .strictObject({ budget_remaining: z.string().min(1), burn_rate: z.string().min(1), name_label: z.string().min(1).default('slo') })
        .optional(),
      dashboard: z.string().optional(),
      max: z.number().int().min(1).max(5).default(3),
    })
    .prefault({}),
  workload: z
    .strictObject({
      enabled: z.boolean().default(true),
      events: z.number().int().min(0).max(20).default(5),
      pods: z.number().int().min(1).max(20).default(5),
    })
    .prefault({}),
  clusters: z.array(clusterSchema).optional(),
  users: labelMap.default({}),
  audit: z
    .strictObject({
      anchor: z.string().min(1).optional(),
      sinks: z
        .array(
          z.discriminatedUnion('type', [
            z.strictObject({ type: z.literal('loki'), url, labels: labelMap.default({}) }),
            z.strictObject({ type: z.literal('elasticsearch'), url, index: z.string().default('chatops-audit') }),
            z.strictObject({ type: z.literal('file'), path: z.string().min(1) }),
          ]),
        )
        .default([]),
    })
    .prefault({}),
});

export type Config = z.output<typeof configSchema>;

export type ConfigResult = { ok: true; config: Config } | { ok: false; problems: string[] };

function keyPath(path: readonly PropertyKey[]): string {
  return path.map(String).join('.') || '(top level)';
}

/** Validates raw configuration; every problem is reported, each with its key path. */
export function parseConfig(raw: unknown): ConfigResult {
  // Parsed once per process: zod's generated fast path would cost more to compile than it saves.
  const parsed = configSchema.safeParse(raw ?? {}, { jitless: true });
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => {
      if (i.code === 'unrecognized_keys') return `${keyPath(i.path)}: unknown key${i.keys.length > 1 ? 's' : ''} ${i.keys.join(', ')}`;
      return `${keyPath(i.path)}: ${i.message}`;
    });
    return { ok: false, problems };
  }
  const config = parsed.data;
  const problems: string[] = [];
  if (config.policy.scale.min > config.policy.scale.max) problems.push('policy.scale: min is larger than max');
  const selector = (key: string, value: string | undefined) => {
    if (value !== undefined && !parseSelector(value))
      problems.push(`${key}: expected a label selector such as "chatops.io/remediable=true,tier!=db", got ${JSON.stringify(value)}`);
  };
  selector('policy.deployment_selector', config.policy.deployment_selector);
  if (config.clusters) problems.push(...clusterProblems(config, selector));
  return problems.length ? { ok: false, problems } : { ok: true, config };
}

/**
 * With `clusters:`, each cluster names its own connections: the single-cluster keys would say
 * which cluster an unclaimed incident's buttons act on, so they are refused rather than guessed.
 */
function clusterProblems(config: Config, selector: (key: string, value: string | undefined) => void): string[] {
  const clusters = config.clusters ?? [];
  const problems: string[] = [];
  if (clusters.length === 0) problems.push('clusters: expected at least one cluster (or leave clusters: out for one cluster)');
  const moved = (key: string, where: string) => `${key}: with clusters:, set it per cluster (clusters[].${where}) instead`;
  if (config.alertmanager.urls.length > 0) problems.push(moved('alertmanager.url', 'alertmanager.url'));
  if (config.prometheus.url !== undefined) problems.push(moved('prometheus.url', 'prometheus.url'));
  if (config.kubernetes.enabled) problems.push(moved('kubernetes.enabled', 'kubernetes: { kubeconfig: … }'));
  if (config.kubernetes.kubeconfig !== undefined) problems.push(moved('kubernetes.kubeconfig', 'kubernetes.kubeconfig'));
  if (config.kubernetes.context !== undefined) problems.push(moved('kubernetes.context', 'kubernetes.context'));
  const seen = new Set<string>();
  clusters.forEach((c, i) => {
    const at = `clusters.${i}`;
    if (c.name === DEFAULT_CLUSTER)
      problems.push(`${at}.name: "${DEFAULT_CLUSTER}" is the name of the single-cluster configuration (no clusters:); choose another`);
    if (seen.has(c.name)) problems.push(`${at}.name: ${JSON.stringify(c.name)} names two clusters; names must differ`);
    seen.add(c.name);
    const k = c.kubernetes;
    if (k && !k.kubeconfig && !k.in_cluster)
      problems.push(
        `${at}.kubernetes: set kubeconfig (and context) or in_cluster: true, or leave kubernetes: out for no Kubernetes actions in ${c.name}`,
      );
    if (k?.kubeconfig && k.in_cluster) problems.push(`${at}.kubernetes: kubeconfig and in_cluster: true exclude each other`);
    if (c.match && c.match.labels === undefined && c.match.external_url.length === 0)
      problems.push(`${at}.match: set labels or external_url (or leave match: out for the cluster label)`);
    selector(`${at}.policy.deployment_selector`, c.policy?.deployment_selector);
  });
  return problems;
}
