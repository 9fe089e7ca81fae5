/**
 * The operator service: what a person does to incidents and action requests — acknowledge,
 * silence, unsilence, request, approve, deny — the same for Slack, the CLI and the TUI. Every
 * call returns one `Outcome` (see outcome.ts); each face only renders it. Policy, state checks,
 * audit rows and outbox rows all happen here or below (remediation.ts, incident-actions.ts).
 */
import { CATALOGUE, targetText, type DeploymentTarget } from './actions.js';
import { clusterNames, clusterOfIncident, DEFAULT_CLUSTER, knownCluster, SINGLE_CLUSTER, unknownClusterReason } from './clusters.js';
import { ChatopsError } from './errors.js';
import { acknowledgeIncident, noIncident, type Actor, type IncidentData } from './incident-actions.js';
import { outcome, type Outcome } from './outcome.js';
import { availableActions, evaluateRequest, type AvailableAction, type Decision, type Principal } from './policy.js';
import {
  decide,
  requestAction,
  type ActingPrincipal,
  type DecideOutcome,
  type RemediationContext,
  type RequestInput,
  type RunOptions,
} from './remediation.js';
import type { ActionRequest, DryRunResult, ExecutionResult, ProgressEvent, ReadResult } from './requests.js';
import {
  activeSilence,
  DEFAULT_SILENCE_MS,
  incidentMatchers,
  matchersText,
  MAX_SILENCE_MS,
  silenceLengthProblem,
  unmatchable,
  type SilenceLength,
  type SilenceMatcher,
  type Silencer,
} from './silence.js';
import { iso } from './time.js';
import type { AuditRecord, Incident } from './types.js';

export type { Actor, IncidentData } from './incident-actions.js';

/** Everything the service needs: the approvals context plus Alertmanager. */
export interface OperatorContext extends RemediationContext {
  /** The silencer of a cluster's Alertmanager (absent: `default`), built lazily: throws ChatopsError('config') when it has none. */
  silencer: (cluster?: string) => Promise<Silencer>;
}

/** What a silence action touched. */
export interface SilenceData {
  incident: Incident;
  /** The silence in force after the action (for unsilence: the one expired); null when there is none. */
  silenceId: string | null;
  endsAt: number | null;
  /** It ends when the incident resolves (the daemon expires it then); `endsAt` is its upper bound. */
  untilResolved: boolean;
  createdBy: string | null;
  matchers: SilenceMatcher[];
  /** When an existing silence was extended: the end it had before. */
  extendedFrom: number | null;
}

/** What a request, approval or denial touched. */
export interface RequestData {
  action: string;
  target: DeploymentTarget;
  /** The stored request; null when nothing was stored (refused at request time, reads, dry runs). */
  request: ActionRequest | null;
  /** The policy's decision at request time (for a pending request: who may approve, from where). */
  decision: Decision | null;
  read: ReadResult | null;
  dryRun: DryRunResult | null;
  result: ExecutionResult | null;
}

/** Whether an outcome's data is a request's (request, approve, deny): faces show a read's lines from it. */
export const isRequestData = (d: unknown): d is RequestData => typeof d === 'object' && d !== null && 'read' in d && 'target' in d;

export interface SilenceOptions {
  /** Default: DEFAULT_SILENCE_MS. */
  length?: SilenceLength;
  /** Shown in Alertmanager; empty lets the service write one naming the incident and who silenced it. */
  comment?: string;
}

export interface DecideOptions {
  /** A note for the requester and the audit trail. */
  reason?: string;
  onProgress?: (e: ProgressEvent) => void;
}

/** The operator actions every face calls. Unknown ids, bad input, missing configuration and unreachable dependencies throw ChatopsError; everything else is an Outcome. */
export interface OperatorService {
  acknowledge(incidentId: number, actor: Actor): Promise<Outcome<IncidentData>>;
  /** Silences the incident's alerts; an active chatops silence is extended (or reported) instead of duplicated. */
  silence(incidentId: number, actor: ActingPrincipal, opts?: SilenceOptions): Promise<Outcome<SilenceData>>;
  unsilence(incidentId: number, actor: ActingPrincipal): Promise<Outcome<SilenceData>>;
  /** Reads run at once; changes are preflighted, dry-run, then run or stored for a second person. */
  request(input: RequestInput, actor: ActingPrincipal, opts?: RunOptions): Promise<Outcome<RequestData>>;
  approve(requestId: string, actor: ActingPrincipal, opts?: DecideOptions): Promise<Outcome<RequestData>>;
  /** Denies a request, or cancels it when the requester denies their own. */
  deny(requestId: string, actor: ActingPrincipal, opts?: DecideOptions): Promise<Outcome<RequestData>>;
  /** The deployment actions the policy in force enables (without an actor: for anyone allowed). */
  actionsFor(target: DeploymentTarget, actor?: Principal): AvailableAction[];
  /**
   * Daemon: expires the incident's "until resolved" silence when the incident resolved since it
   * was set (even if it fired again since); null when there is nothing to do.
   */
  endSilenceIfResolved(incidentId: number): Promise<Outcome<SilenceData> | null>;
}

const DAEMON: Actor = { id: 'daemon', source: 'daemon' };

const requestData = (about: Pick<RequestData, 'action' | 'target'>, over: Partial<RequestData> = {}): RequestData => ({
  action: about.action,
  target: about.target,
  request: null,
  decision: null,
  read: null,
  dryRun: null,
  result: null,
  ...over,
});

/** A request's current state as an outcome (e.g. for a face that waited for it to be decided and run). */
export function requestOutcome(r: ActionRequest): Outcome<RequestData> {
  const data = requestData(r, { request: r, dryRun: r.dryRun, result: r.result });
  const by = r.decidedBy ?? 'someone';
  switch (r.state) {
    case 'succeeded':
      return outcome('done', r.result?.summary ?? `${r.action} of ${targetText(r.target)} succeeded.`, data);
    case 'failed':
      return outcome('failed', r.result?.summary ?? `${r.action} of ${targetText(r.target)} failed.`, data);
    case 'denied':
      return outcome('refused', `request ${r.id} was denied by ${by}${r.decisionReason ? `: ${r.decisionReason}` : ''}.`, data);
    case 'cancelled':
      return outcome('refused', `request ${r.id} was cancelled by ${by}.`, data);
    case 'expired':
      return outcome('refused', `request ${r.id} expired at ${iso(r.expiresAt)}: request it again.`, data);
    case 'pending':
      return outcome('pending', `Request ${r.id} is waiting for approval.`, data, { hint: approveHint(r) });
    case 'approved':
    case 'running':
      return outcome('pending', `Request ${r.id} is ${r.state === 'running' ? 'running' : 'approved and about to run'}.`, data);
  }
}

function approveHint(r: ActionRequest): string {
  return `A second person approves it before ${iso(r.expiresAt)}: chatops approve ${r.id}, A in the TUI, or Approve in Slack.`;
}

function decided(d: DecideOutcome): Outcome<RequestData> {
  const data = requestData(d.request, { request: d.request, dryRun: d.request.dryRun, result: d.kind === 'executed' ? d.result : null });
  switch (d.kind) {
    case 'refused':
      return outcome('refused', d.why, data, { lead: d.lead });
    case 'conflict':
      return outcome('conflict', d.reason, data);
    case 'denied':
    case 'cancelled':
      return outcome('done', `Request ${d.request.id} ${d.kind} by ${d.request.decidedBy ?? 'someone'}.`, data);
    case 'approved':
      return outcome('done', `Request ${d.request.id} approved; another process is running it.`, data);
    case 'executed':
      return outcome(d.result.ok ? 'done' : 'failed', d.result.summary, data);
  }
}

/** An `incident.resolved` row follows the row that set this silence. */
function resolvedSince(audit: readonly AuditRecord[], silenceId: string): boolean {
  let set = -1;
  audit.forEach((a, i) => {
    if (a.action === 'incident.silence' && a.result === 'ok' && a.detail.silenceId === silenceId) set = i;
  });
  return set >= 0 && audit.slice(set + 1).some((a) => a.action === 'incident.resolved');
}

/** Builds the service over a context whose `policy` may be swapped at any time (SIGHUP). */
export function operatorService(ctx: OperatorContext): OperatorService {
  const silenceAudit = (
    incident: Incident,
    action: 'incident.silence' | 'incident.unsilence',
    actor: Actor,
    result: string,
    detail: Record<string, unknown>,
  ) =>
    ctx.store.appendAudit({
      ts: ctx.clock.now(),
      actor: actor.id,
      source: actor.source,
      action,
      target: incident.key,
      incidentId: incident.id,
      result,
      detail,
    });

  const silenceData = (incident: Incident, over: Partial<SilenceData> = {}): SilenceData => ({
    incident,
    silenceId: null,
    endsAt: null,
    untilResolved: false,
    createdBy: null,
    matchers: [],
    extendedFrom: null,
    ...over,
  });

  const clusters = ctx.clusters ?? SINGLE_CLUSTER;
  /** The incident's cluster when one is configured (its requesters decide its `low` actions), else undefined: the top level's. */
  const policyCluster = (incident: Incident): string | undefined => {
    const c = clusterOfIncident(incident);
    return c !== null && c !== DEFAULT_CLUSTER && knownCluster(clusters, c) ? c : undefined;
  };
  /** Where the incident's silences live: its cluster's Alertmanager; or why none can be made for it. */
  const silenceCluster = (incident: Incident): { cluster: string } | { refused: string } => {
    const c = clusterOfIncident(incident);
    if (c === null) return { refused: `${unknownClusterReason(clusters, incident)}.` };
    if (!knownCluster(clusters, c))
      return {
        refused: `incident #${incident.id} belongs to cluster ${c}, which is no longer configured (clusters: ${clusterNames(clusters).join(', ')}), so chatops knows no Alertmanager for it.`,
      };
    return { cluster: c };
  };

  /** Policy for silencing and unsilencing (a `low` action on the incident, in its cluster); the refusal is audited. */
  const silencePolicy = (
    incident: Incident,
    action: 'incident.silence' | 'incident.unsilence',
    actor: ActingPrincipal,
    durationMs: number | undefined,
    detail: Record<string, unknown>,
  ): Outcome<SilenceData> | null => {
    const where = silenceCluster(incident);
    const decision =
      'refused' in where
        ? { kind: 'refused' as const, reason: where.refused }
        : evaluateRequest(ctx.policy, {
            action: CATALOGUE.silence,
            target: null,
            params: durationMs === undefined ? {} : { durationMs },
            requester: actor,
            targetLabels: 'unknown',
            cluster: policyCluster(incident),
          });
    if (decision.kind !== 'refused') return null;
    silenceAudit(incident, action, actor, 'refused', { ...detail, why: decision.reason });
    return outcome('refused', decision.reason, silenceData(incident));
  };
  const silencerOf = (incident: Incident) => ctx.silencer(clusterOfIncident(incident) ?? DEFAULT_CLUSTER);

  const until = (untilResolved: boolean, endsAt: number) => (untilResolved ? `it resolves (at most until ${iso(endsAt)})` : iso(endsAt));

  return {
    async acknowledge(incidentId, actor) {
      // Acknowledging is a `low` action like silencing: one policy.max_risk governs both.
      const incident = ctx.store.getIncident(incidentId);
      const decision = evaluateRequest(ctx.policy, {
        action: CATALOGUE.ack,
        target: null,
        params: {},
        requester: actor,
        targetLabels: 'unknown',
        cluster: incident ? policyCluster(incident) : undefined,
      });
      if (incident && decision.kind === 'refused') {
        ctx.store.appendAudit({
          ts: ctx.clock.now(),
          actor: actor.id,
          source: actor.source,
          action: 'incident.ack',
          target: incident.key,
          incidentId,
          result: 'refused',
          detail: { why: decision.reason },
        });
        return outcome('refused', decision.reason, { incident });
      }
      return acknowledgeIncident(ctx, incidentId, actor);
    },

    async silence(incidentId, actor, opts = {}) {
      const incident = ctx.store.getIncident(incidentId);
      if (!incident) throw noIncident(incidentId);
      const length = opts.length ?? { durationMs: DEFAULT_SILENCE_MS };
      const untilResolved = 'untilResolved' in length;
      const durationMs = untilResolved ? MAX_SILENCE_MS : length.durationMs;
      const tooLong = silenceLengthProblem(durationMs);
      if (tooLong) throw new ChatopsError('usage', tooLong);
      if (untilResolved && incident.status === 'resolved') {
        return outcome(
          'conflict',
          `Incident ${incidentId} is already resolved, so a silence until it resolves would end at once.`,
          silenceData(incident),
          { hint: 'Give a duration instead.' },
        );
      }
      const refused = silencePolicy(incident, 'incident.silence', actor, durationMs, {});
      if (refused) return refused;
      const none = unmatchable(incident);
      if (none) {
        silenceAudit(incident, 'incident.silence', actor, 'refused', { why: none.why });
        return outcome('refused', `${none.why}.`, silenceData(incident), { hint: none.hint });
      }
      const matchers = incidentMatchers(incident);
      const silencer = await silencerOf(incident);
      const now = ctx.clock.now();
      const endsAt = now + durationMs;
      const comment =
        opts.comment?.trim() ||
        `chatops: incident ${incidentId} (${incident.alertname}) silenced${untilResolved ? ' until it resolves' : ''} by ${actor.id}`;

      // One chatops silence per incident: one in force is kept, extended, or reported.
      const active = activeSilence(ctx.store.auditOf(incidentId), now);
      const live = active ? await silencer.getSilence(active.id) : null;
      let extend: { id: string; startsAt: number; endsAt: number; matchers: SilenceMatcher[]; comment: string } | null = null;
      if (active && live && live.state !== 'expired') {
        const covered = active.untilResolved ? true : !untilResolved && endsAt <= live.endsAt;
        if (covered) {
          const shorter = !active.untilResolved && endsAt < live.endsAt;
          return outcome(
            'unchanged',
            `Incident ${incidentId} is already silenced until ${until(Boolean(active.untilResolved), live.endsAt)} by ${active.createdBy} (silence ${live.id}).`,
            silenceData(incident, {
              silenceId: live.id,
              endsAt: live.endsAt,
              untilResolved: Boolean(active.untilResolved),
              createdBy: active.createdBy,
              matchers: live.matchers,
            }),
            { hint: shorter ? 'Unsilence it first to replace it with a shorter one.' : null },
          );
        }
        extend = {
          id: live.id,
          startsAt: live.startsAt,
          endsAt: live.endsAt,
          matchers: live.matchers,
          comment: opts.comment?.trim() || live.comment,
        };
      }

      const used = extend?.matchers ?? matchers;
      let silenceId: string;
      try {
        silenceId = await silencer.createSilence(
          extend
            ? {
                id: extend.id,
                matchers: used,
                startsAt: new Date(extend.startsAt),
                endsAt: new Date(endsAt),
                createdBy: actor.id,
                comment: extend.comment,
              }
            : { matchers: used, startsAt: new Date(now), endsAt: new Date(endsAt), createdBy: actor.id, comment },
        );
      } catch (e) {
        silenceAudit(incident, 'incident.silence', actor, 'failed', { why: (e as Error).message });
        throw e;
      }
      ctx.store.transaction(() => {
        const at = ctx.clock.now();
        silenceAudit(incident, 'incident.silence', actor, 'ok', {
          silenceId,
          endsAt: iso(endsAt),
          matchers: used,
          comment: extend?.comment ?? comment,
          ...(untilResolved ? { untilResolved: true } : {}),
          ...(extend ? { extends: extend.id, previousEndsAt: iso(extend.endsAt) } : {}),
        });
        if (ctx.notify) {
          ctx.store.enqueue(
            {
              kind: 'incident.updated',
              incidentId,
              payload: { reason: 'silence', silenceId, endsAt: iso(endsAt), by: actor.id, untilResolved, extended: Boolean(extend) },
            },
            at,
          );
        }
      });
      const data = silenceData(incident, {
        silenceId,
        endsAt,
        untilResolved,
        createdBy: actor.id,
        matchers: used,
        extendedFrom: extend?.endsAt ?? null,
      });
      return extend
        ? outcome(
            'done',
            `Incident ${incidentId}'s silence ${silenceId} now lasts until ${until(untilResolved, endsAt)}; it was to end at ${iso(extend.endsAt)}.`,
            data,
          )
        : outcome(
            'done',
            `Incident ${incidentId} silenced until ${until(untilResolved, endsAt)} (silence ${silenceId}, matching ${matchersText(used)}).`,
            data,
          );
    },

    async unsilence(incidentId, actor) {
      const incident = ctx.store.getIncident(incidentId);
      if (!incident) throw noIncident(incidentId);
      const active = activeSilence(ctx.store.auditOf(incidentId), ctx.clock.now());
      if (!active) return outcome('unchanged', `Incident ${incidentId} has no active silence.`, silenceData(incident));
      const refused = silencePolicy(incident, 'incident.unsilence', actor, undefined, { silenceId: active.id });
      if (refused) return refused;
      await (await silencerOf(incident)).expireSilence(active.id);
      ctx.store.transaction(() => {
        const at = ctx.clock.now();
        silenceAudit(incident, 'incident.unsilence', actor, 'ok', { silenceId: active.id });
        if (ctx.notify)
          ctx.store.enqueue({ kind: 'incident.unsilenced', incidentId, payload: { silenceId: active.id, actor: actor.id } }, at);
      });
      return outcome(
        'done',
        `Silence ${active.id} of incident ${incidentId} expired.`,
        silenceData(incident, { silenceId: active.id, createdBy: active.createdBy }),
      );
    },

    async request(input, actor, opts = {}) {
      const r = await requestAction(ctx, input, actor, opts);
      const about = { action: input.action, target: input.target };
      switch (r.kind) {
        case 'refused':
          return outcome('refused', r.why, requestData(about, { decision: r.decision }), { lead: r.lead });
        case 'read':
          return outcome('done', r.result.lines.slice(0, 3).join(' · ') || 'Nothing to show.', requestData(about, { read: r.result }));
        case 'preview':
          return outcome('done', `Dry run: ${r.dryRun.summary}.`, requestData(about, { decision: r.decision, dryRun: r.dryRun }), {
            hint: r.decision.kind === 'needs-approval' ? r.decision.reason : 'It would run at once.',
          });
        case 'pending':
          return outcome(
            'pending',
            `Request ${r.request.id} is waiting for approval: ${r.decision.reason}`,
            requestData(about, { request: r.request, decision: r.decision, dryRun: r.request.dryRun }),
            { hint: approveHint(r.request) },
          );
        case 'executed':
          return outcome(
            r.result.ok ? 'done' : 'failed',
            r.result.summary,
            requestData(about, { request: r.request, dryRun: r.request.dryRun, result: r.result }),
          );
      }
    },

    async approve(requestId, actor, opts = {}) {
      return decided(await decide(ctx, requestId, 'approve', actor, opts));
    },

    async deny(requestId, actor, opts = {}) {
      return decided(await decide(ctx, requestId, 'deny', actor, opts));
    },

    actionsFor(target, actor) {
      return availableActions(ctx.policy, target, actor);
    },

    async endSilenceIfResolved(incidentId) {
      const incident = ctx.store.getIncident(incidentId);
      if (!incident) return null;
      const audit = ctx.store.auditOf(incidentId);
      const active = activeSilence(audit, ctx.clock.now());
      // Resolved now, or resolved at some point since it was silenced (and re-fired since).
      if (!active?.untilResolved || (incident.status !== 'resolved' && !resolvedSince(audit, active.id))) return null;
      await (await silencerOf(incident)).expireSilence(active.id);
      ctx.store.transaction(() => {
        const at = ctx.clock.now();
        silenceAudit(incident, 'incident.unsilence', DAEMON, 'ok', { silenceId: active.id, reason: 'the incident resolved' });
        if (ctx.notify)
          ctx.store.enqueue(
            { kind: 'incident.unsilenced', incidentId, payload: { silenceId: active.id, actor: DAEMON.id, reason: 'resolved' } },
            at,
          );
      });
      return outcome(
        'done',
        `Silence ${active.id} of incident ${incidentId} expired: the incident resolved.`,
        silenceData(incident, { silenceId: active.id, untilResolved: true, createdBy: active.createdBy }),
      );
    },
  };
}
