/**
 * One writer at a time: two spawned daemons on one database file. The second stands by (it
 * ingests, /ready 503 naming the holder, no Slack socket, no outbox) and takes over when the
 * holder dies — kill -9 included — or stops; every incident still gets exactly one top message.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { webhookBody } from '../support/builders.js';
import { spawnDaemon, waitFor, type SpawnedDaemon } from '../support/daemon.js';
import { SlackEmulator } from '../support/slack-emulator.js';
import { postWebhook, ready, spawnSlackDaemon, stopDaemon } from '../support/slack-daemon.js';
import { tempDir } from '../support/tmp.js';

const metric = async (d: SpawnedDaemon, name: string): Promise<number> => {
  const text = await (await fetch(`${d.url}/metrics`)).text();
  const m = new RegExp(`^${name} (\\S+)$`, 'm').exec(text);
  return m ? Number(m[1]) : NaN;
};

describe('single writer: the database lease', () => {
  it('a second daemon stands by, takes over after kill -9 of the holder, and no incident is posted twice', async (t) => {
    const dir = tempDir(t);
    const emu = await SlackEmulator.start({ postRate: null, updateRate: null });
    t.after(() => emu.stop());
    const spawn = () => spawnSlackDaemon({ dir, emulator: emu, slack: { storm: '{ threshold: 100000 }' } });
    const a = await spawn();
    t.after(() => a.kill9());
    await waitFor(async () => (await ready(a.url)).status === 200, { what: 'the first daemon ready', timeoutMs: 20_000 });
    const aPid = a.child.pid!;

    const b = await spawn();
    t.after(() => stopDaemon(b));
    const standby = await ready(b.url);
    assert.equal(standby.status, 503);
    assert.match(
      standby.body.reason ?? '',
      new RegExp(
        `^standby: the database .*chatops\\.db is held by the chatops daemon pid ${aPid} on \\S+ \\(${a.url.replace(/[.]/g, '\\.')}\\)`,
      ),
    );
    assert.ok(
      b.logs.some((l) => l.level === 40 && /^standby: /.test(String(l.msg))),
      'the standby says so in its log',
    );
    assert.equal((await fetch(`${b.url}/health`)).status, 200);
    assert.equal(await metric(a, 'chatops_daemon_active'), 1);
    assert.equal(await metric(b, 'chatops_daemon_active'), 0);
    assert.equal(emu.connectionsOpened, 1, 'only the holder opens a Slack socket');

    // Alertmanager (an HA pair, or a retry) may reach either: both ingest, only the holder posts.
    for (let i = 0; i < 8; i++) {
      const res = await postWebhook(
        i % 2 ? b.url : a.url,
        webhookBody([{ fingerprint: `f${i}`, labels: { alertname: `Lease${i}` } }], { groupKey: `{}:{alertname="Lease${i}"}` }),
      );
      assert.equal(res.status, 200);
    }
    await waitFor(() => [1, 2, 3, 4, 5, 6, 7, 8].every((id) => emu.incidentMessages(id).length === 1), {
      what: '8 top messages',
      timeoutMs: 30_000,
    });

    await a.kill9();
    await waitFor(async () => (await ready(b.url)).status === 200, { what: 'the standby to take over and connect', timeoutMs: 30_000 });
    assert.ok(b.logs.some((l) => l.msg === 'took over the database lease: this daemon now delivers'));
    assert.equal(await metric(b, 'chatops_daemon_active'), 1);
    for (let i = 8; i < 12; i++) {
      assert.equal(
        (
          await postWebhook(
            b.url,
            webhookBody([{ fingerprint: `f${i}`, labels: { alertname: `Lease${i}` } }], { groupKey: `{}:{alertname="Lease${i}"}` }),
          )
        ).status,
        200,
      );
    }
    await waitFor(() => Array.from({ length: 12 }, (_, i) => i + 1).every((id) => emu.incidentMessages(id).length === 1), {
      what: '12 top messages',
      timeoutMs: 30_000,
    });
    // Let the outbox settle; then still exactly one message per incident.
    await waitFor(async () => /^chatops_outbox_depth 0$/m.test(await (await fetch(`${b.url}/metrics`)).text()), { what: 'outbox drained' });
    const tops = emu.topMessages().filter((m) => m.metadata?.event_type === 'chatops_incident');
    assert.equal(tops.length, 12, 'exactly one top message per incident, however the two daemons raced');
  });

  it('a clean stop hands over; a holder whose lease file is removed stops delivering and exits 1', async (t) => {
    const dir = tempDir(t);
    const db = path.join(dir, 'chatops.db');
    const a = await spawnDaemon({ CHATOPS_DB: db });
    t.after(() => a.kill9());
    const b = await spawnDaemon({ CHATOPS_DB: db });
    t.after(() => b.kill9());
    assert.equal((await ready(b.url)).status, 503);
    assert.equal(await a.stop(), 0);
    await waitFor(async () => (await ready(b.url)).status === 200, { what: 'b takes over after a clean stop', timeoutMs: 15_000 });

    fs.rmSync(`${db}-lease`);
    const code = await waitFor(() => b.child.exitCode, { what: 'b to exit after losing its lease file', timeoutMs: 15_000 });
    assert.equal(code, 1);
    assert.ok(
      b.logs.some(
        (l) =>
          l.msg === 'lost the database lease; stopping so that only one daemon delivers' &&
          /lease file .* was removed/.test(String(l.reason)),
      ),
    );
  });
});
