/** Silencing an incident's alerts in Alertmanager: a `low` action, checked by the same policy. */
import { CATALOGUE } from './actions.js';
import { ChatopsError } from './errors.js';
import type { ActionContext, Actor } from './incident-actions.js';
import type { AuditRecord } from './types.js';
import { evaluateRequest, type Policy, type Principal } from './policy.js';

export interface SilenceMatcher {
  name: string;
  value: string;
  isRegex: boolean;
  isEqual: boolean;
}

export interface NewSilence {
  matchers: SilenceMatcher[];
  startsAt: Date;
  endsAt: Date;
  createdBy: string;
  comment: string;
}

/** Creates silences (implemented by the Alertmanager adapter). */
export interface Silencer {
  /** Returns the silence id; throws ChatopsError('unavailable') with one sentence on failure. */
  createSilence(s: NewSilence): Promise<string>;
  /** Expires a silence; one already expired or unknown counts as done. */
  expireSilence(id: string): Promise<void>;
}

export interface SilenceContext extends ActionContext {
  policy: Policy;
  /** Built lazily: throws ChatopsError('config') when Alertmanager is not configured. */
  silencer: () => Promise<Silencer>;
}

export const DEFAULT_SILENCE_MS = 2 * 3_600_000;
/** Longer silences hide the next real incident; Alertmanager itself has no upper bound. */
export const MAX_SILENCE_MS = 7 * 86_400_000;

export type SilenceOutcome =
  | { kind: 'refused'; reason: string }
  | { kind: 'silenced'; silenceId: string; endsAt: number; matchers: SilenceMatcher[] };

/** Silences the alerts an incident groups (its common labels), for `durationMs`. */
export async function silenceIncident(ctx: SilenceContext, incidentId: number, opts: { durationMs?: number; comment?: string }, actor: Actor & { groups?: readonly string[] }): Promise<SilenceOutcome> {
  const incident = ctx.store.getIncident(incidentId);
  if (!incident) throw new ChatopsError('not_found', `No incident ${incidentId}: list them with 'chatops incidents list'.`);
  const durationMs = opts.durationMs ?? DEFAULT_SILENCE_MS;
  if (!(durationMs > 0) || durationMs > MAX_SILENCE_MS) {
    throw new ChatopsError('usage', `--duration must be more than 0 and at most 7d, got ${Math.round(durationMs / 1000)}s.`);
  }
  const auditRefusal = (reason: string): SilenceOutcome => {
    ctx.store.appendAudit({ ts: ctx.clock.now(), actor: actor.id, source: actor.source, action: 'incident.silence', target: incident.key, incidentId, result: 'refused', detail: { why: reason } });
    return { kind: 'refused', reason };
  };
  const who: Principal = actor;
  const decision = evaluateRequest(ctx.policy, { action: CATALOGUE.silence, target: null, params: { durationMs }, requester: who, targetLabels: 'unknown' });
  if (decision.kind === 'refused') return auditRefusal(decision.reason);
  const matchers = Object.entries(incident.labels).map(([name, value]) => ({ name, value, isRegex: false, isEqual: true }));
  if (matchers.length === 0) return auditRefusal(`Refused: incident ${incidentId}'s alerts share no label, so no silence would match only them; silence them in Alertmanager by hand.`);
  const now = ctx.clock.now();
  const endsAt = now + durationMs;
  const comment = opts.comment?.trim() || `chatops: incident ${incidentId} (${incident.alertname}) silenced by ${actor.id}`;
  const silencer = await ctx.silencer();
  let silenceId: string;
  try {
    silenceId = await silencer.createSilence({ matchers, startsAt: new Date(now), endsAt: new Date(endsAt), createdBy: actor.id, comment });
  } catch (e) {
    ctx.store.appendAudit({ ts: ctx.clock.now(), actor: actor.id, source: actor.source, action: 'incident.silence', target: incident.key, incidentId, result: 'failed', detail: { why: (e as Error).message } });
    throw e;
  }
  ctx.store.transaction(() => {
    const at = ctx.clock.now();
    ctx.store.appendAudit({ ts: at, actor: actor.id, source: actor.source, action: 'incident.silence', target: incident.key, incidentId, result: 'ok',
      detail: { silenceId, endsAt: new Date(endsAt).toISOString(), matchers, comment } });
    if (ctx.notify) ctx.store.enqueue({ kind: 'incident.updated', incidentId, payload: { reason: 'silence', silenceId, endsAt: new Date(endsAt).toISOString(), by: actor.id } }, at);
  });
  return { kind: 'silenced', silenceId, endsAt, matchers };
}

/** A silence chatops created for an incident and has not expired, as the audit trail records it. */
export interface ActiveSilence {
  id: string;
  endsAt: number;
  createdBy: string;
}

/**
 * The incident's silence still in force, read from its audit rows (so silences made by any
 * face — CLI, TUI, Slack — count): the latest successful `incident.silence` whose end is in
 * the future and that no `incident.unsilence` expired.
 */
export function activeSilence(audit: readonly AuditRecord[], now: number): ActiveSilence | null {
  const expired = new Set(audit.filter((a) => a.action === 'incident.unsilence' && a.result === 'ok').map((a) => String(a.detail.silenceId)));
  for (let i = audit.length - 1; i >= 0; i--) {
    const a = audit[i]!;
    if (a.action !== 'incident.silence' || a.result !== 'ok') continue;
    const id = String(a.detail.silenceId ?? '');
    const endsAt = Date.parse(String(a.detail.endsAt ?? ''));
    if (!id || expired.has(id) || !(endsAt > now)) continue;
    return { id, endsAt, createdBy: a.actor };
  }
  return null;
}

export type UnsilenceOutcome =
  | { kind: 'refused'; reason: string }
  | { kind: 'none' }
  | { kind: 'expired'; silenceId: string };

/** Expires the incident's active silence in Alertmanager; the same policy as silencing decides who may. */
export async function unsilenceIncident(ctx: SilenceContext, incidentId: number, actor: Actor & { groups?: readonly string[] }): Promise<UnsilenceOutcome> {
  const incident = ctx.store.getIncident(incidentId);
  if (!incident) throw new ChatopsError('not_found', `No incident ${incidentId}: list them with 'chatops incidents list'.`);
  const active = activeSilence(ctx.store.auditOf(incidentId), ctx.clock.now());
  if (!active) return { kind: 'none' };
  const decision = evaluateRequest(ctx.policy, { action: CATALOGUE.silence, target: null, params: {}, requester: actor, targetLabels: 'unknown' });
  if (decision.kind === 'refused') {
    ctx.store.appendAudit({ ts: ctx.clock.now(), actor: actor.id, source: actor.source, action: 'incident.unsilence', target: incident.key, incidentId, result: 'refused', detail: { silenceId: active.id, why: decision.reason } });
    return { kind: 'refused', reason: decision.reason };
  }
  const silencer = await ctx.silencer();
  await silencer.expireSilence(active.id);
  ctx.store.transaction(() => {
    const at = ctx.clock.now();
    ctx.store.appendAudit({ ts: at, actor: actor.id, source: actor.source, action: 'incident.unsilence', target: incident.key, incidentId, result: 'ok', detail: { silenceId: active.id } });
    if (ctx.notify) ctx.store.enqueue({ kind: 'incident.unsilenced', incidentId, payload: { silenceId: active.id, actor: actor.id } }, at);
  });
  return { kind: 'expired', silenceId: active.id };
}
