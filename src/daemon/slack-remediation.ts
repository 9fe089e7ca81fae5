/**
 * Remediation buttons on incident messages: the actions the policy in force enables for the
 * incident's deployment, and what a click on one does — a request through the operator service
 * with the clicker's Slack identity. The request, its approval message (Approve/Deny) and its
 * result reach the thread through the outbox rows the core writes; a refusal is an ephemeral
 * note with the policy's reason; a read action answers the clicker alone.
 */
import { cut } from '../adapters/slack/text.js';
import type { ActionButton, ActionsFor } from '../adapters/slack/render.js';
import type { Runtime } from '../app.js';
import { CATALOGUE, deploymentTargetOf } from '../core/actions.js';
import { noIncident } from '../core/incident-actions.js';
import { outcome } from '../core/outcome.js';
import type { ActionHandler } from './slack-interactions.js';
import type { SlackExtensions } from './slack.js';

export const REMEDIATE_PREFIX = 'chatops:remediate:';

/** Deployment actions that need no typed parameter can be a button (scale needs a number: CLI/TUI). */
const BUTTON_ACTIONS = Object.values(CATALOGUE).filter((s) => s.targetKind === 'deployment' && s.params.every((p) => !p.required));

export function remediationExtensions(rt: Runtime): SlackExtensions {
  const actionsFor: ActionsFor = (incident) => {
    const target = deploymentTargetOf(incident);
    if (!target) return [];
    // No actor: a message is seen by many; each click is checked against the clicker.
    const enabled = new Map(rt.operator.actionsFor(target).map((a) => [a.action, a]));
    const buttons: ActionButton[] = [];
    for (const spec of BUTTON_ACTIONS) {
      const a = enabled.get(spec.name);
      if (!a) continue;
      const approval = a.decision.kind === 'needs-approval';
      buttons.push({
        actionId: `${REMEDIATE_PREFIX}${spec.name}`,
        text: `${spec.title}${approval ? ' (2nd approver)' : ''}`,
        value: String(incident.id),
        style: spec.risk === 'destructive' ? 'danger' : undefined,
        confirm: spec.mutates
          ? {
              title: spec.title,
              text: cut(`${spec.preview(target, {})}. ${approval ? 'A second person must approve before it runs.' : 'It runs at once.'}`, 300),
              confirm: approval ? 'Request' : 'Run',
              deny: 'Cancel',
            }
          : undefined,
      });
    }
    return buttons;
  };

  const handlers = new Map<string, ActionHandler>();
  for (const spec of BUTTON_ACTIONS) {
    handlers.set(`${REMEDIATE_PREFIX}${spec.name}`, async (click, actor) => {
      const incidentId = Number.parseInt(click.value, 10);
      const incident = Number.isFinite(incidentId) ? rt.store.getIncident(incidentId) : null;
      if (!incident) throw noIncident(incidentId);
      if (incident.status === 'resolved') return outcome('conflict', `Incident ${incident.id} is resolved; nothing was requested.`, null);
      const target = deploymentTargetOf(incident);
      if (!target) return outcome('conflict', `Incident ${incident.id} names no namespace and deployment, so there is nothing to act on.`, null);
      // pending / executed: the core's outbox rows tell the thread; a read answers the clicker.
      return rt.operator.request({ action: spec.name, target, incidentId: incident.id, reason: `Slack button on incident #${incident.id}` }, actor);
    });
  }
  return { actionsFor, handlers };
}
