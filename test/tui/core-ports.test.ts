/** The terminal UI's ports bound to the real approvals core: real SQLite, real client-node, fake apiserver. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { KubeExecutor } from '../../src/adapters/kube/kube-executor.js';
import { SqliteStore } from '../../src/adapters/store/sqlite-store.js';
import { newRequestId } from '../../src/app.js';
import type { Policy } from '../../src/core/policy.js';
import type { OperatorContext } from '../../src/core/operator.js';
import { coreRemediation, coreSilences } from '../../src/tui/core-ports.js';
import { KubeFake, remediatorRules } from '../support/kube-fake.js';

const policy: Policy = {
  maxRisk: 'mutate', namespaces: ['prod'], deploymentSelector: null, production: ['prod'], approvalTtlMs: 15 * 60_000,
  scale: { min: 1, max: 5 },
  requesters: { read: ['*'], mutate: ['cli:alice'] },
  approvers: { mutate: ['cli:alice', 'cli:bob'] },
  approveFrom: {},
};
const alice = { id: 'cli:alice', source: 'tui' as const };
const bob = { id: 'cli:bob', source: 'tui' as const };
const target = { incidentId: 1, namespace: 'prod', target: 'web' };

describe('TUI ports on the approvals core', () => {
  let fake: KubeFake;
  let dir: string;
  let store: SqliteStore;
  let ctx: OperatorContext;
  before(async () => {
    fake = await KubeFake.start();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chatops-tui-core-'));
    const executor = new KubeExecutor({ kubeconfig: fake.writeKubeconfig(dir), requestTimeoutMs: 5000, rolloutTimeoutMs: 60_000, pollIntervalMs: 1 });
    store = new SqliteStore({ path: path.join(dir, 't.db') });
    ctx = { store, clock: { now: () => Date.now() }, notify: false, policy, executor: async () => executor, silencer: async () => { throw new Error('unused') }, newId: newRequestId };
    fake.allow(remediatorRules(['prod']));
    const a = { fingerprint: 'f000000000000001', status: 'firing' as const, labels: { alertname: 'Down', namespace: 'prod', deployment: 'web' }, annotations: {}, startsAt: Date.now(), endsAt: null, generatorURL: '' };
    store.insertIncident({ key: 'k', status: 'firing', alertname: 'Down', severity: 'critical', namespace: 'prod', target: 'web', labels: a.labels, annotations: {}, groupKey: 'k', externalURL: '', firing: 1, total: 1, openedAt: Date.now(), updatedAt: Date.now(), resolvedAt: null, acknowledgedBy: null, acknowledgedAt: null });
    fake.addDeployment({ namespace: 'prod', name: 'web', replicas: 2, revisions: ['web:1', 'web:2'] });
  });
  after(async () => {
    store.close();
    await fake.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('offers what the policy enables, asks for a second person in production, refuses self-approval, runs once', async () => {
    const port = coreRemediation(ctx);
    const offer = port.available(target, alice);
    assert.ok('actions' in offer);
    const names = offer.actions.map((a) => a.action);
    assert.ok(names.includes('rollout-restart') && names.includes('scale') && !names.includes('rollout-undo'), names.join(','));
    assert.equal(offer.actions.find((a) => a.action === 'rollout-restart')!.needsApproval, true);
    assert.deepEqual(offer.actions.find((a) => a.action === 'scale')!.params.map((p) => p.name), ['replicas']);
    const mallory = port.available(target, { id: 'cli:mallory', source: 'tui' });
    assert.ok('actions' in mallory && mallory.actions.every((a) => a.risk === 'read'), 'a stranger is offered reads only');

    const req = await port.request({ target, action: 'rollout-restart', params: {}, actor: alice, reason: 'from the TUI' });
    assert.equal(req.outcome, 'pending', JSON.stringify(req));
    const id = req.outcome === 'pending' ? req.requestId! : '';
    const self = await port.approve(id, alice);
    assert.equal(self.outcome, 'refused');
    assert.match(self.outcome === 'refused' ? self.reason : '', /own request/);
    const ok = await port.approve(id, bob);
    assert.equal(ok.outcome, 'done', JSON.stringify(ok));
    const again = await port.approve(id, bob);
    assert.equal(again.outcome, 'refused');
    assert.equal(fake.writes().filter((r) => r.method === 'PATCH').length, 1, 'restarted exactly once');
    const scaleTooBig = await port.request({ target, action: 'scale', params: { replicas: '50' }, actor: alice });
    assert.equal(scaleTooBig.outcome, 'refused');
  });

  it('silence without Alertmanager says how to configure it', () => {
    const s = coreSilences({ ...ctx, silencer: async () => { throw new Error('unused'); } }, undefined);
    assert.match(String(s.unavailable()), /alertmanager\.url/);
  });
});
