/**
 * Parity with the real kubectl: the same fake (over https, so kubectl sends its token) records
 * what kubectl sends and what KubeExecutor sends, and the changing requests must agree.
 * Skipped only when kubectl is not installed (the capture-based tests still hold the contract).
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { KubeExecutor, RESTARTED_AT } from '../../src/adapters/kube/kube-executor.js';
import { CATALOGUE } from '../../src/core/actions.js';
import { KubeFake, remediatorRules, type RecordedRequest } from '../support/kube-fake.js';

const hasKubectl = spawnSync('sh', ['-c', 'command -v kubectl'], { encoding: 'utf8' }).stdout.trim() !== '';

/** What must be equal: method, path, query, content type, body (timestamps normalised). */
function shape(r: RecordedRequest) {
  const body = r.body.replace(/"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d)"/g, '"<time>"').replace(/"creationTimestamp":null,?/g, '');
  return {
    method: r.method,
    pathname: r.pathname,
    query: r.query,
    contentType: r.headers['content-type'],
    body: JSON.parse(body) as unknown,
  };
}

describe('KubeExecutor sends what kubectl sends', { skip: hasKubectl ? false : 'kubectl is not installed' }, () => {
  let fake: KubeFake;
  let dir: string;
  let kubeconfig: string;

  before(async () => {
    fake = await KubeFake.start({ tls: true });
    fake.allow(remediatorRules(['prod']));
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chatops-kubectl-'));
    kubeconfig = fake.writeKubeconfig(dir);
  });
  after(async () => {
    await fake.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const reset = (revisions = ['nginx:1.25', 'nginx:1.26']) => {
    fake.deployments.clear();
    fake.replicasets.length = 0;
    fake.pods.length = 0;
    fake.addDeployment({ namespace: 'prod', name: 'web', replicas: 2, revisions });
    fake.requests.length = 0;
  };
  // Async: the fake answers from this process's event loop.
  const kubectl = (args: string[]) =>
    new Promise<{ code: number; out: string }>((resolve) => {
      const child = spawn('kubectl', ['--kubeconfig', kubeconfig, '--cache-dir', path.join(dir, 'cache'), ...args], {
        env: { PATH: process.env.PATH, HOME: dir },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d));
      child.stderr.on('data', (d: Buffer) => (out += d));
      child.once('close', (code) => resolve({ code: code ?? -1, out }));
    });
  const executor = () => new KubeExecutor({ kubeconfig, requestTimeoutMs: 10_000, rolloutTimeoutMs: 60_000, pollIntervalMs: 1 });
  const patchOf = () => fake.requests.filter((r) => r.method === 'PATCH').map(shape);

  for (const [name, args, action, params] of [
    ['rollout restart', ['rollout', 'restart', 'deployment/web', '-n', 'prod'], 'rollout-restart', {}],
    ['scale', ['scale', 'deployment/web', '--replicas=3', '-n', 'prod'], 'scale', { replicas: 3 }],
    ['rollout undo', ['rollout', 'undo', 'deployment/web', '-n', 'prod'], 'rollout-undo', {}],
  ] as const) {
    it(name, async () => {
      reset();
      const k = await kubectl([...args]);
      assert.equal(k.code, 0, k.out);
      const theirs = patchOf();
      assert.equal(theirs.length, 1, k.out);
      reset();
      const ours = await executor().execute(CATALOGUE[action], { namespace: 'prod', deployment: 'web' }, params, () => {});
      assert.equal(ours.ok, true, ours.summary);
      assert.deepEqual(patchOf(), theirs);
      if (action === 'rollout-restart') assert.ok(JSON.stringify(theirs[0]!.body).includes(RESTARTED_AT));
    });
  }

  it('a certificate the kubeconfig does not trust is one sentence', async () => {
    const other = await KubeFake.start({ tls: true });
    try {
      const lying = path.join(dir, 'kubeconfig-wrong-ca');
      fs.writeFileSync(lying, fs.readFileSync(kubeconfig, 'utf8').replace(/server: .*/, `server: ${other.url}`));
      reset();
      const r = await new KubeExecutor({
        kubeconfig: lying,
        requestTimeoutMs: 10_000,
        rolloutTimeoutMs: 60_000,
        pollIntervalMs: 1,
      }).execute(CATALOGUE['rollout-restart'], { namespace: 'prod', deployment: 'web' }, {}, () => {});
      assert.equal(r.ok, false);
      assert.match(
        r.summary,
        /the Kubernetes API at https:\/\/127.0.0.1:\d+ presented a certificate the kubeconfig does not trust \(DEPTH_ZERO_SELF_SIGNED_CERT\): check certificate-authority-data/,
      );
    } finally {
      await other.close();
    }
  });
});
