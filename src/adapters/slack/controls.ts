/**
 * Which controls an incident's message offers, from the policy in force: a control the policy
 * (or the configuration) would refuse to everyone is never shown. The daemon and
 * `chatops render` both ask here, so they show the same message for the same config.
 * Every click is still re-checked against the clicker and the policy at that moment.
 */
import type { Config } from '../../config/schema.js';
import { CATALOGUE, deploymentTargetOf, riskRank, type Risk } from '../../core/actions.js';
import { approversFor, availableActions, requestersFor, type Policy } from '../../core/policy.js';
import type { Incident, StoredAlert } from '../../core/types.js';
import type { ActionButton, SlackMessage } from './blocks.js';
import { renderIncident, type IncidentView, type LinkTemplates } from './render.js';
import { cut } from './text.js';

export const REMEDIATE_PREFIX = 'chatops:remediate:';

/** Deployment actions that need no typed parameter can be a button (scale needs a number: CLI/TUI). */
export const BUTTON_ACTIONS = Object.values(CATALOGUE).filter((s) => s.targetKind === 'deployment' && s.params.every((p) => !p.required));

/** What besides the policy decides whether a control can work. */
export interface ControlContext {
  policy: Policy;
  /** alertmanager.url is set: silences can be made. */
  alertmanager: boolean;
  /** kubernetes.enabled: remediation can run. */
  kubernetes: boolean;
}

/** Someone may request actions of this risk under the policy (each click checks who). */
function requestable(policy: Policy, risk: Risk): boolean {
  return riskRank(risk) <= riskRank(policy.maxRisk) && requestersFor(policy, risk).length > 0;
}

/** Silence and Unsilence (both checked as the `silence` action) can be offered. */
function silenceOffered(ctx: ControlContext): boolean {
  return ctx.alertmanager && requestable(ctx.policy, CATALOGUE.silence.risk);
}

/** The remediation buttons for an incident's deployment that the policy in force can grant. */
function remediationButtons(ctx: ControlContext, incident: Incident): ActionButton[] {
  if (!ctx.kubernetes) return [];
  const target = deploymentTargetOf(incident);
  if (!target) return [];
  // No actor: a message is seen by many; each click is checked against the clicker.
  const enabled = new Map(availableActions(ctx.policy, target).map((a) => [a.action, a]));
  const buttons: ActionButton[] = [];
  for (const spec of BUTTON_ACTIONS) {
    const a = enabled.get(spec.name);
    if (!a || !requestable(ctx.policy, spec.risk)) continue;
    const approval = a.decision.kind === 'needs-approval';
    // A second person is needed and nobody may approve: every request would be refused.
    if (approval && approversFor(ctx.policy, spec.risk).length === 0) continue;
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
}

/** The settings of incident messages under a policy and configuration. */
export function messageSettings(policy: Policy, config: Pick<Config, 'alertmanager' | 'kubernetes' | 'links'>): MessageSettings {
  return {
    policy,
    alertmanager: config.alertmanager.urls.length > 0,
    kubernetes: config.kubernetes.enabled,
    links: { dashboard: config.links.dashboard, logs: config.links.logs },
  };
}

/** Everything the daemon's message depends on besides the incident: the controls and the link templates. */
export interface MessageSettings extends ControlContext {
  links: LinkTemplates;
}

/** The state an incident's top message shows. */
export interface IncidentState {
  incident: Incident;
  alerts: readonly StoredAlert[];
  silence: IncidentView['silence'];
  enrichment: IncidentView['enrichment'];
  slo?: IncidentView['slo'];
}

/** The incident's top message under the policy in force: the one function the daemon and `chatops render` share. */
export function incidentMessage(settings: MessageSettings, state: IncidentState, now: number): SlackMessage {
  return renderIncident({
    ...state,
    links: settings.links,
    silenceEnabled: silenceOffered(settings),
    extraActions: state.incident.status === 'resolved' ? [] : remediationButtons(settings, state.incident),
    now,
  });
}
