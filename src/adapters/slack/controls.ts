/**
 * Which controls an incident's message offers, from the policy in force: a control the policy
 * (or the configuration) would refuse to everyone is never shown. The daemon and
 * `chatops render` both ask here, so they show the same message for the same config.
 * Every click is still re-checked against the clicker and the policy at that moment.
 */
import { clusterConfigs, clusterSet } from '../../config/clusters.js';
import type { Config } from '../../config/schema.js';
import { CATALOGUE, deploymentTargetOf, riskRank, type Risk } from '../../core/actions.js';
import { clusterOfIncident, unknownClusterReason } from '../../core/clusters.js';
import { approversFor, availableActions, policyFor, requestersFor, type Policy } from '../../core/policy.js';
import type { Incident, StoredAlert } from '../../core/types.js';
import type { ActionButton, SlackMessage } from './blocks.js';
import { renderIncident, type IncidentView, type LinkTemplates } from './render.js';
import { cut } from './text.js';

export const REMEDIATE_PREFIX = 'chatops:remediate:';

/** Deployment actions that need no typed parameter can be a button (scale needs a number: CLI/TUI). */
export const BUTTON_ACTIONS = Object.values(CATALOGUE).filter((s) => s.targetKind === 'deployment' && s.params.every((p) => !p.required));

/** Where an incident's controls would act: its cluster, and what that cluster has. */
export interface IncidentCluster {
  /** What the message says about the cluster (named clusters only): its name, or why no cluster claims the incident. */
  shown: { name: string } | { unknown: string } | null;
  /** The cluster has an Alertmanager: silences can be made. */
  alertmanager: boolean;
  /** The cluster has Kubernetes access: remediation can run. */
  kubernetes: boolean;
  links: LinkTemplates;
}

/** What besides the policy decides whether a control can work. */
export interface ControlContext {
  policy: Policy;
  /** The incident's cluster: what can work there (nothing, when no cluster claims it). */
  clusterOf(incident: Incident): IncidentCluster;
}

/** Someone may request actions of this risk under the policy (each click checks who). */
function requestable(policy: Policy, risk: Risk): boolean {
  return riskRank(risk) <= riskRank(policy.maxRisk) && requestersFor(policy, risk).length > 0;
}

/** Silence and Unsilence (both checked as the `silence` action, in the incident's cluster) can be offered. */
function silenceOffered(ctx: ControlContext, where: IncidentCluster, incident: Incident): boolean {
  return where.alertmanager && requestable(policyFor(ctx.policy, clusterOfIncident(incident)), CATALOGUE.silence.risk);
}

/** The remediation buttons for an incident's deployment that the policy in force (in its cluster) can grant. */
function remediationButtons(ctx: ControlContext, where: IncidentCluster, incident: Incident): ActionButton[] {
  if (!where.kubernetes) return [];
  const target = deploymentTargetOf(incident);
  if (!target) return [];
  const policy = policyFor(ctx.policy, target.cluster);
  // No actor: a message is seen by many; each click is checked against the clicker.
  const enabled = new Map(availableActions(ctx.policy, target).map((a) => [a.action, a]));
  const buttons: ActionButton[] = [];
  for (const spec of BUTTON_ACTIONS) {
    const a = enabled.get(spec.name);
    if (!a || !requestable(policy, spec.risk)) continue;
    const approval = a.decision.kind === 'needs-approval';
    // A second person is needed and nobody may approve: every request would be refused.
    if (approval && approversFor(policy, spec.risk).length === 0) continue;
    buttons.push({
      actionId: `${REMEDIATE_PREFIX}${spec.name}`,
      text: `${spec.title}${approval ? ' (2nd approver)' : ''}`,
      value: String(incident.id),
      style: spec.risk === 'destructive' ? 'danger' : undefined,
      confirm: spec.mutates
        ? {
            title: spec.title,
            text: cut(
              `${spec.preview(target, {})}. ${approval ? 'A second person must approve before it runs.' : 'It runs at once.'}`,
              300,
            ),
            confirm: approval ? 'Request' : 'Run',
            deny: 'Cancel',
          }
        : undefined,
    });
  }
  return buttons;
}

/** The settings of incident messages under a policy and configuration. */
export function messageSettings(policy: Policy, config: Config): MessageSettings {
  const set = clusterSet(config);
  const byName = new Map(
    clusterConfigs(config).map((c) => [
      c.name,
      {
        shown: set.multi ? { name: c.name } : null,
        alertmanager: c.alertmanager.urls.length > 0,
        kubernetes: c.kubernetes !== null,
        links: { dashboard: c.links.dashboard, logs: c.links.logs },
      } satisfies IncidentCluster,
    ]),
  );
  const top = { dashboard: config.links.dashboard, logs: config.links.logs };
  return {
    policy,
    clusterOf(incident) {
      const name = clusterOfIncident(incident);
      const known = name === null ? undefined : byName.get(name);
      if (known) return known;
      // No configured cluster claims it: it can be acknowledged, nothing else.
      const unknown =
        name === null
          ? unknownClusterReason(set, incident)
          : `incident #${incident.id} belongs to cluster ${name}, which is no longer configured`;
      return { shown: { unknown }, alertmanager: false, kubernetes: false, links: top };
    },
  };
}

/** Everything the daemon's message depends on besides the incident: the controls, the cluster and its link templates. */
export type MessageSettings = ControlContext;

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
  const where = settings.clusterOf(state.incident);
  return renderIncident({
    ...state,
    cluster: where.shown,
    links: where.links,
    silenceEnabled: silenceOffered(settings, where, state.incident),
    extraActions: state.incident.status === 'resolved' ? [] : remediationButtons(settings, where, state.incident),
    now,
  });
}
