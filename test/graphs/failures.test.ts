/**
 * The failure matrix of graphs in the thread: Prometheus down, slow (hung) or empty, a huge
 * series count, uploads rate-limited or refused. In every case the incident's message goes out
 * first, and the graph either appears or becomes a one-line note — tried a bounded number of
 * times (once, or once more after one Retry-After), then recorded as noted, never retried again.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { Database } from '../../src/adapters/store/sqlite-driver.js';
import { waitFor } from '../support/daemon.js';
import { webhookBody } from '../support/builders.js';
import { freePort, startPrometheus, waitForScrapes } from '../support/promstack.js';
import { postWebhook, slackStack } from '../support/slack-daemon.js';
import type { SlackEmulator } from '../support/slack-emulator.js';
import { tempDir } from '../support/tmp.js';

const GRAPHS = 'graphs:\n  lookback: 2m\n  min_step: 1s\n  points: 120\n  timeout: 1s\n';

async function fire(url: string, id: number, query: string): Promise<void> {
  await postWebhook(
    url,
    webhookBody(
      [
        {
          fingerprint: `c${String(id).padStart(15, '0')}`,
          startsAt: Date.now() - 20_000,
          labels: { alertname: `Case${id}`, namespace: 'prod', severity: 'warning' },
          annotations: { summary: `case ${id}`, promql_query: query },
        },
      ],
      { groupKey: `case-${id}` },
    ),
  );
}

/** Waits for the incident's thread to get the note, after its message. */
async function noteOf(emu: SlackEmulator, incidentId: number): Promise<string> {
  const top = await waitFor(() => emu.incidentMessages(incidentId)[0], { what: `incident ${incidentId} posted`, timeoutMs: 20_000 });
  const note = await waitFor(() => emu.replies(top.ts).find((m) => /not posted/.test(m.text)), {
    what: `note in incident ${incidentId}'s thread`,
    timeoutMs: 30_000,
  });
  assert.ok(emu.messages.indexOf(top) < emu.messages.indexOf(note), 'the message before the note');
  return note.text;
}

function extraState(dir: string, incidentId: number): { state: string; attempts: number } {
  const db = new Database(path.join(dir, 'chatops.db'), { readonly: true });
  try {
    return db.prepare("SELECT state, attempts FROM incident_extras WHERE incident_id = ? AND kind = 'graph.opened'").get(incidentId) as {
      state: string;
      attempts: number;
    };
  } finally {
    db.close();
  }
}

/** Nothing more happens for a while: no retry behind the note. */
async function quiet(emu: SlackEmulator, methods: string[], ms = 1500): Promise<void> {
  const before = methods.map((m) => emu.callsOf(m).length);
  await new Promise((r) => setTimeout(r, ms));
  assert.deepEqual(
    methods.map((m) => emu.callsOf(m).length),
    before,
    `no further ${methods.join('/')} calls`,
  );
}

async function hangingServer(t: TestContext): Promise<{ url: string; requests: () => number }> {
  let n = 0;
  const held: http.ServerResponse[] = [];
  const srv = http.createServer((req, res) => {
    n++;
    held.push(res); // never answers: a hung Prometheus
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  t.after(
    () =>
      new Promise<void>((r) => {
        for (const res of held) res.destroy();
        srv.closeAllConnections();
        srv.close(() => r());
      }),
  );
  return { url: `http://127.0.0.1:${(srv.address() as AddressInfo).port}`, requests: () => n };
}

describe('graphs: failure matrix', () => {
  it('real Prometheus: empty result, huge series count, upload 429 twice, upload refused, files:write missing', async (t) => {
    const dir = tempDir(t);
    const prom = await startPrometheus(dir);
    t.after(() => prom.stop());
    await waitForScrapes(prom);
    const { emu, daemon } = await slackStack(t, { dir, config: GRAPHS, env: { PROMETHEUS_URL: prom.url } });

    // 1. Empty result: a note naming the query and the window.
    await fire(daemon.url, 1, 'no_such_metric_anywhere');
    assert.match(await noteOf(emu, 1), /^Graph not posted: no_such_metric_anywhere: no data between \d\d:\d\d and \d\d:\d\d UTC$/);
    assert.deepEqual(extraState(dir, 1), { state: 'noted', attempts: 1 });

    // 2. Every series Prometheus has (hundreds): one chart of the highest few, the rest counted.
    await fire(daemon.url, 2, '{__name__=~".+"}');
    const top2 = await waitFor(() => emu.incidentMessages(2)[0], { what: 'incident 2 posted', timeoutMs: 20_000 });
    const huge = await waitFor(() => emu.threadFiles(top2.ts)[0], { what: 'the bounded chart', timeoutMs: 60_000 });
    assert.match(huge.altText, /, 8 of \d{3,} series\./);

    // 3. Upload rate limited twice: one wait for Retry-After, one more try, then the note.
    emu.fault('files.getUploadURLExternal', { type: 'status', status: 429, retryAfter: 1 }, { type: 'status', status: 429, retryAfter: 1 });
    const before = emu.callsOf('files.getUploadURLExternal').length;
    await fire(daemon.url, 3, 'up');
    assert.equal(await noteOf(emu, 3), 'Graph not posted: Slack rate-limited the upload');
    assert.equal(emu.callsOf('files.getUploadURLExternal').length - before, 2);

    // 4. The upload URL failing: the note, no completion.
    emu.fault('upload', { type: 'status', status: 500 });
    await fire(daemon.url, 4, 'up');
    assert.equal(await noteOf(emu, 4), 'Graph not posted: Slack refused the upload (HTTP 500)');

    // 5. A token without files:write: the note says what to fix.
    emu.fault('files.getUploadURLExternal', { type: 'error', error: 'missing_scope' });
    await fire(daemon.url, 5, 'up');
    assert.match(await noteOf(emu, 5), /lacks the files:write scope \(see chatops config check\)$/);

    await quiet(emu, ['files.getUploadURLExternal', 'files.completeUploadExternal']);
    for (const id of [3, 4, 5]) assert.deepEqual(extraState(dir, id), { state: 'noted', attempts: 1 });
    assert.equal(emu.callsOf('files.completeUploadExternal').length, 1, 'only the huge chart was completed');
  });

  it('Prometheus down: the note names it, one attempt', async (t) => {
    const port = await freePort(); // nothing listens there
    const { dir, emu, daemon } = await slackStack(t, { config: GRAPHS, env: { PROMETHEUS_URL: `http://127.0.0.1:${port}` } });
    await fire(daemon.url, 1, 'up');
    assert.match(await noteOf(emu, 1), /^Graph not posted: up: Prometheus is unreachable \(cannot reach Prometheus \(ECONNREFUSED\)\)$/);
    assert.equal(emu.callsOf('files.getUploadURLExternal').length, 0);
    assert.deepEqual(extraState(dir, 1), { state: 'noted', attempts: 1 });
  });

  it('Prometheus hung: the post is not held up; the query gives up at graphs.timeout', async (t) => {
    const hung = await hangingServer(t);
    const { dir, emu, daemon } = await slackStack(t, { config: GRAPHS, env: { PROMETHEUS_URL: hung.url } });
    await fire(daemon.url, 1, 'up');
    assert.equal(await noteOf(emu, 1), 'Graph not posted: up: Prometheus did not answer within 1s');
    assert.deepEqual(extraState(dir, 1), { state: 'noted', attempts: 1 });
    const requests = hung.requests();
    await quiet(emu, ['chat.postMessage']);
    assert.ok(hung.requests() <= requests + 1, 'no retry loop against the hung Prometheus');
  });
});
