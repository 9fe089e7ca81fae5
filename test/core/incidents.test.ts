import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classifyAlert, commonLabels, groupByIncidentKey, planIncident, type IncidentSnapshot } from '../../src/core/incidents.js';
import type { Incident, StoredAlert } from '../../src/core/types.js';
import { alert, delivery } from '../support/builders.js';

const HOUR = 3_600_000;
const T0 = Date.parse('2026-11-26T10:00:00Z');
const opts = { keyLabels: [] as string[], reopenWindowMs: HOUR };

function snapshotOf(plan: ReturnType<typeof planIncident>, id = 1): IncidentSnapshot {
  const incident: Incident = { ...plan.incident, id };
  const alerts = new Map<string, StoredAlert>(plan.upserts.map((a) => [a.fingerprint, { ...a, incidentId: id, updatedAt: 0 }]));
  return { incident, alerts };
}

function merge(snap: IncidentSnapshot, plan: ReturnType<typeof planIncident>): IncidentSnapshot {
  const alerts = new Map(snap.alerts);
  for (const a of plan.upserts) alerts.set(a.fingerprint, { ...a, incidentId: snap.incident.id, updatedAt: 0 });
  return { incident: { ...plan.incident, id: snap.incident.id }, alerts };
}

describe('grouping', () => {
  it('groups by groupKey by default', () => {
    const d = delivery([alert(), alert(), alert()]);
    const groups = groupByIncidentKey(d, []);
    assert.equal(groups.size, 1);
    assert.equal([...groups.values()][0]!.length, 3);
  });

  it('groups by the configured key labels, splitting one delivery into several incidents', () => {
    const d = delivery([
      alert({ labels: { namespace: 'a' } }),
      alert({ labels: { namespace: 'b' } }),
      alert({ labels: { namespace: 'a' } }),
    ]);
    const groups = groupByIncidentKey(d, ['alertname', 'namespace']);
    assert.deepEqual(
      [...groups.values()].map((g) => g.length),
      [2, 1],
    );
    assert.ok([...groups.keys()][0]!.includes('namespace="a"'));
  });

  it('keeps labels named like Object.prototype members as plain labels', () => {
    const common = commonLabels([
      { constructor: 'x', a: '1' },
      { constructor: 'x', a: '1' },
    ]);
    assert.deepEqual(common, { constructor: 'x', a: '1' });
    assert.deepEqual(commonLabels([{ toString: 'x' }, {}]), {});
  });
});

describe('lifecycle', () => {
  it('opens a firing incident with counts and description', () => {
    const a = alert({ annotations: { summary: 's' } });
    const plan = planIncident('k', [a, alert()], null, delivery([]), opts, T0);
    assert.equal(plan.action, 'open');
    assert.equal(plan.incident.status, 'firing');
    assert.equal(plan.incident.firing, 2);
    assert.equal(plan.incident.total, 2);
    assert.equal(plan.incident.alertname, 'HighErrorRate');
    assert.equal(plan.incident.namespace, 'prod');
    assert.equal(plan.incident.target, 'web');
  });

  it('does not open an incident for resolutions of alerts never seen', () => {
    const plan = planIncident('k', [alert({ status: 'resolved', endsAt: T0 })], null, delivery([]), opts, T0);
    assert.equal(plan.action, 'none');
  });

  it('adds a joining alert, resolves when all alerts resolve, with resolvedAt from endsAt', () => {
    const a = alert({ fingerprint: 'a' });
    const b = alert({ fingerprint: 'b' });
    let snap = snapshotOf(planIncident('k', [a], null, delivery([]), opts, T0));
    const join = planIncident('k', [a, b], snap, delivery([]), opts, T0 + 1000);
    assert.equal(join.action, 'update');
    assert.deepEqual(
      join.changes.map((c) => c.kind),
      ['same', 'new'],
    );
    assert.equal(join.incident.firing, 2);
    snap = merge(snap, join);
    const half = planIncident('k', [{ ...a, status: 'resolved', endsAt: T0 + 2000 }, b], snap, delivery([]), opts, T0 + 3000);
    assert.equal(half.incident.status, 'firing');
    assert.equal(half.incident.firing, 1);
    snap = merge(snap, half);
    const all = planIncident(
      'k',
      [
        { ...a, status: 'resolved', endsAt: T0 + 2000 },
        { ...b, status: 'resolved', endsAt: T0 + 2500 },
      ],
      snap,
      delivery([]),
      opts,
      T0 + 4000,
    );
    assert.equal(all.incident.status, 'resolved');
    assert.equal(all.resolvedNow, true);
    assert.equal(all.incident.resolvedAt, T0 + 2500);
    assert.equal(all.incident.firing, 0);
    assert.equal(all.incident.total, 2);
  });

  it('keeps the acknowledgement while alerts join, and clears it on reopen', () => {
    const a = alert({ fingerprint: 'a' });
    const snap = snapshotOf(planIncident('k', [a], null, delivery([]), opts, T0));
    snap.incident = { ...snap.incident, status: 'acknowledged', acknowledgedBy: 'U1', acknowledgedAt: T0 };
    const join = planIncident('k', [a, alert({ fingerprint: 'b' })], snap, delivery([]), opts, T0 + 1);
    assert.equal(join.incident.status, 'acknowledged');
    assert.equal(join.incident.acknowledgedBy, 'U1');
    const resolved = merge(snap, planIncident('k', [{ ...a, status: 'resolved', endsAt: T0 + 5 }], snap, delivery([]), opts, T0 + 10));
    assert.equal(resolved.incident.status, 'resolved');
    assert.equal(resolved.incident.acknowledgedBy, 'U1', 'a resolved incident keeps who acknowledged it');
    assert.equal(resolved.incident.acknowledgedAt, T0);
    const again = planIncident(
      'k',
      [{ ...alert({ fingerprint: 'c' }), status: 'resolved', endsAt: T0 + 6 }],
      resolved,
      delivery([]),
      opts,
      T0 + 20,
    );
    assert.equal(again.incident.acknowledgedBy, 'U1', 'an alert first seen resolved does not reopen, and the ack stays');
    const refire = planIncident('k', [{ ...a, startsAt: T0 + 60_000 }], resolved, delivery([]), opts, T0 + 60_000);
    assert.equal(refire.action, 'reopen');
    assert.equal(refire.incident.status, 'firing');
    assert.equal(refire.incident.acknowledgedBy, null);
  });

  it('reopens within the window and opens a new incident after it', () => {
    const a = alert({ fingerprint: 'a' });
    let snap = snapshotOf(planIncident('k', [a], null, delivery([]), opts, T0));
    snap = merge(snap, planIncident('k', [{ ...a, status: 'resolved', endsAt: T0 + 1000 }], snap, delivery([]), opts, T0 + 1000));
    assert.equal(snap.incident.status, 'resolved');
    const soon = planIncident('k', [{ ...a, startsAt: T0 + 30 * 60_000 }], snap, delivery([]), opts, T0 + 30 * 60_000);
    assert.equal(soon.action, 'reopen');
    const late = planIncident('k', [{ ...a, startsAt: T0 + 2 * HOUR }], snap, delivery([]), opts, T0 + 2 * HOUR);
    assert.equal(late.action, 'open');
    assert.equal(late.previous?.id, 1);
    assert.equal(late.incident.firing, 1);
  });

  it('a new incident after the window leaves alerts the old one resolved with the old one', () => {
    const a = alert({ fingerprint: 'a' });
    const b = alert({ fingerprint: 'b' });
    let snap = snapshotOf(planIncident('k', [a, b], null, delivery([]), opts, T0));
    snap = merge(
      snap,
      planIncident(
        'k',
        [
          { ...a, status: 'resolved', endsAt: T0 + 5 },
          { ...b, status: 'resolved', endsAt: T0 + 5 },
        ],
        snap,
        delivery([]),
        opts,
        T0 + 10,
      ),
    );
    const late = planIncident(
      'k',
      [
        { ...a, startsAt: T0 + 3 * HOUR },
        { ...b, status: 'resolved', endsAt: T0 + 5 },
      ],
      snap,
      delivery([]),
      opts,
      T0 + 3 * HOUR,
    );
    assert.equal(late.action, 'open');
    assert.deepEqual(
      late.upserts.map((x) => x.fingerprint),
      ['a'],
    );
    assert.equal(late.incident.total, 1);
  });

  it('a resolved incident that only gets resolutions again stays resolved and unchanged', () => {
    const a = alert({ fingerprint: 'a' });
    let snap = snapshotOf(planIncident('k', [a], null, delivery([]), opts, T0));
    const res = { ...a, status: 'resolved' as const, endsAt: T0 + 5 };
    snap = merge(snap, planIncident('k', [res], snap, delivery([]), opts, T0 + 10));
    const again = planIncident('k', [res], snap, delivery([]), opts, T0 + 3 * HOUR);
    assert.equal(again.action, 'none');
    assert.equal(again.incident.status, 'resolved');
  });
});

describe("timestamps: openedAt and resolvedAt are the alerts' own times", () => {
  it('opens at the earliest startsAt and resolves at the last endsAt, however late the deliveries arrive', () => {
    // A replay four days later (the fixtures' case): both times are Alertmanager's, in order.
    const late = T0 + 4 * 24 * HOUR;
    const a = alert({ fingerprint: 'a', startsAt: T0 + 60_000 });
    const b = alert({ fingerprint: 'b', startsAt: T0 });
    let snap = snapshotOf(planIncident('k', [a, b], null, delivery([]), opts, late));
    assert.equal(snap.incident.openedAt, T0);
    snap = merge(
      snap,
      planIncident(
        'k',
        [
          { ...a, status: 'resolved', endsAt: T0 + 5 * 60_000 },
          { ...b, status: 'resolved', endsAt: T0 + 3 * 60_000 },
        ],
        snap,
        delivery([]),
        opts,
        late + 1000,
      ),
    );
    assert.equal(snap.incident.status, 'resolved');
    assert.equal(snap.incident.resolvedAt, T0 + 5 * 60_000);
    assert.ok(snap.incident.resolvedAt! >= snap.incident.openedAt);
  });

  it('an alert joining with an earlier start moves openedAt back; a re-fire that reopens keeps it', () => {
    const a = alert({ fingerprint: 'a', startsAt: T0 });
    let snap = snapshotOf(planIncident('k', [a], null, delivery([]), opts, T0 + 1000));
    snap = merge(snap, planIncident('k', [alert({ fingerprint: 'b', startsAt: T0 - 60_000 })], snap, delivery([]), opts, T0 + 2000));
    assert.equal(snap.incident.openedAt, T0 - 60_000);
    snap = merge(
      snap,
      planIncident(
        'k',
        [
          { ...a, status: 'resolved', endsAt: T0 + 10_000 },
          alert({ fingerprint: 'b', startsAt: T0 - 60_000, status: 'resolved', endsAt: T0 + 9000 }),
        ],
        snap,
        delivery([]),
        opts,
        T0 + 11_000,
      ),
    );
    const reopen = planIncident('k', [{ ...a, startsAt: T0 + 20 * 60_000 }], snap, delivery([]), opts, T0 + 20 * 60_000);
    assert.equal(reopen.action, 'reopen');
    assert.equal(reopen.incident.openedAt, T0 - 60_000);
    assert.equal(reopen.incident.resolvedAt, null);
  });

  it('times from a sender whose clock runs ahead are bounded by now, and resolvedAt never precedes openedAt', () => {
    const ahead = alert({ fingerprint: 'a', startsAt: T0 + HOUR });
    const snap = snapshotOf(planIncident('k', [ahead], null, delivery([]), opts, T0));
    assert.equal(snap.incident.openedAt, T0);
    const res = planIncident('k', [{ ...ahead, status: 'resolved', endsAt: T0 - 1000 }], snap, delivery([]), opts, T0 + 1000);
    assert.equal(res.incident.resolvedAt, T0);
  });
});

describe('out-of-order and duplicate deliveries', () => {
  it('a duplicate delivery changes nothing', () => {
    const a = alert({ fingerprint: 'a' });
    const snap = snapshotOf(planIncident('k', [a], null, delivery([]), opts, T0));
    const dup = planIncident('k', [a], snap, delivery([]), opts, T0 + 5);
    assert.equal(dup.action, 'none');
    assert.equal(dup.upserts.length, 0);
    assert.equal(dup.incident.updatedAt, snap.incident.updatedAt);
  });

  it('a resolve of an older instance does not resolve the newer firing one', () => {
    const fired = alert({ fingerprint: 'a', startsAt: T0 + HOUR });
    const snap = snapshotOf(planIncident('k', [fired], null, delivery([]), opts, T0 + HOUR));
    const late = planIncident(
      'k',
      [{ ...fired, startsAt: T0, status: 'resolved', endsAt: T0 + 10 }],
      snap,
      delivery([]),
      opts,
      T0 + HOUR + 5,
    );
    assert.equal(late.changes[0]!.kind, 'stale');
    assert.equal(late.action, 'none');
    assert.equal(late.incident.status, 'firing');
  });

  it('a late firing for an instance already resolved is ignored', () => {
    const a = alert({ fingerprint: 'a' });
    let snap = snapshotOf(planIncident('k', [a, alert({ fingerprint: 'b' })], null, delivery([]), opts, T0));
    snap = merge(snap, planIncident('k', [{ ...a, status: 'resolved', endsAt: T0 + 5 }], snap, delivery([]), opts, T0 + 10));
    const late = planIncident('k', [a], snap, delivery([]), opts, T0 + 20);
    assert.equal(late.changes[0]!.kind, 'stale');
    assert.equal(late.incident.firing, 1);
  });

  it('classifies each transition', () => {
    const base = alert({ fingerprint: 'x' });
    assert.equal(classifyAlert(undefined, base), 'new');
    assert.equal(classifyAlert(undefined, { ...base, status: 'resolved' }), 'new-resolved');
    assert.equal(classifyAlert(base, base), 'same');
    assert.equal(classifyAlert(base, { ...base, annotations: { summary: 'changed' } }), 'updated');
    assert.equal(classifyAlert(base, { ...base, status: 'resolved', endsAt: T0 + 1 }), 'resolved');
    assert.equal(classifyAlert({ ...base, status: 'resolved', endsAt: T0 + 1 }, { ...base, startsAt: base.startsAt + 10 }), 'refired');
    assert.equal(classifyAlert(base, { ...base, startsAt: base.startsAt - 10 }), 'stale');
  });
});

describe('incremental counts', () => {
  it('property: firing/total/common labels kept on the incident equal a recount over all alerts; knowing what the alerts share beforehand changes no plan', async () => {
    const fc = (await import('fast-check')).default;
    const event = fc.record({
      fp: fc.constantFrom('a', 'b', 'c', 'd'),
      firing: fc.boolean(),
      instance: fc.integer({ min: 0, max: 3 }),
      pod: fc.constantFrom('p1', 'p2'),
      note: fc.constantFrom('n1', 'n2'),
    });
    fc.assert(
      fc.property(fc.array(fc.array(event, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 12 }), (deliveries) => {
        let snap: IncidentSnapshot | null = null;
        const all = new Map<string, StoredAlert>();
        let t = T0;
        for (const batch of deliveries) {
          t += 1000;
          const seen = new Set<string>();
          const events = batch
            .filter((e) => !seen.has(e.fp) && seen.add(e.fp))
            .map((e) =>
              alert({
                fingerprint: e.fp,
                status: e.firing ? 'firing' : 'resolved',
                startsAt: T0 + e.instance * 10,
                endsAt: e.firing ? null : t,
                labels: { pod: `${e.fp}-${e.pod === 'p1' ? 'x' : 'x'}`, shared: 'yes', team: e.fp < 'c' ? 'x' : 'y' },
                annotations: { note: e.note, summary: 'same' },
              }),
            );
          const opts = { keyLabels: [], reopenWindowMs: 10 * HOUR };
          const plan = planIncident('k', events, snap, delivery([]), opts, t);
          // The daemon's parser thread works out what a delivery's alerts share: the same plan.
          const shared = { labels: commonLabels(events.map((a) => a.labels)), annotations: commonLabels(events.map((a) => a.annotations)) };
          assert.deepEqual(planIncident('k', events, snap, delivery([]), opts, t, shared), plan);
          if (plan.action === 'none' && !snap) continue;
          for (const a of plan.upserts) all.set(a.fingerprint, { ...a, incidentId: 1, updatedAt: t });
          snap = { incident: { ...plan.incident, id: 1 }, alerts: new Map(all) };
          const firing = [...all.values()].filter((a) => a.status === 'firing').length;
          assert.equal(plan.incident.firing, firing);
          assert.equal(plan.incident.total, all.size);
          assert.deepEqual(plan.incident.labels, commonLabels([...all.values()].map((a) => a.labels)));
          assert.equal(plan.incident.status === 'resolved', firing === 0);
        }
      }),
      { numRuns: 500 },
    );
  });
});
