/**
 * Reconciliation's rules (pure decision) and how a decision is applied (a real SQLite store):
 * the same audit and outbox rows as a webhook resolve, in one transaction, guarded against
 * webhooks that land while Alertmanager is being asked.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { SqliteStore } from '../../src/adapters/store/sqlite-store.js';
import { ingestDelivery, type IngestContext } from '../../src/core/ingest.js';
import {
  alertnamesOf,
  applyReconciliation,
  decideReconciliation,
  RECONCILE_REASON,
  type AlertmanagerObservation,
  type TrackedAlert,
} from '../../src/core/reconcile.js';
import type { AlertEvent } from '../../src/core/types.js';
import { alert, delivery } from '../support/builders.js';
import { tempDir } from '../support/tmp.js';

const T0 = Date.parse('2026-11-26T10:00:00Z');
const MIN = 60_000;

const tracked = (a: AlertEvent, over: Partial<TrackedAlert> = {}): TrackedAlert => ({
  ...a,
  incidentId: 1,
  updatedAt: T0,
  incidentKey: 'k',
  ...over,
});
const answer = (name: string, startedAt: number, alerts: AlertEvent[]): AlertmanagerObservation => ({
  name,
  answered: true,
  startedAt,
  active: new Map(alerts.map((a) => [a.fingerprint, a])),
});
const down = (name: string): AlertmanagerObservation => ({ name, answered: false, error: `${name} is unreachable` });
const opts = { now: T0 + 10 * MIN, warmupMs: 3 * MIN };

describe('reconciliation: the decision', () => {
  const a = alert({ fingerprint: 'a', labels: { alertname: 'A' } });
  const b = alert({ fingerprint: 'b', labels: { alertname: 'B' } });

  it('an alert no instance lists is gone; silenced or inhibited ones are listed, so they stay', () => {
    const d = decideReconciliation([tracked(a), tracked(b)], [answer('am-0', T0, [b])], opts);
    assert.equal(d.outcome, 'ok');
    assert.deepEqual(
      d.gone.map((x) => x.fingerprint),
      ['a'],
    );
  });

  it('HA pair: an alert either instance lists stays; gone only when every instance that answered agrees', () => {
    const d = decideReconciliation([tracked(a), tracked(b)], [answer('am-0', T0, [a]), answer('am-1', T0, [b])], opts);
    assert.deepEqual(d.gone, []);
    const one = decideReconciliation([tracked(a), tracked(b)], [down('am-0'), answer('am-1', T0, [b])], opts);
    assert.equal(one.outcome, 'partial');
    assert.deepEqual(
      one.gone.map((x) => x.fingerprint),
      ['a'],
    );
    assert.deepEqual(one.failed, [{ name: 'am-0', error: 'am-0 is unreachable' }]);
  });

  it('a freshly restarted instance cannot speak for absence, alone; beside a warm peer it only adds what it holds', () => {
    const fresh = answer('am-1', opts.now - 30_000, []);
    const alone = decideReconciliation([tracked(a)], [down('am-0'), fresh], opts);
    assert.equal(alone.outcome, 'warming_up');
    assert.deepEqual(alone.gone, []);
    const beside = decideReconciliation([tracked(a), tracked(b)], [answer('am-0', T0, [a]), answer('am-1', opts.now - 30_000, [b])], opts);
    assert.deepEqual(beside.gone, []);
  });

  it('nobody answers: nothing changes', () => {
    const d = decideReconciliation([tracked(a)], [down('am-0'), down('am-1')], opts);
    assert.equal(d.outcome, 'unavailable');
    assert.deepEqual(d.gone, []);
  });

  it('an alert resolved by reconciliation that an instance lists again comes back; one Alertmanager resolved does not', () => {
    const reconciled = tracked({ ...a, status: 'resolved', endsAt: T0 + MIN }, { reconciled: true });
    const d = decideReconciliation([reconciled], [answer('am-0', T0, [a])], opts);
    assert.deepEqual(
      d.back.map((x) => x.event.fingerprint),
      ['a'],
    );
    assert.equal(d.back[0]!.event.status, 'firing');
    const older = decideReconciliation([reconciled], [answer('am-0', T0, [{ ...a, startsAt: a.startsAt - 1 }])], opts);
    assert.deepEqual(older.back, [], 'an older instance of the alert is not this one coming back');
  });

  it('asks once per alertname, including alerts without one', () => {
    assert.deepEqual(
      alertnamesOf([
        tracked(a),
        tracked(b),
        tracked({ ...a, fingerprint: 'c' }),
        tracked(alert({ fingerprint: 'd', labels: { alertname: undefined as unknown as string } })),
      ]),
      ['', 'A', 'B'],
    );
  });
});

function setup(t: TestContext): { store: SqliteStore; ctx: IngestContext; clock: { t: number; now(): number } } {
  const store = new SqliteStore({ path: path.join(tempDir(t), 'r.db') });
  t.after(() => store.close());
  const clock = {
    t: T0,
    now() {
      return this.t;
    },
  };
  return { store, clock, ctx: { store, clock, notify: true, lifecycle: { keyLabels: [], reopenWindowMs: 60 * MIN } } };
}

const ingest = (ctx: IngestContext, alerts: AlertEvent[]) =>
  ingestDelivery(ctx, delivery(alerts), JSON.stringify(alerts), {
    source: 'webhook',
    actor: 'alertmanager:chatops',
    auditSource: 'alertmanager',
  });
const outboxKinds = (store: SqliteStore, after = 0) =>
  (store.db.prepare('SELECT kind FROM outbox WHERE id > ? ORDER BY id').all(after) as { kind: string }[]).map((r) => r.kind);
const maxOutbox = (store: SqliteStore) => (store.db.prepare('SELECT coalesce(max(id), 0) AS n FROM outbox').get() as { n: number }).n;

describe('reconciliation: applying a decision', () => {
  it('resolves like a webhook resolve: same outbox rows, audit rows naming the reason, endsAt = when found gone', (t) => {
    const a = alert({ fingerprint: 'a', startsAt: T0 });
    const b = alert({ fingerprint: 'b', startsAt: T0 });
    // Twin A: resolved by a webhook.
    const web = setup(t);
    ingest(web.ctx, [a, b]);
    const webBefore = maxOutbox(web.store);
    web.clock.t = T0 + 5 * MIN;
    ingest(web.ctx, [
      { ...a, status: 'resolved', endsAt: T0 + 5 * MIN },
      { ...b, status: 'resolved', endsAt: T0 + 5 * MIN },
    ]);
    // Twin B: Alertmanager never said; reconciliation finds both gone.
    const rec = setup(t);
    ingest(rec.ctx, [a, b]);
    const recBefore = maxOutbox(rec.store);
    rec.clock.t = T0 + 5 * MIN;
    const snapshot = rec.store.reconcileCandidates(0);
    const decision = decideReconciliation(snapshot, [answer('am-0', T0 - 60 * MIN, [])], { now: rec.clock.t, warmupMs: 3 * MIN });
    const result = applyReconciliation(rec.ctx, decision, rec.clock.t);
    assert.deepEqual(result, { resolvedAlerts: 2, resolvedIncidents: [1], refiredAlerts: 0 });

    assert.deepEqual(
      outboxKinds(rec.store, recBefore),
      outboxKinds(web.store, webBefore),
      'the same outbox rows, so Slack updates the same way',
    );
    const incident = rec.store.getIncident(1)!;
    assert.equal(incident.status, 'resolved');
    assert.equal(incident.resolvedAt, T0 + 5 * MIN);
    assert.deepEqual(
      rec.store.alertsOf(1).map((x) => [x.status, x.endsAt, x.reconciled]),
      [
        ['resolved', T0 + 5 * MIN, true],
        ['resolved', T0 + 5 * MIN, true],
      ],
    );
    const audit = rec.store.auditOf(1).filter((r) => r.seq > 2);
    assert.deepEqual(
      audit.map((r) => [r.action, r.actor, r.source, r.detail.reason]),
      [
        ['alert.resolved', 'daemon', 'daemon', RECONCILE_REASON],
        ['incident.resolved', 'daemon', 'daemon', RECONCILE_REASON],
      ],
    );
    assert.deepEqual(audit[0]!.detail.alertmanagers, ['am-0']);
  });

  it('leaves alerts a webhook changed while Alertmanager was being asked', (t) => {
    const { store, ctx, clock } = setup(t);
    const a = alert({ fingerprint: 'a', startsAt: T0 });
    ingest(ctx, [a]);
    const snapshotAt = T0 + MIN;
    const decision = decideReconciliation(store.reconcileCandidates(0), [answer('am-0', T0 - 60 * MIN, [])], {
      now: snapshotAt,
      warmupMs: 0,
    });
    // Meanwhile a webhook: the alert resolved and fired again (a newer instance).
    clock.t = T0 + 2 * MIN;
    ingest(ctx, [{ ...a, startsAt: T0 + 90_000 }]);
    assert.deepEqual(applyReconciliation(ctx, decision, snapshotAt), { resolvedAlerts: 0, resolvedIncidents: [], refiredAlerts: 0 });
    assert.equal(store.getIncident(1)!.status, 'firing');
  });

  it('an alert resolved by reconciliation fires again when Alertmanager sends it, and when an instance lists it again', (t) => {
    const { store, ctx, clock } = setup(t);
    const a = alert({ fingerprint: 'a', startsAt: T0 });
    ingest(ctx, [a]);
    clock.t = T0 + MIN;
    applyReconciliation(
      ctx,
      decideReconciliation(store.reconcileCandidates(0), [answer('am-0', T0 - 60 * MIN, [])], { now: clock.t, warmupMs: 0 }),
      clock.t,
    );
    assert.equal(store.getIncident(1)!.status, 'resolved');

    // The peer that still had it notifies (same instance, same startsAt): it fires again, not "stale".
    clock.t = T0 + 2 * MIN;
    const r = ingest(ctx, [a]);
    assert.deepEqual(
      r.incidents.map((i) => [i.action, i.status]),
      [['reopen', 'firing']],
    );
    assert.equal(store.alertsOf(1)[0]!.reconciled, false);

    // Resolved by reconciliation again; this time an instance lists it at the next pass.
    clock.t = T0 + 3 * MIN;
    applyReconciliation(
      ctx,
      decideReconciliation(store.reconcileCandidates(0), [answer('am-0', T0 - 60 * MIN, [])], { now: clock.t, warmupMs: 0 }),
      clock.t,
    );
    clock.t = T0 + 4 * MIN;
    const before = maxOutbox(store);
    const back = decideReconciliation(store.reconcileCandidates(clock.t - 60 * MIN), [answer('am-0', T0 - 60 * MIN, [a])], {
      now: clock.t,
      warmupMs: 0,
    });
    assert.equal(applyReconciliation(ctx, back, clock.t).refiredAlerts, 1);
    assert.equal(store.getIncident(1)!.status, 'firing');
    assert.deepEqual(outboxKinds(store, before), ['incident.reopened']);
  });
});
