/**
 * The approval and executor core that Slack, the CLI and the TUI share: request an action,
 * decide a request, run an approved request exactly once, expire stale requests.
 * Every step is an audit row; with `notify`, every step is also an outbox row for Slack.
 */
import { actionSpec, targetText, validateParams, type ActionName, type ActionParams, type DeploymentTarget } from './actions.js';
import {
  clusterNames,
  clusterOfIncident,
  DEFAULT_CLUSTER,
  knownCluster,
  SINGLE_CLUSTER,
  unknownClusterReason,
  type ClusterSet,
} from './clusters.js';
import { ChatopsError } from './errors.js';
import type { Actor } from './incident-actions.js';
import { evaluateApproval, evaluateRequest, mayDeny, policyFor, type Decision, type Policy, type Principal } from './policy.js';
import type { Clock, IncidentStore } from './ports.js';
import type {
  ActionRequest,
  DryRunResult,
  ExecutionResult,
  Executor,
  MembershipResolver,
  ProgressEvent,
  ReadResult,
  RequestStore,
  RequestState,
} from './requests.js';
import type { Incident, Labels } from './types.js';
import { iso } from './time.js';

export interface RemediationContext {
  store: IncidentStore & RequestStore;
  clock: Clock;
  notify: boolean;
  /** The policy in force for this process (re-read at every call by re-opening the runtime). */
  policy: Policy;
  /** The configured clusters; absent: one cluster, `default`. */
  clusters?: ClusterSet;
  /** The executor of a cluster (absent: `default`), built lazily: throws ChatopsError('config') when it has no Kubernetes. */
  executor: (cluster?: string) => Promise<Executor>;
  /** New opaque request id. */
  newId: () => string;
  membership?: MembershipResolver;
}

/** A person acting, plus their groups when the face resolved them. */
export type ActingPrincipal = Actor & { groups?: readonly string[] };

export interface RequestInput {
  action: ActionName | string;
  target: DeploymentTarget;
  params?: ActionParams;
  incidentId?: number | null;
  reason?: string | null;
}

export interface RunOptions {
  /** Only preflight and dry-run; store nothing but an audit row. */
  dryRunOnly?: boolean;
  onProgress?: (e: ProgressEvent) => void;
}

/**
 * A refusal: `why` says why, `lead` names who refused when ("Refused", "Refused before anyone
 * approves"), `reason` is the two as one sentence.
 */
export interface Refusal {
  kind: 'refused';
  why: string;
  lead: string;
  reason: string;
}

const REFUSED = 'Refused';
/** Kubernetes' own permissions said no at request time: nobody was asked to approve. */
const REFUSED_EARLY = 'Refused before anyone approves';

function refusal(why: string, lead = REFUSED): Refusal {
  return { kind: 'refused', why, lead, reason: `${lead}: ${why}` };
}

export type RequestOutcome =
  | (Refusal & { decision: Decision | null })
  | { kind: 'read'; result: ReadResult }
  | { kind: 'preview'; decision: Decision; dryRun: DryRunResult }
  | { kind: 'pending'; request: ActionRequest; decision: Decision }
  | { kind: 'executed'; request: ActionRequest; result: ExecutionResult };

export type DecideOutcome =
  | (Refusal & { request: ActionRequest })
  | { kind: 'conflict'; reason: string; request: ActionRequest }
  | { kind: 'denied'; request: ActionRequest }
  | { kind: 'cancelled'; request: ActionRequest }
  | { kind: 'executed'; request: ActionRequest; result: ExecutionResult }
  /** Approved here, but another process claimed the run (cannot normally happen). */
  | { kind: 'approved'; request: ActionRequest };

/** Audit action names, one per step. */
const A = {
  request: 'action.request',
  read: 'action.read',
  preview: 'action.dry-run',
  approve: 'action.approve',
  deny: 'action.deny',
  cancel: 'action.cancel',
  expire: 'action.expire',
  execute: 'action.execute',
  result: 'action.result',
} as const;

function audit(
  ctx: RemediationContext,
  actor: Actor,
  action: string,
  target: DeploymentTarget,
  incidentId: number | null,
  result: string,
  detail: Record<string, unknown>,
): void {
  ctx.store.appendAudit({
    ts: ctx.clock.now(),
    actor: actor.id,
    source: actor.source,
    action,
    target: targetText(target),
    incidentId,
    result,
    detail,
  });
}

async function withGroups(ctx: RemediationContext, actor: ActingPrincipal): Promise<Principal> {
  if (actor.groups || !ctx.membership) return actor;
  try {
    return { ...actor, groups: await ctx.membership.groupsOf(actor.id) };
  } catch {
    return actor; // unknown groups only ever narrow what someone may do
  }
}

/** The cluster whose executor runs an action on this target. */
export const executorOf = (ctx: RemediationContext, target: DeploymentTarget): Promise<Executor> =>
  ctx.executor(target.cluster ?? DEFAULT_CLUSTER);

/** The deployment's labels when its cluster's policy has a deployment_selector, else 'unknown'. */
export async function labelsFor(ctx: RemediationContext, target: DeploymentTarget): Promise<Labels | 'unknown'> {
  if (!policyFor(ctx.policy, target.cluster).deploymentSelector) return 'unknown';
  return (await executorOf(ctx, target)).targetLabels(target);
}

/**
 * The target in the cluster it must be acted on in: the incident's (its cluster decides, and a
 * target naming another is a mistake), else the one named, else the only one there is. A
 * refusal (audited by the caller) when the incident's cluster is unknown or no longer configured;
 * a usage error when the person must say which cluster, or named one that does not exist.
 */
export function targetInCluster(
  ctx: Pick<RemediationContext, 'clusters'>,
  target: DeploymentTarget,
  incident: Incident | null,
): { target: DeploymentTarget } | { refused: string } {
  const set = ctx.clusters ?? SINGLE_CLUSTER;
  const names = clusterNames(set);
  const where = `${target.namespace}/${target.deployment}`;
  let cluster = target.cluster;
  if (incident) {
    const own = clusterOfIncident(incident);
    if (own === null) return { refused: unknownClusterReason(set, incident) };
    if (cluster !== undefined && cluster !== null && cluster !== own) {
      throw new ChatopsError(
        'usage',
        `Incident ${incident.id} is in cluster ${own}, not ${cluster}: write ${own}/${where}, or leave the cluster out to act in the incident's.`,
      );
    }
    if (!knownCluster(set, own))
      return {
        refused: `incident #${incident.id} belongs to cluster ${own}, which is no longer configured (clusters: ${names.join(', ')}): nothing can be done in it from here`,
      };
    cluster = own;
  } else if (cluster === null) {
    return { refused: `no configured cluster is known for ${where}` };
  } else if (cluster === undefined) {
    if (set.multi && names.length > 1) {
      throw new ChatopsError(
        'usage',
        `Which cluster is ${where} in? Write <cluster>/${where} (e.g. ${names[0]}/${where}) or give --cluster; the clusters are ${names.join(', ')}.`,
      );
    }
    cluster = names[0] ?? DEFAULT_CLUSTER;
  } else if (!knownCluster(set, cluster)) {
    throw new ChatopsError(
      'usage',
      set.multi
        ? `There is no cluster ${cluster}: the clusters are ${names.join(', ')}.`
        : `There is no cluster ${cluster}: this configuration has one cluster and names none (add clusters: to name several).`,
    );
  }
  const { cluster: _given, ...rest } = target;
  return { target: !set.multi && cluster === DEFAULT_CLUSTER ? rest : { ...rest, cluster } };
}

/** The outbox payload shared by every request.* row. */
function requestPayload(r: ActionRequest): Record<string, unknown> {
  return {
    requestId: r.id,
    action: r.action,
    risk: r.risk,
    target: targetText(r.target),
    namespace: r.target.namespace,
    deployment: r.target.deployment,
    params: r.params,
    requester: r.requester,
    source: r.source,
    reason: r.reason,
    state: r.state,
    expiresAt: iso(r.expiresAt),
    dryRun: r.dryRun,
    preview: actionSpec(r.action).preview(r.target, r.params),
  };
}

function enqueue(ctx: RemediationContext, kind: string, r: ActionRequest, extra: Record<string, unknown>): void {
  if (ctx.notify) ctx.store.enqueue({ kind, incidentId: r.incidentId, payload: { ...requestPayload(r), ...extra } }, ctx.clock.now());
}

/**
 * Requests an action for a person. Reads run at once. Changes are preflighted (RBAC) and
 * dry-run, then either run at once or stored as a pending request for a second person.
 */
export async function requestAction(
  ctx: RemediationContext,
  input: RequestInput,
  actor: ActingPrincipal,
  opts: RunOptions = {},
): Promise<RequestOutcome> {
  const spec = actionSpec(input.action);
  if (spec.targetKind !== 'deployment') {
    throw new ChatopsError('usage', `${spec.name} acts on an incident, not a deployment: use 'chatops ${spec.name} <incident>'.`);
  }
  const params = input.params ?? {};
  validateParams(spec, params);
  const incidentId = input.incidentId ?? null;
  const incident = incidentId === null ? null : ctx.store.getIncident(incidentId);
  if (incidentId !== null && !incident) {
    throw new ChatopsError('not_found', `No incident ${incidentId}: list them with 'chatops incidents list'.`);
  }
  const reason = input.reason?.trim() || null;
  const placed = targetInCluster(ctx, input.target, incident);
  const target = 'target' in placed ? placed.target : input.target;
  const who = await withGroups(ctx, actor);
  const base = { action: spec.name, params, reason };

  const refuse = (why: string, decision: Decision | null, extra: Record<string, unknown> = {}, lead?: string): RequestOutcome => {
    audit(ctx, actor, A.request, target, incidentId, 'refused', { ...base, why, ...extra });
    return { ...refusal(why, lead), decision };
  };
  if ('refused' in placed) return refuse(`${placed.refused}.`, null);

  // The policy first: nothing reaches the API server for a request it refuses anyway.
  const early = evaluateRequest(
    ctx.policy,
    { action: spec, target, params, requester: who, targetLabels: 'unknown' },
    { labelsLater: true },
  );
  if (early.kind === 'refused') return refuse(early.reason, early);
  // A deployment that does not exist is an unknown target (exit 1), not a policy refusal.
  const unknownTarget = (e: unknown): never => {
    if (e instanceof ChatopsError && e.kind === 'not_found')
      audit(ctx, actor, A.request, target, incidentId, 'failed', { ...base, why: e.message });
    throw e;
  };
  const labels = await labelsFor(ctx, target).catch(unknownTarget);
  const decision = evaluateRequest(ctx.policy, { action: spec, target, params, requester: who, targetLabels: labels });
  if (decision.kind === 'refused') return refuse(decision.reason, decision);

  const executor = await executorOf(ctx, target);
  if (!spec.mutates) {
    let result: ReadResult;
    try {
      result = await executor.read(spec, target, params);
    } catch (e) {
      audit(ctx, actor, A.read, target, incidentId, 'failed', { ...base, why: (e as Error).message });
      throw e;
    }
    audit(ctx, actor, A.read, target, incidentId, 'ok', base);
    return { kind: 'read', result };
  }

  const pre = await executor.preflight(spec, target);
  if (!pre.allowed) return refuse(pre.reason, decision, { preflight: 'denied' }, REFUSED_EARLY);
  const dryRun = await executor.dryRun(spec, target, params).catch(unknownTarget);
  if (!dryRun.ok) return refuse(`the dry run failed: ${dryRun.summary}`, decision, { dryRun });
  if (opts.dryRunOnly) {
    audit(ctx, actor, A.preview, target, incidentId, 'ok', { ...base, dryRun, decision: decision.kind });
    return { kind: 'preview', decision, dryRun };
  }

  const now = ctx.clock.now();
  const needsApproval = decision.kind === 'needs-approval';
  const request: ActionRequest = {
    id: ctx.newId(),
    action: spec.name,
    risk: spec.risk,
    target,
    params,
    requester: actor.id,
    requesterGroups: who.groups ?? [],
    source: actor.source,
    incidentId,
    reason,
    dryRun,
    state: needsApproval ? 'pending' : 'approved',
    createdAt: now,
    expiresAt: now + ctx.policy.approvalTtlMs,
    updatedAt: now,
    decidedBy: needsApproval ? null : 'policy',
    decidedSource: null,
    decidedAt: needsApproval ? null : now,
    decisionReason: needsApproval ? null : decision.reason,
    result: null,
  };
  ctx.store.transaction(() => {
    ctx.store.insertRequest(request);
    audit(ctx, actor, A.request, target, incidentId, request.state, { ...base, requestId: request.id, dryRun, decision: decision.reason });
    enqueue(
      ctx,
      'request.created',
      request,
      needsApproval
        ? { needsApproval: true, approvers: decision.approvers, approveFrom: decision.from, decision: decision.reason }
        : { needsApproval: false, decision: decision.reason },
    );
  });
  if (needsApproval) return { kind: 'pending', request, decision };
  const ran = await execute(ctx, request.id, actor, opts.onProgress);
  if (!ran) throw new ChatopsError('conflict', `Request ${request.id} was claimed by another process.`);
  return { kind: 'executed', request: ran.request, result: ran.result };
}

/**
 * Runs an approved request: claims it (approved → running, guarded), executes, records the
 * outcome. Returns null when someone else already claimed it, so it runs at most once.
 */
async function execute(
  ctx: RemediationContext,
  requestId: string,
  actor: Actor,
  onProgress?: (e: ProgressEvent) => void,
): Promise<{ request: ActionRequest; result: ExecutionResult } | null> {
  const claimed = ctx.store.transaction(() => {
    if (!ctx.store.transitionRequest(requestId, 'approved', 'running', ctx.clock.now())) return null;
    const r = ctx.store.getRequest(requestId)!;
    audit(ctx, actor, A.execute, r.target, r.incidentId, 'started', { requestId, action: r.action, params: r.params });
    return r;
  });
  if (!claimed) return null;
  const spec = actionSpec(claimed.action);
  let result: ExecutionResult;
  try {
    const executor = await executorOf(ctx, claimed.target);
    result = await executor.execute(spec, claimed.target, claimed.params, (e) => onProgress?.(e));
  } catch (e) {
    result = {
      ok: false,
      summary: `${spec.name} on ${targetText(claimed.target)} failed: ${e instanceof ChatopsError ? e.message : (e as Error).message}`,
      detail: {},
    };
  }
  const state: RequestState = result.ok ? 'succeeded' : 'failed';
  const request = ctx.store.transaction(() => {
    ctx.store.transitionRequest(requestId, 'running', state, ctx.clock.now(), { result });
    const r = ctx.store.getRequest(requestId)!;
    audit(ctx, actor, A.result, r.target, r.incidentId, state, {
      requestId,
      action: r.action,
      summary: result.summary,
      detail: result.detail,
    });
    enqueue(ctx, 'request.result', r, { by: actor.id, ok: result.ok, summary: result.summary });
    return r;
  });
  return { request, result };
}

function describeState(r: ActionRequest): string {
  switch (r.state) {
    case 'approved':
    case 'running':
      return `already approved by ${r.decidedBy ?? 'someone'} and ${r.state === 'running' ? 'running' : 'about to run'}`;
    case 'succeeded':
    case 'failed':
      return `already decided by ${r.decidedBy ?? 'someone'} and ${r.state}`;
    case 'denied':
      return `already denied by ${r.decidedBy ?? 'someone'}`;
    case 'cancelled':
      return `cancelled by ${r.decidedBy ?? 'its requester'}`;
    case 'expired':
      return `expired at ${iso(r.expiresAt)}: request it again`;
    case 'pending':
      return 'pending';
  }
}

/** Expires one pending request whose time is up (guarded; a no-op if someone decided first). */
function expireOne(ctx: RemediationContext, r: ActionRequest, actor: Actor): boolean {
  return ctx.store.transaction(() => {
    const now = ctx.clock.now();
    if (
      !ctx.store.transitionRequest(r.id, 'pending', 'expired', now, {
        decidedBy: 'daemon',
        decidedAt: now,
        decisionReason: 'approval_ttl elapsed',
      })
    )
      return false;
    const after = ctx.store.getRequest(r.id)!;
    audit(ctx, actor, A.expire, r.target, r.incidentId, 'expired', { requestId: r.id, action: r.action, expiresAt: iso(r.expiresAt) });
    enqueue(ctx, 'request.decided', after, { decision: 'expired', by: actor.id, decisionSource: actor.source });
    return true;
  });
}

/** Approves or denies a request as this person, re-checking the policy in force now. */
export async function decide(
  ctx: RemediationContext,
  requestId: string,
  verdict: 'approve' | 'deny',
  actor: ActingPrincipal,
  opts: { reason?: string; onProgress?: (e: ProgressEvent) => void } = {},
): Promise<DecideOutcome> {
  const found = ctx.store.getRequest(requestId);
  if (!found) throw new ChatopsError('not_found', `No request ${requestId}: list pending ones with 'chatops approvals'.`);
  let request = found;
  const now = ctx.clock.now();
  const note = opts.reason?.trim() || null;
  const refuse = (why: string): DecideOutcome => {
    ctx.store.transaction(() => {
      ctx.store.recordApproval({
        requestId,
        actor: actor.id,
        source: actor.source,
        decision: verdict,
        outcome: 'refused',
        reason: why,
        ts: ctx.clock.now(),
      });
      audit(ctx, actor, verdict === 'approve' ? A.approve : A.deny, request.target, request.incidentId, 'refused', {
        requestId,
        action: request.action,
        why,
      });
    });
    return { ...refusal(why), request: ctx.store.getRequest(requestId) ?? request };
  };
  // A click or command on a request that is no longer pending (a replayed click, the loser of
  // two simultaneous approvals): nothing happens, but who tried and why it did nothing is audited.
  const conflict = (r: ActionRequest): DecideOutcome => {
    const reason = `Request ${requestId} is ${describeState(r)}.`;
    ctx.store.transaction(() => {
      ctx.store.recordApproval({
        requestId,
        actor: actor.id,
        source: actor.source,
        decision: verdict,
        outcome: 'refused',
        reason,
        ts: ctx.clock.now(),
      });
      audit(ctx, actor, verdict === 'approve' ? A.approve : A.deny, r.target, r.incidentId, 'refused', {
        requestId,
        action: r.action,
        why: reason,
      });
    });
    return { kind: 'conflict', reason, request: r };
  };

  if (request.state === 'pending' && request.expiresAt <= now) {
    expireOne(ctx, request, { id: 'daemon', source: 'daemon' });
    request = ctx.store.getRequest(requestId)!;
  }
  if (request.state === 'expired') return refuse(`request ${requestId} expired at ${iso(request.expiresAt)}: request it again.`);
  if (request.state !== 'pending') return conflict(request);
  const spec = actionSpec(request.action);
  const who = await withGroups(ctx, actor);

  if (verdict === 'deny') {
    if (!mayDeny(ctx.policy, spec.risk, request.requester, who, request.target.cluster)) {
      const where = request.target.cluster === undefined ? '' : ` in cluster ${request.target.cluster}`;
      return refuse(`${actor.id} may neither approve nor deny ${spec.risk} actions${where} (policy.approvers.${spec.risk}).`);
    }
    const to: RequestState = actor.id === request.requester ? 'cancelled' : 'denied';
    const done = ctx.store.transaction(() => {
      const at = ctx.clock.now();
      if (
        !ctx.store.transitionRequest(requestId, 'pending', to, at, {
          decidedBy: actor.id,
          decidedSource: actor.source,
          decidedAt: at,
          decisionReason: note ?? undefined,
        })
      )
        return null;
      ctx.store.recordApproval({
        requestId,
        actor: actor.id,
        source: actor.source,
        decision: 'deny',
        outcome: 'accepted',
        reason: note,
        ts: at,
      });
      const r = ctx.store.getRequest(requestId)!;
      audit(ctx, actor, to === 'cancelled' ? A.cancel : A.deny, r.target, r.incidentId, to, { requestId, action: r.action, reason: note });
      enqueue(ctx, 'request.decided', r, { decision: to, by: actor.id, decisionSource: actor.source, decisionReason: note });
      return r;
    });
    if (!done) return conflict(ctx.store.getRequest(requestId)!);
    return to === 'cancelled' ? { kind: 'cancelled', request: done } : { kind: 'denied', request: done };
  }

  const set = ctx.clusters ?? SINGLE_CLUSTER;
  const cluster = request.target.cluster ?? DEFAULT_CLUSTER;
  if (!knownCluster(set, cluster))
    return refuse(
      `cluster ${cluster}, where request ${requestId} would run, is no longer configured (clusters: ${clusterNames(set).join(', ')}).`,
    );
  const facts = {
    action: spec,
    target: request.target,
    params: request.params,
    requester: { id: request.requester, source: request.source, groups: request.requesterGroups },
    approver: who,
  };
  // The policy in force first, before anything reaches the API server; the selector after.
  const early = evaluateApproval(ctx.policy, { ...facts, targetLabels: 'unknown' }, { labelsLater: true });
  if (early.kind === 'refused') return refuse(early.reason);
  let labels: Labels | 'unknown';
  try {
    labels = await labelsFor(ctx, request.target);
  } catch (e) {
    if (e instanceof ChatopsError && e.kind === 'not_found') return refuse(e.message);
    throw e;
  }
  const verdictNow = evaluateApproval(ctx.policy, { ...facts, targetLabels: labels });
  if (verdictNow.kind === 'refused') return refuse(verdictNow.reason);
  // This process will run it: fail before the approval is spent if it cannot (Kubernetes off here).
  await executorOf(ctx, request.target);

  const approved = ctx.store.transaction(() => {
    const at = ctx.clock.now();
    // Guarded by state AND expiry: a request approved a millisecond after expiring stays expired.
    if (
      !ctx.store.transitionRequest(
        requestId,
        'pending',
        'approved',
        at,
        { decidedBy: actor.id, decidedSource: actor.source, decidedAt: at, decisionReason: note ?? undefined },
        at,
      )
    )
      return null;
    ctx.store.recordApproval({
      requestId,
      actor: actor.id,
      source: actor.source,
      decision: 'approve',
      outcome: 'accepted',
      reason: note,
      ts: at,
    });
    const r = ctx.store.getRequest(requestId)!;
    audit(ctx, actor, A.approve, r.target, r.incidentId, 'approved', { requestId, action: r.action, reason: note });
    enqueue(ctx, 'request.decided', r, { decision: 'approved', by: actor.id, decisionSource: actor.source, decisionReason: note });
    return r;
  });
  if (!approved) {
    const r = ctx.store.getRequest(requestId)!;
    if (r.state === 'pending') {
      expireOne(ctx, r, { id: 'daemon', source: 'daemon' });
      return refuse(`request ${requestId} expired at ${iso(r.expiresAt)}: request it again.`);
    }
    return conflict(r);
  }
  const ran = await execute(ctx, requestId, actor, opts.onProgress);
  if (!ran) return { kind: 'approved', request: ctx.store.getRequest(requestId)! };
  return { kind: 'executed', request: ran.request, result: ran.result };
}

/** Expires every pending request past its TTL; the daemon calls this periodically. Returns how many. */
export function expireRequests(ctx: Pick<RemediationContext, 'store' | 'clock' | 'notify'>): number {
  const now = ctx.clock.now();
  let n = 0;
  for (const r of ctx.store.listRequests({ states: ['pending'] })) {
    if (r.expiresAt <= now && expireOne(ctx as RemediationContext, r, { id: 'daemon', source: 'daemon' })) n++;
  }
  return n;
}

export interface RecoveryLimits {
  /** An approved request nobody claimed for this long was left by a process that stopped. */
  approvedStaleMs: number;
  /** A running request older than this outlived any rollout follow: its process stopped. */
  runningStaleMs: number;
}

/**
 * Closes requests a stopped process left behind (approved but never claimed, or claimed and
 * never finished) as failed, so nothing stays "running" forever. Never re-runs anything:
 * running an old approval late would be a surprise. Returns how many were closed.
 */
export function recoverInterrupted(ctx: Pick<RemediationContext, 'store' | 'clock' | 'notify'>, limits: RecoveryLimits): number {
  const now = ctx.clock.now();
  const daemon: Actor = { id: 'daemon', source: 'daemon' };
  let n = 0;
  for (const r of ctx.store.listRequests({ states: ['approved', 'running'] })) {
    const stale = r.state === 'approved' ? limits.approvedStaleMs : limits.runningStaleMs;
    if (now - r.updatedAt < stale) continue;
    const result: ExecutionResult =
      r.state === 'approved'
        ? {
            ok: false,
            summary: `${r.action} of ${targetText(r.target)} was approved but never started (the process that approved it stopped); nothing was changed: request it again.`,
            detail: { interrupted: 'approved' },
          }
        : {
            ok: false,
            summary: `${r.action} of ${targetText(r.target)} was interrupted while running (the process running it stopped); check the deployment with 'chatops remediate pods ${targetText(r.target)}'.`,
            detail: { interrupted: 'running' },
          };
    const done = ctx.store.transaction(() => {
      if (!ctx.store.transitionRequest(r.id, r.state, 'failed', now, { result })) return false;
      const after = ctx.store.getRequest(r.id)!;
      audit(ctx as RemediationContext, daemon, A.result, r.target, r.incidentId, 'failed', {
        requestId: r.id,
        action: r.action,
        summary: result.summary,
        detail: result.detail,
      });
      enqueue(ctx as RemediationContext, 'request.result', after, { by: daemon.id, ok: false, summary: result.summary });
      return true;
    });
    if (done) n++;
  }
  return n;
}
