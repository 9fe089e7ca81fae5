import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SqliteIncidentBrowser } from '../../src/adapters/store/incident-browser.js';
import { SqlitePendingApprovals } from '../../src/adapters/store/sqlite-pending-approvals.js';
import type { SqliteStore } from '../../src/adapters/store/sqlite-store.js';
import { INCIDENT_STATUSES, type IncidentStatus } from '../../src/core/types.js';
import { openStore, T0 } from './support.js';

/** Inserts n incidents directly (the lifecycle is tested elsewhere; this is about paging). */
function bulk(store: SqliteStore, n: number): void {
  store.transaction(() => {
    for (let k = 0; k < n; k++) {
      const status: IncidentStatus = INCIDENT_STATUSES[k % 3]!;
      const ns = k % 10 === 0 ? 'payments' : 'prod';
      store.insertIncident({
        key: `k${k}`,
        status,
        alertname: `Alert${k % 7}`,
        severity: 'warning',
        namespace: ns,
        target: `app${k % 50}`,
        labels: { alertname: `Alert${k % 7}`, namespace: ns, team: k % 4 === 0 ? 'sre' : 'web' },
        annotations: {},
        groupKey: `g${k}`,
        externalURL: '',
        firing: 1,
        total: 1,
        openedAt: T0 + k,
        updatedAt: T0 + ((k * 7919) % n),
        resolvedAt: null,
        acknowledgedBy: null,
        acknowledgedAt: null,
      });
    }
  });
}

const RANK: Record<IncidentStatus, number> = { firing: 0, acknowledged: 1, resolved: 2 };

describe('SqliteIncidentBrowser', () => {
  it('pages 10,000 incidents in display order: firing, acknowledged, resolved, then newest change first', (t) => {
    const store = openStore(t);
    bulk(store, 10_000);
    const b = new SqliteIncidentBrowser(store.db);
    const all = store.listIncidents({}).sort((x, y) => RANK[x.status] - RANK[y.status] || y.updatedAt - x.updatedAt || y.id - x.id);
    for (const offset of [0, 37, 3333, 3334, 6660, 9990]) {
      const p = b.page({}, offset, 40);
      assert.equal(p.total, 10_000);
      assert.deepEqual(
        p.rows.map((r) => r.id),
        all.slice(offset, offset + 40).map((r) => r.id),
        `offset ${offset}`,
      );
    }
    assert.deepEqual(b.page({}, 0, 0).counts, { firing: 3334, acknowledged: 3333, resolved: 3333 });
    // positionOf agrees with the order, for rows in every status
    for (const i of [all[0]!, all[5000]!, all[9999]!]) assert.equal(b.positionOf(i.id, {}), all.indexOf(i));
  });

  it('uses the status index rather than sorting the table', (t) => {
    const store = openStore(t);
    const plan = store.db
      .prepare(`EXPLAIN QUERY PLAN SELECT * FROM incidents WHERE status = ? AND 1 ORDER BY updated_at DESC, id DESC LIMIT 40 OFFSET 0`)
      .all('firing') as { detail: string }[];
    const text = plan.map((r) => r.detail).join('\n');
    assert.match(text, /incidents_status_updated/);
    assert.doesNotMatch(text, /TEMP B-TREE/);
  });

  it('filters by status and by words over alertname, namespace, target and labels; key=value matches one label', (t) => {
    const store = openStore(t);
    bulk(store, 300);
    const b = new SqliteIncidentBrowser(store.db);
    const resolved = b.page({ statuses: ['resolved'] }, 0, 1000);
    assert.equal(resolved.total, 100);
    assert.ok(resolved.rows.every((r) => r.status === 'resolved'));
    const pay = b.page({ text: 'payments' }, 0, 1000);
    assert.equal(pay.total, 30);
    const both = b.page({ text: 'payments alert3' }, 0, 1000);
    assert.ok(both.rows.length > 0 && both.rows.every((r) => r.namespace === 'payments' && r.alertname === 'Alert3'));
    const sre = b.page({ text: 'team=sre' }, 0, 1000);
    assert.equal(sre.total, 75);
    assert.equal(b.page({ text: 'team=sr' }, 0, 10).total, 0, 'key=value is exact');
    assert.equal(b.page({ text: '100%' }, 0, 10).total, 0, 'LIKE wildcards in the text are literal');
    assert.equal(b.positionOf(2, { text: 'payments' }), null, 'a row the query hides has no position');
  });

  it('reports a new data_version after another connection commits', (t) => {
    const store = openStore(t);
    const b = new SqliteIncidentBrowser(store.db);
    const before = b.dataVersion();
    assert.equal(b.dataVersion(), before);
    const other = new (store.constructor as typeof SqliteStore)({ path: store.path });
    t.after(() => other.close());
    bulk(other, 1);
    assert.notEqual(b.dataVersion(), before);
  });
});

describe('SqlitePendingApprovals', () => {
  it('reads the pending, unexpired rows of the incident', (t) => {
    const store = openStore(t);
    const p = new SqlitePendingApprovals(store.db, { now: () => T0 + 60_000 });
    assert.equal(p.countFor(1), 0);
    const ins = store.db
      .prepare(`INSERT INTO action_requests (id, action, risk, namespace, deployment, params, requester, source, incident_id,
      dry_run, state, created_at, expires_at, updated_at) VALUES (?, ?, 'mutate', ?, ?, ?, ?, 'slack', ?, ?, ?, ?, ?, ?)`);
    const dry = JSON.stringify({ ok: true, summary: 'the API server would admit it', changes: ['spec.replicas: 3 → 5'] });
    ins.run('r1', 'scale', 'prod', 'checkout', '{"replicas":5}', 'U0BOB', 1, dry, 'pending', T0, T0 + 900_000, T0);
    ins.run('r2', 'rollout-restart', 'prod', 'checkout', '{}', 'U0BOB', 1, null, 'denied', T0 + 1, T0 + 900_000, T0);
    ins.run('r3', 'rollout-restart', 'prod', 'checkout', '{}', 'U0BOB', 1, null, 'pending', T0 - 900_000, T0, T0); // expired, not yet swept
    ins.run('r4', 'rollout-restart', 'prod', 'api', '{}', 'U0CAROL', 2, null, 'pending', T0, T0 + 900_000, T0);
    assert.equal(p.countFor(1), 1);
    assert.equal(p.countFor(2), 1);
    assert.deepEqual(p.list(1), [
      {
        id: 'r1',
        incidentId: 1,
        action: 'scale',
        target: 'prod/checkout',
        params: { replicas: 5 },
        requestedBy: 'U0BOB',
        requestedAt: T0,
        expiresAt: T0 + 900_000,
        preview: 'dry-run admitted: the API server would admit it (spec.replicas: 3 → 5)',
      },
    ]);
  });
});
