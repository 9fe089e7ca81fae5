/**
 * What a click on a remediation button does (controls.ts decides which buttons the policy in
 * force puts on a message) — a request through the approvals core
 * with the clicker's Slack identity. The request, its approval message (Approve/Deny) and its
 * result reach the thread through the outbox rows the core writes; a refusal is an ephemeral
 * note with the policy's reason; a read action answers the clicker alone.
 */
import { BUTTON_ACTIONS, REMEDIATE_PREFIX } from '../adapters/slack/controls.js';
import { escapeMrkdwn, cut, LIMITS } from '../adapters/slack/text.js';
import type { Runtime } from '../app.js';
import { actionSpec, deploymentTargetOf } from '../core/actions.js';
import { requestAction } from '../core/remediation.js';
import type { ActionHandler } from './slack-interactions.js';
import type { SlackExtensions } from './slack.js';

export function remediationExtensions(rt: Runtime): SlackExtensions {
  const handlers = new Map<string, ActionHandler>();
  for (const spec of BUTTON_ACTIONS) {
    handlers.set(`${REMEDIATE_PREFIX}${spec.name}`, async (click, actor) => {
      const incidentId = Number.parseInt(click.value, 10);
      const incident = Number.isFinite(incidentId) ? rt.store.getIncident(incidentId) : null;
      if (!incident) return 'That incident no longer exists.';
      if (incident.status === 'resolved') return `Incident #${incident.id} is resolved; nothing was requested.`;
      const target = deploymentTargetOf(incident);
      if (!target) return `Incident #${incident.id} names no namespace and deployment, so there is nothing to act on.`;
      const out = await requestAction(rt.remediation, { action: spec.name, target, incidentId: incident.id, reason: `Slack button on incident #${incident.id}` }, actor);
      switch (out.kind) {
        case 'refused':
          return out.reason;
        case 'read':
          return cut(`*${escapeMrkdwn(actionSpec(spec.name).title)}* for ${escapeMrkdwn(`${target.namespace}/${target.deployment}`)}:\n\`\`\`${escapeMrkdwn(out.result.lines.join('\n'))}\`\`\``, LIMITS.section);
        default:
          // pending / executed / preview: the core's outbox rows tell the thread.
          return null;
      }
    });
  }
  return { handlers };
}
