/**
 * The Alertmanager API v2 adapter reconciliation uses, against the REAL Alertmanager: what it
 * calls active (silenced included, resolved not), filters by alertname whatever the name holds,
 * alerts without an alertname, a storm of alertnames in one query, the instance's start time,
 * and one sentence when the instance does not answer.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AlertmanagerAlerts } from '../../src/adapters/alertmanager/alerts-api.js';
import { freePort, postAlerts, startAlertmanager } from '../support/promstack.js';
import { tempDir } from '../support/tmp.js';

describe('Alertmanager alerts API (real Alertmanager)', () => {
  it('lists active alerts by alertname, silenced ones included, resolved ones not', async (t) => {
    const dir = tempDir(t);
    // Nothing listens at the webhook: notifications fail, which does not matter here.
    const am = await startAlertmanager(dir, { webhookUrl: `http://127.0.0.1:${await freePort()}/api/alertmanager` });
    t.after(() => am.stop());
    const startsAt = new Date(Date.now() - 60_000).toISOString();
    const odd = 'Odd "quoted" \\ name';
    await postAlerts(am, [
      { labels: { alertname: 'Plain', pod: 'a' }, startsAt },
      { labels: { alertname: 'Plain', pod: 'b' }, startsAt, endsAt: new Date(Date.now() - 1000).toISOString() },
      { labels: { alertname: odd, pod: 'c' }, startsAt },
      { labels: { alertname: 'Silenced', pod: 'd' }, startsAt },
      { labels: { pod: 'e' }, startsAt },
      ...Array.from({ length: 25 }, (_, i) => ({ labels: { alertname: `Storm${i}` }, startsAt })),
    ]);
    const now = new Date();
    const silence = await fetch(`${am.url}/api/v2/silences`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        matchers: [{ name: 'alertname', value: 'Silenced', isRegex: false }],
        startsAt: now.toISOString(),
        endsAt: new Date(now.getTime() + 3_600_000).toISOString(),
        createdBy: 'test',
        comment: 'test',
      }),
    });
    assert.equal(silence.status, 200);

    const api = new AlertmanagerAlerts(am.url, 5000);
    const started = await api.startedAt();
    assert.ok(started <= Date.now() && started > Date.now() - 120_000, `uptime ${new Date(started).toISOString()}`);

    const active = await api.active(['Plain', odd, 'Silenced', '', 'Unknown']);
    const pods = [...active.values()].map((a) => a.labels.pod).sort();
    assert.deepEqual(pods, ['a', 'c', 'd', 'e'], 'resolved b is not active; silenced d and nameless e are');
    const a = [...active.values()].find((x) => x.labels.pod === 'a')!;
    assert.match(a.fingerprint, /^[0-9a-f]{16}$/);
    assert.equal(a.status, 'firing');
    assert.equal(a.startsAt, Date.parse(startsAt));

    const storm = await api.active(Array.from({ length: 25 }, (_, i) => `Storm${i}`));
    assert.equal(storm.size, 25, 'many alertnames: one unfiltered query, filtered here');
    assert.ok([...storm.values()].every((x) => x.labels.alertname!.startsWith('Storm')));
  });

  it('credentials in alertmanager.url go as Basic auth, never into a name', async (t) => {
    const http = await import('node:http');
    const seen: (string | undefined)[] = [];
    const server = http.createServer((req, res) => {
      seen.push(req.headers.authorization);
      res.setHeader('content-type', 'application/json');
      res.end(req.url?.startsWith('/am/api/v2/status') ? JSON.stringify({ uptime: '2026-01-01T00:00:00.000Z' }) : '[]');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    t.after(() => server.close());
    const port = (server.address() as { port: number }).port;
    const api = new AlertmanagerAlerts(`http://am%20user:s3cr%3At@127.0.0.1:${port}/am/`, 2000);
    const obs = await api.observe(['X']);
    assert.equal(obs.answered, true);
    assert.equal(obs.name, `http://127.0.0.1:${port}/am`);
    assert.deepEqual(seen, [
      `Basic ${Buffer.from('am user:s3cr:t').toString('base64')}`,
      `Basic ${Buffer.from('am user:s3cr:t').toString('base64')}`,
    ]);
  });

  it('an instance that does not answer is one sentence naming it, not a throw', async () => {
    const port = await freePort();
    const obs = await new AlertmanagerAlerts(`http://user:secret@127.0.0.1:${port}`, 1000).observe(['X']);
    assert.equal(obs.answered, false);
    assert.equal(obs.name, `http://127.0.0.1:${port}`, 'credentials never appear in names, logs or metrics');
    assert.match(
      !obs.answered ? obs.error : '',
      new RegExp(`^Alertmanager at http://127\\.0\\.0\\.1:${port} is unreachable \\(ECONNREFUSED\\)`),
    );
  });
});
