/** CLI edges that need no cluster. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { runCli } from '../support/daemon.js';
import { tempDir } from '../support/tmp.js';

describe('remediation commands without a cluster', () => {
  it('Kubernetes off is a configuration error (exit 2) after the policy allowed the action', (t) => {
    const dir = tempDir(t);
    const config = path.join(dir, 'chatops.yaml');
    fs.writeFileSync(config, `store: { path: ${path.join(dir, 'db.sqlite')} }\npolicy: { namespaces: [prod] }\n`);
    const off = runCli(['--config', config, 'remediate', 'pods', 'prod/web']);
    assert.equal(off.code, 2, off.stderr);
    assert.match(off.stderr, /Kubernetes is off: set kubernetes.enabled: true/);
    const refused = runCli(['--config', config, 'remediate', 'rollout-restart', 'prod/web']);
    assert.equal(refused.code, 4);
    assert.match(refused.stderr, /rollout-restart is a mutate action and policy.max_risk allows only up to low/);
    const list = runCli(['--config', config, 'approvals']);
    assert.equal(list.code, 0, list.stderr);
    assert.equal(list.stdout, 'No pending requests.\n');
    assert.equal(runCli(['--config', config, 'approvals', '--json']).stdout, '[]\n');
    const unknown = runCli(['--config', config, 'remediate', 'reboot', 'prod/web']);
    assert.equal(unknown.code, 2);
    assert.match(
      unknown.stderr,
      /Unknown action "reboot": use one of pods, events, logs, ack, silence, rollout-restart, scale, rollout-undo/,
    );
    const scale = runCli(['--config', config, 'remediate', 'scale', 'prod/web']);
    assert.equal(scale.code, 2);
    assert.match(scale.stderr, /scale needs --replicas <n>/);
  });
});
