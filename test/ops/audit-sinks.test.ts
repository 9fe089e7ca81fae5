/** Audit shipping to Loki, Elasticsearch and a JSONL file: outages delay, never lose; restarts resume. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { loadConfig } from '../../src/config/load.js';
import { startDaemon } from '../../src/daemon/daemon.js';
import { silentLogger } from '../../src/logger.js';
import { webhookBody } from '../support/builders.js';
import { runCli, waitFor } from '../support/daemon.js';
import { startFakeElasticsearch, startFakeLoki } from '../support/sink-fakes.js';
import { tempDir } from '../support/tmp.js';

async function post(url: string, i: number): Promise<void> {
  const body = webhookBody([{ fingerprint: `e${i.toString().padStart(15, '0')}`, labels: { alertname: `Sink${i}` } }], {
    groupKey: `{}:{alertname="Sink${i}"}`,
  });
  const res = await fetch(`${url}/api/alertmanager`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  assert.equal(res.status, 200);
}

describe('audit sinks', () => {
  it('outage then recovery: every row once per sink, in order; a restart resumes from the cursor', async (t) => {
    const dir = tempDir(t);
    const loki = await startFakeLoki();
    const es = await startFakeElasticsearch();
    t.after(() => loki.close());
    t.after(() => es.close());
    const jsonl = path.join(dir, 'audit/audit.jsonl');
    fs.mkdirSync(path.join(dir, 'config'));
    fs.writeFileSync(
      path.join(dir, 'config/chatops.yaml'),
      `audit:
  sinks:
    - { type: loki, url: "${loki.url}", labels: { env: test } }
    - { type: elasticsearch, url: "${es.url}", index: chatops-audit }
    - { type: file, path: "${jsonl}" }
`,
    );
    const db = path.join(dir, 'c.db');
    const loaded = () => loadConfig({ env: { CHATOPS_DB: db, CHATOPS_LISTEN: '127.0.0.1:0' }, cwd: dir });

    loki.down = true;
    es.down = true;
    es.failItems = 0;
    let d = await startDaemon(loaded(), silentLogger());
    const first = d;
    t.after(() => first.stop());
    for (let i = 0; i < 20; i++) await post(d.url, i);
    const total = () => d.runtime.store.lastAuditSeq();
    // The file sink keeps up; the others are down and lag.
    await waitFor(() => fs.existsSync(jsonl) && fs.readFileSync(jsonl, 'utf8').trim().split('\n').length === total(), {
      what: 'file sink',
    });
    await waitFor(
      async () => /chatops_audit_sink_lag_rows\{sink="loki:[^"]+"\} [1-9]/.test(await (await fetch(`${d.url}/metrics`)).text()),
      { what: 'loki lag in /metrics' },
    );
    await waitFor(() => loki.requests >= 1 && es.requests >= 1, { what: 'the shipper to try Loki and Elasticsearch' });
    assert.equal(loki.entries.length, 0);

    // Recovery, with Elasticsearch rejecting a few items inside a 200 first.
    es.failItems = 3;
    loki.down = false;
    es.down = false;
    await waitFor(() => loki.entries.length === total() && es.docs.size === total(), { timeoutMs: 60_000, what: 'sinks to catch up' });
    const seqs = (lines: string[]) => lines.map((l) => (JSON.parse(l) as { seq: number }).seq);
    const expected = Array.from({ length: total() }, (_, i) => i + 1);
    assert.deepEqual(seqs(loki.entries.map((e) => e.line)), expected, 'Loki: each row once, in order');
    // A partly failed bulk request is resent whole: order of first arrival may differ, ids never repeat.
    assert.deepEqual(
      es.order.map((k) => Number(k.split('/')[1]!.split('-')[0])).sort((a, b) => a - b),
      expected,
      'Elasticsearch: each row once',
    );
    assert.deepEqual(seqs(fs.readFileSync(jsonl, 'utf8').trim().split('\n')), expected, 'file: each row once, in order');
    assert.deepEqual(Object.keys(loki.entries[0]!.labels).sort(), ['env', 'job', 'stream'], 'low-cardinality labels only');
    await d.stop();

    // While the daemon is down the CLI writes more audit rows; a restart ships only those.
    const before = { loki: loki.entries.length, es: es.docs.size };
    const ack = runCli(['ack', '1'], { env: { CHATOPS_DB: db }, cwd: dir });
    assert.equal(ack.code, 0, ack.stderr);
    d = await startDaemon(loaded(), silentLogger());
    t.after(() => d.stop());
    await waitFor(() => loki.entries.length === before.loki + 1 && es.docs.size === before.es + 1, {
      what: 'the new row shipped after restart',
    });
    assert.ok(
      [...es.docs.values()].every((doc) => doc.version === 1 || doc.version === 2),
      'resends overwrite by _id',
    );
    const last = JSON.parse(loki.entries.at(-1)!.line) as { action: string; actor: string; hash: string; prevHash: string };
    assert.equal(last.action, 'incident.ack');
    assert.match(last.hash, /^[0-9a-f]{64}$/);
    const exported = runCli(['audit', 'export', '--format', 'jsonl'], { env: { CHATOPS_DB: db }, cwd: dir });
    assert.equal(exported.code, 0, exported.stderr);
    assert.equal(exported.stdout.trim().split('\n').length, total());
    assert.deepEqual(JSON.parse(exported.stdout.trim().split('\n').at(-1)!), JSON.parse(loki.entries.at(-1)!.line));
  });

  it('the file sink repairs a torn last line and resumes from what the file holds', async (t) => {
    const dir = tempDir(t);
    const jsonl = path.join(dir, 'audit.jsonl');
    fs.mkdirSync(path.join(dir, 'config'));
    fs.writeFileSync(path.join(dir, 'config/chatops.yaml'), `audit:\n  sinks:\n    - { type: file, path: "${jsonl}" }\n`);
    const db = path.join(dir, 'c.db');
    for (let i = 0; i < 3; i++) {
      const f = path.join(dir, `p${i}.json`);
      fs.writeFileSync(
        f,
        JSON.stringify(
          webhookBody([{ fingerprint: `c${i.toString().padStart(15, '0')}`, labels: { alertname: `Torn${i}` } }], { groupKey: `g${i}` }),
        ),
      );
      assert.equal(runCli(['alerts', 'ingest', f], { env: { CHATOPS_DB: db }, cwd: dir }).code, 0);
    }
    // As if a crash came after the first two rows were written but before the cursor moved.
    const rows = runCli(['audit', 'export'], { env: { CHATOPS_DB: db }, cwd: dir })
      .stdout.trim()
      .split('\n');
    fs.writeFileSync(jsonl, `${rows[0]}\n${rows[1]}\n${rows[2]!.slice(0, 20)}`);
    const d = await startDaemon(loadConfig({ env: { CHATOPS_DB: db, CHATOPS_LISTEN: '127.0.0.1:0' }, cwd: dir }), silentLogger());
    t.after(() => d.stop());
    await waitFor(() => fs.readFileSync(jsonl, 'utf8').endsWith(`${rows.at(-1)}\n`), { what: 'file sink caught up' });
    const lines = fs.readFileSync(jsonl, 'utf8').trim().split('\n');
    const whole = lines.filter((l) => l.startsWith('{"seq"') && l.endsWith('}'));
    assert.deepEqual(
      whole.map((l) => (JSON.parse(l) as { seq: number }).seq),
      rows.map((_, i) => i + 1),
    );
  });
});
