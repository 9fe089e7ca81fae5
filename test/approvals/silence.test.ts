/** `chatops silence` against the real Alertmanager: a low action under the same policy. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { runCli } from '../support/daemon.js';
import { startAlertmanager } from '../support/promstack.js';
import { fixture, tempDir } from '../support/tmp.js';

describe('silence', () => {
  it("silences the incident's alerts by their common labels, refused below max_risk low", async (t) => {
    const dir = tempDir(t);
    const am = await startAlertmanager(dir, { webhookUrl: 'http://127.0.0.1:9/none' });
    t.after(() => am.stop());
    const db = path.join(dir, 'c.db');
    fs.writeFileSync(path.join(dir, 'low.yaml'), 'policy: { max_risk: low }\n');
    fs.writeFileSync(path.join(dir, 'read.yaml'), 'policy: { max_risk: read }\n');
    fs.writeFileSync(path.join(dir, 'alert.json'), fixture('alertmanager/01-firing-single.json'));
    const env = { CHATOPS_DB: db, ALERTMANAGER_URL: am.url };
    assert.equal(runCli(['alerts', 'ingest', path.join(dir, 'alert.json')], { env }).code, 0);

    const refused = runCli(['--config', path.join(dir, 'read.yaml'), 'silence', '1'], { env });
    assert.equal(refused.code, 4);
    assert.match(refused.stderr, /silence is a low action and policy.max_risk allows only up to read/);

    const r = runCli(
      ['--config', path.join(dir, 'low.yaml'), 'silence', '1', '--duration', '30m', '--comment', 'deploy in progress', '--json'],
      { env },
    );
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { silenceId: string; matchers: { name: string; value: string }[] };
    const silences = (await (await fetch(`${am.url}/api/v2/silences`)).json()) as Array<{
      id: string;
      createdBy: string;
      comment: string;
      status: { state: string };
      matchers: { name: string; value: string; isRegex: boolean }[];
    }>;
    const s = silences.find((x) => x.id === out.silenceId)!;
    assert.equal(s.status.state, 'active');
    assert.equal(s.createdBy, 'cli:root');
    assert.equal(s.comment, 'deploy in progress');
    assert.deepEqual(s.matchers.map((m) => `${m.name}=${m.value}`).sort(), [
      'alertname=KubePodCrashLooping',
      'deployment=checkout',
      'namespace=prod',
      'pod=checkout-7d9f-abcde',
      'severity=critical',
    ]);

    const audit = JSON.parse(runCli(['audit', '--json'], { env }).stdout) as {
      action: string;
      result: string;
      detail: { silenceId?: string };
    }[];
    assert.deepEqual(
      audit.filter((a) => a.action === 'incident.silence').map((a) => a.result),
      ['refused', 'ok'],
    );
    const noAm = runCli(['--config', path.join(dir, 'low.yaml'), 'silence', '1'], { env: { CHATOPS_DB: db } });
    assert.equal(noAm.code, 2);
    assert.match(noAm.stderr, /set ALERTMANAGER_URL/);
  });
});
