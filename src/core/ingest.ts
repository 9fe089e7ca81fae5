/**
 * Ingest: one delivery becomes, in ONE transaction, a delivery row, alert upserts, incidents
 * opened/updated/resolved, audit rows and outbox rows. Same code for the webhook and
 * `chatops alerts ingest`.
 */
import { createHash } from 'node:crypto';
import { groupByIncidentKey, groupFacts, planIncident, type IncidentPlan, type LifecycleOptions, type SharedByAll } from './incidents.js';
import type { Clock, EncodedBody, IncidentStore } from './ports.js';
import type { AlertEvent, AuditSource, Delivery } from './types.js';

export interface IngestContext {
  store: IncidentStore;
  clock: Clock;
  lifecycle: LifecycleOptions;
  /** Write outbox rows for Slack (false when Slack is not configured). */
  notify: boolean;
}

export interface IngestOrigin {
  source: 'webhook' | 'cli';
  actor: string;
  auditSource: AuditSource;
}

/**
 * Ingest as the daemon's webhook sees it: asynchronous, so that an implementation may commit
 * concurrent deliveries together (SQLite group commit) or await a database server. Resolves
 * only once the delivery is committed; rejects with the delivery's own error (a ChatopsError
 * for a bad delivery) or with the store's when nothing could be committed.
 */
export interface IngestPort {
  ingest(delivery: Delivery, raw: string | PreparedBody, origin: IngestOrigin): Promise<IngestResult>;
}

export interface IngestResult {
  deliveryId: number;
  /** applied: something changed; noop: everything was already known (a duplicate or stale delivery). */
  outcome: 'applied' | 'noop';
  incidents: { id: number | null; key: string; action: IncidentPlan['action']; status: string }[];
  alerts: { firing: number; resolved: number };
}

/**
 * Hash of the raw body, to find a delivery again (forensics, replays). Duplicates are not found
 * by it — HA peers send different bytes — but by comparing state (classifyAlert).
 */
export function deliveryHash(raw: string): string {
  return createHash('sha256').update(raw).digest('hex');
}

/** A body whose hash and stored form were made off the writer's thread (the daemon's parser). */
export interface PreparedBody {
  contentHash: string;
  stored: EncodedBody;
}

export function ingestDelivery(ctx: IngestContext, delivery: Delivery, raw: string | PreparedBody, origin: IngestOrigin): IngestResult {
  const { store, clock } = ctx;
  const body = typeof raw === 'string' ? { contentHash: deliveryHash(raw), stored: raw } : raw;
  return store.transaction(() => {
    const now = clock.now();
    const deliveryId = store.recordDelivery({
      receivedAt: now,
      source: origin.source,
      groupKey: delivery.groupKey,
      status: delivery.status,
      alertCount: delivery.alerts.length,
      contentHash: body.contentHash,
      raw: body.stored,
    });
    const results: IngestResult['incidents'] = [];
    let changed = false;
    const { clusterOf } = ctx.lifecycle;
    const groups = groupByIncidentKey(delivery, ctx.lifecycle.keyLabels, clusterOf);
    for (const [key, events] of groups) {
      // What the delivery's alerts share is what the group's share when the group is all of them.
      const shared = groups.size === 1 ? delivery.shared : undefined;
      const plan = planIncident(
        key,
        events,
        store.latestIncidentByKey(
          key,
          events.map((e) => e.fingerprint),
        ),
        groupFacts(delivery, events, clusterOf),
        ctx.lifecycle,
        now,
        shared,
      );
      const id = applyIncidentPlan(ctx, plan, { deliveryId }, origin, now, shared);
      if (plan.action !== 'none') changed = true;
      results.push({ id, key, action: plan.action, status: plan.incident.status });
    }
    const outcome = changed ? 'applied' : 'noop';
    store.markDelivery(deliveryId, outcome);
    return {
      deliveryId,
      outcome,
      incidents: results,
      alerts: {
        firing: delivery.alerts.filter((a) => a.status === 'firing').length,
        resolved: delivery.alerts.filter((a) => a.status === 'resolved').length,
      },
    };
  });
}

/** The distinct alertnames of some alerts (one, when all the delivery's alerts share it). */
function alertnames(alerts: readonly AlertEvent[], shared: SharedByAll | undefined): string[] {
  const common = shared?.labels.alertname;
  if (common !== undefined) return [common];
  return [...new Set(alerts.map((a) => a.labels.alertname ?? ''))];
}

/**
 * Stores one incident plan with its audit rows (each carrying `basis`: the delivery, or why the
 * daemon made the change) and outbox rows. Shared by ingest and reconciliation, so a change
 * reads and shows the same whatever told chatops about it. `shared`: what all the plan's alerts
 * share, when the caller knows it (the daemon's parser works it out off the writer's thread).
 */
export function applyIncidentPlan(
  ctx: IngestContext,
  plan: IncidentPlan,
  basis: Record<string, unknown>,
  origin: Pick<IngestOrigin, 'actor' | 'auditSource'>,
  now: number,
  shared?: SharedByAll,
): number | null {
  const { store } = ctx;
  const audit = (action: string, incidentId: number | null, target: string | null, result: string, detail: Record<string, unknown>) =>
    store.appendAudit({
      ts: now,
      actor: origin.actor,
      source: origin.auditSource,
      action,
      target,
      incidentId,
      result,
      detail: { ...basis, ...detail },
    });
  const outbox = (kind: string, incidentId: number, payload: Record<string, unknown> = {}) => {
    if (ctx.notify) store.enqueue({ kind, incidentId, payload }, now);
  };

  if (plan.action === 'none') {
    const stale = plan.changes.filter((c) => c.kind === 'stale');
    if (stale.length) {
      audit(
        'alert.stale_ignored',
        plan.previous?.id ?? null,
        stale.length === 1 ? stale[0]!.alert.fingerprint : `${stale.length} alerts`,
        'ignored',
        {
          fingerprints: stale.map((c) => c.alert.fingerprint),
          reason: 'older than the state already stored',
        },
      );
    }
    return plan.previous?.id ?? null;
  }

  let id: number;
  if (plan.action === 'open') {
    id = store.insertIncident(plan.incident);
    audit('incident.opened', id, plan.incident.key, 'ok', {
      alertname: plan.incident.alertname,
      firing: plan.incident.firing,
      supersedes: plan.previous?.id ?? null,
    });
    outbox('incident.opened', id);
  } else {
    id = plan.previous!.id;
    store.updateIncident({ ...plan.incident, id });
    if (plan.action === 'reopen') {
      audit('incident.reopened', id, plan.incident.key, 'ok', { resolvedAt: plan.previous!.resolvedAt });
      outbox('incident.reopened', id);
    } else {
      outbox('incident.updated', id);
    }
  }
  store.upsertAlerts(id, plan.upserts, now);
  // One audit row per kind of change per delivery (not one per alert): a 1,000-alert delivery
  // is one fact from Alertmanager, and the raw delivery keeps the detail.
  const byKind = new Map<string, typeof plan.changes>();
  for (const c of plan.changes) {
    const list = byKind.get(c.kind);
    if (list) list.push(c);
    else byKind.set(c.kind, [c]);
  }
  const fps = (list: typeof plan.changes) => list.map((c) => c.alert.fingerprint);
  const target = (list: typeof plan.changes) => (list.length === 1 ? list[0]!.alert.fingerprint : `${list.length} alerts`);
  const fresh = byKind.get('new') ?? [];
  if (fresh.length) {
    audit('alert.firing', id, target(fresh), 'ok', {
      fingerprints: fps(fresh),
      alertnames: alertnames(
        fresh.map((c) => c.alert),
        shared,
      ),
    });
    // One outbox row per delivery and kind, not per alert: the thread gets one reply either way.
    if (plan.action !== 'open') outbox('alert.joined', id, { fingerprints: fps(fresh) });
  }
  const resolvedFirst = byKind.get('new-resolved') ?? [];
  if (resolvedFirst.length)
    audit('alert.resolved', id, target(resolvedFirst), 'ok', { fingerprints: fps(resolvedFirst), firstSeenResolved: true });
  const refired = byKind.get('refired') ?? [];
  if (refired.length) {
    audit('alert.refired', id, target(refired), 'ok', { fingerprints: fps(refired) });
    if (plan.action !== 'reopen') outbox('alert.refired', id, { fingerprints: fps(refired) });
  }
  const resolved = byKind.get('resolved') ?? [];
  if (resolved.length) audit('alert.resolved', id, target(resolved), 'ok', { fingerprints: fps(resolved) });
  const stale = byKind.get('stale') ?? [];
  if (stale.length)
    audit('alert.stale_ignored', id, target(stale), 'ignored', { fingerprints: fps(stale), reason: 'older than the state already stored' });
  if (plan.resolvedNow) {
    audit('incident.resolved', id, plan.incident.key, 'ok', { durationMs: (plan.incident.resolvedAt ?? now) - plan.incident.openedAt });
    outbox('incident.resolved', id);
  }
  return id;
}
