/** Acknowledging an incident: the one incident action that needs nothing but the store. */
import { ChatopsError } from './errors.js';
import { outcome, type Outcome } from './outcome.js';
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

/** What an incident action touched: the incident as it is after it. */
export interface IncidentData {
  incident: Incident;
}

export const noIncident = (incidentId: number): ChatopsError =>
  new ChatopsError('not_found', `No incident ${incidentId}: list them with 'chatops incidents list'.`);

/**
 * Acknowledges an open incident: done, unchanged when it already is acknowledged, a conflict
 * (audited) when it resolved. Throws only for an unknown incident.
 */
export function acknowledgeIncident(ctx: ActionContext, incidentId: number, actor: Actor): Outcome<IncidentData> {
  // Decided inside the transaction: a refusal is audited too, so it must commit with the check.
  const result = ctx.store.transaction((): Outcome<IncidentData> | null => {
    const incident = ctx.store.getIncident(incidentId);
    if (!incident) return null;
    const now = ctx.clock.now();
    if (incident.status === 'resolved') {
      ctx.store.appendAudit({
        ts: now,
        actor: actor.id,
        source: actor.source,
        action: 'incident.ack',
        target: incident.key,
        incidentId,
        result: 'refused',
        detail: { reason: 'incident is resolved' },
      });
      return outcome('conflict', `Incident ${incidentId} is already resolved; there is nothing to acknowledge.`, { incident });
    }
    if (incident.status === 'acknowledged') {
      return outcome('unchanged', `Incident ${incidentId} was already acknowledged by ${incident.acknowledgedBy ?? 'someone'}.`, {
        incident,
      });
    }
    const next: Incident = { ...incident, status: 'acknowledged', acknowledgedBy: actor.id, acknowledgedAt: now, updatedAt: now };
    ctx.store.updateIncident(next);
    ctx.store.appendAudit({
      ts: now,
      actor: actor.id,
      source: actor.source,
      action: 'incident.ack',
      target: incident.key,
      incidentId,
      result: 'ok',
      detail: {},
    });
    if (ctx.notify) ctx.store.enqueue({ kind: 'incident.updated', incidentId, payload: { reason: 'ack' } }, now);
    return outcome('done', `Incident ${incidentId} acknowledged by ${actor.id}.`, { incident: next });
  });
  if (!result) throw noIncident(incidentId);
  return result;
}
