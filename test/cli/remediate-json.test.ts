/**
 * `remediate … --wait --json` prints one JSON document, the final outcome, however long it
 * waits for a second person; progress goes to stderr.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { createOsUser, runCliAsync } from '../support/cli-async.js';
import { waitFor } from '../support/daemon.js';
import { startKubeFake } from '../support/kube-fake.js';

describe('remediate --wait --json', () => {
  it('prints exactly one document: the outcome after approval', async (t) => {
    const account = createOsUser();
    t.after(() => account.remove());
    const fake = await startKubeFake(t, ['prod'], [{ namespace: 'prod', name: 'web', replicas: 2 }]);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chatops-wait-json-'));
    t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
    const gid = Number(
      fs
        .readFileSync('/etc/group', 'utf8')
        .split('\n')
        .find((l) => l.startsWith(`${account.group}:`))!
        .split(':')[2],
    );
    fs.chownSync(dir, 0, gid);
    fs.chmodSync(dir, 0o770);
    const kubeconfig = fake.writeKubeconfig(dir);
    fs.chownSync(kubeconfig, 0, gid);
    const config = path.join(dir, 'chatops.yaml');
    fs.writeFileSync(
      config,
      `store:
  path: ${path.join(dir, 'chatops.db')}
  mode: "0660"
  group: ${account.group}
kubernetes:
  enabled: true
  kubeconfig: ${kubeconfig}
  poll_interval: 10ms
  rollout_timeout: 1m
policy:
  max_risk: mutate
  namespaces: [prod]
  production: [prod]
  requesters:
    mutate: ["cli:root"]
  approvers:
    mutate: ["cli:${account.user}"]
`,
      { mode: 0o640 },
    );
    fs.chownSync(config, 0, gid);
    const cli = (args: string[], user?: string) => runCliAsync(['--config', config, ...args], { user });

    const waiting = cli(['remediate', 'rollout-restart', 'prod/web', '--reason', 'one document', '--wait', '--json']);
    const pending = await waitFor(
      async () => {
        const list = await cli(['approvals', '--json']);
        return (JSON.parse(list.stdout || '[]') as { id: string }[])[0];
      },
      { what: 'the pending request', timeoutMs: 30_000 },
    );
    const approve = await cli(['approve', pending.id], account.user);
    assert.equal(approve.code, 0, approve.stderr);

    const r = await waiting;
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.split('\n');
    assert.equal(lines.length, 2, `one document on one line, got:\n${r.stdout}`);
    const doc = JSON.parse(lines[0]!) as { kind: string; request: { id: string; state: string } };
    assert.equal(doc.kind, 'done');
    assert.deepEqual([doc.request.id, doc.request.state], [pending.id, 'succeeded']);
    assert.match(r.stderr, new RegExp(`Request ${pending.id} is waiting for approval`));
  });
});
