/**
 * The operator service's silences against a real Alertmanager: one chatops silence per incident
 * (extended, or reported, never duplicated), "until resolved" ended by the daemon's sweep however
 * the incident resolved (and retried while Alertmanager is down), bounds and refusals as values.
 */
import { createHash } from 'node:crypto';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, it, type TestContext } from 'node:test';
import pino from 'pino';
import { parseWebhookPayload } from '../../src/adapters/alertmanager/webhook-schema.js';
import { openRuntime, type Runtime } from '../../src/app.js';
import { loadConfig } from '../../src/config/load.js';
import { ingestDelivery } from '../../src/core/ingest.js';
import { SILENCE_SWEEP_CURSOR, UntilResolvedSweep } from '../../src/daemon/silence-sweep.js';
import { webhookBody } from '../support/builders.js';
import { freePort, startAlertmanager, type Service } from '../support/promstack.js';
import { tempDir } from '../support/tmp.js';

interface AmSilence {
  id: string;
  status: { state: string };
  endsAt: string;
  matchers: { name: string; value: string }[];
}

const cli = { id: 'cli:alice', source: 'cli' as const };
const down = (name: string, status: 'firing' | 'resolved' = 'firing', startsAt = Date.parse('2026-01-01T00:00:00Z')) =>
  webhookBody(
    [
      {
        fingerprint: createHash('sha256').update(name).digest('hex').slice(0, 16),
        status,
        startsAt,
        endsAt: status === 'resolved' ? Date.now() : null,
        labels: { alertname: name, namespace: 'prod', severity: 'critical' },
      },
    ],
    { groupKey: name },
  );

describe('silences through the operator service', () => {
  let am: Service;
  let amDir: string;
  before(async () => {
    amDir = fs.mkdtempSync(path.join(process.env.TMPDIR ?? '/tmp', 'chatops-am-'));
    am = await startAlertmanager(amDir, { webhookUrl: 'http://127.0.0.1:9/unused' });
  });
  after(async () => {
    await am.stop();
    fs.rmSync(amDir, { recursive: true, force: true });
  });

  const silencesOf = async (alertname: string) =>
    ((await (await fetch(`${am.url}/api/v2/silences`)).json()) as AmSilence[]).filter((s) =>
      s.matchers.some((m) => m.name === 'alertname' && m.value === alertname),
    );

  /** A runtime on a fresh database (or `dir`'s), policy max_risk low, Alertmanager at `amUrl`. */
  function runtime(t: TestContext, opts: { amUrl?: string; dir?: string; maxRisk?: string } = {}): Runtime {
    const dir = opts.dir ?? tempDir(t);
    const file = path.join(dir, `chatops-${fs.readdirSync(dir).length}.yaml`);
    fs.writeFileSync(
      file,
      `store:\n  path: ${path.join(dir, 'chatops.db')}\nalertmanager:\n  url: ${opts.amUrl ?? am.url}\npolicy:\n  max_risk: ${opts.maxRisk ?? 'low'}\n`,
    );
    const rt = openRuntime(loadConfig({ configPath: file, env: {} }), { notify: false });
    t.after(() => rt.close());
    return rt;
  }
  const ingest = (rt: Runtime, body: Record<string, unknown>) =>
    ingestDelivery(rt.ingest, parseWebhookPayload(body, rt.clock.now()), JSON.stringify(body), {
      source: 'webhook',
      actor: 'alertmanager:test',
      auditSource: 'alertmanager',
    });

  it('a longer silence extends the one in force, a shorter one is reported with how to change it', async (t) => {
    const rt = runtime(t);
    ingest(rt, down('ExtendMe'));
    const first = await rt.operator.silence(1, cli, { length: { durationMs: 3_600_000 } });
    assert.equal(first.kind, 'done', first.message);
    const longer = await rt.operator.silence(1, cli, { length: { durationMs: 2 * 3_600_000 } });
    assert.equal(longer.kind, 'done', longer.message);
    assert.equal(longer.data.extendedFrom, first.data.endsAt);
    let active = (await silencesOf('ExtendMe')).filter((s) => s.status.state === 'active');
    assert.equal(active.length, 1, 'one silence in force');
    assert.equal(active[0]!.id, longer.data.silenceId);
    assert.ok(Math.abs(Date.parse(active[0]!.endsAt) - longer.data.endsAt!) < 1000, 'Alertmanager has the new end');

    const shorter = await rt.operator.silence(1, cli, { length: { durationMs: 1_800_000 } });
    assert.equal(shorter.kind, 'unchanged');
    assert.match(shorter.message, /^Incident 1 is already silenced until \S+ by cli:alice \(silence [0-9a-f-]+\)\.$/);
    assert.equal(shorter.hint, 'Unsilence it first to replace it with a shorter one.');
    active = (await silencesOf('ExtendMe')).filter((s) => s.status.state === 'active');
    assert.equal(active.length, 1, 'still one');
    const audit = rt.store.auditOf(1).filter((a) => a.action === 'incident.silence');
    assert.deepEqual(
      audit.map((a) => [a.result, a.detail.extends === undefined ? 'new' : 'extends']),
      [
        ['ok', 'new'],
        ['ok', 'extends'],
      ],
      'the report is not a silence',
    );
  });

  it('a silence someone expired in Alertmanager does not count: the next one is created afresh', async (t) => {
    const rt = runtime(t);
    ingest(rt, down('ExpiredBehind'));
    const first = await rt.operator.silence(1, cli, {});
    assert.equal((await fetch(`${am.url}/api/v2/silence/${first.data.silenceId}`, { method: 'DELETE' })).status, 200);
    const again = await rt.operator.silence(1, cli, {});
    assert.equal(again.kind, 'done', again.message);
    assert.equal(again.data.extendedFrom, null);
    assert.notEqual(again.data.silenceId, first.data.silenceId);
    assert.match(again.message, /^Incident 1 silenced until /);
  });

  it('bounds are usage errors in words every face can show; refusals are values, audited', async (t) => {
    const rt = runtime(t);
    ingest(rt, down('Bounds'));
    await assert.rejects(
      rt.operator.silence(1, cli, { length: { durationMs: 8 * 86_400_000 } }),
      (e: Error & { kind?: string }) => e.kind === 'usage' && e.message === 'A silence lasts more than 0 and at most 7d, not 8d.',
    );
    await assert.rejects(rt.operator.silence(1, cli, { length: { durationMs: 0 } }), /not 0s\./);
    const readOnly = runtime(t, { dir: path.dirname(rt.store.path), maxRisk: 'read' });
    const refused = await readOnly.operator.silence(1, cli, {});
    assert.equal(refused.kind, 'refused');
    assert.match(refused.message, /^silence is a low action and policy.max_risk allows only up to read/);
    assert.equal(refused.hint, null);
    assert.deepEqual(
      rt.store
        .auditOf(1)
        .filter((a) => a.action === 'incident.silence')
        .map((a) => a.result),
      ['refused'],
    );
    assert.equal((await silencesOf('Bounds')).length, 0);
  });

  it('until resolved: refused for a resolved incident, ended by the sweep once it resolves, even if it fired again since', async (t) => {
    const rt = runtime(t);
    ingest(rt, down('UntilResolved'));
    const s = await rt.operator.silence(1, cli, { length: { untilResolved: true } });
    assert.equal(s.kind, 'done', s.message);
    assert.equal(s.data.untilResolved, true);
    assert.match(s.message, /^Incident 1 silenced until it resolves \(at most until \S+\) \(silence /);
    const sweep = new UntilResolvedSweep(rt, pino({ level: 'silent' }));
    await sweep.run();
    assert.equal((await silencesOf('UntilResolved')).filter((x) => x.status.state === 'active').length, 1, 'firing: kept');

    // Resolved, then firing again (reopened) before the sweep looked: it did resolve, so the silence ends.
    ingest(rt, down('UntilResolved', 'resolved'));
    ingest(rt, down('UntilResolved', 'firing', Date.parse('2026-01-01T01:00:00Z')));
    assert.equal(rt.store.getIncident(1)!.status, 'firing');
    await sweep.run();
    assert.deepEqual(
      (await silencesOf('UntilResolved')).map((x) => x.status.state),
      ['expired'],
    );
    const unsilence = rt.store.auditOf(1).filter((a) => a.action === 'incident.unsilence');
    assert.deepEqual(
      unsilence.map((a) => [a.actor, a.source, a.result, a.detail.reason]),
      [['daemon', 'daemon', 'ok', 'the incident resolved']],
    );
    await sweep.run();
    assert.equal(rt.store.auditOf(1).filter((a) => a.action === 'incident.unsilence').length, 1, 'once');

    ingest(rt, down('UntilResolved', 'resolved', Date.parse('2026-01-01T01:00:00Z')));
    const late = await rt.operator.silence(1, cli, { length: { untilResolved: true } });
    assert.equal(late.kind, 'conflict');
    assert.equal(late.message, 'Incident 1 is already resolved, so a silence until it resolves would end at once.');
    assert.equal(late.hint, 'Give a duration instead.');
  });

  it('only until-resolved silences end with the incident; an expiry that fails is retried from the same row', async (t) => {
    const dir = tempDir(t);
    const live = runtime(t, { dir });
    // The same database, with an Alertmanager that is not there.
    const dead = runtime(t, { dir, amUrl: `http://127.0.0.1:${await freePort()}` });
    ingest(live, down('Fixed'));
    ingest(live, down('Retried'));
    assert.equal((await live.operator.silence(1, cli, { length: { durationMs: 3_600_000 } })).kind, 'done');
    assert.equal((await live.operator.silence(2, cli, { length: { untilResolved: true } })).kind, 'done');
    ingest(live, down('Fixed', 'resolved'));
    ingest(live, down('Retried', 'resolved'));

    const lines: string[] = [];
    const logger = pino(
      { level: 'warn' },
      new Writable({
        write(chunk, _enc, cb) {
          lines.push(String(chunk));
          cb();
        },
      }),
    );
    await new UntilResolvedSweep(dead, logger).run();
    assert.ok(
      lines.some((l) => /could not expire an until-resolved silence; will retry/.test(l)),
      lines.join(''),
    );
    const stuck = Number(live.store.getMeta(SILENCE_SWEEP_CURSOR)?.value ?? 0);
    const resolvedRow = live.store.auditOf(2).find((a) => a.action === 'incident.resolved')!;
    assert.ok(stuck < resolvedRow.seq, 'the cursor stops before the row it could not handle');
    assert.equal((await silencesOf('Retried')).filter((x) => x.status.state === 'active').length, 1);

    await new UntilResolvedSweep(live, pino({ level: 'silent' })).run();
    assert.deepEqual(
      (await silencesOf('Retried')).map((x) => x.status.state),
      ['expired'],
    );
    assert.deepEqual(
      (await silencesOf('Fixed')).map((x) => x.status.state),
      ['active'],
      'a silence with a duration keeps its duration',
    );
    assert.ok(Number(live.store.getMeta(SILENCE_SWEEP_CURSOR)!.value) >= resolvedRow.seq, 'the cursor moved past it');
  });
});
