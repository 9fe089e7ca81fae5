/**
 * What a click on a remediation button does (controls.ts decides which buttons the policy in
 * force puts on a message) — a request through the operator service
 * with the clicker's Slack identity. The request, its approval message (Approve/Deny) and its
 * result reach the thread through the outbox rows the core writes; a refusal is an ephemeral
 * note with the policy's reason; a read action answers the clicker alone.
 */
import { BUTTON_ACTIONS, REMEDIATE_PREFIX } from '../adapters/slack/controls.js';
import type { Runtime } from '../app.js';
import { deploymentTargetOf } from '../core/actions.js';
import { noIncident } from '../core/incident-actions.js';
import { outcome } from '../core/outcome.js';
import type { ActionHandler } from './slack-interactions.js';
import type { SlackExtensions } from './slack.js';

export function remediationExtensions(rt: Runtime): SlackExtensions {
  const handlers = new Map<string, ActionHandler>();
  for (const spec of BUTTON_ACTIONS) {
    handlers.set(`${REMEDIATE_PREFIX}${spec.name}`, async (click, actor) => {
      const incidentId = Number.parseInt(click.value, 10);
      const incident = Number.isFinite(incidentId) ? rt.store.getIncident(incidentId) : null;
      if (!incident) throw noIncident(incidentId);
      if (incident.status === 'resolved') return outcome('conflict', `Incident ${incident.id} is resolved; nothing was requested.`, null);
      const target = deploymentTargetOf(incident);
      if (!target)
        return outcome('conflict', `Incident ${incident.id} names no namespace and deployment, so there is nothing to act on.`, null);
      // pending / executed: the core's outbox rows tell the thread; a read answers the clicker.
      return rt.operator.request(
        { action: spec.name, target, incidentId: incident.id, reason: `Slack button on incident #${incident.id}` },
        actor,
      );
    });
  }
  return { handlers };
}
