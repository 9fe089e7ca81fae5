/**
 * Reconciliation with Alertmanager: a webhook can be lost (Alertmanager gave up retrying), and
 * some resolutions are never sent (a silenced or inhibited alert that resolves, an Alertmanager
 * restart that drops resolved alerts). So the daemon asks Alertmanager which alerts of open
 * incidents it still holds as active, and resolves the rest — through the same plan and the same
 * audit and outbox rows as a webhook resolve.
 *
 * Rules (pure; the daemon supplies the observations):
 * - An alert counts as active while any instance that answered lists its fingerprint —
 *   silenced, inhibited and unprocessed alerts included.
 * - It is gone only when every instance that answered agrees, and at least one of them has run
 *   for `warmupMs`: Alertmanager keeps alerts in memory, so a freshly (re)started instance
 *   knows nothing until Prometheus sends them again, and may not speak for absence.
 * - No instance answered: nothing changes.
 * - Only alerts chatops stored before the question was asked are judged (a webhook may land
 *   meanwhile), and only if they are still as they were when asked.
 * - An alert resolved by reconciliation that an instance lists as active again (its peer was
 *   lagging, or was the only one answering) fires again, as a webhook would have it.
 */
import type { IngestContext } from './ingest.js';
import { applyIncidentPlan } from './ingest.js';
import { planIncident } from './incidents.js';
import type { AlertEvent, StoredAlert } from './types.js';

/** An alert reconciliation looks at: firing in an open incident, or recently resolved by reconciliation. */
export interface TrackedAlert extends StoredAlert {
  incidentKey: string;
  /** The incident's cluster (null: none claims it); each cluster is reconciled against its own Alertmanagers. */
  cluster?: string | null;
}

/** What one Alertmanager instance said. */
export type AlertmanagerObservation =
  { name: string; answered: true; startedAt: number; active: Map<string, AlertEvent> } | { name: string; answered: false; error: string };

export type ReconcileOutcome =
  /** Every instance answered and at least one has run long enough to judge absence. */
  | 'ok'
  /** Some instances did not answer; the others (one of them warm) were enough to judge. */
  | 'partial'
  /** Instances answered, but none has run for the warm-up: nothing is resolved. */
  | 'warming_up'
  /** No instance answered: nothing changes. */
  | 'unavailable';

export interface ReconcileDecision {
  outcome: ReconcileOutcome;
  /** Firing in chatops, active in no instance that answered. */
  gone: TrackedAlert[];
  /** Resolved by reconciliation earlier, active again: as Alertmanager now reports them. */
  back: { tracked: TrackedAlert; event: AlertEvent }[];
  answered: string[];
  failed: { name: string; error: string }[];
}

/** Alertnames to ask about (one filtered query each; '' matches alerts without one). */
export function alertnamesOf(tracked: readonly TrackedAlert[]): string[] {
  return [...new Set(tracked.map((a) => a.labels.alertname ?? ''))].sort();
}

export function decideReconciliation(
  tracked: readonly TrackedAlert[],
  observations: readonly AlertmanagerObservation[],
  opts: { now: number; warmupMs: number },
): ReconcileDecision {
  const answered = observations.filter((o): o is Extract<AlertmanagerObservation, { answered: true }> => o.answered);
  const failed = observations
    .filter((o): o is Extract<AlertmanagerObservation, { answered: false }> => !o.answered)
    .map((o) => ({ name: o.name, error: o.error }));
  const names = { answered: answered.map((o) => o.name), failed };
  if (answered.length === 0) return { outcome: 'unavailable', gone: [], back: [], ...names };
  const active = new Map<string, AlertEvent>();
  for (const o of answered) {
    for (const [fp, event] of o.active) {
      const seen = active.get(fp);
      if (!seen || event.startsAt > seen.startsAt) active.set(fp, event);
    }
  }
  const back = tracked
    .filter((a) => a.status === 'resolved' && active.has(a.fingerprint) && active.get(a.fingerprint)!.startsAt >= a.startsAt)
    .map((tracked) => ({ tracked, event: active.get(tracked.fingerprint)! }));
  const warm = answered.some((o) => opts.now - o.startedAt >= opts.warmupMs);
  if (!warm) return { outcome: 'warming_up', gone: [], back, ...names };
  const gone = tracked.filter((a) => a.status === 'firing' && !active.has(a.fingerprint));
  return { outcome: failed.length ? 'partial' : 'ok', gone, back, ...names };
}

export interface ReconcileResult {
  resolvedAlerts: number;
  resolvedIncidents: number[];
  refiredAlerts: number;
}

export const RECONCILE_REASON = 'resolved by reconciliation';
const REFIRE_REASON = 'active again in Alertmanager (reconciliation)';

/** Groups items by a key, keeping their order. */
function groupBy<T>(items: readonly T[], key: (t: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = out.get(k);
    if (list) list.push(item);
    else out.set(k, [item]);
  }
  return out;
}

/**
 * Applies a decision in ONE transaction: gone alerts resolve (ended `now`: Alertmanager does
 * not say when), alerts back in Alertmanager fire again; incidents resolve, reopen or update as
 * a webhook would make them, with the same audit and outbox rows, each naming the reason.
 */
export function applyReconciliation(ctx: IngestContext, decision: ReconcileDecision, snapshotAt: number): ReconcileResult {
  const { store, clock } = ctx;
  const origin = { actor: 'daemon', auditSource: 'daemon' as const };
  const result: ReconcileResult = { resolvedAlerts: 0, resolvedIncidents: [], refiredAlerts: 0 };
  if (decision.gone.length === 0 && decision.back.length === 0) return result;
  const alertmanagers = decision.answered;
  store.transaction(() => {
    const now = clock.now();
    for (const [key, tracked] of groupBy(decision.gone, (a) => a.incidentKey)) {
      const latest = store.latestIncidentByKey(
        key,
        tracked.map((a) => a.fingerprint),
      );
      if (!latest || latest.incident.status === 'resolved' || latest.incident.id !== tracked[0]!.incidentId) continue;
      // Only what is still as it was when Alertmanager was asked: a webhook may have landed meanwhile.
      const still = tracked.filter((a) => {
        const stored = latest.alerts.get(a.fingerprint);
        return stored && stored.status === 'firing' && stored.startsAt === a.startsAt && stored.updatedAt <= snapshotAt;
      });
      if (still.length === 0) continue;
      const events: AlertEvent[] = still.map(({ incidentId: _i, updatedAt: _u, incidentKey: _k, reconciled: _r, cluster: _c, ...a }) => ({
        ...a,
        status: 'resolved',
        endsAt: now,
      }));
      const plan = planIncident(key, events, latest, latest.incident, ctx.lifecycle, now);
      const id = applyIncidentPlan(ctx, plan, { reason: RECONCILE_REASON, alertmanagers }, origin, now);
      if (id === null) continue;
      store.markReconciled(
        id,
        events.map((e) => e.fingerprint),
      );
      result.resolvedAlerts += events.length;
      if (plan.resolvedNow) result.resolvedIncidents.push(id);
    }
    for (const [key, back] of groupBy(decision.back, (b) => b.tracked.incidentKey)) {
      const latest = store.latestIncidentByKey(
        key,
        back.map((b) => b.event.fingerprint),
      );
      if (!latest) continue;
      const events = back
        .filter((b) => {
          const stored = latest.alerts.get(b.event.fingerprint);
          // Still as reconciliation left it (a webhook may have said more meanwhile), or unknown to a newer incident.
          return !stored || (stored.status === 'resolved' && stored.reconciled === true && stored.updatedAt <= snapshotAt);
        })
        .map((b) => b.event);
      if (events.length === 0) continue;
      const plan = planIncident(key, events, latest, latest.incident, ctx.lifecycle, now);
      applyIncidentPlan(ctx, plan, { reason: REFIRE_REASON, alertmanagers }, origin, now);
      result.refiredAlerts += plan.changes.filter((c) => c.kind === 'refired' || c.kind === 'new').length;
    }
  });
  return result;
}
