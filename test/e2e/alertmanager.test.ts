/**
 * End to end with the REAL Alertmanager (Debian prometheus-alertmanager): alerts posted to its
 * API v2 reach the spawned built daemon as webhooks and become incidents the CLI shows.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { runCli, spawnDaemon, waitFor } from '../support/daemon.js';
import { postAlerts, startAlertmanager } from '../support/promstack.js';
import { tempDir } from '../support/tmp.js';

interface ListedIncident {
  id: number;
  status: string;
  alertname: string;
  namespace: string;
  firing: number;
  total: number;
  resolvedAt: string | null;
  acknowledgedBy: string | null;
}

describe('real Alertmanager → daemon → CLI', () => {
  it('fires, groups, acknowledges and resolves', async (t) => {
    const dir = tempDir(t);
    const db = path.join(dir, 'chatops.db');
    const token = 'e2e-webhook-token';
    const daemon = await spawnDaemon({ CHATOPS_DB: db, CHATOPS_WEBHOOK_TOKEN: token }, { cwd: dir });
    t.after(() => daemon.stop());
    const am = await startAlertmanager(dir, { webhookUrl: `${daemon.url}/api/alertmanager`, token });
    t.after(() => am.stop());

    const list = (): ListedIncident[] => {
      const r = runCli(['incidents', 'list', '--json'], { env: { CHATOPS_DB: db }, cwd: dir });
      assert.equal(r.code, 0, r.stderr);
      return JSON.parse(r.stdout) as ListedIncident[];
    };
    const labels = (pod: string) => ({
      alertname: 'KubePodCrashLooping',
      namespace: 'prod',
      deployment: 'checkout',
      pod,
      severity: 'critical',
    });
    const startsAt = new Date(Date.now() - 60_000).toISOString();
    await postAlerts(am, [
      { labels: labels('checkout-1'), annotations: { summary: 'checkout-1 is crash looping' }, startsAt },
      { labels: labels('checkout-2'), annotations: { summary: 'checkout-2 is crash looping' }, startsAt },
    ]);
    const firing = await waitFor(() => list().find((i) => i.firing === 2), { timeoutMs: 30_000, what: 'incident with 2 firing alerts' });
    assert.equal(firing.status, 'firing');
    assert.equal(firing.alertname, 'KubePodCrashLooping');
    assert.equal(firing.namespace, 'prod');
    assert.equal(list().length, 1, 'one incident for the group');

    const ack = runCli(['ack', String(firing.id)], { env: { CHATOPS_DB: db }, cwd: dir });
    assert.equal(ack.code, 0, ack.stderr);
    assert.match(ack.stdout, /acknowledged by cli:/);

    const endsAt = new Date(Date.now() - 1000).toISOString();
    await postAlerts(am, [
      { labels: labels('checkout-1'), startsAt, endsAt },
      { labels: labels('checkout-2'), startsAt, endsAt },
    ]);
    const resolved = await waitFor(() => list().find((i) => i.id === firing.id && i.status === 'resolved'), {
      timeoutMs: 30_000,
      what: 'incident resolved',
    });
    assert.ok(resolved.resolvedAt);
    assert.equal(resolved.firing, 0);
    assert.equal(resolved.total, 2);

    const show = runCli(['incidents', 'show', String(firing.id), '--json'], { env: { CHATOPS_DB: db }, cwd: dir });
    assert.equal(show.code, 0, show.stderr);
    const detail = JSON.parse(show.stdout) as {
      alerts: { status: string; fingerprint: string }[];
      timeline: { action: string; actor: string }[];
    };
    assert.equal(detail.alerts.length, 2);
    assert.ok(detail.alerts.every((a) => a.status === 'resolved' && /^[0-9a-f]{16}$/.test(a.fingerprint)));
    const actions = detail.timeline.map((r) => r.action);
    for (const want of ['incident.opened', 'incident.ack', 'incident.resolved'])
      assert.ok(actions.includes(want), `timeline lacks ${want}: ${actions}`);

    const verify = runCli(['audit', 'verify'], { env: { CHATOPS_DB: db }, cwd: dir });
    assert.equal(verify.code, 0, verify.stderr);
  });
});
