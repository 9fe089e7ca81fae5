/**
 * The top message names the alerts (issue: "A multi-alert group says '3 of 3 alerts' and nothing
 * else", "Truncated groups look complete", "the Alertmanager link filters on alertname and
 * namespace only"), end to end from a real Alertmanager (max_alerts 2) with a real Prometheus
 * for each distinct promql_query; `chatops incidents show` and the TUI's incident view list the same.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { SqliteStore } from '../../src/adapters/store/sqlite-store.js';
import { detailLines } from '../../src/tui/detail.js';
import { storeSource } from '../../src/tui/source.js';
import { runCli, waitFor } from '../support/daemon.js';
import { freePort, postAlerts, startAlertmanager, startPrometheus } from '../support/promstack.js';
import { SlackEmulator, type StoredMessage } from '../support/slack-emulator.js';
import { ready, spawnSlackDaemon, stopDaemon } from '../support/slack-daemon.js';
import { tempDir } from '../support/tmp.js';

const text = (m: StoredMessage | undefined) => JSON.stringify(m?.blocks ?? []);

test('a group lists its alerts with what tells them apart, counts what Alertmanager left out, enriches each query, links to exactly its alerts', async (t) => {
  const dir = tempDir(t);
  const emu = await SlackEmulator.start({ postRate: null, updateRate: null });
  t.after(() => emu.stop());
  const prom = await startPrometheus(dir);
  t.after(() => prom.stop());
  const port = await freePort();
  const am = await startAlertmanager(dir, {
    webhookUrl: `http://127.0.0.1:${port}/api/alertmanager`,
    groupBy: ['alertname', 'namespace', 'service'],
    maxAlerts: 2,
  });
  t.after(() => am.stop());
  const daemon = await spawnSlackDaemon({
    dir,
    emulator: emu,
    env: { CHATOPS_LISTEN: `127.0.0.1:${port}`, PROMETHEUS_URL: prom.url, ALERTMANAGER_URL: am.url },
  });
  t.after(() => stopDaemon(daemon));
  await waitFor(async () => (await ready(daemon.url)).status === 200, { what: 'ready', timeoutMs: 20_000 });
  await waitFor(
    async () =>
      ((await (await fetch(`${prom.url}/api/v1/query?query=up`)).json()) as { data: { result: unknown[] } }).data.result.length > 0,
    { what: 'up has data', timeoutMs: 20_000 },
  );

  const base = { alertname: 'PodNotReady', namespace: 'shop', severity: 'warning' };
  const startsAt = new Date(Date.now() - 60_000).toISOString();
  // Group api: five pods, each with its own description and query; group web shares alertname and namespace.
  await postAlerts(
    am,
    Array.from({ length: 5 }, (_, k) => ({
      labels: { ...base, service: 'api', pod: `api-${k}` },
      startsAt,
      annotations: { summary: `api-${k} not ready for 5m`, promql_query: k % 2 ? 'vector(7)' : 'up' },
    })),
  );
  await postAlerts(
    am,
    [0, 1].map((k) => ({ labels: { ...base, service: 'web', pod: `web-${k}` }, startsAt, annotations: { summary: `web-${k} not ready` } })),
  );

  const env = { CHATOPS_DB: path.join(dir, 'chatops.db') };
  const incidents = await waitFor(
    () => {
      const list = JSON.parse(runCli(['incidents', 'list', '--json'], { env }).stdout) as {
        id: number;
        labels: Record<string, string>;
        truncatedAlerts: number;
      }[];
      // Alertmanager may flush the api group before it holds all five (a first delivery with
      // truncatedAlerts 0, the next with 3): wait for the count, which the next delivery stores.
      return list.length === 2 && list.find((i) => i.labels.service === 'api')?.truncatedAlerts === 3 ? list : null;
    },
    { what: "two incidents, the api group's with truncatedAlerts 3 stored", timeoutMs: 30_000 },
  );
  const api = incidents.find((i) => i.labels.service === 'api')!;
  assert.equal(api.truncatedAlerts, 3, 'truncatedAlerts is stored');
  // Posted, and updated once the delivery that counts the left-out alerts came (see above).
  const top = await waitFor(
    () => {
      const message = emu.incidentMessages(api.id)[0];
      return message && text(message).includes('not sent by Alertmanager') ? message : null;
    },
    { what: 'api posted with its left-out count', timeoutMs: 30_000 },
  );
  const shown = text(top);
  assert.match(shown, /2 of 2 alerts \(\+3 not sent by Alertmanager\)/, 'the count says the group is larger');
  assert.match(shown, /`pod=api-\d` — api-\d not ready for 5m/, 'each alert with the label that tells it apart and its own summary');
  assert.match(shown, /and 3 more \(3 not sent by Alertmanager \(max_alerts\)\)/);

  // Each distinct promql_query of the listed alerts is enriched (after the post, in parallel).
  const delivered = JSON.parse(runCli(['incidents', 'show', String(api.id), '--json'], { env }).stdout) as {
    alertList: { entries: { labels: Record<string, string>; query: string | null }[]; truncated: number; more: number };
  };
  assert.equal(delivered.alertList.truncated, 3);
  const queries = new Set(delivered.alertList.entries.map((e) => e.query).filter(Boolean));
  await waitFor(() => [...queries].every((q) => text(emu.incidentMessages(api.id)[0]).includes(`Current value* of \`${q}\``)), {
    what: `enrichment of ${[...queries].join(', ')}`,
    timeoutMs: 30_000,
  });

  // The CLI shows the same list.
  const show = runCli(['incidents', 'show', String(api.id)], { env });
  assert.equal(show.code, 0, show.stderr);
  assert.match(show.stdout, /Alerts \(2 firing of 2; 3 more not sent by Alertmanager \(max_alerts\)\):/);
  for (const e of delivered.alertList.entries)
    assert.match(show.stdout, new RegExp(`pod=${e.labels.pod} since .* — ${e.labels.pod} not ready for 5m`));

  // The TUI's incident view, reading the database as `chatops incidents` does, lists the same.
  const store = new SqliteStore({ path: env.CHATOPS_DB, mustExist: true });
  t.after(() => store.close());
  const source = storeSource(store);
  const view = detailLines({
    incident: source.incident(api.id)!,
    alerts: source.alerts(api.id, 200),
    timeline: [],
    pending: [],
    selectedRequest: 0,
    now: Date.now(),
    width: 200,
  })
    .map((l) => l.text)
    .join('\n');
  assert.match(view, /Alerts \(2 firing of 2 \+ 3 not sent by Alertmanager\)/);
  for (const e of delivered.alertList.entries)
    assert.match(view, new RegExp(`pod=${e.labels.pod} since .* — ${e.labels.pod} not ready for 5m`));
  assert.match(view, /… 3 more not sent by Alertmanager \(max_alerts\)/);

  // The Alertmanager link selects exactly this group's alerts (all five), not the web group's.
  const link = /<(http[^|>]+)\|Alertmanager>/.exec(text(emu.incidentMessages(api.id)[0]))![1]!;
  const filter = decodeURIComponent(new URL(link.replace('/#/alerts', '/alerts')).searchParams.get('filter')!);
  const matchers = filter.slice(1, -1).split(/,(?=[a-z_]+=)/);
  assert.ok(matchers.includes('service="api"'), `the filter names every grouping label: ${filter}`);
  const q = new URLSearchParams(matchers.map((m): [string, string] => ['filter', m]));
  const selected = (await (await fetch(`${am.url}/api/v2/alerts?${q}`)).json()) as { labels: Record<string, string> }[];
  assert.deepEqual(selected.map((a) => a.labels.pod).sort(), ['api-0', 'api-1', 'api-2', 'api-3', 'api-4']);
});
