/**
 * The policy before any Kubernetes call (issue: "Kubernetes touched outside the allow-list"):
 * risk, namespace allow-list, scale bounds and requester are checked before anything is sent to
 * the API server, on request and on approval; the deployment selector only after. A namespace
 * outside the list is a policy refusal, never a 403 with advice to widen RBAC. A deployment
 * that does not exist is an unknown target (ChatopsError not_found: exit 1), not a refusal.
 * The real KubeExecutor (client-node) against the kube fake, which records every request.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { KubeExecutor } from '../../src/adapters/kube/kube-executor.js';
import { SqliteStore } from '../../src/adapters/store/sqlite-store.js';
import { newRequestId } from '../../src/app.js';
import { isChatopsError } from '../../src/core/errors.js';
import type { Policy } from '../../src/core/policy.js';
import { decide, requestAction, type RemediationContext } from '../../src/core/remediation.js';
import { startKubeFake } from '../support/kube-fake.js';
import { tempDir } from '../support/tmp.js';

const POLICY: Policy = {
  maxRisk: 'mutate',
  namespaces: ['prod'],
  deploymentSelector: 'chatops.io/remediable=true',
  production: ['prod'],
  approvalTtlMs: 15 * 60_000,
  scale: { min: 1, max: 5 },
  requesters: { mutate: ['cli:alice'], read: ['*'] },
  approvers: { mutate: ['cli:bob'] },
  approveFrom: {},
};
const alice = { id: 'cli:alice', source: 'cli' as const };
const bob = { id: 'cli:bob', source: 'cli' as const };

async function setUp(t: { after(fn: () => unknown): void }) {
  // RBAC also covers kube-system: only the policy keeps chatops out of it.
  const fake = await startKubeFake(
    t,
    ['prod', 'kube-system'],
    [
      { namespace: 'prod', name: 'web', replicas: 2, labels: { 'chatops.io/remediable': 'true' } },
      { namespace: 'prod', name: 'db', replicas: 1 },
      { namespace: 'kube-system', name: 'coredns', replicas: 2, labels: { 'chatops.io/remediable': 'true' } },
    ],
  );
  const dir = tempDir(t);
  const executor = new KubeExecutor({
    kubeconfig: fake.writeKubeconfig(dir),
    requestTimeoutMs: 5000,
    rolloutTimeoutMs: 60_000,
    pollIntervalMs: 1,
  });
  const store = new SqliteStore({ path: path.join(dir, 'c.db') });
  t.after(() => store.close());
  let policy = POLICY;
  const ctx = (): RemediationContext => ({
    store,
    clock: { now: Date.now },
    notify: false,
    policy,
    executor: async () => executor,
    newId: newRequestId,
  });
  return { fake, store, ctx, setPolicy: (p: Partial<Policy>) => (policy = { ...POLICY, ...p }) };
}

describe('policy before any Kubernetes call', () => {
  it('on request: namespace outside the list, above max_risk, out of bounds, a requester not allowed: refused with no request to the API server', async (t) => {
    const { fake, store, ctx } = await setUp(t);
    const cases = [
      {
        action: 'scale',
        target: { namespace: 'kube-system', deployment: 'coredns' },
        params: { replicas: 0 },
        who: alice,
        why: /namespace kube-system is not in policy.namespaces \(prod\)/,
      },
      {
        action: 'rollout-undo',
        target: { namespace: 'prod', deployment: 'web' },
        params: {},
        who: alice,
        why: /rollout-undo is a destructive action and policy.max_risk allows only up to mutate/,
      },
      {
        action: 'scale',
        target: { namespace: 'prod', deployment: 'web' },
        params: { replicas: 9 },
        who: alice,
        why: /outside policy.scale \(1 to 5\)/,
      },
      {
        action: 'rollout-restart',
        target: { namespace: 'prod', deployment: 'web' },
        params: {},
        who: { id: 'cli:eve', source: 'cli' as const },
        why: /cli:eve may not request mutate actions/,
      },
      {
        action: 'pods',
        target: { namespace: 'kube-system', deployment: 'coredns' },
        params: {},
        who: alice,
        why: /namespace kube-system is not in policy.namespaces/,
      },
    ];
    for (const c of cases) {
      const out = await requestAction(ctx(), { action: c.action, target: c.target, params: c.params }, c.who);
      assert.equal(out.kind, 'refused', `${c.action} ${c.target.namespace}`);
      assert.match(out.kind === 'refused' ? out.reason : '', c.why);
      assert.doesNotMatch(out.kind === 'refused' ? out.reason : '', /RBAC|Role|403/);
    }
    assert.deepEqual(
      fake.requests.map((r) => `${r.method} ${r.pathname}`),
      [],
      'nothing was sent to the API server',
    );
    const audited = [...store.auditRows()].filter((r) => r.action === 'action.request' && r.result === 'refused');
    assert.equal(audited.length, cases.length, 'every refusal is audited with its reason');
    assert.ok(audited.every((r, i) => cases[i]!.why.test(String(r.detail.why))));
  });

  it('the selector is checked after the policy, with one read of the deployment', async (t) => {
    const { fake, ctx } = await setUp(t);
    const out = await requestAction(ctx(), { action: 'rollout-restart', target: { namespace: 'prod', deployment: 'db' } }, alice);
    assert.equal(out.kind, 'refused');
    assert.match(out.kind === 'refused' ? out.reason : '', /does not match policy.deployment_selector/);
    assert.deepEqual(
      fake.requests.map((r) => `${r.method} ${r.pathname}`),
      ['GET /apis/apps/v1/namespaces/prod/deployments/db'],
    );
  });

  it('on approval: the namespace left the list, so the approval is refused before the deployment is read again', async (t) => {
    const { fake, store, ctx, setPolicy } = await setUp(t);
    const out = await requestAction(ctx(), { action: 'rollout-restart', target: { namespace: 'prod', deployment: 'web' } }, alice);
    assert.equal(out.kind, 'pending');
    const id = out.kind === 'pending' ? out.request.id : '';
    setPolicy({ namespaces: ['staging'] });
    const sent = fake.requests.length;
    const r = await decide(ctx(), id, 'approve', bob);
    assert.equal(r.kind, 'refused');
    assert.match(r.kind === 'refused' ? r.reason : '', /policy in force now: namespace prod is not in policy.namespaces \(staging\)/);
    assert.equal(fake.requests.length, sent, 'no request to the API server on a refused approval');
    assert.ok(
      [...store.auditRows()].some(
        (a) => a.action === 'action.approve' && a.result === 'refused' && /namespace prod/.test(String(a.detail.why)),
      ),
    );
  });

  it('a deployment that does not exist is not_found (exit 1), audited as failed, with or without a selector', async (t) => {
    const { store, ctx, setPolicy } = await setUp(t);
    for (const selector of ['chatops.io/remediable=true', null]) {
      setPolicy({ deploymentSelector: selector });
      await assert.rejects(
        requestAction(ctx(), { action: 'rollout-restart', target: { namespace: 'prod', deployment: 'nope' } }, alice),
        (e) => isChatopsError(e) && e.kind === 'not_found' && /Deployment prod\/nope does not exist/.test(e.message),
      );
    }
    const failed = [...store.auditRows()].filter((r) => r.action === 'action.request' && r.result === 'failed');
    assert.equal(failed.length, 2);
  });
});
