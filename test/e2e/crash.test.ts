/**
 * kill -9 the daemon while a client posts deliveries: after restart, every delivery that got
 * a 200 is in the database (nothing is acknowledged before commit).
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { Database } from '../../src/adapters/store/sqlite-driver.js';
import { runCli, spawnDaemon } from '../support/daemon.js';
import { webhookBody } from '../support/builders.js';
import { tempDir } from '../support/tmp.js';

const ROUNDS = Number(process.env.CRASH_ROUNDS ?? 3);

describe('crash safety', () => {
  it(`every 200 survives kill -9 (${ROUNDS} rounds)`, async (t) => {
    const dir = tempDir(t);
    const db = path.join(dir, 'chatops.db');
    const acked: { groupKey: string; deliveryId: number }[] = [];
    let n = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const daemon = await spawnDaemon({ CHATOPS_DB: db }, { cwd: dir });
      let stop = false;
      const clients = Array.from({ length: 4 }, async () => {
        while (!stop) {
          const i = n++;
          const groupKey = `{}:{alertname="Crash${i}"}`;
          const body = webhookBody([{ fingerprint: `c${i.toString(16).padStart(15, '0')}`, labels: { alertname: `Crash${i}` } }], {
            groupKey,
          });
          try {
            const res = await fetch(`${daemon.url}/api/alertmanager`, {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify(body),
            });
            if (res.status === 200) acked.push({ groupKey, deliveryId: ((await res.json()) as { deliveryId: number }).deliveryId });
          } catch {
            // connection reset by the kill: not acknowledged, so Alertmanager would retry
          }
        }
      });
      // Let traffic run a random moment, then pull the plug.
      await new Promise((r) => setTimeout(r, 300 + Math.floor(Math.random() * 700)));
      await daemon.kill9();
      stop = true;
      await Promise.all(clients);
    }
    assert.ok(acked.length > 10, `only ${acked.length} deliveries were acknowledged`);

    // Restart once more: the database opens cleanly after the crashes.
    const daemon = await spawnDaemon({ CHATOPS_DB: db }, { cwd: dir });
    await daemon.stop();
    const conn = new Database(db, { readonly: true });
    const byId = conn.prepare('SELECT group_key FROM deliveries WHERE id = ?');
    const incident = conn.prepare('SELECT count(*) AS n FROM incidents WHERE key = ?');
    for (const a of acked) {
      const row = byId.get(a.deliveryId) as { group_key: string } | undefined;
      assert.equal(row?.group_key, a.groupKey, `delivery ${a.deliveryId} lost`);
      assert.equal((incident.get(a.groupKey) as { n: number }).n, 1, `incident for ${a.groupKey} lost`);
    }
    conn.close();
    const verify = runCli(['audit', 'verify'], { env: { CHATOPS_DB: db }, cwd: dir });
    assert.equal(verify.code, 0, verify.stderr);
  });
});
