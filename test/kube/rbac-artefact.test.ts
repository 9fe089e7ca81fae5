/** The shipped Role grants exactly what the action catalogue needs, checked through the real preflight. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { KubeExecutor } from '../../src/adapters/kube/kube-executor.js';
import { CATALOGUE } from '../../src/core/actions.js';
import { ROOT } from '../support/daemon.js';
import { KubeFake, type RbacRule } from '../support/kube-fake.js';

describe('config/k8s/rbac-prod.yaml', () => {
  it('lets every deployment action pass the preflight, and no rule is unused', async () => {
    const docs = parseAllDocuments(fs.readFileSync(path.join(ROOT, 'config/k8s/rbac-prod.yaml'), 'utf8')).map((d) => d.toJS());
    const role = docs.find((d) => d.kind === 'Role');
    const binding = docs.find((d) => d.kind === 'RoleBinding');
    assert.deepEqual(binding.subjects, [{ kind: 'ServiceAccount', name: 'chatops', namespace: 'chatops' }]);
    const rules: RbacRule[] = role.rules.flatMap((r: { apiGroups: string[]; resources: string[]; verbs: string[] }) =>
      r.apiGroups.flatMap((group) =>
        r.resources.map((resource) => ({ namespace: role.metadata.namespace, group, resource, verbs: r.verbs })),
      ),
    );
    const fake = await KubeFake.start();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chatops-rbac-'));
    try {
      fake.allow(rules);
      const ex = new KubeExecutor({
        kubeconfig: fake.writeKubeconfig(dir),
        requestTimeoutMs: 5000,
        rolloutTimeoutMs: 1000,
        pollIntervalMs: 1,
      });
      for (const spec of Object.values(CATALOGUE).filter((a) => a.targetKind === 'deployment')) {
        const pre = await ex.preflight(spec, { namespace: 'prod', deployment: 'web' });
        assert.equal(pre.allowed, true, `${spec.name}: ${pre.allowed ? '' : pre.reason}`);
      }
      const needed = new Set(
        Object.values(CATALOGUE).flatMap((a) =>
          a.permissions.map((p) => `${p.group}/${p.resource}${p.subresource ? `/${p.subresource}` : ''}:${p.verb}`),
        ),
      );
      const granted = new Set(rules.flatMap((r) => r.verbs.map((v) => `${r.group}/${r.resource}:${v}`)));
      assert.deepEqual(
        [...granted].filter((g) => !needed.has(g)),
        [],
        'the Role grants more than the catalogue needs',
      );
    } finally {
      await fake.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
