/**
 * Crash safety WITH Slack: kill -9 the daemon at random moments while a client posts deliveries
 * (new incidents and alerts joining existing ones) and the outbox drains to the Slack emulator.
 * After the last restart: every delivery that got a 200 is in the database, every incident has
 * exactly one top message, no thread reply was posted twice, and the audit chain verifies.
 * (test/e2e/crash.test.ts holds the same promise for ingest alone, without Slack.)
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { Database } from '../../src/adapters/store/sqlite-driver.js';
import { webhookBody } from '../support/builders.js';
import { runCli, waitFor, type SpawnedDaemon } from '../support/daemon.js';
import { SlackEmulator } from '../support/slack-emulator.js';
import { spawnSlackDaemon, stopDaemon } from '../support/slack-daemon.js';
import { tempDir } from '../support/tmp.js';

const ROUNDS = Number(process.env.CRASH_ROUNDS ?? 10);

/** Figures printed for RELIABILITY.md. */
interface CrashFigures {
  rounds: number;
  posted: number;
  acked: number;
  incidents: number;
  joins: number;
  replies: number;
  slackCalls: number;
  lookups: number;
}

describe('crash safety with Slack', () => {
  it(`kill -9 during ingest and outbox drain, ${ROUNDS} rounds: nothing lost, nothing posted twice`, async (t) => {
    const dir = tempDir(t);
    const db = path.join(dir, 'chatops.db');
    // No emulator rate limit and a short post interval: the outbox keeps posting while we kill.
    const emu = await SlackEmulator.start({ postRate: null, updateRate: null });
    t.after(() => emu.stop());
    // A storm digest would stand in for individual top messages; this test wants one message each.
    const spawn = () =>
      spawnSlackDaemon({
        dir,
        emulator: emu,
        slack: { post_interval: '20ms', update_interval: '50ms', request_timeout: '3s', storm: '{ threshold: 100000 }' },
      });

    const acked: { deliveryId: number; groupKey: string; fingerprint: string }[] = [];
    const groups: string[] = [];
    let posted = 0;
    let joins = 0;
    let n = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const daemon = await spawn();
      let stop = false;
      const client = (async () => {
        while (!stop) {
          const i = n++;
          // Two in three deliveries open an incident; the rest add an alert to an acknowledged group.
          const join = groups.length > 0 && i % 3 === 2;
          const groupKey = join ? groups[Math.floor(Math.random() * groups.length)]! : `{}:{alertname="CrashSlack${i}"}`;
          const fingerprint = `d${i.toString(16).padStart(15, '0')}`;
          const alertname = /alertname="([^"]+)"/.exec(groupKey)![1]!;
          const body = webhookBody([{ fingerprint, labels: { alertname, pod: `p${i}` } }], { groupKey });
          posted++;
          try {
            const res = await fetch(`${daemon.url}/api/alertmanager`, {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify(body),
            });
            if (res.status === 200) {
              acked.push({ deliveryId: ((await res.json()) as { deliveryId: number }).deliveryId, groupKey, fingerprint });
              if (join) joins++;
              else groups.push(groupKey);
            }
          } catch {
            // connection reset by the kill: not acknowledged, so Alertmanager would retry
          }
          await new Promise((r) => setTimeout(r, 40));
        }
      })();
      // Let ingest and the outbox run a random moment, then pull the plug.
      await new Promise((r) => setTimeout(r, 300 + Math.floor(Math.random() * 1200)));
      await daemon.kill9();
      stop = true;
      await client;
    }
    assert.ok(acked.length > ROUNDS, `only ${acked.length} deliveries were acknowledged`);

    // The last start drains what is left.
    const daemon: SpawnedDaemon = await spawn();
    t.after(() => stopDaemon(daemon));
    await waitFor(async () => /chatops_outbox_depth 0\b/.test(await (await fetch(`${daemon.url}/metrics`)).text()), {
      what: 'outbox drained',
      timeoutMs: 60_000,
      intervalMs: 250,
    });
    await stopDaemon(daemon);

    const conn = new Database(db, { readonly: true });
    t.after(() => conn.close());
    const byId = conn.prepare('SELECT group_key FROM deliveries WHERE id = ?');
    const alertRow = conn.prepare('SELECT i.key AS key FROM alerts a JOIN incidents i ON i.id = a.incident_id WHERE a.fingerprint = ?');
    for (const a of acked) {
      assert.equal((byId.get(a.deliveryId) as { group_key: string } | undefined)?.group_key, a.groupKey, `delivery ${a.deliveryId} lost`);
      assert.equal((alertRow.get(a.fingerprint) as { key: string } | undefined)?.key !== undefined, true, `alert ${a.fingerprint} lost`);
    }
    const incidents = conn.prepare('SELECT id FROM incidents ORDER BY id').all() as { id: number }[];
    for (const { id } of incidents) assert.equal(emu.incidentMessages(id).length, 1, `incident ${id} has exactly one top message`);
    const replyKeys = emu.messages
      .filter((m) => m.threadTs !== null && m.metadata?.event_type === 'chatops_reply')
      .map((m) => `${m.threadTs}/${String(m.metadata!.event_payload.reply_key)}`);
    assert.equal(
      new Set(replyKeys).size,
      replyKeys.length,
      `a thread reply was posted twice: ${replyKeys.filter((k, i) => replyKeys.indexOf(k) !== i).join(', ')}`,
    );
    const topKeys = emu.topMessages().filter((m) => m.metadata?.event_type === 'chatops_incident').length;
    assert.equal(topKeys, incidents.length, 'no top message without an incident');
    const verify = runCli(['audit', 'verify'], { env: { CHATOPS_DB: db }, cwd: dir });
    assert.equal(verify.code, 0, verify.stderr);

    const figures: CrashFigures = {
      rounds: ROUNDS,
      posted,
      acked: acked.length,
      incidents: incidents.length,
      joins,
      replies: replyKeys.length,
      slackCalls: emu.calls.length,
      lookups: emu.callsOf('conversations.history').length + emu.callsOf('conversations.replies').length,
    };
    t.diagnostic(`figures ${JSON.stringify(figures)}`);
  });
});
