/** Actions on incidents that every face (Slack, CLI, TUI) shares. */
import { ChatopsError } from './errors.js';
import type { Clock, IncidentStore } from './ports.js';
import type { AuditSource, Incident } from './types.js';

export interface Actor {
  /** `cli:<os user>`, a Slack user id, or `daemon`. */
  id: string;
  source: AuditSource;
}

export interface ActionContext {
  store: IncidentStore;
  clock: Clock;
  notify: boolean;
}

export type AckResult = { outcome: 'acknowledged'; incident: Incident } | { outcome: 'already'; incident: Incident };

/** Acknowledges an open incident. Idempotent for the same state; refuses resolved incidents. */
export function acknowledge(ctx: ActionContext, incidentId: number, actor: Actor): AckResult {
  // A refusal is audited too, so it must commit: decide inside the transaction, throw after it.
  const result = ctx.store.transaction((): AckResult | { outcome: 'refused' } | { outcome: 'missing' } => {
    const incident = ctx.store.getIncident(incidentId);
    if (!incident) return { outcome: 'missing' };
    const now = ctx.clock.now();
    if (incident.status === 'resolved') {
      ctx.store.appendAudit({ ts: now, actor: actor.id, source: actor.source, action: 'incident.ack', target: incident.key,
        incidentId, result: 'refused', detail: { reason: 'incident is resolved' } });
      return { outcome: 'refused' };
    }
    if (incident.status === 'acknowledged') return { outcome: 'already', incident };
    const next: Incident = { ...incident, status: 'acknowledged', acknowledgedBy: actor.id, acknowledgedAt: now, updatedAt: now };
    ctx.store.updateIncident(next);
    ctx.store.appendAudit({ ts: now, actor: actor.id, source: actor.source, action: 'incident.ack', target: incident.key, incidentId, result: 'ok', detail: {} });
    if (ctx.notify) ctx.store.enqueue({ kind: 'incident.updated', incidentId, payload: { reason: 'ack' } }, now);
    return { outcome: 'acknowledged', incident: next };
  });
  if (result.outcome === 'missing') throw new ChatopsError('not_found', `No incident ${incidentId}: list them with 'chatops incidents list'.`);
  if (result.outcome === 'refused') throw new ChatopsError('conflict', `Incident ${incidentId} is already resolved; there is nothing to acknowledge.`);
  return result;
}
