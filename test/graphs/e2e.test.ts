/**
 * Issue 16 end to end: the spawned daemon, real Prometheus scraping itself (with Sloth-style
 * SLO rules loaded), the kube fake and the Slack emulator. The incident's message goes out
 * first; then a PNG of its promql_query appears in the thread, the workload's state is replied
 * once (and audited as enrichment), the top message shows the SLO at stake; on resolve a
 * recovery graph follows.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { Database } from '../../src/adapters/store/sqlite-driver.js';
import { PNG } from 'pngjs';
import { waitFor } from '../support/daemon.js';
import { webhookBody } from '../support/builders.js';
import { kubernetesSection, startKubeFake } from '../support/kube-fake.js';
import { startPrometheus } from '../support/promstack.js';
import { postWebhook, slackStack } from '../support/slack-daemon.js';
import { tempDir } from '../support/tmp.js';
import { slothRules } from './sloth-rules.js';

const QUERY = 'sum by (handler) (prometheus_http_requests_total) > 1';

test('graph, workload state and SLO in the thread after the post; a recovery graph on resolve', async (t) => {
  const dir = tempDir(t);
  const rules = path.join(dir, 'sloth.yml');
  fs.writeFileSync(rules, slothRules({ service: 'prometheus', slo: 'requests', objective: 0.999 }));
  const prom = await startPrometheus(dir, { rulesFile: rules });
  t.after(() => prom.stop());
  // Some requests, a few refused (400): the SLO burns a little.
  for (let i = 0; i < 5; i++) await fetch(`${prom.url}/api/v1/query?query=up`);
  for (let i = 0; i < 2; i++) await fetch(`${prom.url}/api/v1/query?query=(`);
  await waitFor(
    async () => {
      const r = (await (
        await fetch(`${prom.url}/api/v1/query?query=${encodeURIComponent('slo:period_error_budget_remaining:ratio')}`)
      ).json()) as { data: { result: unknown[] } };
      return r.data.result.length > 0;
    },
    { what: 'Sloth rules evaluated', timeoutMs: 30_000 },
  );

  const fake = await startKubeFake(t, ['prod'], [{ namespace: 'prod', name: 'web', replicas: 3 }]);
  const crashing = fake.pods.find((p) => p.metadata.name.endsWith('-2'))!;
  crashing.status.containerStatuses = [
    {
      name: 'web',
      ready: false,
      restartCount: 14,
      image: 'nginx:1.25',
      state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 5m0s restarting failed container' } },
      lastState: {
        terminated: { reason: 'OOMKilled', exitCode: 137, startedAt: '2026-11-26T09:59:00Z', finishedAt: '2026-11-26T10:00:30Z' },
      },
    },
  ];
  const config = `${kubernetesSection(fake.writeKubeconfig(dir))}policy:\n  max_risk: read\n  namespaces: [prod]\ngraphs:\n  lookback: 2m\n  min_step: 1s\n  points: 120\n`;
  const { emu, daemon } = await slackStack(t, { dir, config, env: { PROMETHEUS_URL: prom.url } });

  await postWebhook(
    daemon.url,
    webhookBody(
      [
        {
          fingerprint: 'a000000000000001',
          startsAt: Date.now() - 30_000,
          labels: { alertname: 'PrometheusBusy', namespace: 'prod', deployment: 'web', service: 'prometheus', severity: 'warning' },
          annotations: { summary: 'Prometheus is answering many requests', promql_query: QUERY },
        },
      ],
      { groupKey: 'busy' },
    ),
  );

  const top = await waitFor(() => emu.incidentMessages(1)[0], { what: 'incident posted', timeoutMs: 20_000 });
  const file = await waitFor(() => emu.threadFiles(top.ts)[0], { what: 'graph in the thread', timeoutMs: 60_000 });
  // The message went out before anything was uploaded.
  const firstPost = emu.calls.findIndex((c) => c.method === 'chat.postMessage');
  const firstUpload = emu.calls.findIndex((c) => c.method === 'files.getUploadURLExternal');
  assert.ok(firstPost >= 0 && firstPost < firstUpload, 'the incident message is posted before the graph is uploaded');
  const img = PNG.sync.read(file.data);
  assert.deepEqual([img.width, img.height, file.mimetype], [1440, 720, 'image/png']);
  assert.equal(file.title, 'sum by (handler) (prometheus_http_requests_total)', 'the threshold comparison is drawn as a line, not applied');
  assert.match(file.altText, /^Graph of sum by \(handler\).* UTC, \d+ series, threshold > 1\. Latest: handler="\//);
  const caption = emu.replies(top.ts).find((m) => m.files)!.text;
  assert.match(caption, /^📈 `sum by \(handler\) \(prometheus_http_requests_total\)` · \d\d:\d\d–\d\d:\d\d UTC/);

  // The workload's state, once, from the pods and events reads.
  const workload = await waitFor(() => emu.replies(top.ts).find((m) => m.text.startsWith('Workload prod/web')), {
    what: 'workload reply',
    timeoutMs: 30_000,
  });
  const body = JSON.stringify(workload.blocks);
  assert.match(body, /prod\/web: \d\/3 ready/);
  assert.match(body, /Pods not ready \(1 of 3\)/);
  assert.match(body, /web-[a-z0-9]+-2  CrashLoopBackOff  restarts 14, last exit OOMKilled \(137\)/);
  assert.match(body, /BackOff Pod\/web-[a-z0-9]+-0: Back-off restarting failed container \(×3\)/);

  // The SLO at stake, on the top message.
  await waitFor(() => JSON.stringify(emu.messages.find((m) => m.ts === top.ts)!.blocks).includes('SLO prometheus/requests'), {
    what: 'SLO line on the message',
    timeoutMs: 30_000,
  });
  const slo = JSON.stringify(emu.messages.find((m) => m.ts === top.ts)!.blocks);
  assert.match(
    slo,
    /🎯 SLO prometheus\/requests \(objective 99\.9 %\): (error budget overspent by [\d.]+ %|[\d.]+ % of the error budget left), burning [\d.]+×/,
  );

  // Resolve: the thread says so, then one more graph with the recovery.
  await postWebhook(
    daemon.url,
    webhookBody(
      [
        {
          fingerprint: 'a000000000000001',
          status: 'resolved',
          startsAt: Date.now() - 30_000,
          endsAt: Date.now(),
          labels: { alertname: 'PrometheusBusy', namespace: 'prod', deployment: 'web', service: 'prometheus', severity: 'warning' },
          annotations: { summary: 'Prometheus is answering many requests', promql_query: QUERY },
        },
      ],
      { groupKey: 'busy' },
    ),
  );
  await waitFor(() => emu.threadFiles(top.ts).length === 2, { what: 'recovery graph', timeoutMs: 60_000 });
  const recovery = emu
    .replies(top.ts)
    .filter((m) => m.files)
    .at(-1)!;
  assert.match(recovery.text, /^📉 Recovery: /);
  assert.match(emu.threadFiles(top.ts)[1]!.filename, /^incident-1-recovery-1\.png$/);

  // Once each: no second workload reply, no third graph; the reads are audited as enrichment.
  await new Promise((r) => setTimeout(r, 1000));
  assert.equal(emu.replies(top.ts).filter((m) => m.text.startsWith('Workload')).length, 1);
  assert.equal(emu.threadFiles(top.ts).length, 2);
  const db = new Database(path.join(dir, 'chatops.db'), { readonly: true });
  t.after(() => db.close());
  const audit = db.prepare("SELECT actor, source, result, target, detail FROM audit WHERE action = 'enrichment.workload'").all() as {
    actor: string;
    source: string;
    result: string;
    target: string;
    detail: string;
  }[];
  assert.deepEqual(
    audit.map((a) => [a.actor, a.source, a.result, a.target]),
    [['daemon', 'daemon', 'ok', 'prod/web']],
  );
  assert.deepEqual(JSON.parse(audit[0]!.detail).actions, ['pods', 'events']);
});
