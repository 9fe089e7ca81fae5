/**
 * The terminal UI's ports as the operator service: a thin adapter that keeps the port shape
 * app.tsx calls today (OperatorOutcome with `outcome`/`reason`). It goes once the TUI renders
 * the service's Outcome itself.
 */
import { actionSpec, type DeploymentTarget } from '../core/actions.js';
import { clusterOfIncident, DEFAULT_CLUSTER } from '../core/clusters.js';
import { isChatopsError } from '../core/errors.js';
import { operatorService, type OperatorContext } from '../core/operator.js';
import type { ActionChoice, OperatorOutcome, RemediationPort, RemediationTarget, SilencePort } from '../core/operator-ports.js';
import type { Outcome } from '../core/outcome.js';
import { incidentMatchers, matchersText } from '../core/silence.js';

/** The target in the incident's cluster (null when no cluster claims the incident). */
const dep = (ctx: OperatorContext, t: RemediationTarget): DeploymentTarget => {
  const incident = ctx.store.getIncident(t.incidentId);
  const cluster = incident ? clusterOfIncident(incident) : DEFAULT_CLUSTER;
  return cluster === DEFAULT_CLUSTER ? { namespace: t.namespace, deployment: t.target } : { cluster, namespace: t.namespace, deployment: t.target };
};

/** The service's Outcome in the ports' older vocabulary. */
export function portOutcome(o: Outcome): OperatorOutcome {
  switch (o.kind) {
    case 'done':
    case 'unchanged':
      return { outcome: 'done', message: o.message };
    case 'pending': {
      const request = (o.data as { request?: { id: string } | null }).request;
      return { outcome: 'pending', message: o.message, requestId: request?.id };
    }
    case 'refused':
    case 'conflict':
      return { outcome: 'refused', reason: o.message };
    case 'failed':
      return { outcome: 'failed', reason: o.message };
  }
}

/** The errors the user must act on (Kubernetes off, Alertmanager unreachable …) as refusals with their sentence. */
async function guarded(fn: () => Promise<Outcome>): Promise<OperatorOutcome> {
  try {
    return portOutcome(await fn());
  } catch (e) {
    if (isChatopsError(e)) return e.kind === 'failed' ? { outcome: 'failed', reason: e.message } : { outcome: 'refused', reason: e.message };
    throw e;
  }
}

export function coreRemediation(ctx: OperatorContext): RemediationPort {
  const operator = operatorService(ctx);
  return {
    available(target, actor) {
      if (!target.namespace || !target.target) return { refused: `incident #${target.incidentId} names no namespace and deployment, so there is nothing to act on.` };
      const where = dep(ctx, target);
      const actions: ActionChoice[] = operator.actionsFor(where, actor).map((a) => {
        const spec = actionSpec(a.action);
        return {
          action: a.action,
          risk: a.risk,
          summary: spec.preview(where, {}),
          needsApproval: a.decision.kind === 'needs-approval',
          params: spec.params.filter((p) => p.required).map((p) => ({ name: p.name, prompt: p.description })),
        };
      });
      return actions.length ? { actions } : { refused: `the policy in force enables no action on ${target.namespace}/${target.target} for ${actor.id}.` };
    },
    request: ({ target, action, params, actor, reason }) => guarded(() => {
      const numeric = Object.fromEntries(Object.entries(params).map(([k, v]) => [k, Number(v)]));
      return operator.request({ action, target: dep(ctx, target), incidentId: target.incidentId, params: numeric, reason: reason ?? null }, actor);
    }),
    approve: (id, actor) => guarded(() => operator.approve(id, actor)),
    deny: (id, actor, reason) => guarded(() => operator.deny(id, actor, { reason })),
  };
}

/** `alertmanager`: some cluster has an Alertmanager, or its URL (whether the incident's cluster has one is the service's to say). */
export function coreSilences(ctx: OperatorContext, alertmanager: boolean | string | undefined): SilencePort {
  const operator = operatorService(ctx);
  return {
    unavailable: () => (alertmanager ? null : 'silence needs alertmanager.url: set it in the config file or ALERTMANAGER_URL.'),
    matchers: (incident) => matchersText(incidentMatchers(incident)),
    silence: (incident, durationMs, comment, actor) => guarded(() => operator.silence(incident.id, actor, { length: { durationMs }, comment })),
    silenceFor: (incident, length, comment, actor) => guarded(() => operator.silence(incident.id, actor, { length, comment })),
  };
}
