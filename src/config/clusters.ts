/**
 * The clusters a configuration names, normalised: `clusters:` entries with the top level's
 * settings filled in where a cluster sets none, or — without `clusters:` — one cluster,
 * `default`, made of the single-cluster keys (`kubernetes`, `alertmanager.url`, `prometheus.url`).
 * No I/O here; the composition root (src/app.ts) builds each cluster's clients from these.
 */
import {
  compileClusters,
  defaultMatch,
  DEFAULT_CLUSTER,
  normaliseURL,
  type ClusterMatch,
  type ClusterResolver,
  type ClusterSet,
} from '../core/clusters.js';
import type { Config } from './schema.js';

/** How chatops reaches a cluster's Kubernetes API. */
export interface KubeAccess {
  kubeconfig?: string;
  context?: string;
  /** The pod's service account; 'auto': when no kubeconfig is named and chatops runs in a pod (the single-cluster rule). */
  inCluster: boolean | 'auto';
  allowExecPlugins: boolean;
  requestTimeoutMs: number;
  rolloutTimeoutMs: number;
  pollIntervalMs: number;
  /** API calls in flight at once to this cluster. */
  concurrency: number;
}

export interface ClusterConfig {
  name: string;
  match: ClusterMatch;
  /** Null: no Kubernetes actions in this cluster. */
  kubernetes: KubeAccess | null;
  alertmanager: { urls: string[]; timeoutMs: number; reconcile: { intervalMs: number; warmupMs: number } };
  prometheus: { url?: string; timeoutMs: number };
  links: { dashboard?: string; logs?: string };
}

/** The Prometheus an incident's queries go to: its cluster's. */
export interface PrometheusTarget {
  /** Its cluster: each cluster's queries have their own concurrency. */
  cluster: string;
  url: string;
  timeoutMs: number;
}

const cache = new WeakMap<Config, ClusterConfig[]>();

/** Every cluster of the configuration, in its order (the order clusters are tried in). */
export function clusterConfigs(config: Config): ClusterConfig[] {
  let out = cache.get(config);
  if (!out) {
    out = config.clusters ? config.clusters.map((c) => named(config, c)) : [single(config)];
    cache.set(config, out);
  }
  return out;
}

function single(config: Config): ClusterConfig {
  const k = config.kubernetes;
  const am = config.alertmanager;
  return {
    name: DEFAULT_CLUSTER,
    match: { labels: {}, externalURLs: [] },
    kubernetes: k.enabled
      ? {
          kubeconfig: k.kubeconfig,
          context: k.context,
          inCluster: 'auto',
          allowExecPlugins: k.allow_exec_plugins,
          requestTimeoutMs: k.request_timeout,
          rolloutTimeoutMs: k.rollout_timeout,
          pollIntervalMs: k.poll_interval,
          concurrency: k.concurrency,
        }
      : null,
    alertmanager: { urls: am.urls, timeoutMs: am.timeout, reconcile: { intervalMs: am.reconcile.interval, warmupMs: am.reconcile.warmup } },
    prometheus: { url: config.prometheus.url, timeoutMs: config.prometheus.timeout },
    links: config.links,
  };
}

type NamedCluster = NonNullable<Config['clusters']>[number];

function named(config: Config, c: NamedCluster): ClusterConfig {
  const top = config.kubernetes;
  const k = c.kubernetes;
  const am = config.alertmanager;
  return {
    name: c.name,
    match: c.match ? { labels: c.match.labels ?? {}, externalURLs: c.match.external_url.map(normaliseURL) } : defaultMatch(c.name),
    kubernetes: k
      ? {
          kubeconfig: k.kubeconfig,
          context: k.context,
          inCluster: k.in_cluster,
          allowExecPlugins: k.allow_exec_plugins ?? top.allow_exec_plugins,
          requestTimeoutMs: k.request_timeout ?? top.request_timeout,
          rolloutTimeoutMs: k.rollout_timeout ?? top.rollout_timeout,
          pollIntervalMs: k.poll_interval ?? top.poll_interval,
          concurrency: k.concurrency ?? top.concurrency,
        }
      : null,
    alertmanager: {
      urls: c.alertmanager?.url ?? [],
      timeoutMs: c.alertmanager?.timeout ?? am.timeout,
      reconcile: { intervalMs: am.reconcile.interval, warmupMs: am.reconcile.warmup },
    },
    prometheus: { url: c.prometheus?.url, timeoutMs: c.prometheus?.timeout ?? config.prometheus.timeout },
    links: { dashboard: c.links?.dashboard ?? config.links.dashboard, logs: c.links?.logs ?? config.links.logs },
  };
}

/** The clusters as the core sees them: names and how each recognises its incidents. */
export function clusterSet(config: Config): ClusterSet {
  return { multi: config.clusters !== undefined, clusters: clusterConfigs(config).map((c) => ({ name: c.name, match: c.match })) };
}

const resolvers = new WeakMap<Config, ClusterResolver | null>();

/** The configuration's cluster resolver, compiled once (null: one cluster). */
export function clusterResolver(config: Config): ClusterResolver | null {
  if (!resolvers.has(config)) resolvers.set(config, compileClusters(clusterSet(config)));
  return resolvers.get(config)!;
}
