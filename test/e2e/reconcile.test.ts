/**
 * Reconciliation with the REAL Alertmanager (Debian prometheus-alertmanager; two instances for
 * an HA pair) and the spawned built daemon: a silenced alert that resolves sends no webhook, yet
 * its incident resolves — in Slack too (emulator); Alertmanager down changes nothing and says
 * so; in an HA pair an alert is gone only when the instances that answered agree, a freshly
 * restarted instance cannot declare it gone, and what a lagging peer still holds fires again.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { runCli, spawnDaemon, waitFor, type SpawnedDaemon } from '../support/daemon.js';
import { freePort, postAlerts, startAlertmanager, type Service } from '../support/promstack.js';
import { SlackEmulator, type StoredMessage } from '../support/slack-emulator.js';
import { runCliAsync, spawnSlackDaemon, stopDaemon } from '../support/slack-daemon.js';
import { tempDir } from '../support/tmp.js';

interface Listed {
  id: number;
  status: string;
  alertname: string;
  firing: number;
  resolvedAt: string | null;
}
interface AuditRow {
  action: string;
  actor: string;
  source: string;
  incidentId: number | null;
  detail: Record<string, unknown>;
}

const reconcileConfig = (warmup: string) => `alertmanager:\n  timeout: 1s\n  reconcile:\n    interval: 1s\n    warmup: ${warmup}\n`;

/**
 * GET on a fresh connection. The steps between requests here (CLI runs, Alertmanager restarts)
 * can outlast the daemon's keep-alive timeout, and under load fetch's pool may reuse a socket
 * the daemon is closing ("fetch failed").
 */
async function get(url: string): Promise<{ status: number; text: string }> {
  const http = await import('node:http');
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent: false, timeout: 10_000 }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          text += c;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      })
      .on('error', reject)
      .on('timeout', function (this: { destroy(e: Error): void }) {
        this.destroy(new Error(`no answer from ${url}`));
      });
  });
}

async function metrics(d: SpawnedDaemon): Promise<string> {
  return (await get(`${d.url}/metrics`)).text;
}

async function ready(url: string): Promise<{ status: number; body: { status: string; reason?: string; details?: string[] } }> {
  const r = await get(`${url}/ready`);
  return { status: r.status, body: JSON.parse(r.text) as { status: string } };
}

/** The value of one sample, e.g. `chatops_reconcile_runs_total{outcome="ok"}`. */
async function sample(d: SpawnedDaemon, series: string): Promise<number> {
  const line = (await metrics(d)).split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.split(' ')[1]) : NaN;
}

/** Waits until reconciliation has completed `n` more passes with this outcome. */
async function passes(d: SpawnedDaemon, outcome: string, n = 2): Promise<void> {
  const series = `chatops_reconcile_runs_total{outcome="${outcome}"}`;
  const from = await sample(d, series);
  await waitFor(async () => (await sample(d, series)) >= from + n, {
    what: `${n} reconciliation passes with outcome ${outcome}`,
    timeoutMs: 60_000,
  });
}

function cli(dir: string, env: Record<string, string>) {
  const list = (): Listed[] => {
    const r = runCli(['incidents', 'list', '--json'], { env, cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout) as Listed[];
  };
  const audit = (): AuditRow[] => {
    const r = runCli(['audit', '--json'], { env, cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout) as AuditRow[];
  };
  const byName = (name: string): Listed => {
    const i = list().find((x) => x.alertname === name);
    assert.ok(i, `no incident for ${name}`);
    return i;
  };
  return { list, audit, byName };
}

async function alertmanagerAt(t: TestContext, dir: string, name: string, port: number, daemon: SpawnedDaemon): Promise<Service> {
  const am = await startAlertmanager(path.join(dir, name), { webhookUrl: `${daemon.url}/api/alertmanager`, port });
  t.after(() => am.stop());
  return am;
}

const text = (m: StoredMessage) => JSON.stringify(m.blocks);
const iso = (msAgo: number) => new Date(Date.now() - msAgo).toISOString();

describe('reconciliation with the real Alertmanager', () => {
  it('a silenced alert that resolves (no webhook comes) resolves its incident by reconciliation, in Slack too, and ends its until-resolved silence', async (t) => {
    const dir = tempDir(t);
    const amPort = await freePort();
    const emu = await SlackEmulator.start();
    t.after(() => emu.stop());
    const env = {
      CHATOPS_DB: path.join(dir, 'chatops.db'),
      CHATOPS_CONFIG: path.join(dir, 'chatops.yaml'),
      ALERTMANAGER_URL: `http://127.0.0.1:${amPort}`,
    };
    const daemon = await spawnSlackDaemon({
      dir,
      emulator: emu,
      env: { ALERTMANAGER_URL: env.ALERTMANAGER_URL },
      config: `${reconcileConfig('0s')}policy:\n  max_risk: low\n`,
    });
    t.after(() => stopDaemon(daemon));
    const am = await alertmanagerAt(t, dir, 'am', amPort, daemon);
    await waitFor(async () => (await ready(daemon.url)).status === 200, { what: 'daemon ready', timeoutMs: 20_000 });
    const { list, audit, byName } = cli(dir, env);

    const labels = { alertname: 'DiskFillingUp', namespace: 'prod', instance: 'db-0', severity: 'warning' };
    const startsAt = iso(5 * 60_000);
    await postAlerts(am, [{ labels, annotations: { summary: 'disk 91% full' }, startsAt }]);
    await waitFor(() => list().some((i) => i.alertname === 'DiskFillingUp'), { what: 'the incident', timeoutMs: 30_000 });
    const id = byName('DiskFillingUp').id;
    const top = await waitFor(() => emu.incidentMessages(id)[0], { what: 'its top message', timeoutMs: 20_000 });

    // Silence it in the real Alertmanager (through chatops, as a responder would), until it resolves.
    const silence = await runCliAsync(['silence', String(id), '--until-resolved'], env);
    assert.equal(silence.code, 0, silence.stderr);
    await waitFor(
      async () => {
        const alerts = (await (await fetch(`${am.url}/api/v2/alerts`)).json()) as { status: { state: string } }[];
        return alerts.length === 1 && alerts[0]!.status.state === 'suppressed';
      },
      { what: 'Alertmanager to suppress the alert' },
    );
    // Silenced is still firing while Alertmanager holds it: reconciliation leaves it.
    await passes(daemon, 'ok');
    assert.equal(byName('DiskFillingUp').status, 'firing');

    // The alert resolves. Alertmanager sends nothing for a silenced alert; reconciliation notices.
    await postAlerts(am, [{ labels, startsAt, endsAt: iso(1000) }]);
    const resolved = await waitFor(() => list().find((i) => i.id === id && i.status === 'resolved'), {
      what: 'resolved by reconciliation',
      timeoutMs: 30_000,
    });
    assert.ok(resolved.resolvedAt);
    const rows = audit().filter((r) => r.incidentId === id && r.action.endsWith('.resolved'));
    assert.deepEqual(
      rows.map((r) => [r.action, r.actor, r.source, r.detail.reason]),
      [
        ['alert.resolved', 'daemon', 'daemon', 'resolved by reconciliation'],
        ['incident.resolved', 'daemon', 'daemon', 'resolved by reconciliation'],
      ],
    );
    assert.deepEqual(rows[0]!.detail.alertmanagers, [`http://127.0.0.1:${amPort}`]);

    // Slack shows it as a webhook resolve would: the top message flips in place, buttons gone, a reply.
    await waitFor(() => /RESOLVED: DiskFillingUp/.test(text(emu.incidentMessages(id)[0]!)), {
      what: 'Slack top message resolved',
      timeoutMs: 30_000,
    });
    assert.equal(
      emu.incidentMessages(id)[0]!.blocks.some((b) => b.type === 'actions'),
      false,
    );
    await waitFor(() => emu.replies(top.ts).some((r) => /Resolved after/.test(r.text)), { what: 'the resolved reply', timeoutMs: 20_000 });
    assert.equal(emu.incidentMessages(id).length, 1);
    // And the until-resolved silence ends with it: Alertmanager never told, reconciliation did.
    await waitFor(
      async () => {
        const silences = (await (await fetch(`${am.url}/api/v2/silences`)).json()) as { status: { state: string } }[];
        return silences.length === 1 && silences[0]!.status.state === 'expired';
      },
      { what: 'the until-resolved silence expired', timeoutMs: 30_000 },
    );
    const verify = runCli(['audit', 'verify'], { env, cwd: dir });
    assert.equal(verify.code, 0, verify.stderr);
  });

  it('Alertmanager down: nothing changes; a metric and the /ready detail say so (the daemon stays ready)', async (t) => {
    const dir = tempDir(t);
    const amPort = await freePort();
    const env = { CHATOPS_DB: path.join(dir, 'chatops.db'), ALERTMANAGER_URL: `http://127.0.0.1:${amPort}` };
    const configFile = path.join(dir, 'chatops.yaml');
    (await import('node:fs')).writeFileSync(configFile, reconcileConfig('0s'));
    const daemon = await spawnDaemon({ ...env, CHATOPS_CONFIG: configFile });
    t.after(() => daemon.stop());
    const am = await alertmanagerAt(t, dir, 'am', amPort, daemon);
    const { list } = cli(dir, env);
    await postAlerts(am, [{ labels: { alertname: 'QueueBacklog', namespace: 'jobs' }, startsAt: iso(60_000) }]);
    await waitFor(() => list()[0], { what: 'the incident', timeoutMs: 30_000 });
    await passes(daemon, 'ok', 1);
    const up = `chatops_alertmanager_up{alertmanager="http://127.0.0.1:${amPort}"}`;
    assert.equal(await sample(daemon, up), 1);
    assert.deepEqual((await ready(daemon.url)).body, { status: 'ready' });

    // Alertmanager stops answering (paused, so it keeps its alerts).
    am.child.kill('SIGSTOP');
    t.after(() => am.child.kill('SIGCONT'));
    await passes(daemon, 'unavailable');
    assert.equal(await sample(daemon, up), 0);
    const r = await ready(daemon.url);
    assert.equal(r.status, 200, 'Alertmanager down does not make chatops unready: it must keep taking webhooks');
    const detail = r.body.details?.find((d) => d.startsWith('reconciliation: ')) ?? '';
    assert.match(
      detail,
      new RegExp(
        `^reconciliation: no Alertmanager has answered for \\d+s \\(Alertmanager at http://127\\.0\\.0\\.1:${amPort} is unreachable \\(no answer within 1 s\\)`,
      ),
    );
    assert.match(detail, /open incidents are not reconciled until one does$/);
    assert.equal(list()[0]!.status, 'firing', 'nothing changes while nobody answers');

    am.child.kill('SIGCONT');
    await passes(daemon, 'ok', 1);
    assert.equal(await sample(daemon, up), 1);
    assert.deepEqual((await ready(daemon.url)).body, { status: 'ready' });
    assert.equal(list()[0]!.status, 'firing');
    assert.ok(
      daemon.logs.some((l) => l.component === 'reconcile' && l.outcome === 'unavailable'),
      'the outage is logged',
    );
  });

  it("HA pair: gone only when the instances that answered agree; a fresh instance cannot declare it gone; a lagging peer's alert fires again", async (t) => {
    const dir = tempDir(t);
    const [portA, portB] = [await freePort(), await freePort()];
    const env = { CHATOPS_DB: path.join(dir, 'chatops.db'), ALERTMANAGER_URL: `http://127.0.0.1:${portA},http://127.0.0.1:${portB}` };
    const configFile = path.join(dir, 'chatops.yaml');
    const warmup = 20_000;
    (await import('node:fs')).writeFileSync(configFile, reconcileConfig(`${warmup / 1000}s`));
    const daemon = await spawnDaemon({ ...env, CHATOPS_CONFIG: configFile });
    t.after(() => daemon.stop());
    const a = await alertmanagerAt(t, dir, 'am-a', portA, daemon);
    let b = await alertmanagerAt(t, dir, 'am-b', portB, daemon);
    const { list, audit, byName } = cli(dir, env);

    // Prometheus sent X to both instances, Y only to A (its send to B failed).
    const x = { labels: { alertname: 'HaX', namespace: 'prod' }, startsAt: iso(60_000) };
    const y = { labels: { alertname: 'HaY', namespace: 'prod' }, startsAt: iso(60_000) };
    await postAlerts(a, [x, y]);
    await postAlerts(b, [x]);
    await waitFor(() => list().length === 2, { what: 'two incidents', timeoutMs: 30_000 });

    // Both instances young: nothing may be judged gone yet, so the passes only warm up.
    await passes(daemon, 'warming_up', 1);
    // Both warm: Y is held by A only, and that is enough to keep it.
    await passes(daemon, 'ok');
    assert.deepEqual([byName('HaX').status, byName('HaY').status], ['firing', 'firing']);

    // A stops answering: B answers alone and lacks Y, so Y is resolved by reconciliation; X stays.
    a.child.kill('SIGSTOP');
    t.after(() => a.child.kill('SIGCONT'));
    await waitFor(() => byName('HaY').status === 'resolved', { what: "Y resolved on B's word", timeoutMs: 30_000 });
    assert.equal(byName('HaX').status, 'firing');
    const r = await ready(daemon.url);
    assert.equal(r.status, 200);
    assert.match(
      r.body.details?.find((d) => d.startsWith('reconciliation: ')) ?? '',
      new RegExp(
        `^reconciliation: reconciling with http://127\\.0\\.0\\.1:${portB} only \\(Alertmanager at http://127\\.0\\.0\\.1:${portA} is unreachable`,
      ),
    );

    // A answers again and still holds Y: Y fires again (the incident reopens), by reconciliation.
    a.child.kill('SIGCONT');
    await waitFor(() => byName('HaY').status === 'firing', { what: 'Y back', timeoutMs: 30_000 });
    assert.ok(
      audit().some(
        (row) =>
          row.action === 'incident.reopened' &&
          row.actor === 'daemon' &&
          row.detail.reason === 'active again in Alertmanager (reconciliation)',
      ),
    );

    // B restarts and knows nothing; A is unreachable again. The fresh B alone cannot speak for absence.
    await b.stop();
    a.child.kill('SIGSTOP');
    b = await alertmanagerAt(t, dir, 'am-b', portB, daemon);
    await passes(daemon, 'warming_up');
    assert.deepEqual([byName('HaX').status, byName('HaY').status], ['firing', 'firing'], 'a freshly restarted instance resolves nothing');
    const detail = (await ready(daemon.url)).body.details?.find((d) => d.startsWith('reconciliation: ')) ?? '';
    assert.match(detail, /^reconciliation: every Alertmanager that answered \(http:\/\/127\.0\.0\.1:\d+\) started less than 20s ago/);
    const reconciled = audit().filter((row) => row.actor === 'daemon' && row.detail.reason === 'resolved by reconciliation');
    assert.deepEqual(
      reconciled.map((row) => row.action),
      ['alert.resolved', 'incident.resolved'],
      'only Y, once, was ever resolved by reconciliation',
    );
  });
});
