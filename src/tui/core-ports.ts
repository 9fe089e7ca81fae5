/**
 * Binds the terminal UI's ports to the approvals core: the same requestAction/decide and
 * silenceIncident that Slack and the CLI call, with the terminal user's identity.
 */
import { actionSpec } from '../core/actions.js';
import { isChatopsError } from '../core/errors.js';
import type { ActionChoice, OperatorOutcome, RemediationPort, RemediationTarget, SilencePort } from '../core/operator-ports.js';
import { availableActions } from '../core/policy.js';
import { decide, requestAction, type DecideOutcome, type RemediationContext } from '../core/remediation.js';
import { silenceIncident, type SilenceContext } from '../core/silence.js';

const dep = (t: RemediationTarget) => ({ namespace: t.namespace, deployment: t.target });

function decided(d: DecideOutcome): OperatorOutcome {
  switch (d.kind) {
    case 'refused':
    case 'conflict':
      return { outcome: 'refused', reason: d.reason };
    case 'executed':
      return d.result.ok
        ? { outcome: 'done', message: `Request ${d.request.id} approved and run: ${d.result.summary}` }
        : { outcome: 'failed', reason: `Request ${d.request.id} ran and failed: ${d.result.summary}` };
    case 'approved':
      return { outcome: 'pending', message: `Request ${d.request.id} approved; another process runs it.`, requestId: d.request.id };
    case 'denied':
      return { outcome: 'done', message: `Request ${d.request.id} denied.` };
    case 'cancelled':
      return { outcome: 'done', message: `Request ${d.request.id} cancelled.` };
  }
}

/** Errors the user must act on (Kubernetes off, …) become refusals with their sentence. */
async function guarded(fn: () => Promise<OperatorOutcome>): Promise<OperatorOutcome> {
  try {
    return await fn();
  } catch (e) {
    if (isChatopsError(e)) return e.kind === 'failed' ? { outcome: 'failed', reason: e.message } : { outcome: 'refused', reason: e.message };
    throw e;
  }
}

export function coreRemediation(ctx: RemediationContext): RemediationPort {
  return {
    available(target, actor) {
      if (!target.namespace || !target.target) return { refused: `incident #${target.incidentId} names no namespace and deployment, so there is nothing to act on.` };
      const actions: ActionChoice[] = availableActions(ctx.policy, dep(target), actor).map((a) => {
        const spec = actionSpec(a.action);
        return {
          action: a.action,
          risk: a.risk,
          summary: spec.preview(dep(target), {}),
          needsApproval: a.decision.kind === 'needs-approval',
          params: spec.params.filter((p) => p.required).map((p) => ({ name: p.name, prompt: p.description })),
        };
      });
      return actions.length ? { actions } : { refused: `the policy in force enables no action on ${target.namespace}/${target.target} for ${actor.id}.` };
    },
    request: ({ target, action, params, actor, reason }) => guarded(async () => {
      const numeric = Object.fromEntries(Object.entries(params).map(([k, v]) => [k, Number(v)]));
      const r = await requestAction(ctx, { action, target: dep(target), incidentId: target.incidentId, params: numeric, reason: reason ?? null }, actor);
      switch (r.kind) {
        case 'refused':
          return { outcome: 'refused', reason: r.reason };
        case 'pending':
          return { outcome: 'pending', requestId: r.request.id, message: `Request ${r.request.id} waits for a second approver: ${r.decision.reason}.` };
        case 'executed':
          return r.result.ok ? { outcome: 'done', message: r.result.summary } : { outcome: 'failed', reason: r.result.summary };
        case 'read':
          return { outcome: 'done', message: r.result.lines.slice(0, 3).join(' · ') || 'nothing to show' };
        case 'preview':
          return { outcome: 'done', message: r.dryRun.summary };
      }
    }),
    approve: (id, actor) => guarded(async () => decided(await decide(ctx, id, 'approve', actor))),
    deny: (id, actor, reason) => guarded(async () => decided(await decide(ctx, id, 'deny', actor, { reason }))),
  };
}

export function coreSilences(ctx: SilenceContext, alertmanagerUrl: string | undefined): SilencePort {
  return {
    unavailable: () => (alertmanagerUrl ? null : 'silence needs alertmanager.url: set it in the config file or ALERTMANAGER_URL.'),
    matchers: (incident) => Object.entries(incident.labels).map(([k, v]) => `${k}="${v}"`).join(', '),
    silence: (incident, durationMs, comment, actor) => guarded(async () => {
      const r = await silenceIncident(ctx, incident.id, { durationMs, comment: comment || undefined }, actor);
      return r.kind === 'refused'
        ? { outcome: 'refused', reason: r.reason }
        : { outcome: 'done', message: `Silence ${r.silenceId} until ${new Date(r.endsAt).toISOString()} (${r.matchers.length} matchers).` };
    }),
  };
}

