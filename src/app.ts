/**
 * The composition root: the one place that builds adapters from configuration and hands
 * them to the core. Every face (daemon, CLI, TUI) gets its collaborators from here.
 */
import { ElasticsearchSink } from './adapters/audit-sinks/elasticsearch.js';
import { FileSink } from './adapters/audit-sinks/file.js';
import { LokiSink } from './adapters/audit-sinks/loki.js';
import type { AuditSink } from './adapters/audit-sinks/sink.js';
import { SlackStore } from './adapters/store/slack-store.js';
import { advanceAnchor, anchorPath, type AnchorWrite } from './adapters/store/audit-anchor.js';
import { SqliteStore } from './adapters/store/sqlite-store.js';
import { clusterConfigs, clusterResolver, clusterSet, type ClusterConfig, type PrometheusTarget } from './config/clusters.js';
import type { LoadedConfig } from './config/load.js';
import { clusterOfIncident, DEFAULT_CLUSTER, unknownClusterReason, type ClusterSet } from './core/clusters.js';
import type { IngestContext } from './core/ingest.js';
import type { Clock } from './core/ports.js';
import { randomBytes } from 'node:crypto';
import { ChatopsError } from './core/errors.js';
import { policyFromConfig } from './core/policy.js';
import { operatorService, type OperatorContext, type OperatorService } from './core/operator.js';
import type { Silencer } from './core/silence.js';
import type { Executor } from './core/requests.js';
import type { Incident } from './core/types.js';

/** One cluster's connections, built on first use: its executor, its Alertmanager silencer, its settings. */
export interface ClusterRuntime {
  name: string;
  config: ClusterConfig;
  /** Its Kubernetes executor; throws ChatopsError('config') when it has no Kubernetes. */
  executor(): Promise<Executor>;
  /** Its Alertmanager silencer; throws ChatopsError('config') when it has no Alertmanager. */
  silencer(): Promise<Silencer>;
}

/** The clusters of this process, each with its own clients, timeouts and concurrency. */
export interface ClusterRuntimes {
  set: ClusterSet;
  /** Every cluster, in configuration order. */
  all: readonly ClusterRuntime[];
  /** A configured cluster by name (absent: `default`); null when there is none by that name. */
  get(name?: string): ClusterRuntime | null;
  /**
   * The one resolver from an incident to its cluster — its Prometheus, Alertmanager and
   * executor — or why it has none (no configured cluster claims it, naming what its alerts lack).
   */
  forIncident(incident: Incident): { ok: true; cluster: ClusterRuntime } | { ok: false; reason: string };
  /** The incident's cluster's Prometheus (enrichment, graphs, SLO); null when it has none or no cluster claims the incident. */
  prometheusOf(incident: Incident): PrometheusTarget | null;
}

export interface Runtime {
  loaded: LoadedConfig;
  store: SqliteStore;
  /** Slack messages and storm digests, in the same database. */
  slack: SlackStore;
  clock: Clock;
  /** Slack is configured: state changes also write outbox rows for the daemon to deliver. */
  notify: boolean;
  ingest: IngestContext;
  /** Policy (swapped in place on reload), requests, the Kubernetes executor and the Alertmanager silencer (built on first use). */
  remediation: OperatorContext;
  /** Acknowledge, silence, request, approve, deny: what every face calls. */
  operator: OperatorService;
  /** The clusters, each with its own Kubernetes, Alertmanager and Prometheus (one cluster, `default`, without `clusters:`). */
  clusters: ClusterRuntimes;
  /** Moves the audit anchor to the chain head; null when this process may not write it. */
  checkpointAudit(): AnchorWrite | null;
  close(): void;
}

const systemClock: Clock = { now: () => Date.now() };

/** Meta key the daemon sets to '1' when it runs with Slack and '0' when it runs without. */
export const SLACK_ENABLED_META = 'slack.enabled';
/** Meta key where the daemon records its Slack socket's state: JSON {state, detail, since}. */
export const SLACK_SOCKET_META = 'slack.socket';

export function slackConfigured(loaded: LoadedConfig): boolean {
  return Boolean(loaded.secrets.slackBotToken && loaded.secrets.slackAppToken);
}

const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';

/** An opaque request id: `r-` + 16 base32 characters (80 random bits). */
export function newRequestId(): string {
  const bytes = randomBytes(10);
  let bits = 0;
  let value = 0;
  let out = '';
  for (const b of bytes) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  return `r-${out}`;
}

/**
 * Builds a cluster's KubeExecutor on first use, so commands that never touch Kubernetes never
 * load client-node. Each cluster has its own client, timeouts and concurrency.
 */
export function lazyExecutor(
  loaded: LoadedConfig,
  cluster: ClusterConfig = clusterConfigs(loaded.config)[0]!,
  env: NodeJS.ProcessEnv = process.env,
): () => Promise<Executor> {
  let made: Promise<Executor> | null = null;
  return () => {
    const k = cluster.kubernetes;
    if (!k) {
      return Promise.reject(
        new ChatopsError(
          'config',
          cluster.name === DEFAULT_CLUSTER
            ? 'Kubernetes is off: set kubernetes.enabled: true and KUBECONFIG (or kubernetes.kubeconfig) to run Kubernetes actions.'
            : `Cluster ${cluster.name} has no Kubernetes access: give it kubernetes: { kubeconfig: … } under clusters: to run Kubernetes actions there.`,
        ),
      );
    }
    made ??= import('./adapters/kube/kube-executor.js').then(
      ({ KubeExecutor }) =>
        new KubeExecutor({
          kubeconfig: k.kubeconfig,
          // On the privileged path only a kubeconfig the system configuration names counts (trust.ts).
          inCluster: k.inCluster === 'auto' ? !k.kubeconfig && !loaded.privileged && Boolean(env.KUBERNETES_SERVICE_HOST) : k.inCluster,
          context: k.context,
          allowExecPlugins: k.allowExecPlugins,
          requestTimeoutMs: k.requestTimeoutMs,
          rolloutTimeoutMs: k.rolloutTimeoutMs,
          pollIntervalMs: k.pollIntervalMs,
          concurrency: k.concurrency,
          cluster: cluster.name === DEFAULT_CLUSTER ? undefined : cluster.name,
        }),
    );
    return made;
  };
}

const NO_ALERTMANAGER = 'Alertmanager is not configured: set ALERTMANAGER_URL (or alertmanager.url) to silence alerts.';

/**
 * Why this configuration cannot silence alerts (the missing setting), or null when it can. With
 * named clusters: when none has an Alertmanager (whether the incident's cluster has one, the
 * operator service says when asked).
 */
export function silencesUnavailable(loaded: LoadedConfig): string | null {
  if (clusterConfigs(loaded.config).some((c) => c.alertmanager.urls.length > 0)) return null;
  return loaded.config.clusters
    ? 'No cluster has an Alertmanager: set alertmanager.url under clusters: to silence alerts.'
    : NO_ALERTMANAGER;
}

/** A cluster's Alertmanager silencer, or a configuration error naming the missing setting. */
function lazySilencer(cluster: ClusterConfig): () => Promise<Silencer> {
  return async () => {
    const am = cluster.alertmanager;
    if (am.urls.length === 0) {
      throw new ChatopsError(
        'config',
        cluster.name === DEFAULT_CLUSTER
          ? NO_ALERTMANAGER
          : `Cluster ${cluster.name} has no Alertmanager: set its alertmanager.url under clusters: to silence its alerts.`,
      );
    }
    const { AlertmanagerSilencer } = await import('./adapters/alertmanager/silences.js');
    return new AlertmanagerSilencer(am.urls, am.timeoutMs);
  };
}

/** Every configured cluster with its lazily built clients. */
function clusterRuntimes(loaded: LoadedConfig): ClusterRuntimes {
  const set = clusterSet(loaded.config);
  const all = clusterConfigs(loaded.config).map((config): ClusterRuntime => ({
    name: config.name,
    config,
    executor: lazyExecutor(loaded, config),
    silencer: lazySilencer(config),
  }));
  const byName = new Map(all.map((c) => [c.name, c]));
  const forIncident: ClusterRuntimes['forIncident'] = (incident) => {
    const name = clusterOfIncident(incident);
    if (name === null) return { ok: false, reason: unknownClusterReason(set, incident) };
    const cluster = byName.get(name);
    return cluster
      ? { ok: true, cluster }
      : {
          ok: false,
          reason: `incident #${incident.id} belongs to cluster ${name}, which is no longer configured (clusters: ${all.map((c) => c.name).join(', ')})`,
        };
  };
  return {
    set,
    all,
    get: (name = DEFAULT_CLUSTER) => byName.get(name) ?? null,
    forIncident,
    prometheusOf(incident) {
      const found = forIncident(incident);
      const p = found.ok ? found.cluster.config.prometheus : null;
      return found.ok && p?.url ? { cluster: found.cluster.name, url: p.url, timeoutMs: p.timeoutMs } : null;
    },
  };
}

/** A cluster by name for the operator's executor and silencer, or the configuration error naming it. */
function clusterNamed(clusters: ClusterRuntimes, name: string | undefined): ClusterRuntime {
  const cluster = clusters.get(name);
  if (!cluster)
    throw new ChatopsError('config', `There is no cluster ${name}: the clusters are ${clusters.all.map((c) => c.name).join(', ')}.`);
  return cluster;
}

/** `notify` forces whether outbox rows are written (the daemon knows; CLI processes ask the database). */
export function openRuntime(loaded: LoadedConfig, options: { mustExist?: boolean; clock?: Clock; notify?: boolean } = {}): Runtime {
  const { config } = loaded;
  const store = new SqliteStore({
    path: config.store.path,
    mode: config.store.mode,
    group: config.store.group,
    busyTimeoutMs: config.store.busy_timeout,
    synchronous: config.store.synchronous,
    mustExist: options.mustExist,
  });
  const clock = options.clock ?? systemClock;
  // A CLI process without the Slack tokens in its environment still writes outbox rows when
  // the daemon on this database runs Slack (it records that at start), so `chatops ack` or
  // `chatops silence` on the bastion shows up in the incident's thread.
  const notify = options.notify ?? (slackConfigured(loaded) || store.getMeta(SLACK_ENABLED_META)?.value === '1');
  const clusters = clusterRuntimes(loaded);
  const remediation: OperatorContext = {
    store,
    clock,
    notify,
    policy: policyFromConfig(config.policy, config.clusters),
    clusters: clusters.set,
    newId: newRequestId,
    executor: async (name) => clusterNamed(clusters, name).executor(),
    silencer: async (name) => clusterNamed(clusters, name).silencer(),
  };
  return {
    loaded,
    store,
    slack: new SlackStore(store),
    clock,
    notify,
    ingest: {
      store,
      clock,
      notify,
      lifecycle: {
        keyLabels: config.incidents.key_labels,
        reopenWindowMs: config.incidents.reopen_window,
        clusterOf: clusterResolver(config),
      },
    },
    remediation,
    operator: operatorService(remediation),
    clusters,
    checkpointAudit: () => checkpointAudit(store, anchorPath(store.path, config.audit.anchor), clock),
    close: () => {
      // A process that appended to the chain moves the anchor, when it is the account that may.
      if (store.auditAppended > 0) checkpointAudit(store, anchorPath(store.path, config.audit.anchor), clock);
      store.close();
    },
  };
}

/** Null when the file cannot be written here (not the service account, a read-only or vanished directory). */
function checkpointAudit(store: SqliteStore, file: string, clock: Clock): AnchorWrite | null {
  try {
    return advanceAnchor(store, file, clock.now());
  } catch (e) {
    if (typeof (e as NodeJS.ErrnoException).code === 'string') return null;
    throw e;
  }
}

/** The audit sinks configured under audit.sinks. */
export function buildAuditSinks(loaded: LoadedConfig): AuditSink[] {
  return loaded.config.audit.sinks.map((s) => {
    switch (s.type) {
      case 'loki':
        return new LokiSink(s.url, s.labels);
      case 'elasticsearch':
        return new ElasticsearchSink(s.url, s.index);
      case 'file':
        return new FileSink(s.path);
    }
  });
}
