/**
 * Hostile input through POST /api/alertmanager: each case gets the right 4xx (or is stored
 * verbatim and harmlessly where the input is legal), and the daemon keeps serving.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import path from 'node:path';
import fs from 'node:fs';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { parseWebhookBody } from '../../src/adapters/alertmanager/webhook-schema.js';
import { loadConfig } from '../../src/config/load.js';
import { isChatopsError } from '../../src/core/errors.js';
import { startDaemon, type RunningDaemon } from '../../src/daemon/daemon.js';
import { silentLogger } from '../../src/logger.js';
import { webhookBody } from '../support/builders.js';
import { waitFor } from '../support/daemon.js';
import { tempDir } from '../support/tmp.js';

const valid = () => webhookBody([{ fingerprint: 'aaaaaaaaaaaaaaaa' }]);
const withAlert = (patch: Record<string, unknown>) => {
  const b = valid();
  (b.alerts as Record<string, unknown>[])[0] = { ...(b.alerts as Record<string, unknown>[])[0], ...patch };
  return b;
};
const without = (key: string) => {
  const b: Record<string, unknown> = valid();
  delete b[key];
  return b;
};
const alertWithout = (key: string) => {
  const b = valid();
  delete (b.alerts as Record<string, unknown>[])[0]![key];
  return b;
};
const nested = (depth: number) => `{"version":"4","deep":${'['.repeat(depth)}${']'.repeat(depth)}}`;

/** [name, body (object → JSON, string → sent as is, Buffer → raw bytes), expected status]. */
const CASES: Array<[string, unknown, number]> = [
  ['not JSON', 'hello', 400],
  ['empty body', '', 400],
  ['JSON null', 'null', 400],
  ['JSON number', '42', 400],
  ['JSON string', '"x"', 400],
  ['JSON array', '[]', 400],
  ['JSON true', 'true', 400],
  ['truncated JSON', JSON.stringify(valid()).slice(0, 50), 400],
  ['missing version', without('version'), 400],
  ['version as number', { ...valid(), version: 4 }, 400],
  ['version "3"', { ...valid(), version: '3' }, 400],
  ['missing alerts', without('alerts'), 400],
  ['alerts an object', { ...valid(), alerts: {} }, 400],
  ['alerts null', { ...valid(), alerts: null }, 400],
  ['alert a string', { ...valid(), alerts: ['x'] }, 400],
  ['alert missing status', alertWithout('status'), 400],
  ['alert status invalid', withAlert({ status: 'burning' }), 400],
  ['labels missing', alertWithout('labels'), 400],
  ['labels an array', withAlert({ labels: ['a'] }), 400],
  ['label value a number', withAlert({ labels: { alertname: 1 } }), 400],
  ['label value null', withAlert({ labels: { alertname: null } }), 400],
  ['annotations a number', withAlert({ annotations: 3 }), 400],
  ['annotation value an object', withAlert({ annotations: { summary: { a: 1 } } }), 400],
  ['startsAt missing', alertWithout('startsAt'), 400],
  ['startsAt malformed', withAlert({ startsAt: 'yesterday' }), 400],
  ['startsAt a number', withAlert({ startsAt: 1700000000 }), 400],
  ['startsAt far future', withAlert({ startsAt: '9999-01-01T00:00:00Z' }), 400],
  ['startsAt far past', withAlert({ startsAt: '0500-01-01T00:00:00Z' }), 400],
  ['endsAt malformed', withAlert({ status: 'resolved', endsAt: '2026-13-45T99:00:00Z' }), 400],
  ['fingerprint missing', alertWithout('fingerprint'), 400],
  ['fingerprint empty', withAlert({ fingerprint: '' }), 400],
  ['fingerprint 200 chars', withAlert({ fingerprint: 'f'.repeat(200) }), 400],
  ['fingerprint a number', withAlert({ fingerprint: 12345 }), 400],
  ['groupKey missing', without('groupKey'), 400],
  ['groupKey empty', { ...valid(), groupKey: '' }, 400],
  ['groupKey a number', { ...valid(), groupKey: 7 }, 400],
  ['top-level status invalid', { ...valid(), status: 'maybe' }, 400],
  ['truncatedAlerts negative', { ...valid(), truncatedAlerts: -1 }, 400],
  ['truncatedAlerts a string', { ...valid(), truncatedAlerts: 'many' }, 400],
  ['groupLabels an array', { ...valid(), groupLabels: [] }, 400],
  ['commonLabels a string', { ...valid(), commonLabels: 'x' }, 400],
  [
    'duplicate fingerprints, conflicting states',
    webhookBody([{ fingerprint: 'dddddddddddddddd' }, { fingerprint: 'dddddddddddddddd', status: 'resolved', endsAt: Date.now() - 1000 }]),
    400,
  ],
  [
    '__proto__ label (prototype pollution)',
    `{"version":"4","status":"firing","groupKey":"g","alerts":[{"status":"firing","labels":{"alertname":"A","__proto__":{"polluted":"yes"}},"startsAt":"2026-11-26T10:00:00Z","fingerprint":"p"}]}`,
    400,
  ],
  ['__proto__ at top level', `{"__proto__":{"polluted":"yes"},"version":"4","status":"firing","groupKey":"g","alerts":[]}`, 200],
  ['constructor label is just a label', withAlert({ labels: { alertname: 'A', constructor: 'x', toString: 'y' } }), 200],
  ['invalid UTF-8', Buffer.concat([Buffer.from('{"version":"4","receiver":"'), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from('"}')]), 400],
  ['NUL bytes in text are stored verbatim', withAlert({ annotations: { summary: 'a\u0000b' } }), 200],
  ['deeply nested JSON', nested(50_000), 400],
  ['10 MB body', { ...valid(), pad: 'x'.repeat(10 * 1024 * 1024) }, 413],
  [
    '100k alerts',
    {
      ...valid(),
      alerts: Array.from({ length: 100_000 }, (_, i) => ({
        status: 'firing',
        labels: { alertname: 'A' },
        startsAt: '2026-11-26T10:00:00Z',
        fingerprint: `f${i}`,
      })),
    },
    413,
  ],
  ['huge label value under the limit', withAlert({ labels: { alertname: 'A', blob: 'v'.repeat(900 * 1024) } }), 200],
  [
    'mrkdwn and link injection everywhere',
    webhookBody(
      [
        {
          fingerprint: 'abababababababab',
          labels: { alertname: '<!channel>', namespace: '<@U123>' },
          annotations: { summary: '<https://evil.example|click> <!here> &amp;', description: '*bold* `code` <!subteam^S1>' },
          generatorURL: 'javascript:alert(1)',
        },
      ],
      { groupKey: '{}:{alertname="<!channel>"}' },
    ),
    200,
  ],
];

describe('hostile input', () => {
  let d: RunningDaemon;
  before(async () => {
    const dir = fs.mkdtempSync('/tmp/chatops-hostile-');
    d = await startDaemon(loadConfig({ env: { CHATOPS_DB: path.join(dir, 'h.db'), CHATOPS_LISTEN: '127.0.0.1:0' } }), silentLogger());
    (d as unknown as { dir: string }).dir = dir;
  });
  after(async () => {
    await d.stop();
    fs.rmSync((d as unknown as { dir: string }).dir, { recursive: true, force: true });
  });

  it(`answers ${CASES.length} hostile payloads correctly and keeps serving`, async () => {
    assert.ok(CASES.length >= 40);
    for (const [name, body, want] of CASES) {
      const data = Buffer.isBuffer(body) ? body : typeof body === 'string' ? body : JSON.stringify(body);
      const res = await fetch(`${d.url}/api/alertmanager`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: data });
      const json = (await res.json()) as { error?: string };
      assert.equal(res.status, want, `${name}: got ${res.status} ${JSON.stringify(json).slice(0, 200)}`);
      if (want >= 400) assert.ok(typeof json.error === 'string' && json.error.length > 0, `${name}: error sentence`);
      assert.equal((await fetch(`${d.url}/health`)).status, 200, `${name}: daemon still serving`);
    }
    assert.equal(({} as Record<string, unknown>).polluted, undefined, 'Object.prototype untouched');
    const injected = d.runtime.store.listIncidents({}).find((i) => i.alertname === '<!channel>');
    assert.ok(injected, 'injection payload stored verbatim (escaping happens where text is rendered)');
  });

  it('cuts off a slowloris client', async (t) => {
    const dir = tempDir(t);
    fs.mkdirSync(path.join(dir, 'config'));
    fs.writeFileSync(path.join(dir, 'config/chatops.yaml'), 'webhook:\n  request_timeout: 1s\n');
    const slow = await startDaemon(
      loadConfig({ env: { CHATOPS_DB: path.join(dir, 's.db'), CHATOPS_LISTEN: '127.0.0.1:0' }, cwd: dir }),
      silentLogger(),
    );
    t.after(() => slow.stop());
    const { port } = new URL(slow.url);
    const socket = net.connect(Number(port), '127.0.0.1');
    let closed = false;
    socket.on('close', () => {
      closed = true;
    });
    socket.on('error', () => {
      closed = true;
    });
    const request = 'POST /api/alertmanager HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{';
    let i = 0;
    const drip = setInterval(() => {
      if (!closed && i < request.length) socket.write(request[i++]!);
    }, 200);
    try {
      await waitFor(() => closed, { timeoutMs: 30_000, what: 'the server to close the slow connection' });
    } finally {
      clearInterval(drip);
      socket.destroy();
    }
    assert.ok(i < request.length, 'closed before the client finished its headers');
    assert.equal((await fetch(`${slow.url}/health`)).status, 200);
  });

  it('property: the parser never throws anything but a usage error', () => {
    const jsonish = fc.jsonValue({ maxDepth: 4 });
    const alertish = fc.record(
      {
        status: fc.oneof(fc.constantFrom('firing', 'resolved'), jsonish),
        labels: fc.oneof(fc.dictionary(fc.string(), fc.string()), jsonish),
        annotations: fc.oneof(fc.dictionary(fc.string(), fc.string()), jsonish),
        startsAt: fc.oneof(
          fc.date({ min: new Date('2000-01-01'), max: new Date('2030-01-01'), noInvalidDate: true }).map((d) => d.toISOString()),
          jsonish,
        ),
        endsAt: fc.oneof(fc.constant('0001-01-01T00:00:00Z'), jsonish),
        fingerprint: fc.oneof(fc.stringMatching(/^[0-9a-f]{16}$/), jsonish),
      },
      { requiredKeys: [] },
    );
    const payload = fc.record(
      {
        version: fc.oneof(fc.constant('4'), jsonish),
        status: fc.oneof(fc.constantFrom('firing', 'resolved'), jsonish),
        groupKey: fc.oneof(fc.string({ minLength: 1 }), jsonish),
        alerts: fc.oneof(fc.array(alertish, { maxLength: 5 }), jsonish),
        commonLabels: fc.oneof(fc.dictionary(fc.string(), fc.string()), jsonish),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(fc.oneof(payload, jsonish), (body) => {
        try {
          const d = parseWebhookBody(JSON.stringify(body), Date.now());
          assert.ok(Array.isArray(d.alerts));
          for (const a of d.alerts) assert.ok(Number.isFinite(a.startsAt));
        } catch (e) {
          if (!isChatopsError(e) || e.kind !== 'usage') throw e;
        }
      }),
      { numRuns: 2000 },
    );
  });
});
