/**
 * The workload's state when an incident opens: the `pods` and `events` read actions run by the
 * daemon as enrichment — only where the policy lets chatops read that deployment (risk,
 * namespaces, deployment selector, requesters of reads), audited as `enrichment.workload` — and
 * condensed to what a responder looks at first: replicas ready/desired, the pods that are not
 * ready with their last termination and restarts, the latest warning events.
 */
import { actionSpec, targetText, type DeploymentTarget } from './actions.js';
import { formatDuration } from './duration.js';
import { evaluateRequest } from './policy.js';
import { executorOf, labelsFor, targetInCluster, type RemediationContext } from './remediation.js';
import type { Actor } from './incident-actions.js';
import type { Incident } from './types.js';

export interface PodState {
  name: string;
  phase: string;
  ready: boolean;
  restarts: number;
  /** Why a container waits (CrashLoopBackOff, ImagePullBackOff …), or null. */
  waiting: string | null;
  lastTermination: { reason: string | null; exitCode: number | null; finishedAt: string | null } | null;
}

export interface WarningEvent {
  at: string;
  reason: string;
  object: string;
  message: string;
  count: number;
}

export interface WorkloadState {
  target: string;
  desired: number;
  ready: number;
  updated: number;
  available: number;
  paused: boolean;
  /** Pods not ready, most restarts first (at most a few). */
  notReady: PodState[];
  notReadyTotal: number;
  pods: number;
  /** The latest warning events, newest last. */
  warnings: WarningEvent[];
}

const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

/** Condenses the `pods` and `events` read results (their `data`) into the state shown. */
export function workloadState(target: DeploymentTarget, pods: unknown, events: unknown, maxEvents: number, maxPods = 5): WorkloadState {
  const p = (pods ?? {}) as { deployment?: Record<string, unknown>; pods?: Record<string, unknown>[] };
  const d = p.deployment ?? {};
  const all: PodState[] = (p.pods ?? []).map((x) => {
    const last = x.lastTermination as PodState['lastTermination'] | undefined;
    return {
      name: str(x.name),
      phase: str(x.phase),
      ready: x.ready === true,
      restarts: num(x.restarts),
      waiting: str(x.waiting) || null,
      lastTermination: last ? { reason: last.reason ?? null, exitCode: last.exitCode ?? null, finishedAt: last.finishedAt ?? null } : null,
    };
  });
  const warnings = (Array.isArray(events) ? (events as Record<string, unknown>[]) : [])
    .filter((e) => e.type === 'Warning')
    .map((e) => ({ at: str(e.at), reason: str(e.reason), object: str(e.object), message: str(e.message), count: num(e.count) || 1 }))
    .slice(-maxEvents);
  return {
    target: targetText(target),
    desired: num(d.desired),
    ready: num(d.ready),
    updated: num(d.updated),
    available: num(d.available),
    paused: d.paused === true,
    notReady: all
      .filter((x) => !x.ready)
      .sort((a, b) => b.restarts - a.restarts)
      .slice(0, maxPods),
    notReadyTotal: all.filter((x) => !x.ready).length,
    pods: all.length,
    warnings,
  };
}

const hhmmZ = (iso: string | null): string => (iso ? `${iso.slice(11, 16)}Z` : '?');

/** The state as plain lines (a Slack code block, a terminal). `now` dates the last termination. */
export function workloadLines(s: WorkloadState, now: number): string[] {
  const lines = [
    `${s.target}: ${s.ready}/${s.desired} ready, ${s.updated} updated, ${s.available} available${s.paused ? ', rollout PAUSED' : ''}`,
  ];
  if (s.notReady.length) {
    lines.push(
      `Pods not ready (${s.notReadyTotal} of ${s.pods}${s.notReadyTotal > s.notReady.length ? `, ${s.notReady.length} shown` : ''}):`,
    );
    for (const p of s.notReady) {
      const t = p.lastTermination;
      const ago = t?.finishedAt ? ` ${formatDuration(now - Date.parse(t.finishedAt))} ago` : '';
      const last = t ? `, last exit ${t.reason ?? 'unknown'}${t.exitCode !== null ? ` (${t.exitCode})` : ''}${ago}` : '';
      lines.push(`  ${p.name}  ${p.waiting ?? p.phase}  restarts ${p.restarts}${last}`);
    }
  } else if (s.pods) {
    lines.push(`All ${s.pods} pods ready.`);
  } else {
    lines.push('No pods.');
  }
  if (s.warnings.length) {
    lines.push(`Warning events (latest ${s.warnings.length}):`);
    for (const w of s.warnings)
      lines.push(
        `  ${hhmmZ(w.at)} ${w.reason} ${w.object}: ${w.message.replace(/\s+/g, ' ').slice(0, 200)}${w.count > 1 ? ` (×${w.count})` : ''}`,
      );
  } else {
    lines.push('No warning events.');
  }
  return lines;
}

export type WorkloadOutcome =
  | { kind: 'ok'; state: WorkloadState }
  /** The policy does not let chatops read it: nothing ran, nothing to say in the thread. */
  | { kind: 'not-allowed'; reason: string }
  | { kind: 'failed'; reason: string };

/** Who reads: the daemon, under the same policy as anyone (policy.requesters.read). */
const ENRICHMENT_ACTOR: Actor = { id: 'daemon', source: 'daemon' };
const WORKLOAD_AUDIT = 'enrichment.workload';

/**
 * Reads the deployment's pods and events for an incident, in the incident's cluster, if the
 * policy (that cluster's) allows it; audited when it runs.
 */
export async function readWorkload(
  ctx: RemediationContext,
  named: DeploymentTarget,
  incident: Incident,
  maxEvents: number,
): Promise<WorkloadOutcome> {
  const pods = actionSpec('pods');
  const events = actionSpec('events');
  const placed = targetInCluster(ctx, named, incident);
  if ('refused' in placed) return { kind: 'not-allowed', reason: placed.refused }; // no cluster claims the incident
  const { target } = placed;
  const incidentId = incident.id;
  const audit = (result: string, detail: Record<string, unknown>) =>
    ctx.store.appendAudit({
      ts: ctx.clock.now(),
      actor: ENRICHMENT_ACTOR.id,
      source: ENRICHMENT_ACTOR.source,
      action: WORKLOAD_AUDIT,
      target: targetText(target),
      incidentId,
      result,
      detail: { actions: [pods.name, events.name], ...detail },
    });
  let executor;
  try {
    executor = await executorOf(ctx, target);
  } catch (e) {
    return { kind: 'not-allowed', reason: (e as Error).message }; // Kubernetes is off in that cluster
  }
  try {
    const labels = await labelsFor(ctx, target);
    for (const action of [pods, events]) {
      const decision = evaluateRequest(ctx.policy, { action, target, params: {}, requester: ENRICHMENT_ACTOR, targetLabels: labels });
      if (decision.kind === 'refused') return { kind: 'not-allowed', reason: decision.reason };
    }
    const [p, ev] = await Promise.all([executor.read(pods, target, {}), executor.read(events, target, {})]);
    const state = workloadState(target, p.data, ev.data, maxEvents);
    audit('ok', { ready: state.ready, desired: state.desired, notReady: state.notReady.length, warnings: state.warnings.length });
    return { kind: 'ok', state };
  } catch (e) {
    const reason = (e as Error).message;
    audit('failed', { why: reason });
    return { kind: 'failed', reason };
  }
}
