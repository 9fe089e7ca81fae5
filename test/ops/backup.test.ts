/** `chatops db backup` while the daemon writes: the copy is consistent and its chain verifies. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { webhookBody } from '../support/builders.js';
import { runCli, spawnDaemon } from '../support/daemon.js';
import { tempDir } from '../support/tmp.js';

describe('db backup', () => {
  it('makes a consistent, private copy while the daemon ingests', async (t) => {
    const dir = tempDir(t);
    const db = path.join(dir, 'live.db');
    const daemon = await spawnDaemon({ CHATOPS_DB: db }, { cwd: dir });
    t.after(() => daemon.stop());
    let stop = false;
    let posted = 0;
    const writer = (async () => {
      for (let i = 0; !stop; i++) {
        const body = webhookBody([{ fingerprint: `b${i.toString().padStart(15, '0')}`, labels: { alertname: `Backup${i}` } }], {
          groupKey: `b${i}`,
        });
        const res = await fetch(`${daemon.url}/api/alertmanager`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
        if (res.ok) posted++;
      }
    })();
    await new Promise((r) => setTimeout(r, 300));
    const copy = path.join(dir, 'backups/copy.db');
    const r = runCli(['db', 'backup', copy], { env: { CHATOPS_DB: db }, cwd: dir });
    stop = true;
    await writer;
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Backup written to .*audit chain intact/);
    assert.equal(fs.statSync(copy).mode & 0o777, 0o600);
    const verify = runCli(['audit', 'verify'], { env: { CHATOPS_DB: copy }, cwd: dir });
    assert.equal(verify.code, 0, verify.stderr);
    const inCopy = (JSON.parse(runCli(['incidents', 'list', '--json'], { env: { CHATOPS_DB: copy }, cwd: dir }).stdout) as unknown[])
      .length;
    assert.ok(inCopy > 0 && inCopy <= posted, `copy has ${inCopy} of ${posted}`);
    const again = runCli(['db', 'backup', copy], { env: { CHATOPS_DB: db }, cwd: dir });
    assert.equal(again.code, 2);
    assert.match(again.stderr, /already exists/);
  });
});
