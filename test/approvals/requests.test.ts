/** The approval core end to end in one process: real SQLite file, real client-node, fake apiserver. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { KubeExecutor } from '../../src/adapters/kube/kube-executor.js';
import { SqliteStore } from '../../src/adapters/store/sqlite-store.js';
import { newRequestId } from '../../src/app.js';
import { verifyChain } from '../../src/core/audit-chain.js';
import type { Policy } from '../../src/core/policy.js';
import { deploymentTargetOf } from '../../src/core/actions.js';
import { ChatopsError } from '../../src/core/errors.js';
import { decide, expireRequests, recoverInterrupted, requestAction, type RemediationContext } from '../../src/core/remediation.js';
import { FAKE_TOKEN, KubeFake, remediatorRules } from '../support/kube-fake.js';

const alice = { id: 'U0ALICE', source: 'slack' as const };
const bob = { id: 'U0BOB', source: 'slack' as const };
const carol = { id: 'cli:carol', source: 'cli' as const };
const prodWeb = { namespace: 'prod', deployment: 'web' };

const basePolicy: Policy = {
  maxRisk: 'destructive',
  namespaces: ['prod', 'staging'],
  deploymentSelector: null,
  production: ['prod'],
  approvalTtlMs: 15 * 60_000,
  scale: { min: 1, max: 10 },
  requesters: { mutate: ['U0ALICE', 'cli:carol'], destructive: ['U0ALICE'] },
  approvers: { mutate: ['U0BOB', 'cli:carol'], destructive: ['U0BOB', 'cli:carol'] },
  approveFrom: { destructive: ['cli'] },
};

describe('approval core', () => {
  let fake: KubeFake;
  let dir: string;
  let store: SqliteStore;
  let now: number;
  let ctx: RemediationContext;
  let executor: KubeExecutor;

  before(async () => {
    fake = await KubeFake.start();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chatops-approvals-'));
    executor = new KubeExecutor({
      kubeconfig: fake.writeKubeconfig(dir),
      requestTimeoutMs: 5000,
      rolloutTimeoutMs: 60_000,
      pollIntervalMs: 1,
    });
  });
  after(async () => {
    await fake.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    store?.close();
    const db = path.join(dir, `${Math.random().toString(36).slice(2)}.db`);
    store = new SqliteStore({ path: db });
    now = Date.parse('2026-11-26T03:00:00Z');
    ctx = { store, clock: { now: () => now }, notify: true, policy: basePolicy, executor: async () => executor, newId: newRequestId };
    fake.deployments.clear();
    fake.replicasets.length = 0;
    fake.requests.length = 0;
    fake.allow(remediatorRules(['prod', 'staging']));
    fake.addDeployment({ namespace: 'prod', name: 'web', replicas: 2, revisions: ['web:1', 'web:2'] });
    fake.addDeployment({ namespace: 'staging', name: 'web', replicas: 1 });
  });

  const outbox = () =>
    store.db
      .prepare('SELECT kind, incident_id, payload FROM outbox ORDER BY id')
      .all()
      .map((r) => ({ ...(r as { kind: string }), payload: JSON.parse((r as { payload: string }).payload) as Record<string, unknown> }));
  const auditRows = () => [...store.auditRows()];
  const restarts = () => fake.writes().filter((r) => r.method === 'PATCH');

  it('outside production a permitted change runs at once, with audit rows and outbox rows', async () => {
    const out = await requestAction(
      ctx,
      { action: 'rollout-restart', target: { namespace: 'staging', deployment: 'web' }, reason: 'stuck' },
      alice,
    );
    assert.equal(out.kind, 'executed');
    assert.equal(out.kind === 'executed' && out.request.state, 'succeeded');
    assert.deepEqual(
      auditRows().map((r) => `${r.action}:${r.result}`),
      ['action.request:approved', 'action.execute:started', 'action.result:succeeded'],
    );
    assert.deepEqual(
      outbox().map((o) => o.kind),
      ['request.created', 'request.result'],
    );
    const created = outbox()[0]!.payload;
    assert.equal(created.needsApproval, false);
    assert.equal(created.target, 'staging/web');
    assert.equal((created.dryRun as { ok: boolean }).ok, true);
    assert.equal(restarts().length, 1);
  });

  it('production: pending with a dry run, self-approval refused, another approver runs it exactly once', async () => {
    const out = await requestAction(ctx, { action: 'rollout-restart', target: prodWeb, reason: 'error rate', incidentId: null }, alice);
    assert.equal(out.kind, 'pending');
    const req = out.kind === 'pending' ? out.request : assert.fail();
    assert.match(req.id, /^r-[a-z2-7]{16}$/);
    assert.equal(req.dryRun?.ok, true);
    assert.match(req.dryRun!.summary, /would restart the 2 pods of deployment prod\/web/);
    assert.equal(restarts().length, 0, 'a dry run writes nothing');
    assert.equal(fake.requests.filter((r) => r.query.dryRun === 'All').length, 1);

    const self = await decide(ctx, req.id, 'approve', alice);
    assert.equal(self.kind, 'refused');
    assert.match(self.kind === 'refused' ? self.reason : '', /U0ALICE requested this, and nobody may approve their own request/);

    const ok = await decide(ctx, req.id, 'approve', bob);
    assert.equal(ok.kind, 'executed');
    assert.equal(ok.kind === 'executed' && ok.result.ok, true);
    const again = await decide(ctx, req.id, 'approve', bob);
    assert.equal(again.kind, 'conflict');
    assert.match(again.kind === 'conflict' ? again.reason : '', /already decided by U0BOB and succeeded/);
    assert.equal(restarts().length, 1);

    // The replayed approval did nothing, and is on record as refused with its reason.
    assert.deepEqual(
      store.approvalsOf(req.id).map((a) => `${a.actor}:${a.outcome}`),
      ['U0ALICE:refused', 'U0BOB:accepted', 'U0BOB:refused'],
    );
    assert.deepEqual(
      auditRows().map((r) => `${r.actor} ${r.action}:${r.result}`),
      [
        'U0ALICE action.request:pending',
        'U0ALICE action.approve:refused',
        'U0BOB action.approve:approved',
        'U0BOB action.execute:started',
        'U0BOB action.result:succeeded',
        'U0BOB action.approve:refused',
      ],
    );
    assert.deepEqual(
      outbox().map((o) => `${o.kind}:${(o.payload.decision as string | undefined) ?? o.payload.state}`),
      ['request.created:' + outbox()[0]!.payload.decision, 'request.decided:approved', 'request.result:succeeded'],
    );
    assert.deepEqual(outbox()[0]!.payload.approvers, ['U0BOB', 'cli:carol']);
    assert.equal(verifyChain(store.auditRows()).ok, true);
    const everything = JSON.stringify([auditRows(), outbox()]);
    assert.equal(everything.includes(FAKE_TOKEN), false, 'no token in audit or outbox');
  });

  it('an expired request cannot be approved; the sweep expires the rest', async () => {
    const a = await requestAction(ctx, { action: 'scale', target: prodWeb, params: { replicas: 4 } }, alice);
    const b = await requestAction(ctx, { action: 'scale', target: prodWeb, params: { replicas: 5 } }, alice);
    const [ra, rb] = [a, b].map((o) => (o.kind === 'pending' ? o.request : assert.fail(o.kind)));
    now += 15 * 60_000;
    const late = await decide(ctx, ra!.id, 'approve', bob);
    assert.equal(late.kind, 'refused');
    assert.match(late.kind === 'refused' ? late.reason : '', /expired at 2026-11-26T03:15:00.000Z: request it again/);
    assert.equal(store.getRequest(ra!.id)!.state, 'expired');
    assert.equal(expireRequests(ctx), 1);
    assert.equal(store.getRequest(rb!.id)!.state, 'expired');
    assert.equal(expireRequests(ctx), 0);
    assert.equal(restarts().length, 0);
    assert.ok(outbox().some((o) => o.kind === 'request.decided' && o.payload.decision === 'expired' && o.payload.requestId === rb!.id));
  });

  it('deny by an approver, cancel by the requester, refusal for anyone else', async () => {
    const mk = async () => {
      const o = await requestAction(ctx, { action: 'rollout-restart', target: prodWeb }, alice);
      return o.kind === 'pending' ? o.request.id : assert.fail(o.kind);
    };
    const one = await mk();
    const stranger = await decide(ctx, one, 'deny', { id: 'U0EVE', source: 'slack' });
    assert.equal(stranger.kind, 'refused');
    assert.equal((await decide(ctx, one, 'deny', bob, { reason: 'not now' })).kind, 'denied');
    assert.equal(store.getRequest(one)!.decisionReason, 'not now');
    assert.equal((await decide(ctx, one, 'approve', carol)).kind, 'conflict');
    const two = await mk();
    assert.equal((await decide(ctx, two, 'deny', alice)).kind, 'cancelled');
    assert.equal(restarts().length, 0);
  });

  it('every decision re-checks the policy in force: a namespace removed after the request is refused', async () => {
    const o = await requestAction(ctx, { action: 'rollout-restart', target: prodWeb }, alice);
    const id = o.kind === 'pending' ? o.request.id : assert.fail();
    const later = { ...ctx, policy: { ...basePolicy, namespaces: ['staging'] } };
    const r = await decide(later, id, 'approve', bob);
    assert.equal(r.kind, 'refused');
    assert.match(r.kind === 'refused' ? r.reason : '', /policy in force now: namespace prod is not in policy.namespaces \(staging\)/);
    assert.equal(store.getRequest(id)!.state, 'pending');
  });

  it('approve_from: a destructive approval from Slack is refused, from the terminal it runs', async () => {
    const o = await requestAction(ctx, { action: 'rollout-undo', target: prodWeb }, alice);
    const id = o.kind === 'pending' ? o.request.id : assert.fail(o.kind === 'refused' ? o.reason : o.kind);
    const fromSlack = await decide(ctx, id, 'approve', bob);
    assert.match(fromSlack.kind === 'refused' ? fromSlack.reason : '', /only from cli \(policy.approve_from.destructive\), not from slack/);
    const fromCli = await decide(ctx, id, 'approve', carol);
    assert.equal(fromCli.kind, 'executed');
    assert.equal(fake.deployment('prod', 'web').spec.template.spec.containers[0].image, 'web:1');
  });

  it('RBAC preflight refuses before anyone approves, naming the missing rule', async () => {
    fake.allow(remediatorRules(['prod', 'staging']).map((r) => (r.resource === 'deployments' ? { ...r, verbs: ['get', 'list'] } : r)));
    const o = await requestAction(ctx, { action: 'rollout-restart', target: prodWeb }, alice);
    assert.equal(o.kind, 'refused');
    assert.match(
      o.kind === 'refused' ? o.reason : '',
      /^Refused before anyone approves: the service account chatops in monitoring may not patch deployments in prod: add the rule/,
    );
    assert.equal(store.listRequests({}).length, 0);
    assert.deepEqual(
      auditRows().map((r) => `${r.action}:${r.result}`),
      ['action.request:refused'],
    );
  });

  it('two approvals at the same moment run the action once', async () => {
    const o = await requestAction(ctx, { action: 'rollout-restart', target: prodWeb }, alice);
    const id = o.kind === 'pending' ? o.request.id : assert.fail();
    const results = await Promise.all([decide(ctx, id, 'approve', bob), decide(ctx, id, 'approve', carol)]);
    assert.deepEqual(results.map((r) => r.kind).sort(), ['conflict', 'executed']);
    assert.equal(restarts().length, 1);
  });

  it('reads run at once and are audited; policy refusals are audited; scale bounds hold', async () => {
    const r = await requestAction(ctx, { action: 'pods', target: prodWeb }, { id: 'U0ANYONE', source: 'slack' });
    assert.equal(r.kind, 'read');
    const big = await requestAction(ctx, { action: 'scale', target: prodWeb, params: { replicas: 11 } }, alice);
    assert.match(big.kind === 'refused' ? big.reason : '', /outside policy.scale \(1 to 10\)/);
    assert.deepEqual(
      auditRows().map((x) => `${x.action}:${x.result}`),
      ['action.read:ok', 'action.request:refused'],
    );
  });

  it('a right granted through a Slack user group holds when another face approves', async () => {
    const withGroups: RemediationContext = {
      ...ctx,
      policy: { ...basePolicy, requesters: { mutate: ['S0ONCALL'] } },
      membership: { groupsOf: async (id) => (id === 'U0DAVE' ? ['S0ONCALL'] : []) },
    };
    const o = await requestAction(withGroups, { action: 'rollout-restart', target: prodWeb }, { id: 'U0DAVE', source: 'slack' });
    const id = o.kind === 'pending' ? o.request.id : assert.fail(o.kind === 'refused' ? o.reason : o.kind);
    assert.deepEqual(store.getRequest(id)!.requesterGroups, ['S0ONCALL']);
    // The CLI has no membership resolver: the stored groups carry the requester's right.
    const r = await decide({ ...withGroups, membership: undefined }, id, 'approve', carol);
    assert.equal(r.kind, 'executed', r.kind === 'refused' ? r.reason : '');
    const eve = await requestAction(withGroups, { action: 'rollout-restart', target: prodWeb }, { id: 'U0EVE', source: 'slack' });
    assert.equal(eve.kind, 'refused');
  });

  it('without notify nothing goes to the outbox', async () => {
    await requestAction({ ...ctx, notify: false }, { action: 'rollout-restart', target: prodWeb }, alice);
    assert.equal(outbox().length, 0);
  });
});

describe('requests left behind by a stopped process', () => {
  it('are closed as failed, never re-run', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chatops-recover-'));
    const store = new SqliteStore({ path: path.join(dir, 'x.db') });
    try {
      let now = 1_000_000;
      const base = {
        action: 'rollout-restart' as const,
        risk: 'mutate' as const,
        target: prodWeb,
        params: {},
        requester: 'U0ALICE',
        requesterGroups: [],
        source: 'slack' as const,
        incidentId: null,
        reason: null,
        dryRun: null,
        createdAt: now,
        expiresAt: now + 900_000,
        updatedAt: now,
        decidedBy: 'U0BOB',
        decidedSource: 'slack' as const,
        decidedAt: now,
        decisionReason: null,
        result: null,
      };
      store.insertRequest({ ...base, id: 'r-approvedaaaaaaaa', state: 'approved' });
      store.insertRequest({ ...base, id: 'r-runningaaaaaaaaa', state: 'running' });
      const ctx = { store, clock: { now: () => now }, notify: true };
      const limits = { approvedStaleMs: 120_000, runningStaleMs: 600_000 };
      assert.equal(recoverInterrupted(ctx, limits), 0);
      now += 120_000;
      assert.equal(recoverInterrupted(ctx, limits), 1);
      assert.match(store.getRequest('r-approvedaaaaaaaa')!.result!.summary, /approved but never started .* nothing was changed/);
      assert.equal(store.getRequest('r-runningaaaaaaaaa')!.state, 'running');
      now += 600_000;
      assert.equal(recoverInterrupted(ctx, limits), 1);
      assert.equal(store.getRequest('r-runningaaaaaaaaa')!.state, 'failed');
      assert.deepEqual(
        [...store.auditRows()].map((r) => `${r.actor} ${r.action}:${r.result}`),
        ['daemon action.result:failed', 'daemon action.result:failed'],
      );
    } finally {
      store.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('deploymentTargetOf reads the namespace and deployment labels of an incident', () => {
    assert.deepEqual(deploymentTargetOf({ namespace: 'prod', labels: { deployment: 'web' } }), prodWeb);
    assert.equal(deploymentTargetOf({ namespace: 'prod', labels: { pod: 'web-1' } }), null);
    assert.equal(deploymentTargetOf({ namespace: 'prod', labels: { deployment: '../etc' } }), null);
  });
});

describe('an approver whose process cannot run the action', () => {
  it('gets the configuration error and leaves the request pending', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chatops-noexec-'));
    const store = new SqliteStore({ path: path.join(dir, 'x.db') });
    try {
      const now = Date.now();
      store.insertRequest({
        id: 'r-pendingaaaaaaaaa',
        action: 'rollout-restart',
        risk: 'mutate',
        target: prodWeb,
        params: {},
        requester: 'U0ALICE',
        requesterGroups: [],
        source: 'slack',
        incidentId: null,
        reason: null,
        dryRun: null,
        state: 'pending',
        createdAt: now,
        expiresAt: now + 900_000,
        updatedAt: now,
        decidedBy: null,
        decidedSource: null,
        decidedAt: null,
        decisionReason: null,
        result: null,
      });
      const ctx: RemediationContext = {
        store,
        clock: { now: () => now },
        notify: false,
        policy: basePolicy,
        newId: newRequestId,
        executor: () => Promise.reject(new ChatopsError('config', 'Kubernetes is off')),
      };
      await assert.rejects(decide(ctx, 'r-pendingaaaaaaaaa', 'approve', bob), /Kubernetes is off/);
      assert.equal(store.getRequest('r-pendingaaaaaaaaa')!.state, 'pending');
    } finally {
      store.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
