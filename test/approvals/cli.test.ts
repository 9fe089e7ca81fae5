/**
 * The terminal face end to end: the built binary, a temp database shared through a group, the
 * fake apiserver, and a second OS account created by the test for the second pair of eyes.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Database } from '../../src/adapters/store/sqlite-driver.js';
import { createOsUser, runCliAsync } from '../support/cli-async.js';
import { waitFor } from '../support/daemon.js';
import { KubeFake, remediatorRules } from '../support/kube-fake.js';
import { FIXTURES } from '../support/tmp.js';

describe('remediation through the CLI, two OS users', () => {
  let fake: KubeFake;
  let dir: string;
  let account: ReturnType<typeof createOsUser>;
  let config: string;
  let shortTtl: string;
  const db = () => path.join(dir, 'chatops.db');

  const writeConfig = (name: string, ttl: string): string => {
    const file = path.join(dir, name);
    fs.writeFileSync(
      file,
      `store:
  path: ${db()}
  mode: "0660"
  group: ${account.group}
kubernetes:
  enabled: true
  kubeconfig: ${path.join(dir, 'kubeconfig')}
  poll_interval: 10ms
  rollout_timeout: 1m
policy:
  max_risk: destructive
  namespaces: [prod, staging]
  production: [prod]
  approval_ttl: ${ttl}
  scale: { min: 1, max: 5 }
  requesters:
    mutate: ["cli:root", "cli:${account.user}"]
  approvers:
    mutate: ["cli:root", "cli:${account.user}"]
`,
      { mode: 0o640 },
    );
    fs.chownSync(file, 0, groupId());
    return file;
  };
  const groupId = () =>
    Number(
      fs
        .readFileSync('/etc/group', 'utf8')
        .split('\n')
        .find((l) => l.startsWith(`${account.group}:`))!
        .split(':')[2],
    );
  const cli = (args: string[], user?: string, cfg = config) => runCliAsync(['--config', cfg, ...args], { user });
  const restarts = () =>
    fake.writes().filter((r) => r.method === 'PATCH' && r.pathname === '/apis/apps/v1/namespaces/prod/deployments/web');

  before(async () => {
    account = createOsUser();
    fake = await KubeFake.start();
    fake.allow(remediatorRules(['prod', 'staging']));
    fake.addDeployment({ namespace: 'prod', name: 'web', replicas: 2 });
    fake.addDeployment({ namespace: 'staging', name: 'web', replicas: 1 });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chatops-cli-'));
    fs.chownSync(dir, 0, groupId());
    fs.chmodSync(dir, 0o770);
    fs.chownSync(fake.writeKubeconfig(dir), 0, groupId());
    config = writeConfig('chatops.yaml', '15m');
    shortTtl = writeConfig('short-ttl.yaml', '1ms');
  });
  after(async () => {
    await fake.close();
    fs.rmSync(dir, { recursive: true, force: true });
    account.remove();
  });

  let requestId = '';

  it('remediate in production exits 3 and prints the request id', async () => {
    const r = await cli(['remediate', 'rollout-restart', 'prod/web', '--reason', 'error rate at 40%']);
    assert.equal(r.code, 3, r.stderr);
    requestId = r.stdout.trim();
    assert.match(requestId, /^r-[a-z2-7]{16}$/);
    assert.match(r.stderr, /waiting for approval: prod is a production namespace/);
    assert.match(r.stderr, new RegExp(`chatops approve ${requestId}`));
    assert.equal(fs.statSync(db()).mode & 0o777, 0o660);
    assert.equal(fs.statSync(db()).gid, groupId());
    const list = await cli(['approvals', '--json']);
    assert.equal(list.code, 0, list.stderr);
    const rows = JSON.parse(list.stdout) as Array<{ id: string; state: string; requester: string; dryRun: { ok: boolean } }>;
    assert.deepEqual(
      rows.map((x) => [x.id, x.state, x.requester, x.dryRun.ok]),
      [[requestId, 'pending', 'cli:root', true]],
    );
  });

  it('a request for an incident shows on the incident', async () => {
    fs.writeFileSync(path.join(dir, 'alert.json'), fs.readFileSync(path.join(FIXTURES, 'alertmanager/01-firing-single.json')));
    assert.equal((await cli(['alerts', 'ingest', path.join(dir, 'alert.json')])).code, 0);
    const r = await cli(['remediate', 'rollout-restart', 'prod/web', '--incident', '1', '--reason', 'crash loop']);
    assert.equal(r.code, 3, r.stderr);
    const show = await cli(['incidents', 'show', '1', '--json']);
    const incident = JSON.parse(show.stdout) as {
      requests: { id: string; reason: string }[];
      timeline: { action: string; result: string }[];
    };
    assert.deepEqual(
      incident.requests.map((x) => [x.id, x.reason]),
      [[r.stdout.trim(), 'crash loop']],
    );
    assert.ok(incident.timeline.some((x) => x.action === 'action.request' && x.result === 'pending'));
    assert.match(
      (await cli(['incidents', 'show', '1'])).stdout,
      new RegExp(`Requests:\\n  ${r.stdout.trim()}  rollout-restart prod/web  pending  requested by cli:root`),
    );
    assert.equal((await cli(['deny', r.stdout.trim()])).code, 0, 'the requester cancels it');
  });

  it('the same OS user cannot approve it (exit 4)', async () => {
    const r = await cli(['approve', requestId]);
    assert.equal(r.code, 4, r.stderr);
    assert.match(r.stderr, /cli:root requested this, and nobody may approve their own request/);
    assert.equal(restarts().length, 0);
  });

  it('another OS user approves it and it runs', async () => {
    const r = await cli(['approve', requestId], account.user);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /rollout-restart of prod\/web succeeded: 2 of 2 replicas updated and available/);
    assert.equal(restarts().length, 1);
    const again = await cli(['approve', requestId], account.user);
    assert.equal(again.code, 1);
    assert.match(again.stderr, new RegExp(`already decided by cli:${account.user} and succeeded`));
    assert.equal(restarts().length, 1);
  });

  it('an expired request is refused (exit 4)', async () => {
    const r = await cli(['remediate', 'scale', 'prod/web', '--replicas', '3'], undefined, shortTtl);
    assert.equal(r.code, 3, r.stderr);
    const late = await cli(['approve', r.stdout.trim()], account.user);
    assert.equal(late.code, 4, late.stderr);
    assert.match(late.stderr, /expired at .*: request it again/);
    assert.equal(fake.deployment('prod', 'web').spec.replicas, 2);
  });

  it('two processes approving at the same moment run it once', async () => {
    const r = await cli(['remediate', 'rollout-restart', 'prod/web'], account.user);
    assert.equal(r.code, 3, r.stderr);
    const before = restarts().length;
    const both = await Promise.all([cli(['approve', r.stdout.trim()]), cli(['approve', r.stdout.trim()])]);
    assert.deepEqual(both.map((x) => x.code).sort(), [0, 1], both.map((x) => x.stderr).join('\n'));
    assert.equal(restarts().length, before + 1);
  });

  it('remediate --wait on a production request waits for the approval and reports the result', async () => {
    const waiting = cli(['remediate', 'scale', 'prod/web', '--replicas', '3', '--wait']);
    const id = await waitFor(
      () => {
        const r = new Database(db(), { readonly: true });
        try {
          return (
            r.prepare("SELECT id FROM action_requests WHERE state = 'pending' AND action = 'scale'").get() as { id: string } | undefined
          )?.id;
        } finally {
          r.close();
        }
      },
      { what: 'the pending scale request', timeoutMs: 30_000 },
    );
    const approved = await cli(['approve', id], account.user);
    assert.equal(approved.code, 0, approved.stderr);
    const r = await waiting;
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`Request ${id} is (approved|running|succeeded) \\(by cli:${account.user}\\)`));
    assert.match(r.stdout, /scale of prod\/web succeeded/);
    assert.equal(fake.deployment('prod', 'web').spec.replicas, 3);
  });

  it('outside production it runs at once; --wait prints plain progress lines', async () => {
    const r = await cli(['remediate', 'rollout-restart', 'staging/web', '--wait']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Restarting the 1 pod of deployment staging\/web one by one\./);
    assert.match(r.stdout, /Rollout of staging\/web: 1 of 1 replicas updated/);
    assert.match(r.stdout, /succeeded/);
    assert.equal(r.stdout.includes('\r'), false);
  });

  it('refusals exit 4 with the reason: scale bounds, namespace, RBAC preflight', async () => {
    const big = await cli(['remediate', 'scale', 'staging/web', '--replicas', '9']);
    assert.equal(big.code, 4);
    assert.match(big.stderr, /scaling to 9 replicas is outside policy.scale \(1 to 5\)/);
    const ns = await cli(['remediate', 'pods', 'kube-system/coredns']);
    assert.equal(ns.code, 4);
    assert.match(ns.stderr, /namespace kube-system is not in policy.namespaces/);
    fake.allow(remediatorRules(['prod', 'staging']).map((x) => (x.resource === 'deployments' ? { ...x, verbs: ['get', 'list'] } : x)));
    try {
      const rbac = await cli(['remediate', 'rollout-restart', 'prod/web']);
      assert.equal(rbac.code, 4);
      assert.match(
        rbac.stderr,
        /Refused before anyone approves: the service account chatops in monitoring may not patch deployments in prod: add the rule \{apiGroups: \["apps"\], resources: \["deployments"\], verbs: \["patch"\]\}/,
      );
    } finally {
      fake.allow(remediatorRules(['prod', 'staging']));
    }
  });

  it('reads print the deployment, and a bad id or target is a usage error (exit 2)', async () => {
    const pods = await cli(['remediate', 'pods', 'prod/web']);
    assert.equal(pods.code, 0, pods.stderr);
    assert.match(pods.stdout, /deployment prod\/web: 3\/3 ready/);
    assert.equal((await cli(['approve', 'nonsense'])).code, 2);
    assert.equal((await cli(['remediate', 'rollout-restart', 'web'])).code, 2);
    const unknown = await cli(['approve', 'r-aaaaaaaaaaaaaaaa']);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /No request r-aaaaaaaaaaaaaaaa/);
  });

  it('audit verify names the row after an edit, a deletion and a swap', async () => {
    const ok = await cli(['audit', 'verify']);
    assert.equal(ok.code, 0, ok.stderr);
    const tamper = async (name: string, sql: string) => {
      const copy = path.join(dir, `${name}.db`);
      const src = new Database(db(), { readonly: true });
      await src.backup(copy);
      src.close();
      const w = new Database(copy);
      // What an attacker with write access does first.
      w.exec('DROP TRIGGER audit_no_update; DROP TRIGGER audit_no_delete;');
      w.exec(sql);
      w.close();
      return runCliAsync(['--config', config, 'audit', 'verify'], { env: { CHATOPS_DB: copy } });
    };
    const edited = await tamper('edited', "UPDATE audit SET actor = 'cli:mallory' WHERE seq = 2");
    assert.equal(edited.code, 1);
    assert.match(edited.stderr, /audit chain broken at row 2: row 2 was changed after it was written/);
    const deleted = await tamper('deleted', 'DELETE FROM audit WHERE seq = 3');
    assert.equal(deleted.code, 1);
    assert.match(deleted.stderr, /audit chain broken at row 4: row 4 follows row 2/);
    const swapped = await tamper(
      'swapped',
      'UPDATE audit SET seq = -1 WHERE seq = 2; UPDATE audit SET seq = 2 WHERE seq = 3; UPDATE audit SET seq = 3 WHERE seq = -1;',
    );
    assert.equal(swapped.code, 1);
    assert.match(swapped.stderr, /audit chain broken at row 2: row 2 does not link to the row before it/);
  });
});
