/**
 * The UI on the real approvals core (real policy, real client-node against the kube fake):
 * what the remediation chooser and confirmation say, and how a refusal from the core reads.
 */
import assert from 'node:assert/strict';

import { it, type TestContext } from 'node:test';
import { render } from 'ink-testing-library';
import { KubeExecutor } from '../../src/adapters/kube/kube-executor.js';
import type { Policy } from '../../src/core/policy.js';
import { App } from '../../src/tui/app.js';
import { KubeFake, type RbacRule } from '../support/kube-fake.js';
import { tempDir } from '../support/tmp.js';
import { depsFor, frameWhere, frameWith, KEY, manualClock, openStore, operatorFor, seedThree, tick } from './support.js';

const policy: Policy = {
  maxRisk: 'mutate',
  namespaces: ['prod'],
  deploymentSelector: null,
  production: [],
  approvalTtlMs: 15 * 60_000,
  scale: { min: 1, max: 10 },
  requesters: { read: ['*'], mutate: ['cli:alice'] },
  approvers: { mutate: ['cli:alice', 'cli:bob'] },
  approveFrom: {},
};

const oneLine = (f: string) => f.replace(/ *\n */g, ' ');

async function setup(t: TestContext, rules: RbacRule[]) {
  const fake = await KubeFake.start();
  t.after(() => fake.close());
  fake.allow(rules);
  fake.addDeployment({ namespace: 'prod', name: 'checkout', replicas: 2, revisions: ['checkout:1', 'checkout:2'] });
  const executor = new KubeExecutor({
    kubeconfig: fake.writeKubeconfig(tempDir(t, 'chatops-tui-kube-')),
    requestTimeoutMs: 5000,
    rolloutTimeoutMs: 60_000,
    pollIntervalMs: 1,
  });
  const store = openStore(t);
  const clock = manualClock();
  seedThree(store, clock);
  const operator = operatorFor(store, clock, { policy, executor: async () => executor });
  const ui = render(<App deps={depsFor(store, clock, { operator })} size={{ columns: 150, rows: 30 }} />);
  t.after(() => ui.unmount());
  // CrashLoop prod/checkout is the second row.
  await frameWith(ui.lastFrame, '1 of 3');
  ui.stdin.write('j');
  await frameWhere(ui.lastFrame, (f) => /^› .*CrashLoop/m.test(f), 'cursor on CrashLoop');
  return { ui, fake };
}

it('offers scale without "undefined", and confirms with the replica count typed', async (t) => {
  const { ui } = await setup(t, [{ namespace: 'prod', group: '*', resource: '*', verbs: ['get', 'list', 'patch'] }]);
  ui.stdin.write('r');
  let f = await frameWith(ui.lastFrame, 'Request which action on prod/checkout?');
  assert.doesNotMatch(f, /undefined/, f);
  const scale = f.split('\n').find((l) => /\d\) scale /.test(l)) ?? '';
  assert.match(scale, /scale \[mutate\] — asks for the desired number of replicas/);
  ui.stdin.write(scale.trim()[0]!);
  await frameWith(ui.lastFrame, 'the desired number of replicas:');
  for (const c of '4') {
    ui.stdin.write(c);
    await tick();
  }
  ui.stdin.write(KEY.enter);
  f = await frameWith(ui.lastFrame, '[y/N]');
  assert.match(
    oneLine(f),
    /Request scale \(replicas=4\) on prod\/checkout for incident #1 as cli:alice: scale deployment prod\/checkout to 4 replicas — policy lets it run now\./,
  );
  assert.doesNotMatch(f, /undefined/);
  ui.stdin.write('n');
  await frameWith(ui.lastFrame, 'Cancelled: nothing was done.');
});

it('says "refused" once when the core refuses, with the refusal\'s own lead (it used to read "refused: Refused before anyone approves")', async (t) => {
  // The service account may read deployments but not patch them: the preflight refuses.
  const { ui, fake } = await setup(t, [{ namespace: 'prod', group: 'apps', resource: 'deployments', verbs: ['get', 'list'] }]);
  ui.stdin.write('r');
  const f = await frameWith(ui.lastFrame, 'Request which action on prod/checkout?');
  const restart = f.split('\n').find((l) => /\d\) rollout-restart /.test(l)) ?? '';
  ui.stdin.write(restart.trim()[0]!);
  await frameWith(ui.lastFrame, '[y/N]');
  ui.stdin.write('y');
  const done = oneLine(await frameWith(ui.lastFrame, '✗ refused'));
  assert.match(done, /✗ refused before anyone approves: the service account .* may not patch deployments in prod/, done);
  assert.equal(done.match(/refused/gi)?.length, 1, done);
  assert.equal(fake.writes().filter((r) => r.method === 'PATCH').length, 0);
});
