/**
 * Policy: who may do what, where, and whether a second person must agree. Pure functions over
 * a Policy value; every outcome is a Decision with a sentence a human can act on. A refusal's
 * reason says why, not that it is a refusal: the face that shows it says that its own way.
 */
import { CATALOGUE, type ActionParams, type ActionSpec, type DeploymentTarget, type Risk, riskRank } from './actions.js';
import { DEFAULT_CLUSTER } from './clusters.js';
import type { AuditSource, Labels } from './types.js';

/** Where an approval may come from (policy.approve_from). */
export const APPROVAL_SOURCES = ['slack', 'cli', 'tui'] as const;
export type ApprovalSource = (typeof APPROVAL_SOURCES)[number];

export interface Policy {
  maxRisk: Risk;
  namespaces: readonly string[];
  /** Label selector a deployment must match (`k=v,k!=v,k,!k`), or null for any. */
  deploymentSelector: string | null;
  production: readonly string[];
  approvalTtlMs: number;
  scale: { min: number; max: number };
  /** Principals per risk: Slack user ids, Slack user-group ids, `cli:<os user>`, mapped ids, or '*'. */
  requesters: Partial<Record<Risk, readonly string[]>>;
  approvers: Partial<Record<Risk, readonly string[]>>;
  approveFrom: Partial<Record<Risk, readonly ApprovalSource[]>>;
  /**
   * An unmapped terminal account (`cli:<user>`) and a Slack user may be the same human: with
   * this on, neither may approve the other's request (map the account under `users:`).
   */
  requireMappedApprovers?: boolean;
  /** Per named cluster, what its `policy:` sets instead of the top level (see `policyFor`). */
  clusters?: Readonly<Record<string, ClusterPolicy>>;
}

/** What a cluster's own `policy:` may set; anything it leaves out is the top level's. Requesters and approvers replace the top level's per risk. */
export interface ClusterPolicy {
  namespaces?: readonly string[];
  production?: readonly string[];
  deploymentSelector?: string | null;
  requesters?: Partial<Record<Risk, readonly string[]>>;
  approvers?: Partial<Record<Risk, readonly string[]>>;
}

/**
 * The policy in force in a cluster: the top level with the cluster's own settings over it, and
 * `scope` naming the cluster (refusals say where they apply). The single cluster (absent or
 * `default`) is the top level, its refusals worded as they always were.
 */
export interface ScopedPolicy extends Policy {
  scope: { cluster: string | null; overrides: ReadonlySet<string> } | null;
}

export function policyFor(policy: Policy, cluster: string | null | undefined): ScopedPolicy {
  if (cluster === undefined || cluster === DEFAULT_CLUSTER) return { ...policy, scope: null };
  const own = (cluster === null ? undefined : policy.clusters?.[cluster]) ?? {};
  const overrides = new Set(
    Object.entries(own)
      .filter(([, v]) => v !== undefined)
      .map(([k]) => k),
  );
  return {
    ...policy,
    namespaces: own.namespaces ?? policy.namespaces,
    production: own.production ?? policy.production,
    deploymentSelector: own.deploymentSelector !== undefined ? own.deploymentSelector : policy.deploymentSelector,
    requesters: { ...policy.requesters, ...own.requesters },
    approvers: { ...policy.approvers, ...own.approvers },
    scope: { cluster, overrides },
  };
}

const CONFIG_KEY: Record<keyof ClusterPolicy, string> = {
  namespaces: 'namespaces',
  production: 'production',
  deploymentSelector: 'deployment_selector',
  requesters: 'requesters',
  approvers: 'approvers',
};

/** The configuration key a rule comes from: `policy.x`, or `cluster c's policy.x` when the cluster sets it. */
function keyOf(p: ScopedPolicy, field: keyof ClusterPolicy, risk?: Risk): string {
  const key = `policy.${CONFIG_KEY[field]}${risk ? `.${risk}` : ''}`;
  if (!p.scope || p.scope.cluster === null) return key;
  const own =
    field === 'requesters' || field === 'approvers'
      ? p.scope.overrides.has(field) && risk !== undefined && p.clusters?.[p.scope.cluster]?.[field]?.[risk] !== undefined
      : p.scope.overrides.has(field);
  return own ? `cluster ${p.scope.cluster}'s ${key}` : key;
}

/** ` in cluster c` after a refusal's subject, when the policy is a named cluster's. */
const inCluster = (p: ScopedPolicy): string => (p.scope ? ` in cluster ${p.scope.cluster ?? '(unknown)'}` : '');

/** Someone acting: their id, where they act from, and (when the face knows) their user groups. */
export interface Principal {
  id: string;
  source: AuditSource;
  /** Slack user-group ids this person belongs to, resolved by the face (see MembershipResolver). */
  groups?: readonly string[];
}

export type Decision =
  | { kind: 'run'; risk: Risk; reason: string }
  | { kind: 'needs-approval'; risk: Risk; approvers: readonly string[]; from: readonly ApprovalSource[]; reason: string }
  | { kind: 'refused'; risk: Risk; reason: string };

export type ApprovalDecision = { kind: 'allowed'; risk: Risk; reason: string } | { kind: 'refused'; risk: Risk; reason: string };

/** Requesters when a risk has no list: anyone may read or acknowledge; nobody may change things. */
const DEFAULT_REQUESTERS: Record<Risk, readonly string[]> = { read: ['*'], low: ['*'], mutate: [], destructive: [] };

export function requestersFor(policy: Policy, risk: Risk): readonly string[] {
  return policy.requesters[risk] ?? DEFAULT_REQUESTERS[risk];
}

export function approversFor(policy: Policy, risk: Risk): readonly string[] {
  return policy.approvers[risk] ?? [];
}

function approveFromFor(policy: Policy, risk: Risk): readonly ApprovalSource[] {
  return policy.approveFrom[risk] ?? APPROVAL_SOURCES;
}

function matchesPrincipal(principals: readonly string[], who: Principal): boolean {
  return principals.some((p) => p === '*' || p === who.id || (who.groups?.includes(p) ?? false));
}

const list = (xs: readonly string[]): string => (xs.length ? xs.join(', ') : 'none');

// ---- label selectors ---------------------------------------------------------------------------

type Requirement = { key: string; op: '=' | '!=' | 'exists' | '!exists'; value?: string };

/** Parses an equality-based label selector; null when malformed. */
export function parseSelector(text: string): Requirement[] | null {
  const out: Requirement[] = [];
  for (const raw of text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    let m: RegExpExecArray | null;
    if ((m = /^([\w./-]+)\s*!=\s*([\w.-]*)$/.exec(raw))) out.push({ key: m[1]!, op: '!=', value: m[2]! });
    else if ((m = /^([\w./-]+)\s*==?\s*([\w.-]*)$/.exec(raw))) out.push({ key: m[1]!, op: '=', value: m[2]! });
    else if ((m = /^!([\w./-]+)$/.exec(raw))) out.push({ key: m[1]!, op: '!exists' });
    else if ((m = /^([\w./-]+)$/.exec(raw))) out.push({ key: m[1]!, op: 'exists' });
    else return null;
  }
  return out;
}

export function selectorMatches(reqs: readonly Requirement[], labels: Labels): boolean {
  return reqs.every((r) => {
    const has = Object.hasOwn(labels, r.key);
    switch (r.op) {
      case '=':
        return has && labels[r.key] === r.value;
      case '!=':
        return !has || labels[r.key] !== r.value;
      case 'exists':
        return has;
      case '!exists':
        return !has;
    }
  });
}

// ---- evaluation ----------------------------------------------------------------------------------

export interface RequestFacts {
  action: ActionSpec;
  /** Null for actions on incidents (ack, silence). */
  target: DeploymentTarget | null;
  params: ActionParams;
  requester: Principal;
  /** The deployment's labels, or 'unknown' when they were not looked up (then a selector refuses). */
  targetLabels: Labels | 'unknown';
  /** For actions on incidents (no target): the incident's cluster, whose requesters decide. */
  cluster?: string | null;
}

/** The checks about WHAT is asked, independent of who asks: risk, namespace, selector, bounds. */
function checkTarget(policy: ScopedPolicy, f: Omit<RequestFacts, 'requester'>, lenientLabels = false): string | null {
  const { action, target, params } = f;
  const risk = action.risk;
  if (riskRank(risk) > riskRank(policy.maxRisk)) {
    return `${action.name} is a ${risk} action and policy.max_risk allows only up to ${policy.maxRisk}: raise policy.max_risk to enable it`;
  }
  if (target) {
    const where = inCluster(policy);
    if (!policy.namespaces.includes(target.namespace)) {
      return `namespace ${target.namespace}${where} is not in ${keyOf(policy, 'namespaces')} (${list(policy.namespaces)}): add it there to allow actions on it`;
    }
    if (policy.deploymentSelector) {
      const key = keyOf(policy, 'deploymentSelector');
      const reqs = parseSelector(policy.deploymentSelector);
      if (!reqs) return `${key} ${JSON.stringify(policy.deploymentSelector)} is not a label selector: fix the configuration`;
      if (f.targetLabels === 'unknown') {
        if (!lenientLabels)
          return `the labels of deployment ${target.namespace}/${target.deployment}${where} could not be checked against ${key}`;
      } else if (!selectorMatches(reqs, f.targetLabels)) {
        return `deployment ${target.namespace}/${target.deployment}${where} does not match ${key} (${policy.deploymentSelector}): label it to allow actions on it`;
      }
    }
  }
  if (action.name === 'scale' && params.replicas !== undefined) {
    const { min, max } = policy.scale;
    if (params.replicas < min || params.replicas > max) {
      return `scaling to ${params.replicas} replicas is outside policy.scale (${min} to ${max})`;
    }
  }
  return null;
}

function needsSecondPerson(policy: Policy, action: ActionSpec, target: DeploymentTarget | null): boolean {
  return target !== null && action.mutates && riskRank(action.risk) >= riskRank('mutate') && policy.production.includes(target.namespace);
}

/** The policy in force for what a request acts on: its target's cluster, else the incident's (`cluster`). */
const scoped = (policy: Policy, f: Pick<RequestFacts, 'target' | 'cluster'>): ScopedPolicy =>
  'scope' in policy ? (policy as ScopedPolicy) : policyFor(policy, f.target ? f.target.cluster : f.cluster);

/**
 * Decides a new request: run now, needs approval (by whom, from where), or refused (why).
 * With `labelsLater`, unknown labels do not refuse yet: the check to run before anything is
 * sent to Kubernetes (risk, namespace, bounds, requester), the selector after the labels are read.
 */
export function evaluateRequest(given: Policy, f: RequestFacts, opts: { labelsLater?: boolean } = {}): Decision {
  const policy = scoped(given, f);
  const risk = f.action.risk;
  const where = inCluster(policy);
  const bad = checkTarget(policy, f, opts.labelsLater);
  if (bad) return { kind: 'refused', risk, reason: `${bad}.` };
  const requesters = requestersFor(policy, risk);
  if (!matchesPrincipal(requesters, f.requester)) {
    return {
      kind: 'refused',
      risk,
      reason: `${f.requester.id} may not request ${risk} actions${where} (${keyOf(policy, 'requesters', risk)}: ${list(requesters)}).`,
    };
  }
  if (!needsSecondPerson(policy, f.action, f.target)) {
    return {
      kind: 'run',
      risk,
      reason: `Allowed: ${f.action.name} is a ${risk} action${f.target ? ` in ${f.target.namespace}` : ''}${where} and ${f.requester.id} may request it.`,
    };
  }
  const approvers = approversFor(policy, risk);
  const from = approveFromFor(policy, risk);
  if (approvers.length === 0 || approvers.every((a) => a === f.requester.id)) {
    return {
      kind: 'refused',
      risk,
      reason: `${f.target!.namespace}${where} is a production namespace, so ${risk} actions need a second person, and nobody else may approve them: add approvers to ${keyOf(policy, 'approvers', risk)}.`,
    };
  }
  return {
    kind: 'needs-approval',
    risk,
    approvers,
    from,
    reason: `${f.target!.namespace}${where} is a production namespace: a second person (${list(approvers)}) must approve from ${from.join(' or ')}.`,
  };
}

export interface ApprovalFacts extends Omit<RequestFacts, 'requester'> {
  /** The requester's id as stored (their groups are not re-resolved). */
  requester: Principal;
  approver: Principal;
}

/**
 * Decides whether this approver may approve this request now, under the policy in force now:
 * the request itself is re-checked (a namespace removed from the allow-list refuses it).
 */
export function evaluateApproval(given: Policy, f: ApprovalFacts, opts: { labelsLater?: boolean } = {}): ApprovalDecision {
  const policy = scoped(given, f);
  const risk = f.action.risk;
  if (f.approver.id === f.requester.id) {
    return {
      kind: 'refused',
      risk,
      reason: `${f.approver.id} requested this, and nobody may approve their own request: another approver must.`,
    };
  }
  const again = evaluateRequest(policy, f, opts);
  if (again.kind === 'refused') return { kind: 'refused', risk, reason: `under the policy in force now: ${again.reason}` };
  const from = approveFromFor(policy, risk);
  if (f.approver.source !== 'slack' && f.approver.source !== 'cli' && f.approver.source !== 'tui') {
    return { kind: 'refused', risk, reason: `approvals come from a person in Slack, the CLI or the TUI, not from ${f.approver.source}.` };
  }
  if (!from.includes(f.approver.source)) {
    return {
      kind: 'refused',
      risk,
      reason: `${risk} actions may be approved only from ${from.join(' or ')} (policy.approve_from.${risk}), not from ${f.approver.source}.`,
    };
  }
  const approvers = approversFor(policy, risk);
  if (!matchesPrincipal(approvers, f.approver)) {
    return {
      kind: 'refused',
      risk,
      reason: `${f.approver.id} may not approve ${risk} actions${inCluster(policy)} (${keyOf(policy, 'approvers', risk)}: ${list(approvers)}).`,
    };
  }
  if (policy.requireMappedApprovers) {
    const terminal = (id: string) => id.startsWith('cli:');
    const [unmapped, other] = terminal(f.approver.id) ? [f.approver.id, f.requester.id] : [f.requester.id, f.approver.id];
    if (terminal(unmapped) && !terminal(other)) {
      return {
        kind: 'refused',
        risk,
        reason: `${unmapped} is a terminal account not mapped to a Slack user, so chatops cannot tell it from ${other}, who ${unmapped === f.approver.id ? 'requested this' : 'is approving'}: map it under users: (policy.require_mapped_approvers).`,
      };
    }
  }
  return { kind: 'allowed', risk, reason: `Approved by ${f.approver.id}.` };
}

/** Who may deny: anyone who could approve it (in its cluster), and the requester (which cancels it). */
export function mayDeny(policy: Policy, risk: Risk, requesterId: string, who: Principal, cluster?: string | null): boolean {
  return who.id === requesterId || matchesPrincipal(approversFor(policyFor(policy, cluster), risk), who);
}

export interface AvailableAction {
  action: ActionSpec['name'];
  title: string;
  risk: Risk;
  /** 'run' or 'needs-approval'; refused actions are left out. */
  decision: Decision;
}

/**
 * The deployment actions the policy enables for a target (for buttons and menus). Without an
 * actor the requester check is skipped (a Slack message is seen by many people).
 */
export function availableActions(
  given: Policy,
  target: DeploymentTarget,
  actor?: Principal,
  targetLabels: Labels | 'unknown' = 'unknown',
): AvailableAction[] {
  // No cluster claims the target's incident: nothing may run there.
  if (target.cluster === null) return [];
  const policy = policyFor(given, target.cluster);
  const out: AvailableAction[] = [];
  for (const spec of Object.values(CATALOGUE)) {
    if (spec.targetKind !== 'deployment') continue;
    const facts = { action: spec, target, params: {}, targetLabels };
    if (checkTarget(policy, facts, true)) continue;
    if (actor && !matchesPrincipal(requestersFor(policy, spec.risk), actor)) continue;
    const decision: Decision = needsSecondPerson(policy, spec, target)
      ? {
          kind: 'needs-approval',
          risk: spec.risk,
          approvers: approversFor(policy, spec.risk),
          from: approveFromFor(policy, spec.risk),
          reason: `${target.namespace} is a production namespace: a second person must approve`,
        }
      : { kind: 'run', risk: spec.risk, reason: 'allowed' };
    out.push({ action: spec.name, title: spec.title, risk: spec.risk, decision });
  }
  return out;
}

/** A cluster's `policy:` section as the configuration holds it. */
export interface ClusterPolicyConfig {
  namespaces?: string[];
  production?: string[];
  deployment_selector?: string;
  requesters?: Partial<Record<Risk, string[]>>;
  approvers?: Partial<Record<Risk, string[]>>;
}

/** Builds the Policy value from the `policy:` section of the configuration, and each named cluster's own `policy:`. */
export function policyFromConfig(
  c: {
    max_risk: Risk;
    namespaces: string[];
    deployment_selector?: string;
    production: string[];
    approval_ttl: number;
    scale: { min: number; max: number };
    requesters: Partial<Record<Risk, string[]>>;
    approvers: Partial<Record<Risk, string[]>>;
    approve_from: Partial<Record<Risk, ApprovalSource[]>>;
    require_mapped_approvers?: boolean;
  },
  clusters: readonly { name: string; policy?: ClusterPolicyConfig }[] = [],
): Policy {
  const own = clusters
    .filter((k) => k.policy)
    .map((k): [string, ClusterPolicy] => [
      k.name,
      {
        namespaces: k.policy!.namespaces,
        production: k.policy!.production,
        deploymentSelector: k.policy!.deployment_selector,
        requesters: k.policy!.requesters,
        approvers: k.policy!.approvers,
      },
    ]);
  return {
    ...(own.length ? { clusters: Object.fromEntries(own) } : {}),
    maxRisk: c.max_risk,
    namespaces: c.namespaces,
    deploymentSelector: c.deployment_selector ?? null,
    production: c.production,
    approvalTtlMs: c.approval_ttl,
    scale: c.scale,
    requesters: c.requesters,
    approvers: c.approvers,
    approveFrom: c.approve_from,
    requireMappedApprovers: c.require_mapped_approvers ?? false,
  };
}
