/**
 * The incident lifecycle as the terminal shows it, end to end with the REAL Alertmanager and the
 * spawned built daemon: who acknowledged a resolved incident stays on record (a re-fire that
 * reopens it clears it), and openedAt/resolvedAt follow one rule — the alerts' own startsAt and
 * endsAt, never the arrival of a delivery.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { runCli, spawnDaemon, waitFor } from '../support/daemon.js';
import { postAlerts, startAlertmanager } from '../support/promstack.js';
import { FIXTURES, tempDir } from '../support/tmp.js';

interface Listed {
  id: number;
  status: string;
  openedAt: string;
  resolvedAt: string | null;
  acknowledgedBy: string | null;
  acknowledgedAt: string | null;
}

function lister(db: string, dir: string): () => Listed[] {
  return () => {
    const r = runCli(['incidents', 'list', '--json'], { env: { CHATOPS_DB: db }, cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout) as Listed[];
  };
}

describe('incident lifecycle', () => {
  it("a resolved incident keeps who acknowledged it; a re-fire that reopens it clears the ack; times are the alerts' own", async (t) => {
    const dir = tempDir(t);
    const db = path.join(dir, 'chatops.db');
    const daemon = await spawnDaemon({ CHATOPS_DB: db }, { cwd: dir });
    t.after(() => daemon.stop());
    const am = await startAlertmanager(dir, { webhookUrl: `${daemon.url}/api/alertmanager` });
    t.after(() => am.stop());
    const list = lister(db, dir);

    // The problem started ten minutes before anyone was told: the incident opened then.
    const labels = { alertname: 'KubeDeploymentReplicasMismatch', namespace: 'prod', deployment: 'web', severity: 'critical' };
    const startsAt = new Date(Date.now() - 10 * 60_000);
    startsAt.setMilliseconds(0);
    await postAlerts(am, [{ labels, annotations: { summary: 'web has 0/2 ready' }, startsAt: startsAt.toISOString() }]);
    const opened = await waitFor(() => list()[0], { timeoutMs: 30_000, what: 'the incident' });
    assert.equal(opened.openedAt, startsAt.toISOString(), "openedAt is the alert's startsAt, not the arrival of the webhook");

    const ack = runCli(['ack', String(opened.id)], { env: { CHATOPS_DB: db }, cwd: dir });
    assert.equal(ack.code, 0, ack.stderr);

    const endsAt = new Date(Date.now() - 2 * 60_000);
    endsAt.setMilliseconds(0);
    await postAlerts(am, [{ labels, startsAt: startsAt.toISOString(), endsAt: endsAt.toISOString() }]);
    const resolved = await waitFor(() => list().find((i) => i.id === opened.id && i.status === 'resolved'), {
      timeoutMs: 30_000,
      what: 'resolved',
    });
    assert.equal(resolved.resolvedAt, endsAt.toISOString(), "resolvedAt is the alert's endsAt");
    assert.match(resolved.acknowledgedBy ?? '', /^cli:/, 'who acknowledged it survives the resolve');
    assert.ok(resolved.acknowledgedAt);
    const table = runCli(['incidents', 'list'], { env: { CHATOPS_DB: db }, cwd: dir });
    assert.match(table.stdout, /resolved.*cli:/, `ACK BY is shown for the resolved incident:\n${table.stdout}`);

    // The same alert fires again within incidents.reopen_window: the incident reopens, unacknowledged.
    const refire = new Date();
    refire.setMilliseconds(0);
    await postAlerts(am, [{ labels, startsAt: refire.toISOString() }]);
    const reopened = await waitFor(() => list().find((i) => i.id === opened.id && i.status === 'firing'), {
      timeoutMs: 30_000,
      what: 'reopened',
    });
    assert.equal(reopened.acknowledgedBy, null);
    assert.equal(reopened.acknowledgedAt, null);
    assert.equal(reopened.resolvedAt, null);
    assert.equal(reopened.openedAt, startsAt.toISOString(), 'a reopened incident keeps when it first started');
    assert.equal(list().length, 1);
  });

  it('a replayed capture resolves after it opened, not days before', (t) => {
    const dir = tempDir(t);
    const env = { CHATOPS_DB: path.join(dir, 'chatops.db') };
    for (const f of ['02-firing-group-of-3.json', '04-group-all-resolved.json']) {
      const r = runCli(['alerts', 'ingest', path.join(FIXTURES, 'alertmanager', f)], { env, cwd: dir });
      assert.equal(r.code, 0, r.stderr);
    }
    const [incident] = JSON.parse(runCli(['incidents', 'list', '--json'], { env, cwd: dir }).stdout) as Listed[];
    assert.equal(incident!.status, 'resolved');
    assert.equal(incident!.openedAt, '2026-11-26T19:52:41.260Z', 'the earliest startsAt of the group');
    assert.equal(incident!.resolvedAt, '2026-11-26T19:52:48.821Z', 'the latest endsAt of the resolving delivery');
    const show = runCli(['incidents', 'show', String(incident!.id)], { env, cwd: dir });
    assert.match(show.stdout, /resolved 2026-11-26T19:52:48\.821Z after 7s/);
  });
});
