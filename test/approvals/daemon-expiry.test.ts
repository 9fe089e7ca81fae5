/** The daemon expires pending requests past policy.approval_ttl and tells Slack through the outbox. */
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { Database } from '../../src/adapters/store/sqlite-driver.js';
import { SqliteStore } from '../../src/adapters/store/sqlite-store.js';
import { parseConfig } from '../../src/config/schema.js';
import { spawnDaemon, waitFor } from '../support/daemon.js';
import { tempDir } from '../support/tmp.js';

describe('daemon expiry sweep', () => {
  it('expires a pending request whose TTL passed, with an audit row and a request.decided outbox row', async (t) => {
    const dir = tempDir(t);
    const db = path.join(dir, 'chatops.db');
    const store = new SqliteStore({ path: db });
    const now = Date.now();
    store.insertRequest({
      id: 'r-aaaaaaaaaaaaaaaa',
      action: 'rollout-restart',
      risk: 'mutate',
      target: { namespace: 'prod', deployment: 'web' },
      params: {},
      requester: 'U0ALICE',
      requesterGroups: [],
      source: 'slack',
      incidentId: null,
      reason: null,
      dryRun: { ok: true, summary: 'would restart', changes: [] },
      state: 'pending',
      createdAt: now - 60_000,
      expiresAt: now - 1,
      updatedAt: now - 60_000,
      decidedBy: null,
      decidedSource: null,
      decidedAt: null,
      decisionReason: null,
      result: null,
    });
    store.close();
    const daemon = await spawnDaemon({ CHATOPS_DB: db });
    try {
      await waitFor(
        () => {
          const r = new Database(db, { readonly: true });
          try {
            return (
              (r.prepare("SELECT state FROM action_requests WHERE id = 'r-aaaaaaaaaaaaaaaa'").get() as { state: string }).state ===
              'expired'
            );
          } finally {
            r.close();
          }
        },
        { what: 'the request to expire' },
      );
    } finally {
      await daemon.stop();
    }
    const s = new SqliteStore({ path: db });
    try {
      const audit = [...s.auditRows()].filter((r) => r.action === 'action.expire');
      assert.equal(audit.length, 1);
      assert.equal(audit[0]!.actor, 'daemon');
      assert.equal(s.getRequest('r-aaaaaaaaaaaaaaaa')!.decidedBy, 'daemon');
    } finally {
      s.close();
    }
  });

  it('config: a malformed deployment_selector is reported by key path', () => {
    const r = parseConfig({ policy: { deployment_selector: 'a in (b)' } });
    assert.equal(r.ok, false);
    assert.match(r.ok ? '' : r.problems.join(';'), /policy.deployment_selector: expected a label selector/);
    const ok = parseConfig({ kubernetes: { poll_interval: '250ms' }, policy: { deployment_selector: 'chatops.io/remediable=true' } });
    assert.equal(ok.ok && ok.config.kubernetes.poll_interval, 250);
  });
});
