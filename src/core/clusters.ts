/**
 * Clusters: which cluster an alert (and so its incident) belongs to, as a pure function of its
 * labels, the `externalURL` of the Alertmanager that sent it and the configured clusters.
 *
 * Without `clusters:` in the configuration there is one cluster, `default`, built from the
 * single-cluster keys; it owns every incident. With `clusters:`, each cluster names how its
 * incidents are recognised — by default its name in the alerts' `cluster` label; or a label
 * matcher; or the Alertmanager's external URL — and the first cluster (in configuration order)
 * whose every condition holds owns the alert. An alert no cluster claims has no cluster: its
 * incident can be acknowledged, but no Kubernetes action or silence can be aimed at it.
 */
import type { Labels } from './types.js';

/** The cluster of the single-cluster keys (no `clusters:` in the configuration). */
export const DEFAULT_CLUSTER = 'default';

/** The label the alerts of a cluster carry its name in, unless it says otherwise. */
const CLUSTER_LABEL = 'cluster';

/** Cluster names: they appear in targets (`<cluster>/<namespace>/<deployment>`), keys and metric labels. */
export const CLUSTER_NAME = /^[a-z0-9]([a-z0-9._-]{0,61}[a-z0-9])?$/;

/** How a cluster recognises its alerts: every label here, and (when any is given) one of the external URLs. */
export interface ClusterMatch {
  labels: Readonly<Labels>;
  /** Alertmanager `externalURL`s, normalised (no trailing slash). Empty: any. */
  externalURLs: readonly string[];
}

export interface ClusterSpec {
  name: string;
  match: ClusterMatch;
}

/** The configured clusters, as the core needs them (names and matchers; adapters live elsewhere). */
export interface ClusterSet {
  /** `clusters:` is configured; false: one cluster, `default`, owns every incident. */
  multi: boolean;
  clusters: readonly ClusterSpec[];
}

/** One cluster, `default`, that owns every incident: the single-cluster configuration. */
export const SINGLE_CLUSTER: ClusterSet = { multi: false, clusters: [{ name: DEFAULT_CLUSTER, match: { labels: {}, externalURLs: [] } }] };

/** Which cluster an alert belongs to; null when no cluster claims it. */
export type ClusterResolver = (labels: Labels, externalURL: string) => string | null;

/** An external URL as compared: without trailing slashes. */
export const normaliseURL = (url: string): string => url.replace(/\/+$/, '');

/** The default matcher of a cluster: its name in the `cluster` label. */
export const defaultMatch = (name: string): ClusterMatch => ({ labels: { [CLUSTER_LABEL]: name }, externalURLs: [] });

/**
 * The resolver for a set of clusters, compiled once (ingest calls it for every alert): null in
 * the single-cluster configuration (every incident is `default`'s). When every cluster is
 * recognised by one value of the same label and nothing else (the usual `cluster` label), it
 * is one map lookup per alert; otherwise the clusters are tried in order.
 */
export function compileClusters(set: ClusterSet): ClusterResolver | null {
  if (!set.multi) return null;
  const specs = set.clusters.map((c) => ({
    name: c.name,
    labels: Object.entries(c.match.labels),
    urls: new Set(c.match.externalURLs.map(normaliseURL)),
  }));
  const label = specs[0]?.labels[0]?.[0];
  if (label !== undefined && specs.every((s) => s.urls.size === 0 && s.labels.length === 1 && s.labels[0]![0] === label)) {
    const byValue = new Map<string, string>();
    for (const s of specs) if (!byValue.has(s.labels[0]![1])) byValue.set(s.labels[0]![1], s.name);
    return (labels) => {
      const v = Object.hasOwn(labels, label) ? labels[label] : undefined;
      return v === undefined ? null : (byValue.get(v) ?? null);
    };
  }
  return (labels, externalURL) => {
    let url: string | null = null;
    for (const s of specs) {
      if (s.urls.size > 0) {
        url ??= normaliseURL(externalURL);
        if (!s.urls.has(url)) continue;
      }
      if (s.labels.every(([k, v]) => Object.hasOwn(labels, k) && labels[k] === v)) return s.name;
    }
    return null;
  };
}

/** The cluster of a stored incident: `default` for incidents stored before clusters existed. */
export const clusterOfIncident = (incident: { cluster?: string | null }): string | null =>
  incident.cluster === undefined ? DEFAULT_CLUSTER : incident.cluster;

export const knownCluster = (set: ClusterSet, name: string): boolean => set.clusters.some((c) => c.name === name);

export const clusterNames = (set: ClusterSet): string[] => set.clusters.map((c) => c.name);

/**
 * Why no cluster claims an incident, naming what its alerts lack: the label each cluster looks
 * for (and the value it has, when it has another), or the Alertmanager it came from.
 */
export function unknownClusterReason(set: ClusterSet, incident: { id?: number; labels: Labels; externalURL: string }): string {
  const who = incident.id === undefined ? 'the incident' : `incident #${incident.id}`;
  const wanted = new Map<string, string[]>();
  let byUrl = false;
  for (const c of set.clusters) {
    for (const [k, v] of Object.entries(c.match.labels)) wanted.set(k, [...(wanted.get(k) ?? []), v]);
    if (c.match.externalURLs.length > 0) byUrl = true;
  }
  const why: string[] = [];
  for (const [k, values] of wanted) {
    const has = Object.hasOwn(incident.labels, k) ? incident.labels[k] : undefined;
    why.push(
      has === undefined
        ? `its alerts have no \`${k}\` label`
        : `its \`${k}\` label is ${JSON.stringify(has)}, which no cluster expects (${[...new Set(values)].map((v) => JSON.stringify(v)).join(', ')})`,
    );
  }
  if (byUrl)
    why.push(
      `it came from the Alertmanager at ${incident.externalURL || '(no externalURL)'}, which no cluster lists under match.external_url`,
    );
  const fix = wanted.has(CLUSTER_LABEL)
    ? `give Prometheus external_labels: {${CLUSTER_LABEL}: <name>} (or add the label in Alertmanager) so chatops can tell`
    : "fix the alerts or the clusters' match: in the configuration";
  return `${who} belongs to no configured cluster (${clusterNames(set).join(', ')}): ${why.join(', and ') || 'no cluster matches it'}; it can be acknowledged, but nothing can be done in Kubernetes or Alertmanager for it — ${fix}`;
}

/** The incident key of an alert of `cluster` (named clusters keep their incidents apart even under one groupKey). */
export const clusterKey = (cluster: string | null, key: string): string => (cluster === null ? key : `${cluster}/${key}`);
