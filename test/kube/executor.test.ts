/** KubeExecutor with the real @kubernetes/client-node against the strict fake apiserver. */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import { KubeExecutor, RESTARTED_AT, rfc3339Local } from '../../src/adapters/kube/kube-executor.js';
import { CATALOGUE } from '../../src/core/actions.js';
import type { ProgressEvent } from '../../src/core/requests.js';
import { FAKE_TOKEN, KubeFake, remediatorRules } from '../support/kube-fake.js';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const mkdir = () => fs.mkdtempSync(path.join(os.tmpdir(), 'chatops-kube-'));

let fake: KubeFake;
let dir: string;
let kubeconfig: string;

const executor = (over: Partial<ConstructorParameters<typeof KubeExecutor>[0]> = {}) =>
  new KubeExecutor({
    kubeconfig,
    requestTimeoutMs: 5000,
    rolloutTimeoutMs: 60_000,
    pollIntervalMs: 1,
    ...over,
  });
const web = { namespace: 'prod', deployment: 'web' };

describe('KubeExecutor against the fake apiserver', () => {
  before(async () => {
    dir = mkdir();
    fake = await KubeFake.start();
    kubeconfig = fake.writeKubeconfig(dir);
  });
  after(async () => {
    await fake.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    fake.deployments.clear();
    fake.replicasets.length = 0;
    fake.pods.length = 0;
    fake.events.length = 0;
    fake.requests.length = 0;
    fake.stuck.clear();
    fake.conflictOnPatch = false;
    fake.allow(remediatorRules(['prod', 'staging']));
    fake.addDeployment({ namespace: 'prod', name: 'web', replicas: 3, revisions: ['nginx:1.25', 'nginx:1.26'] });
  });

  it('rollout-restart sends what kubectl rollout restart sends (docs/protocols.md §6.1)', async () => {
    const progress: ProgressEvent[] = [];
    const result = await executor().execute(CATALOGUE['rollout-restart'], web, {}, (e) => progress.push(e));
    assert.equal(result.ok, true, result.summary);
    const patches = fake.requests.filter((r) => r.method === 'PATCH');
    assert.equal(patches.length, 1);
    const p = patches[0]!;
    // kubectl: GET the deployment, then PATCH ?fieldManager=kubectl-rollout, strategic merge patch.
    const first = fake.requests.findIndex((r) => r.method === 'GET' && r.pathname === '/apis/apps/v1/namespaces/prod/deployments/web');
    assert.ok(first >= 0 && first < fake.requests.indexOf(p));
    assert.equal(p.url, '/apis/apps/v1/namespaces/prod/deployments/web?fieldManager=kubectl-rollout');
    assert.equal(p.headers['content-type'], 'application/strategic-merge-patch+json');
    assert.equal(p.headers.authorization, `Bearer ${FAKE_TOKEN}`);
    const body = JSON.parse(p.body);
    assert.deepEqual(Object.keys(body), ['spec']);
    assert.deepEqual(Object.keys(body.spec.template.metadata.annotations), [RESTARTED_AT]);
    // The capture's value: RFC 3339 seconds in local time ("2026-11-26T19:25:50Z" on a UTC machine).
    assert.match(body.spec.template.metadata.annotations[RESTARTED_AT], /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d)$/);
    assert.equal(
      fake.deployment('prod', 'web').spec.template.metadata.annotations[RESTARTED_AT],
      body.spec.template.metadata.annotations[RESTARTED_AT],
    );
    // Followed the rollout to the end, reporting progress.
    assert.ok(
      progress.some((e) => /1 of 3 replicas updated/.test(e.message)),
      JSON.stringify(progress),
    );
    assert.match(result.summary, /rollout-restart of prod\/web succeeded: 3 of 3 replicas updated and available/);
  });

  it('rfc3339Local formats like Go time.RFC3339', () => {
    const s = rfc3339Local(new Date(Date.UTC(2026, 10, 26, 19, 25, 50, 123)));
    assert.match(s, /^2026-11-26T\d\d:25:50(Z|[+-]\d\d:\d\d)$/);
  });

  it('scale sends what kubectl scale sends: a merge patch of the scale subresource', async () => {
    const result = await executor().execute(CATALOGUE.scale, web, { replicas: 5 }, () => {});
    assert.equal(result.ok, true, result.summary);
    const p = fake.requests.find((r) => r.method === 'PATCH')!;
    assert.equal(p.url, '/apis/apps/v1/namespaces/prod/deployments/web/scale');
    assert.equal(p.headers['content-type'], 'application/merge-patch+json');
    assert.equal(p.body, '{"spec":{"replicas":5}}');
    assert.equal(fake.deployment('prod', 'web').spec.replicas, 5);
  });

  it('rollout-undo sends what kubectl rollout undo sends: a JSON patch with the previous template', async () => {
    const dry = await executor().dryRun(CATALOGUE['rollout-undo'], web, {});
    assert.equal(dry.ok, true, dry.summary);
    assert.match(dry.summary, /would roll deployment prod\/web back from revision 2 to revision 1/);
    assert.deepEqual(dry.changes, ['container web image: nginx:1.26 → nginx:1.25']);
    assert.equal(fake.deployment('prod', 'web').spec.template.spec.containers[0].image, 'nginx:1.26', 'a dry run persists nothing');

    const result = await executor().execute(CATALOGUE['rollout-undo'], web, {}, () => {});
    assert.equal(result.ok, true, result.summary);
    const rsList = fake.requests.find((r) => r.pathname === '/apis/apps/v1/namespaces/prod/replicasets')!;
    assert.equal(rsList.query.labelSelector, 'app=web');
    const p = fake.writes().find((r) => r.method === 'PATCH')!;
    assert.equal(p.url, '/apis/apps/v1/namespaces/prod/deployments/web');
    assert.equal(p.headers['content-type'], 'application/json-patch+json');
    const ops = JSON.parse(p.body);
    assert.deepEqual(
      ops.map((o: { op: string; path: string }) => `${o.op} ${o.path}`),
      ['replace /spec/template', 'replace /metadata/annotations'],
    );
    assert.deepEqual(ops[0].value, {
      metadata: { labels: { app: 'web' } },
      spec: { containers: [{ name: 'web', image: 'nginx:1.25', resources: {} }] },
    });
    assert.deepEqual(ops[1].value, { 'deployment.kubernetes.io/revision': '2' });
    assert.equal(fake.deployment('prod', 'web').spec.template.spec.containers[0].image, 'nginx:1.25');
    assert.equal(fake.deployment('prod', 'web').metadata.annotations['deployment.kubernetes.io/revision'], '3');
  });

  it('undo with no previous revision is refused with a sentence', async () => {
    fake.addDeployment({ namespace: 'prod', name: 'api', revisions: ['api:1'] });
    const dry = await executor().dryRun(CATALOGUE['rollout-undo'], { namespace: 'prod', deployment: 'api' }, {});
    assert.equal(dry.ok, false);
    assert.match(dry.summary, /has no previous revision to roll back to/);
  });

  it('a dry run sends dryRun=All and persists nothing', async () => {
    const dry = await executor().dryRun(CATALOGUE.scale, web, { replicas: 4 });
    assert.equal(dry.ok, true);
    assert.deepEqual(dry.changes, ['spec.replicas: 3 → 4']);
    assert.equal(fake.requests.find((r) => r.method === 'PATCH')!.query.dryRun, 'All');
    assert.equal(fake.deployment('prod', 'web').spec.replicas, 3);
    assert.equal(fake.writes().length, 0);
  });

  it('preflight: a missing RBAC rule is named in one sentence', async () => {
    fake.allow(remediatorRules(['prod']).map((r) => (r.resource === 'deployments' ? { ...r, verbs: ['get', 'list'] } : r)));
    const pre = await executor().preflight(CATALOGUE['rollout-restart'], web);
    assert.equal(pre.allowed, false);
    assert.equal(
      !pre.allowed && pre.reason,
      'the service account chatops in monitoring may not patch deployments in prod: add the rule {apiGroups: ["apps"], resources: ["deployments"], verbs: ["patch"]} to a Role in prod bound to it.',
    );
    const scale = await executor().preflight(CATALOGUE.scale, web);
    assert.equal(scale.allowed, true, 'deployments/scale is granted separately');
    const ssar = JSON.parse(fake.requests.find((r) => r.pathname.endsWith('/selfsubjectaccessreviews'))!.body);
    assert.deepEqual(ssar.spec.resourceAttributes, { group: 'apps', name: 'web', namespace: 'prod', resource: 'deployments', verb: 'get' });
  });

  it('403, 404, 409 and 401 become one clear sentence each', async () => {
    fake.allow([]);
    let r = await executor().execute(CATALOGUE['rollout-restart'], web, {}, () => {});
    assert.equal(r.ok, false);
    assert.match(
      r.summary,
      /forbade it \(403\): deployments.apps "web" is forbidden: User "system:serviceaccount:monitoring:chatops" cannot get resource "deployments" in API group "apps" in the namespace "prod"/,
    );
    fake.allow(remediatorRules(['prod']));
    r = await executor().execute(CATALOGUE['rollout-restart'], { namespace: 'prod', deployment: 'nope' }, {}, () => {});
    assert.match(r.summary, /deployment prod\/nope was not found \(404: deployments.apps "nope" not found\)/);
    fake.conflictOnPatch = true;
    r = await executor().execute(CATALOGUE['rollout-restart'], web, {}, () => {});
    assert.match(r.summary, /was changed by someone else at the same moment \(409 Conflict/);
    const stranger = fake.writeKubeconfig(dir, 'wrong-token', 'kubeconfig-bad');
    r = await executor({ kubeconfig: stranger }).execute(CATALOGUE['rollout-restart'], web, {}, () => {});
    assert.match(r.summary, /rejected the credentials \(401 Unauthorized\)/);
    const gone = await KubeFake.start();
    const unreachable = gone.writeKubeconfig(dir, FAKE_TOKEN, 'kubeconfig-gone');
    await gone.close();
    r = await executor({ kubeconfig: unreachable }).execute(CATALOGUE['rollout-restart'], web, {}, () => {});
    assert.match(
      r.summary,
      /cannot reach the Kubernetes API at http:\/\/127.0.0.1:\d+ \(ECONNREFUSED\): check the kubeconfig's server address/,
    );
  });

  it('a rollout that does not finish in kubernetes.rollout_timeout fails with the numbers', async () => {
    fake.stuck.add('prod/web');
    let t = 0;
    const r = await executor({ rolloutTimeoutMs: 60_000, now: () => (t += 30_000), sleep: async () => {} }).execute(
      CATALOGUE['rollout-restart'],
      web,
      {},
      () => {},
    );
    assert.equal(r.ok, false);
    assert.match(r.summary, /The rollout of prod\/web did not finish within 1m \(kubernetes.rollout_timeout\): 0 of 3 replicas updated/);
  });

  it('restart of a paused deployment is refused', async () => {
    fake.addDeployment({ namespace: 'prod', name: 'paused', paused: true });
    const dry = await executor().dryRun(CATALOGUE['rollout-restart'], { namespace: 'prod', deployment: 'paused' }, {});
    assert.equal(dry.ok, false);
    assert.match(dry.summary, /is paused and cannot be restarted/);
  });

  it('reads: status and pods, events, last log lines', async () => {
    const pods = await executor().read(CATALOGUE.pods, web, {});
    assert.match(pods.lines[0]!, /deployment prod\/web: 3\/3 ready, 3 updated, 3 available, revision 2; web=nginx:1.26/);
    assert.equal(pods.lines.length, 4);
    const events = await executor().read(CATALOGUE.events, web, {});
    assert.equal(events.lines.length, 2);
    assert.match(events.lines[1]!, /Warning {2}BackOff {2}Pod\/web-.*: Back-off restarting failed container/);
    const logs = await executor().read(CATALOGUE.logs, web, { tailLines: 2 });
    assert.equal(logs.lines.length, 9);
    assert.match(logs.lines[2]!, /line 80$/);
    assert.equal(fake.requests.find((r) => r.pathname.endsWith('/log'))!.query.tailLines, '2');
  });
});

describe('the fake apiserver is strict', () => {
  let f: KubeFake;
  let apps: k8s.AppsV1Api;
  before(async () => {
    f = await KubeFake.start();
    f.allow(remediatorRules(['prod']));
    f.addDeployment({ namespace: 'prod', name: 'web' });
    const kc = new k8s.KubeConfig();
    const d = mkdir();
    kc.loadFromFile(f.writeKubeconfig(d));
    fs.rmSync(d, { recursive: true, force: true });
    apps = kc.makeApiClient(k8s.AppsV1Api);
  });
  after(() => f.close());

  const codeOf = async (p: Promise<unknown>) => {
    try {
      await p;
      return 200;
    } catch (e) {
      return { code: (e as k8s.ApiException<string>).code, body: JSON.parse((e as k8s.ApiException<string>).body) };
    }
  };

  it('an object body with the default JSON Patch content type is a 400, as on a real server (docs/protocols.md trap 9)', async () => {
    const r = await codeOf(apps.patchNamespacedDeployment({ name: 'web', namespace: 'prod', body: { spec: { replicas: 3 } } }));
    assert.deepEqual(r, {
      code: 400,
      body: {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: 'error decoding patch: json: cannot unmarshal object into Go value of type jsonpatch.Patch',
        reason: 'BadRequest',
        code: 400,
      },
    });
  });

  it('an array body with a merge patch is a 400; an unknown patch type is a 415', async () => {
    const merge = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);
    assert.equal(
      ((await codeOf(apps.patchNamespacedDeployment({ name: 'web', namespace: 'prod', body: [] }, merge))) as { code: number }).code,
      400,
    );
    const odd = k8s.setHeaderOptions('Content-Type', 'application/xml');
    assert.equal(
      ((await codeOf(apps.patchNamespacedDeployment({ name: 'web', namespace: 'prod', body: {} }, odd))) as { code: number }).code,
      415,
    );
  });

  it('a stale resourceVersion is a 409 Conflict; a write bumps resourceVersion and generation', async () => {
    const merge = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);
    const before = f.deployment('prod', 'web');
    const r = await codeOf(
      apps.patchNamespacedDeployment(
        { name: 'web', namespace: 'prod', body: { metadata: { resourceVersion: '1' }, spec: { replicas: 4 } } },
        merge,
      ),
    );
    assert.equal((r as { code: number; body: { reason: string } }).body.reason, 'Conflict');
    const ok = await apps.patchNamespacedDeployment({ name: 'web', namespace: 'prod', body: { spec: { replicas: 4 } } }, merge);
    assert.equal(ok.metadata?.generation, before.metadata.generation + 1);
    assert.notEqual(ok.metadata?.resourceVersion, before.metadata.resourceVersion);
  });

  it('an invalid replica count is a 422 Invalid', async () => {
    const merge = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);
    const r = await codeOf(
      apps.patchNamespacedDeploymentScale({ name: 'web', namespace: 'prod', body: { spec: { replicas: -1 } } }, merge),
    );
    assert.equal((r as { code: number }).code, 422);
  });

  it('RBAC: 403 with the Status text; access reviews agree with enforcement', async () => {
    f.allow([]);
    const r = await codeOf(apps.readNamespacedDeployment({ name: 'web', namespace: 'prod' }));
    assert.equal((r as { code: number }).code, 403);
    assert.equal(
      (r as { body: { message: string } }).body.message,
      'deployments.apps "web" is forbidden: User "system:serviceaccount:monitoring:chatops" cannot get resource "deployments" in API group "apps" in the namespace "prod"',
    );
    const kc = new k8s.KubeConfig();
    const d = mkdir();
    kc.loadFromFile(f.writeKubeconfig(d));
    fs.rmSync(d, { recursive: true, force: true });
    const authz = kc.makeApiClient(k8s.AuthorizationV1Api);
    const ask = async () =>
      (
        await authz.createSelfSubjectAccessReview({
          body: { spec: { resourceAttributes: { namespace: 'prod', verb: 'get', group: 'apps', resource: 'deployments', name: 'web' } } },
        })
      ).status?.allowed;
    assert.equal(await ask(), false);
    f.allow(remediatorRules(['prod']));
    assert.equal(await ask(), true);
    await apps.readNamespacedDeployment({ name: 'web', namespace: 'prod' });
  });
});
