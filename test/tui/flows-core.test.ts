/**
 * The terminal UI's action flows (src/tui/actions.ts, through its renderer) on the real
 * operator service: real SQLite, real policy, real client-node against the fake apiserver.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { KubeExecutor } from '../../src/adapters/kube/kube-executor.js';
import { SqlitePendingApprovals } from '../../src/adapters/store/sqlite-pending-approvals.js';
import { SqliteStore } from '../../src/adapters/store/sqlite-store.js';
import { silencesUnavailable } from '../../src/app.js';
import { loadConfig } from '../../src/config/load.js';
import type { Policy } from '../../src/core/policy.js';
import type { Incident } from '../../src/core/types.js';
import { startDecision, startRemediation, startSilence } from '../../src/tui/actions.js';
import type { TuiDeps } from '../../src/tui/source.js';
import { KubeFake, remediatorRules } from '../support/kube-fake.js';
import { runFlow } from '../support/tui-flow.js';
import { depsFor, operatorFor } from './support.js';

const policy: Policy = {
  maxRisk: 'mutate',
  namespaces: ['prod'],
  deploymentSelector: null,
  production: ['prod'],
  approvalTtlMs: 15 * 60_000,
  scale: { min: 1, max: 5 },
  requesters: { read: ['*'], mutate: ['cli:alice'] },
  approvers: { mutate: ['cli:alice', 'cli:bob'] },
  approveFrom: {},
};
const alice = { id: 'cli:alice', source: 'tui' as const };
const bob = { id: 'cli:bob', source: 'tui' as const };

describe('TUI flows on the operator service', () => {
  let fake: KubeFake;
  let dir: string;
  let store: SqliteStore;
  let incident: Incident;
  let deps: (actor: typeof alice) => TuiDeps;
  before(async () => {
    fake = await KubeFake.start();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chatops-tui-core-'));
    const executor = new KubeExecutor({
      kubeconfig: fake.writeKubeconfig(dir),
      requestTimeoutMs: 5000,
      rolloutTimeoutMs: 60_000,
      pollIntervalMs: 1,
    });
    store = new SqliteStore({ path: path.join(dir, 't.db') });
    const clock = { now: () => Date.now() };
    fake.allow(remediatorRules(['prod']));
    const a = {
      fingerprint: 'f000000000000001',
      status: 'firing' as const,
      labels: { alertname: 'Down', namespace: 'prod', deployment: 'web' },
      annotations: {},
      startsAt: Date.now(),
      endsAt: null,
      generatorURL: '',
    };
    const id = store.insertIncident({
      key: 'k',
      status: 'firing',
      alertname: 'Down',
      severity: 'critical',
      namespace: 'prod',
      target: 'web',
      labels: a.labels,
      annotations: {},
      groupKey: 'k',
      externalURL: '',
      firing: 1,
      total: 1,
      openedAt: Date.now(),
      updatedAt: Date.now(),
      resolvedAt: null,
      acknowledgedBy: null,
      acknowledgedAt: null,
    });
    incident = store.getIncident(id)!;
    fake.addDeployment({ namespace: 'prod', name: 'web', replicas: 2, revisions: ['web:1', 'web:2'] });
    const operator = operatorFor(store, clock, { policy, executor: async () => executor });
    deps = (actor) => depsFor(store, clock, { actor, operator, pending: new SqlitePendingApprovals(store.db, clock) });
  });
  after(async () => {
    store.close();
    await fake.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('offers what the policy enables, asks for a second person in production, refuses self-approval, runs once', async () => {
    const offer = await runFlow(deps(alice), (kit) => startRemediation(kit, incident));
    const names = offer.options.map((o) => o.split(' ')[0]);
    assert.ok(names.includes('rollout-restart') && names.includes('scale') && !names.includes('rollout-undo'), names.join(','));
    assert.match(
      offer.options.find((o) => o.startsWith('rollout-restart'))!,
      /\[mutate, needs a second approver\]/,
    );
    assert.match(
      offer.options.find((o) => o.startsWith('scale'))!,
      /asks for the desired number of replicas/,
    );
    const mallory = await runFlow(deps({ id: 'cli:mallory', source: 'tui' }), (kit) => startRemediation(kit, incident));
    assert.ok(
      mallory.options.length > 0 && mallory.options.every((o) => o.includes('[read')),
      `a stranger is offered reads only: ${mallory.options.join(' | ')}`,
    );

    const req = await runFlow(deps(alice), (kit) => startRemediation(kit, incident), { pick: 'rollout-restart' });
    assert.equal(req.status?.tone, 'pending', JSON.stringify(req.status));
    assert.match(req.status!.text, /^Request r-[a-z2-7]+ is waiting for approval: prod is a production namespace/);
    assert.match(req.status!.hint ?? '', /A second person approves it before .*A in the TUI/);
    const [listed] = deps(alice).pending.list(incident.id);
    assert.ok(listed, 'the request is listed as pending');

    const self = await runFlow(deps(alice), (kit) => startDecision(kit, incident, listed, true));
    assert.equal(self.status?.tone, 'error');
    assert.match(self.status!.text, /^refused: .*own request/);
    const ok = await runFlow(deps(bob), (kit) => startDecision(kit, incident, listed, true));
    assert.equal(ok.status?.tone, 'ok', JSON.stringify(ok.status));
    // The UI still lists it (it read the list before bob decided): the service re-checks.
    const again = await runFlow(deps(bob), (kit) => startDecision(kit, incident, listed, true));
    assert.equal(again.status?.tone, 'error');
    assert.match(again.status!.text, /^refused: Request r-[a-z2-7]+ is already decided/);
    assert.equal(fake.writes().filter((r) => r.method === 'PATCH').length, 1, 'restarted exactly once');

    const scaleTooBig = await runFlow(deps(alice), (kit) => startRemediation(kit, incident), { pick: 'scale', answers: ['50'] });
    assert.equal(scaleTooBig.status?.tone, 'error');
    assert.match(scaleTooBig.status!.text, /^refused: .*outside policy\.scale \(1 to 5\)/);
  });

  it('silence without Alertmanager says how to configure it, before asking for a length', async () => {
    const file = path.join(dir, 'no-am.yaml');
    fs.writeFileSync(file, `store:\n  path: ${path.join(dir, 't.db')}\n`);
    const why = silencesUnavailable(loadConfig({ configPath: file, env: {} }));
    assert.match(String(why), /alertmanager\.url/);
    const shown = await runFlow({ ...deps(alice), silenceUnavailable: why }, (kit) => startSilence(kit, incident));
    assert.deepEqual(shown.asked, []);
    assert.equal(shown.status?.text, `refused: ${why}`);
  });
});
