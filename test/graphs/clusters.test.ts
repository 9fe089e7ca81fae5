/**
 * Graphs with many clusters: an incident's graph is queried in its own cluster's Prometheus, and
 * a cluster whose Prometheus hangs holds only its own extras — another cluster's graph is still
 * tried (and its note written) while the hung queries wait. Real SQLite, the real runner; alpha's
 * Prometheus is a socket that takes requests and never answers, beta's an address where nothing
 * listens (its query fails at once).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { describe, it } from 'node:test';
import pino from 'pino';
import { parseWebhookPayload } from '../../src/adapters/alertmanager/webhook-schema.js';
import { SlackWebApi } from '../../src/adapters/slack/web-api.js';
import { ExtrasStore } from '../../src/adapters/store/extras-store.js';
import { openRuntime } from '../../src/app.js';
import { loadConfig } from '../../src/config/load.js';
import { ingestDelivery } from '../../src/core/ingest.js';
import { extrasConfig, IncidentExtras } from '../../src/daemon/incident-extras.js';
import { webhookBody } from '../support/builders.js';
import { waitFor } from '../support/daemon.js';
import { freePort } from '../support/promstack.js';
import { SlackEmulator } from '../support/slack-emulator.js';
import { tempDir } from '../support/tmp.js';

describe('incident extras with many clusters', () => {
  it("query the incident's cluster's Prometheus; one cluster's hung Prometheus holds up nothing in another", async (t) => {
    const dir = tempDir(t);
    // Alpha's Prometheus: takes every request, answers none (until the end of the test).
    const hung: { socket: net.Socket; text: string }[] = [];
    const server = net.createServer((socket) => {
      const conn = { socket, text: '' };
      hung.push(conn);
      socket.on('data', (d) => (conn.text += d.toString('latin1')));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    t.after(
      () =>
        new Promise<void>((r) => {
          for (const c of hung) c.socket.destroy();
          server.close(() => r());
        }),
    );
    // What alpha's Prometheus was asked: one request per connection (each is left hanging).
    const requests = () => hung.map((c) => c.text).filter((text) => /\r\n\r\n.*query=/s.test(text));
    const alphaUrl = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
    const file = path.join(dir, 'chatops.yaml');
    fs.writeFileSync(
      file,
      `store:
  path: ${path.join(dir, 'chatops.db')}
graphs: { timeout: 10m }
slo: { enabled: false }
clusters:
  - name: alpha
    prometheus: { url: ${alphaUrl} }
  - name: beta
    prometheus: { url: http://127.0.0.1:${await freePort()} }
`,
    );
    const rt = openRuntime(loadConfig({ configPath: file, env: {} }), { notify: true });
    t.after(() => rt.close());
    const ingest = (cluster: string, n: number) => {
      const body = webhookBody(
        [
          {
            fingerprint: `f00000000000000${n}`,
            labels: { alertname: 'Up', cluster },
            annotations: { summary: 's', promql_query: `up{n="${n}"}` },
          },
        ],
        { groupKey: `{}:{n="${n}"}` },
      );
      ingestDelivery(rt.ingest, parseWebhookPayload(body, rt.clock.now()), JSON.stringify(body), {
        source: 'webhook',
        actor: 'alertmanager:test',
        auditSource: 'alertmanager',
      });
    };
    ingest('alpha', 1);
    ingest('alpha', 2);
    ingest('beta', 3);
    assert.deepEqual(
      rt.store
        .listIncidents({})
        .map((i) => [i.id, i.cluster])
        .sort(),
      [
        [1, 'alpha'],
        [2, 'alpha'],
        [3, 'beta'],
      ],
    );

    const emu = await SlackEmulator.start();
    t.after(() => emu.stop());
    const logger = pino({ level: 'silent' });
    const files = new SlackWebApi({ token: 'xoxb-test', apiUrl: emu.apiUrl, timeoutMs: 2000, logger });
    const extras = new ExtrasStore(rt.store);
    const runner = new IncidentExtras({
      store: rt.store,
      extras,
      files,
      clock: rt.clock,
      logger,
      config: extrasConfig(rt.loaded.config, rt.clusters),
      remediation: rt.remediation,
      onEnqueued: () => {},
    });
    // Alpha's two graphs first: were the extras one pool, they would hold it and beta's would wait.
    for (const id of [1, 2, 3]) runner.opened(id, 'C0OPS', `1.00000${id}`);

    await waitFor(() => extras.get(3, 'graph.opened')?.state === 'noted', { what: "beta's graph tried and noted", timeoutMs: 30_000 });
    const asked = await waitFor(() => (requests().length === 2 ? requests() : null), {
      what: "alpha's two range queries at alpha's Prometheus",
    });
    assert.ok(
      asked.every((r) => r.startsWith('POST /api/v1/query_range ')),
      asked.join('\n'),
    );
    const queried = (n: number) => asked.some((r) => r.includes(`query=${encodeURIComponent(`up{n="${n}"}`)}`));
    assert.deepEqual([queried(1), queried(2), queried(3)], [true, true, false], "alpha's two queries, and never beta's");
    assert.deepEqual(
      [extras.get(1, 'graph.opened')?.state, extras.get(2, 'graph.opened')?.state],
      ['running', 'running'],
      "alpha's are still waiting",
    );

    // Alpha's Prometheus goes away: its graphs end as notes too, nothing is left running.
    for (const c of hung) c.socket.destroy();
    await runner.settled();
    assert.deepEqual(
      [1, 2, 3].map((id) => extras.get(id, 'graph.opened')?.state),
      ['noted', 'noted', 'noted'],
    );
  });
});
