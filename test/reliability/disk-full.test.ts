/**
 * Disk full: the database on a small tmpfs. Ingest answers 503 (Alertmanager retries) with a
 * sentence, nothing half-written, the daemon keeps serving, and recovers once space is freed.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { webhookBody } from '../support/builders.js';
import { runCli, spawnDaemon } from '../support/daemon.js';

describe('disk full', () => {
  it('503 while the disk is full, recovery after, nothing half-done', async (t) => {
    const dir = fs.mkdtempSync('/tmp/chatops-full-');
    const mnt = path.join(dir, 'small');
    fs.mkdirSync(mnt);
    const mount = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', mnt], { encoding: 'utf8' });
    assert.equal(mount.status, 0, `mounting a tmpfs needs root: ${mount.stderr}`);
    // One hook, in order: stop the daemon, unmount, remove the directory.
    t.after(async () => {
      await daemonRef?.stop();
      spawnSync('umount', ['-l', mnt]);
      fs.rmSync(dir, { recursive: true, force: true });
    });
    let daemonRef: { stop(): Promise<unknown> } | undefined;
    const db = path.join(mnt, 'chatops.db');
    const daemon = await spawnDaemon({ CHATOPS_DB: db }, { cwd: dir });
    daemonRef = daemon;

    // Leave roughly 300 KB free.
    const filler = path.join(mnt, 'filler');
    const free = () => Number(spawnSync('df', ['-B1', '--output=avail', mnt], { encoding: 'utf8' }).stdout.split('\n')[1]);
    fs.writeFileSync(filler, Buffer.alloc(Math.max(0, free() - 300 * 1024)));

    const post = async (i: number) => {
      const body = webhookBody(
        [
          {
            fingerprint: `d${i.toString().padStart(15, '0')}`,
            labels: { alertname: `Full${i}` },
            annotations: { description: 'x'.repeat(40 * 1024) },
          },
        ],
        { groupKey: `full-${i}` },
      );
      const res = await fetch(`${daemon.url}/api/alertmanager`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      return { status: res.status, body: (await res.json()) as { error?: string; deliveryId?: number } };
    };
    const accepted: number[] = [];
    let full: { status: number; body: { error?: string } } | null = null;
    for (let i = 0; i < 60 && !full; i++) {
      const r = await post(i);
      if (r.status === 200) accepted.push(i);
      else full = r;
    }
    assert.ok(full, 'the disk never filled');
    assert.equal(full.status, 503);
    assert.match(String(full.body.error), /cannot commit right now \(SQLITE_FULL\)/);
    assert.equal((await fetch(`${daemon.url}/health`)).status, 200, 'still serving');

    fs.rmSync(filler);
    const after = await post(1000);
    assert.equal(after.status, 200, JSON.stringify(after.body));
    await daemon.stop();

    const list = JSON.parse(runCli(['incidents', 'list', '--json'], { env: { CHATOPS_DB: db }, cwd: dir }).stdout) as {
      alertname: string;
    }[];
    const names = new Set(list.map((i) => i.alertname));
    for (const i of accepted) assert.ok(names.has(`Full${i}`), `accepted delivery ${i} lost`);
    assert.ok(names.has('Full1000'));
    assert.equal(list.length, accepted.length + 1, 'no half-written incident from the refused delivery');
    assert.equal(runCli(['audit', 'verify'], { env: { CHATOPS_DB: db }, cwd: dir }).code, 0);
  });
});
