/**
 * Many clusters, one daemon, end to end: two Kubernetes API fakes with different RBAC, two real
 * Prometheus servers (each adding its cluster as an external label to the alerts its rules fire)
 * and two real Alertmanagers delivering to the spawned built daemon, Slack on the emulator.
 * Alerts from each cluster open incidents labelled with their cluster; enrichment and the graphs
 * ask the cluster's own Prometheus and the workload state its own API; a restart of prod/web in one cluster never reaches the other's API;
 * a silence lands in the Alertmanager of the incident's cluster; a namespace allowed in one cluster
 * is refused in the other; an incident no cluster claims can be acknowledged and nothing else;
 * one cluster's API hanging and Alertmanager down never hold up the other cluster.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type Sqlite from 'better-sqlite3';
import { Database } from '../../src/adapters/store/sqlite-driver.js';
import { waitFor, type SpawnedDaemon } from '../support/daemon.js';
import { runCliAsync } from '../support/cli-async.js';
import { KubeFake, remediatorRules } from '../support/kube-fake.js';
import { freePort, postAlerts, startAlertmanager, startPrometheus, waitForScrapes, type Service } from '../support/promstack.js';
import { SlackEmulator, type StoredMessage } from '../support/slack-emulator.js';
import { ready, spawnSlackDaemon, stopDaemon } from '../support/slack-daemon.js';
import { tempDir } from '../support/tmp.js';

interface Listed {
  id: number;
  cluster: string | null;
  alertname: string;
  namespace: string;
  status: string;
  acknowledgedBy: string | null;
}

/**
 * A rule that fires at once for deployment web in `namespace`, asking (promql_query) for the
 * Prometheus's own `up` by instance: every answer (enrichment, graph) names the Prometheus that gave it.
 */
function rules(dir: string, namespace: string): string {
  const file = path.join(dir, 'rules.yml');
  fs.writeFileSync(
    file,
    `groups:
  - name: e2e
    rules:
      - alert: WebDown
        expr: vector(1)
        labels: { namespace: ${namespace}, deployment: web, severity: critical }
        annotations: { summary: "web is down", promql_query: 'sum by (instance) (up)' }
`,
  );
  return file;
}

const fieldsOf = (m: StoredMessage): string[] =>
  m.blocks.flatMap((b) => ((b.fields as { text: string }[] | undefined) ?? []).map((f) => f.text));
const elementsOf = (m: StoredMessage): string[] =>
  m.blocks.flatMap((b) => ((b.elements as { action_id?: string }[] | undefined) ?? []).map((e) => e.action_id ?? ''));

describe('two clusters, one daemon', () => {
  const scratch = { after: (fn: () => unknown) => cleanups.push(fn) };
  const cleanups: (() => unknown)[] = [];
  let dir: string;
  let env: Record<string, string>;
  let alpha: { kube: KubeFake; am: Service; prom: Service };
  let beta: { kube: KubeFake; am: Service; prom: Service };
  let emu: SlackEmulator;
  let daemon: SpawnedDaemon;
  let db: Sqlite.Database;
  const cli = (...args: string[]) => runCliAsync(args, { env, cwd: dir });
  const list = async (...args: string[]): Promise<Listed[]> => {
    const r = await cli('incidents', 'list', '--json', ...args);
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout) as Listed[];
  };
  const incidentOf = async (cluster: string | null, alertname = 'WebDown'): Promise<Listed> =>
    waitFor(async () => (await list()).find((i) => i.cluster === cluster && i.alertname === alertname), {
      what: `the ${alertname} incident of cluster ${cluster}`,
      timeoutMs: 60_000,
    });
  const metric = async (series: string): Promise<number> => {
    const text = await (await fetch(`${daemon.url}/metrics`)).text();
    const line = text.split('\n').find((l) => l.startsWith(`${series} `));
    return line ? Number(line.split(' ')[1]) : NaN;
  };

  before(async () => {
    dir = tempDir(scratch);
    const amPorts = { alpha: await freePort(), beta: await freePort() };
    const kube = async (name: string, namespaces: string[]) => {
      const fake = await KubeFake.start();
      cleanups.push(() => fake.close());
      // Different RBAC: alpha's service account may act in prod and staging, beta's only in staging.
      fake.allow(remediatorRules(namespaces));
      for (const namespace of ['prod', 'staging']) fake.addDeployment({ namespace, name: 'web', replicas: 2 });
      fs.mkdirSync(path.join(dir, name), { recursive: true });
      return { fake, kubeconfig: fake.writeKubeconfig(path.join(dir, name)) };
    };
    const ka = await kube('alpha', ['prod', 'staging']);
    const kb = await kube('beta', ['staging']);
    const prom = async (name: string, namespace: string) => {
      const p = await startPrometheus(path.join(dir, name), {
        alertmanagerPort: amPorts[name as 'alpha' | 'beta'],
        rulesFile: rules(path.join(dir, name), namespace),
        externalLabels: { cluster: name },
      });
      cleanups.push(() => p.stop());
      return p;
    };
    const promA = await prom('alpha', 'prod');
    const promB = await prom('beta', 'staging');
    // Samples to graph before any alert reaches chatops (the Alertmanagers start after the daemon).
    await Promise.all([waitForScrapes(promA, 2), waitForScrapes(promB, 2)]);
    emu = await SlackEmulator.start({ channels: ['C0OPS', 'C0BETA'] });
    cleanups.push(() => emu.stop());
    const config = `alertmanager:
  timeout: 1s
  reconcile: { interval: 1s, warmup: 0s }
kubernetes: { poll_interval: 10ms, rollout_timeout: 1m }
graphs: { lookback: 1m, min_step: 1s, points: 60 }
policy:
  max_risk: mutate
  namespaces: [prod, staging]
  requesters: { low: ['*'], mutate: ['*'] }
clusters:
  - name: alpha
    kubernetes: { kubeconfig: ${ka.kubeconfig}, request_timeout: 10m }
    alertmanager: { url: http://127.0.0.1:${amPorts.alpha} }
    prometheus: { url: ${promA.url} }
  - name: beta
    kubernetes: { kubeconfig: ${kb.kubeconfig} }
    alertmanager: { url: http://127.0.0.1:${amPorts.beta} }
    prometheus: { url: ${promB.url} }
    policy: { namespaces: [staging, qa] }
`;
    daemon = await spawnSlackDaemon({ dir, emulator: emu, config: `${config}`, slack: { routes: '[{ cluster: beta, channel: C0BETA }]' } });
    cleanups.push(() => stopDaemon(daemon));
    env = {
      CHATOPS_DB: path.join(dir, 'chatops.db'),
      CHATOPS_CONFIG: path.join(dir, 'chatops.yaml'),
      CHATOPS_LISTEN: `127.0.0.1:${await freePort()}`,
    };
    const am = async (name: 'alpha' | 'beta') => {
      const a = await startAlertmanager(path.join(dir, name), { webhookUrl: `${daemon.url}/api/alertmanager`, port: amPorts[name] });
      cleanups.push(() => a.stop());
      return a;
    };
    alpha = { kube: ka.fake, am: await am('alpha'), prom: promA };
    beta = { kube: kb.fake, am: await am('beta'), prom: promB };
    await waitFor(async () => (await ready(daemon.url)).status === 200, { what: 'daemon ready', timeoutMs: 30_000 });
    db = new Database(path.join(dir, 'chatops.db'), { readonly: true });
    cleanups.push(() => db.close());
  });

  after(async () => {
    for (const fn of cleanups.reverse()) await fn();
  });

  it('config check: one block per cluster, each probing its own API (SSAR per namespace of its policy), Alertmanager and Prometheus', async () => {
    const r = await cli('config', 'check');
    assert.equal(r.code, 1, `beta's RBAC lacks qa:\n${r.stdout}${r.stderr}`);
    const text = r.stdout;
    assert.match(text, /^✓ cluster alpha \(alerts labelled cluster="alpha"\)$/m);
    assert.match(text, new RegExp(`^  ✓ prometheus: ${beta.prom.url} \\(Prometheus `, 'm'));
    assert.match(text, new RegExp(`^  ✓ alertmanager: http://127.0.0.1:${beta.am.port} \\(Alertmanager `, 'm'));
    assert.match(text, /^✗ cluster beta \(alerts labelled cluster="beta"\)$/m);
    const betaBlock = text.slice(text.indexOf('cluster beta'));
    assert.match(betaBlock, /^ {2}✓ kubernetes staging: may run /m);
    assert.match(betaBlock, /^ {2}✗ kubernetes qa: .* may not .* in qa of cluster beta: add the rules/m);
    assert.doesNotMatch(betaBlock, /kubernetes prod/, "prod is not in beta's policy");
    const alphaBlock = text.slice(text.indexOf('cluster alpha'), text.indexOf('cluster beta'));
    assert.match(alphaBlock, /^ {2}✓ kubernetes prod: may run /m);
    const json = JSON.parse((await cli('config', 'check', '--json')).stdout) as {
      checks: { name: string; ok: boolean; cluster?: string }[];
    };
    assert.deepEqual(
      json.checks.filter((c) => c.cluster === 'beta' && !c.ok).map((c) => c.name),
      ['kubernetes qa'],
    );
  });

  it("alerts from each cluster open incidents labelled with their cluster, shown by every face; enrichment and graphs ask that cluster's Prometheus, the workload state its API", async () => {
    const a = await incidentOf('alpha');
    const b = await incidentOf('beta');
    assert.equal(a.namespace, 'prod');
    assert.equal(b.namespace, 'staging');
    assert.deepEqual(
      (await list('--cluster', 'beta')).map((i) => i.id),
      [b.id],
    );
    const table = (await cli('incidents', 'list')).stdout;
    assert.match(table, /^ID\s+CLUSTER\s+STATUS/m);
    assert.match(table, new RegExp(`^${a.id}\\s+alpha\\s+`, 'm'));
    assert.match((await cli('incidents', 'show', String(b.id))).stdout, /^ {2}cluster beta$/m);

    // Slack: the cluster in the header and a field; beta's incidents routed to beta's channel.
    const topA = await waitFor(() => emu.incidentMessages(a.id)[0], { what: "alpha's message", timeoutMs: 30_000 });
    const topB = await waitFor(() => emu.incidentMessages(b.id)[0], { what: "beta's message", timeoutMs: 30_000 });
    assert.equal(topA.channel, 'C0OPS');
    assert.equal(topB.channel, 'C0BETA');
    assert.ok(fieldsOf(topA).includes('*Cluster*\nalpha'), JSON.stringify(topA.blocks));
    assert.match(JSON.stringify(topB.blocks[0]), /WebDown · beta/);
    // Each incident's promql_query went to its own cluster's Prometheus (the answer names the instance).
    const enrichment = (id: number) =>
      (db.prepare('SELECT enrichment FROM slack_messages WHERE incident_id = ?').get(id) as { enrichment: string | null } | undefined)
        ?.enrichment ?? null;
    const [ea, eb] = await waitFor(
      () => {
        const pair = [enrichment(a.id), enrichment(b.id)] as const;
        return pair[0] && pair[1] ? ([pair[0], pair[1]] as const) : null;
      },
      { what: 'both enrichments', timeoutMs: 30_000 },
    );
    assert.ok(ea.includes(`127.0.0.1:${alpha.prom.port}`) && !ea.includes(`127.0.0.1:${beta.prom.port}`), ea);
    assert.ok(eb.includes(`127.0.0.1:${beta.prom.port}`) && !eb.includes(`127.0.0.1:${alpha.prom.port}`), eb);
    // The graph in each thread was drawn from its cluster's Prometheus (the alt text names the series).
    const graphOf = (ts: string) =>
      waitFor(() => emu.threadFiles(ts)[0], { what: 'the graph in the thread', timeoutMs: 60_000 }).catch((e: Error) =>
        assert.fail(
          `${e.message}; the thread says:\n${emu
            .replies(ts)
            .map((m) => m.text)
            .join('\n')}`,
        ),
      );
    const [ga, gb] = [(await graphOf(topA.ts)).altText, (await graphOf(topB.ts)).altText];
    assert.ok(ga.includes(`instance="127.0.0.1:${alpha.prom.port}"`) && !ga.includes(`127.0.0.1:${beta.prom.port}`), ga);
    assert.ok(gb.includes(`instance="127.0.0.1:${beta.prom.port}"`) && !gb.includes(`127.0.0.1:${alpha.prom.port}`), gb);
    // So is the terminal's graph under incidents show.
    const shown = (await cli('incidents', 'show', String(a.id))).stdout;
    assert.ok(shown.includes(`instance="127.0.0.1:${alpha.prom.port}"`) && !shown.includes(`127.0.0.1:${beta.prom.port}`), shown);
    // The workload state was read from each cluster's own API, in its own namespace.
    const workload = () =>
      db.prepare("SELECT target, result FROM audit WHERE action = 'enrichment.workload' ORDER BY target").all() as {
        target: string;
        result: string;
      }[];
    assert.deepEqual(
      await waitFor(() => (workload().length === 2 ? workload() : null), { what: 'both workload reads', timeoutMs: 60_000 }),
      [
        { target: 'alpha/prod/web', result: 'ok' },
        { target: 'beta/staging/web', result: 'ok' },
      ],
    );
    const reads = (kube: KubeFake) => [
      ...new Set(
        kube.requests.flatMap((r) => (r.method === 'GET' ? (/\/namespaces\/([^/]+)\/(?:pods|events)$/.exec(r.pathname)?.[1] ?? []) : [])),
      ),
    ];
    assert.deepEqual(reads(alpha.kube), ['prod']);
    assert.deepEqual(reads(beta.kube), ['staging']);
  });

  it("a restart of prod/web from alpha's incident runs in alpha only: beta's API is never asked", async () => {
    const a = await incidentOf('alpha');
    const top = await waitFor(() => emu.incidentMessages(a.id)[0], { what: "alpha's message" });
    const beforeB = beta.kube.requests.length;
    await emu.click({ ts: top.ts, actionId: 'chatops:remediate:rollout-restart', user: 'U0ALICE' });
    await waitFor(() => emu.replies(top.ts).some((m) => /Done: \*rollout-restart\* on `alpha\/prod\/web`/.test(m.text)), {
      what: 'the result in the thread',
      timeoutMs: 60_000,
    });
    assert.deepEqual(
      alpha.kube.writes().map((w) => `${w.method} ${w.pathname}`),
      ['PATCH /apis/apps/v1/namespaces/prod/deployments/web'],
    );
    assert.equal(beta.kube.requests.length, beforeB, "nothing reached beta's API");
    assert.deepEqual(beta.kube.writes(), []);
    const audit = JSON.parse((await cli('audit', '--json')).stdout) as { action: string; target: string | null }[];
    assert.ok(
      audit.some((r) => r.action === 'action.result' && r.target === 'alpha/prod/web'),
      'the audit rows name the cluster',
    );
    assert.match((await cli('approvals', '--all')).stdout, /rollout-restart alpha\/prod\/web .*by U0ALICE/);
  });

  it("a namespace allowed in alpha is refused in beta (policy first: beta's API is not asked); the refusal names the cluster", async () => {
    const beforeB = beta.kube.requests.length;
    const refused = await cli('remediate', 'rollout-restart', 'beta/prod/web');
    assert.equal(refused.code, 4, refused.stdout + refused.stderr);
    assert.match(refused.stderr, /namespace prod in cluster beta is not in cluster beta's policy\.namespaces \(staging, qa\)/);
    assert.equal(beta.kube.requests.length, beforeB);
    const which = await cli('remediate', 'pods', 'prod/web');
    assert.equal(which.code, 2);
    assert.match(which.stderr, /Which cluster is prod\/web in\? .*alpha, beta/);
    const pods = await cli('remediate', 'pods', 'prod/web', '--cluster', 'alpha');
    assert.equal(pods.code, 0, pods.stderr);
    assert.match(pods.stdout, /deployment alpha\/prod\/web: 2\/2 ready/);
  });

  it("a silence of beta's incident lands in beta's Alertmanager, not alpha's", async () => {
    const b = await incidentOf('beta');
    const r = await cli('silence', String(b.id), '--duration', '1h', '--json');
    assert.equal(r.code, 0, r.stderr);
    const { silenceId, matchers } = JSON.parse(r.stdout) as { silenceId: string; matchers: { name: string; value: string }[] };
    assert.ok(matchers.some((m) => m.name === 'cluster' && m.value === 'beta'));
    const silences = async (am: Service) =>
      (await (await fetch(`${am.url}/api/v2/silences`)).json()) as { id: string; status: { state: string } }[];
    assert.deepEqual(
      (await silences(beta.am)).map((s) => [s.id, s.status.state]),
      [[silenceId, 'active']],
    );
    assert.deepEqual(await silences(alpha.am), []);
  });

  it('an incident no cluster claims: acknowledged, but no silence or Kubernetes action, and the reason names the missing label', async () => {
    // Sent to alpha's Alertmanager by something that is not alpha's Prometheus: no cluster label.
    await postAlerts(alpha.am, [{ labels: { alertname: 'Orphan', namespace: 'prod', deployment: 'web', severity: 'warning' } }]);
    const o = await incidentOf(null, 'Orphan');
    const top = await waitFor(() => emu.incidentMessages(o.id)[0], { what: "the orphan's message", timeoutMs: 30_000 });
    assert.ok(fieldsOf(top).includes('*Cluster*\nunknown'));
    assert.match(JSON.stringify(top.blocks), /no `cluster` label/);
    assert.deepEqual(
      elementsOf(top).filter((id) => id.startsWith('chatops:')),
      ['chatops:ack'],
      'no Silence, no remediation button',
    );
    const silence = await cli('silence', String(o.id));
    assert.equal(silence.code, 4);
    assert.match(
      silence.stderr,
      new RegExp(`incident #${o.id} belongs to no configured cluster \\(alpha, beta\\): its alerts have no \`cluster\` label`),
    );
    const restart = await cli('remediate', 'rollout-restart', 'prod/web', '--incident', String(o.id));
    assert.equal(restart.code, 4);
    assert.match(restart.stderr, /no `cluster` label/);
    const ack = await cli('ack', String(o.id));
    assert.equal(ack.code, 0, ack.stderr);
    assert.equal((await incidentOf(null, 'Orphan')).acknowledgedBy, 'cli:root');
    assert.match(
      (await cli('incidents', 'show', String(o.id))).stdout,
      /^ {2}cluster unknown: incident #\d+ belongs to no configured cluster/m,
    );
  });

  it("alpha's API hanging and its Alertmanager down hold up nothing in beta", async () => {
    const a = await incidentOf('alpha');
    const b = await incidentOf('beta');
    const topA = await waitFor(() => emu.incidentMessages(a.id)[0], { what: "alpha's message" });
    const topB = await waitFor(() => emu.incidentMessages(b.id)[0], { what: "beta's message" });
    alpha.kube.hang = true;
    const hungFrom = alpha.kube.requests.length;
    await emu.click({ ts: topA.ts, actionId: 'chatops:remediate:rollout-restart', user: 'U0ALICE' });
    await waitFor(() => alpha.kube.requests.length > hungFrom, { what: "alpha's API asked (and hanging)", timeoutMs: 30_000 });
    // While alpha's request hangs (its timeout, ten minutes, outlasts the test: only close() ends it), beta's restart runs to the end.
    await emu.click({ ts: topB.ts, actionId: 'chatops:remediate:rollout-restart', user: 'U0BOB' });
    await waitFor(() => emu.replies(topB.ts).some((m) => /Done: \*rollout-restart\* on `beta\/staging\/web`/.test(m.text)), {
      what: "beta's result",
      timeoutMs: 60_000,
    });
    assert.ok(
      alpha.kube.requests.slice(hungFrom).every((r) => r.status === 0),
      "alpha's requests are still unanswered",
    );
    const alphaLast = db.prepare("SELECT count(*) AS n FROM action_requests WHERE cluster = 'alpha'").get() as { n: number };
    assert.equal(alphaLast.n, 1, "alpha's second restart is still in its preflight (nothing stored yet)");
    assert.deepEqual(
      beta.kube.writes().map((w) => `${w.method} ${w.pathname}`),
      ['PATCH /apis/apps/v1/namespaces/staging/deployments/web'],
    );

    // Alertmanager alpha down: alpha's reconciliation says unavailable, beta's keeps judging.
    await alpha.am.stop();
    const okBeta = 'chatops_reconcile_runs_total{outcome="ok",cluster="beta"}';
    const downAlpha = 'chatops_reconcile_runs_total{outcome="unavailable",cluster="alpha"}';
    const from = { ok: await metric(okBeta), down: await metric(downAlpha) };
    await waitFor(async () => (await metric(downAlpha)) >= from.down + 2 && (await metric(okBeta)) >= from.ok + 2, {
      what: 'passes of both clusters',
      timeoutMs: 60_000,
    });
    assert.equal(await metric(`chatops_alertmanager_up{alertmanager="http://127.0.0.1:${alpha.am.port}",cluster="alpha"}`), 0);
    assert.equal(await metric(`chatops_alertmanager_up{alertmanager="http://127.0.0.1:${beta.am.port}",cluster="beta"}`), 1);
    assert.ok((await metric('chatops_incidents_open{cluster="beta"}')) >= 1);
    assert.match(JSON.stringify((await ready(daemon.url)).body), /reconciliation of cluster alpha: no Alertmanager has answered/);
    // Alpha's API answers no more; its hung restart fails (the connection ends) instead of hanging the daemon's stop.
    await alpha.kube.close();
  });
});
