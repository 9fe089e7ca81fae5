/** `chatops config check` asks the API server, per allowed namespace, for what the enabled actions need. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { runCliAsync } from '../support/cli-async.js';
import { KubeFake, remediatorRules } from '../support/kube-fake.js';
import { freePort } from '../support/promstack.js';
import { tempDir } from '../support/tmp.js';

describe('config check: kubernetes', () => {
  it('one line per namespace: what may run, or the missing rule', async (t) => {
    const dir = tempDir(t);
    const fake = await KubeFake.start();
    t.after(() => fake.close());
    fake.allow(remediatorRules(['prod']));
    const config = path.join(dir, 'chatops.yaml');
    fs.writeFileSync(
      config,
      `store: { path: ${path.join(dir, 'c.db')} }
kubernetes: { enabled: true, kubeconfig: ${fake.writeKubeconfig(dir)} }
policy: { max_risk: mutate, namespaces: [prod, staging] }
`,
    );
    const r = await runCliAsync(['--config', config, 'config', 'check', '--json'], {
      env: { CHATOPS_LISTEN: `127.0.0.1:${await freePort()}` },
      cwd: dir,
    });
    assert.equal(r.code, 1, r.stdout + r.stderr);
    const checks = Object.fromEntries(
      (JSON.parse(r.stdout) as { checks: { name: string; ok: boolean; detail: string }[] }).checks.map((c) => [c.name, c]),
    );
    assert.deepEqual(checks['kubernetes prod'], {
      name: 'kubernetes prod',
      ok: true,
      detail: 'may run pods, events, logs, rollout-restart, scale (policy.max_risk mutate)',
    });
    assert.equal(checks['kubernetes staging']!.ok, false);
    assert.equal(
      checks['kubernetes staging']!.detail,
      'the service account chatops in monitoring may not get deployments, list pods, list events, get pods/log, patch deployments or patch deployments/scale in staging: ' +
        'add the rules {apiGroups: ["apps"], resources: ["deployments"], verbs: ["get", "patch"]}, {apiGroups: [""], resources: ["pods"], verbs: ["list"]}, {apiGroups: [""], resources: ["events"], verbs: ["list"]}, ' +
        '{apiGroups: [""], resources: ["pods/log"], verbs: ["get"]}, {apiGroups: ["apps"], resources: ["deployments/scale"], verbs: ["patch"]} to a Role in staging bound to it.',
    );
    assert.ok(!r.stdout.includes('fake-sa-token'));
  });
});
