/**
 * The action catalogue: every action any face can offer, as data. Adding an action means one
 * entry here plus its executor branch; policy, requests and previews read these entries.
 */
import { CLUSTER_NAME, DEFAULT_CLUSTER } from './clusters.js';
import { ChatopsError } from './errors.js';

/** Risks in increasing order (policy.max_risk compares by this order). */
export const RISKS = ['read', 'low', 'mutate', 'destructive'] as const;
export type Risk = (typeof RISKS)[number];
export const riskRank = (r: Risk): number => RISKS.indexOf(r);

export type ActionName = 'pods' | 'events' | 'logs' | 'ack' | 'silence' | 'rollout-restart' | 'scale' | 'rollout-undo';

/** What an action acts on: a deployment (Kubernetes actions) or an incident (ack, silence). */
export type TargetKind = 'deployment' | 'incident';

export interface DeploymentTarget {
  /**
   * The cluster it is in (see clusters.ts). Absent: the single cluster, `default` (or, with
   * named clusters, not said yet); null: an incident no configured cluster claims.
   */
  cluster?: string | null;
  namespace: string;
  deployment: string;
}

export interface ActionParams {
  /** scale: the desired replica count. */
  replicas?: number;
  /** logs: lines per pod. */
  tailLines?: number;
  /** silence: duration in ms. */
  durationMs?: number;
}

export interface ParamSpec {
  name: keyof ActionParams;
  required: boolean;
  description: string;
}

/** One Kubernetes permission an action needs, as a SelfSubjectAccessReview asks it. */
export interface KubePermission {
  verb: string;
  group: string;
  resource: string;
  subresource?: string;
}

export interface ActionSpec {
  name: ActionName;
  risk: Risk;
  targetKind: TargetKind;
  /** Mutations are stored as requests, dry-run, audited and may need approval; reads run at once. */
  mutates: boolean;
  title: string;
  params: readonly ParamSpec[];
  /** The Kubernetes permissions the executor needs (empty for non-Kubernetes actions). */
  permissions: readonly KubePermission[];
  /** One line saying what will happen, shown to the requester and the approvers. */
  preview(target: DeploymentTarget, params: ActionParams): string;
}

const deployments = (verb: string, subresource?: string): KubePermission => ({ verb, group: 'apps', resource: 'deployments', subresource });

export const CATALOGUE: Readonly<Record<ActionName, ActionSpec>> = {
  pods: {
    name: 'pods',
    risk: 'read',
    targetKind: 'deployment',
    mutates: false,
    title: 'Deployment status and pods',
    params: [],
    permissions: [deployments('get'), { verb: 'list', group: '', resource: 'pods' }],
    preview: (t) => `show the status of deployment ${t.namespace}/${t.deployment} and its pods`,
  },
  events: {
    name: 'events',
    risk: 'read',
    targetKind: 'deployment',
    mutates: false,
    title: 'Recent events',
    params: [],
    permissions: [{ verb: 'list', group: '', resource: 'events' }],
    preview: (t) => `show recent events of deployment ${t.namespace}/${t.deployment} and its pods`,
  },
  logs: {
    name: 'logs',
    risk: 'read',
    targetKind: 'deployment',
    mutates: false,
    title: 'Recent log lines',
    params: [{ name: 'tailLines', required: false, description: 'lines per pod (default 50)' }],
    permissions: [
      deployments('get'),
      { verb: 'list', group: '', resource: 'pods' },
      { verb: 'get', group: '', resource: 'pods', subresource: 'log' },
    ],
    preview: (t, p) => `show the last ${p.tailLines ?? 50} log lines of each pod of ${t.namespace}/${t.deployment}`,
  },
  ack: {
    name: 'ack',
    risk: 'low',
    targetKind: 'incident',
    mutates: false,
    title: 'Acknowledge',
    params: [],
    permissions: [],
    preview: () => 'acknowledge the incident',
  },
  silence: {
    name: 'silence',
    risk: 'low',
    targetKind: 'incident',
    mutates: false,
    title: 'Silence in Alertmanager',
    params: [{ name: 'durationMs', required: false, description: 'how long (default 2h)' }],
    permissions: [],
    preview: () => "silence the incident's alerts in Alertmanager",
  },
  'rollout-restart': {
    name: 'rollout-restart',
    risk: 'mutate',
    targetKind: 'deployment',
    mutates: true,
    title: 'Rollout restart',
    params: [],
    permissions: [deployments('get'), deployments('patch')],
    preview: (t) => `restart every pod of deployment ${t.namespace}/${t.deployment} (rolling, like 'kubectl rollout restart')`,
  },
  scale: {
    name: 'scale',
    risk: 'mutate',
    targetKind: 'deployment',
    mutates: true,
    title: 'Scale',
    params: [{ name: 'replicas', required: true, description: 'the desired number of replicas' }],
    permissions: [deployments('get'), deployments('patch', 'scale')],
    preview: (t, p) => `scale deployment ${t.namespace}/${t.deployment} to ${p.replicas} replicas`,
  },
  'rollout-undo': {
    name: 'rollout-undo',
    risk: 'destructive',
    targetKind: 'deployment',
    mutates: true,
    title: 'Rollout undo',
    params: [],
    permissions: [deployments('get'), { verb: 'list', group: 'apps', resource: 'replicasets' }, deployments('patch')],
    preview: (t) => `roll deployment ${t.namespace}/${t.deployment} back to its previous revision (like 'kubectl rollout undo')`,
  },
};

const ACTION_NAMES = Object.keys(CATALOGUE) as ActionName[];

export function actionSpec(name: string): ActionSpec {
  if (!Object.hasOwn(CATALOGUE, name)) {
    throw new ChatopsError('usage', `Unknown action ${JSON.stringify(name)}: use one of ${ACTION_NAMES.join(', ')}.`);
  }
  return CATALOGUE[name as ActionName];
}

/** Kubernetes object names (RFC 1123 labels/subdomains); anything else never reaches a URL path. */
const DNS_NAME = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;

/** Parses `<namespace>/<deployment>` or `<cluster>/<namespace>/<deployment>`. */
export function parseDeploymentTarget(text: string): DeploymentTarget {
  const m = /^(?:([^/]+)\/)?([^/]+)\/([^/]+)$/.exec(text.trim());
  if (!m || !DNS_NAME.test(m[2]!) || !DNS_NAME.test(m[3]!) || m[2]!.length > 63 || (m[1] !== undefined && !CLUSTER_NAME.test(m[1]))) {
    throw new ChatopsError(
      'usage',
      `${JSON.stringify(text)} is not a target: write <namespace>/<deployment>, e.g. prod/web, or <cluster>/<namespace>/<deployment>, e.g. eu-1/prod/web.`,
    );
  }
  return m[1] === undefined ? { namespace: m[2]!, deployment: m[3]! } : { cluster: m[1], namespace: m[2]!, deployment: m[3]! };
}

/**
 * The deployment an incident is about, for remediation buttons: its `namespace` and `deployment`
 * labels. Null when the alert does not name one (or names something that is not a valid name).
 */
export function deploymentTargetOf(incident: {
  namespace: string;
  labels: Record<string, string>;
  cluster?: string | null;
}): DeploymentTarget | null {
  const deployment = incident.labels.deployment;
  const namespace = incident.namespace || incident.labels.namespace;
  if (!deployment || !namespace || !DNS_NAME.test(deployment) || !DNS_NAME.test(namespace) || namespace.length > 63) return null;
  // In the incident's cluster (null: none claims it, so nothing may run there).
  return incident.cluster === undefined || incident.cluster === DEFAULT_CLUSTER
    ? { namespace, deployment }
    : { cluster: incident.cluster, namespace, deployment };
}

/** `namespace/deployment`, or `cluster/namespace/deployment` in a named cluster (`?/…` when no cluster claims it). */
export const targetText = (t: DeploymentTarget): string =>
  t.cluster === undefined || t.cluster === DEFAULT_CLUSTER
    ? `${t.namespace}/${t.deployment}`
    : `${t.cluster ?? '?'}/${t.namespace}/${t.deployment}`;

/** Checks that the parameters an action needs are there and well-formed (bounds are policy). */
export function validateParams(spec: ActionSpec, params: ActionParams): void {
  for (const p of spec.params) {
    const v = params[p.name];
    if (p.required && v === undefined) {
      throw new ChatopsError('usage', `${spec.name} needs ${p.name === 'replicas' ? '--replicas <n>' : p.name}: ${p.description}.`);
    }
    if (v !== undefined && (!Number.isInteger(v) || v < 0)) {
      throw new ChatopsError('usage', `${p.name} must be a whole number, got ${String(v)}.`);
    }
  }
  if (spec.name !== 'scale' && params.replicas !== undefined) {
    throw new ChatopsError('usage', `--replicas only applies to scale, not ${spec.name}.`);
  }
}
