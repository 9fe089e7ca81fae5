/** /metrics covers requests by state, approval latency and execution duration, from the shared database. */
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { loadConfig } from '../../src/config/load.js';
import { startDaemon } from '../../src/daemon/daemon.js';
import { silentLogger } from '../../src/logger.js';
import { tempDir } from '../support/tmp.js';

describe('/metrics', () => {
  it('requests by state, approval latency, execution duration by action and outcome', async (t) => {
    const dir = tempDir(t);
    const d = await startDaemon(loadConfig({ env: { CHATOPS_DB: path.join(dir, 'm.db'), CHATOPS_LISTEN: '127.0.0.1:0' } }), silentLogger());
    t.after(() => d.stop());
    const now = Date.now() + 1000;
    // Rows as other processes (CLI, TUI) leave them in the shared database.
    const ins = d.runtime.store.db
      .prepare(`INSERT INTO action_requests (id, action, risk, namespace, deployment, params, requester, source, state,
      created_at, expires_at, updated_at, decided_by, decided_source, decided_at) VALUES (?, ?, 'mutate', 'prod', 'web', '{}', 'U1', 'slack', ?, ?, ?, ?, ?, ?, ?)`);
    ins.run('r-1', 'rollout-restart', 'succeeded', now, now + 900_000, now + 42_000, 'U2', 'slack', now + 30_000);
    ins.run('r-2', 'scale', 'failed', now, now + 900_000, now + 5_000, 'U2', 'cli', now + 3_000);
    ins.run('r-3', 'scale', 'pending', now, now + 900_000, now, null, null, null);
    const text = await (await fetch(`${d.url}/metrics`)).text();
    assert.match(text, /chatops_action_requests\{state="pending"\} 1/);
    assert.match(text, /chatops_action_requests\{state="succeeded"\} 1/);
    assert.match(text, /chatops_approval_latency_seconds_count 2/);
    assert.match(text, /chatops_approval_latency_seconds_bucket\{le="30"\} 2/);
    assert.match(text, /chatops_action_execution_seconds_count\{action="rollout-restart",outcome="succeeded"\} 1/);
    assert.match(text, /chatops_action_execution_seconds_sum\{action="rollout-restart",outcome="succeeded"\} 12/);
    assert.match(text, /chatops_action_execution_seconds_count\{action="scale",outcome="failed"\} 1/);
    // A second scrape does not count the same rows again.
    const again = await (await fetch(`${d.url}/metrics`)).text();
    assert.match(again, /chatops_approval_latency_seconds_count 2/);
  });
});
