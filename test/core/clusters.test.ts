/** Cluster resolution, keys, per-cluster policy and the clusters: configuration (pure parts). */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { clusterConfigs, clusterSet } from '../../src/config/clusters.js';
import { loadConfig } from '../../src/config/load.js';
import { parseConfig } from '../../src/config/schema.js';
import { CATALOGUE, parseDeploymentTarget, targetText } from '../../src/core/actions.js';
import { compileClusters, defaultMatch, SINGLE_CLUSTER, unknownClusterReason, type ClusterSet } from '../../src/core/clusters.js';
import { isChatopsError } from '../../src/core/errors.js';
import { groupByIncidentKey, groupFacts, planIncident } from '../../src/core/incidents.js';
import { availableActions, evaluateApproval, evaluateRequest, policyFromConfig } from '../../src/core/policy.js';
import { targetInCluster } from '../../src/core/remediation.js';
import { alert, delivery } from '../support/builders.js';
import { tempDir } from '../support/tmp.js';

const byLabel: ClusterSet = {
  multi: true,
  clusters: [
    { name: 'eu-1', match: defaultMatch('eu-1') },
    { name: 'us-1', match: defaultMatch('us-1') },
  ],
};
const mixed: ClusterSet = {
  multi: true,
  clusters: [
    { name: 'eu-1', match: { labels: { k8s: 'prod-eu' }, externalURLs: [] } },
    { name: 'us-1', match: { labels: {}, externalURLs: ['http://am-us:9093'] } },
    { name: 'us-2', match: { labels: { env: 'staging' }, externalURLs: ['http://am-us:9093'] } },
  ],
};

describe('cluster resolution', () => {
  it("one cluster (no clusters:): no resolver, every incident is default's", () => {
    assert.equal(compileClusters(SINGLE_CLUSTER), null);
  });

  it('by the cluster label (one lookup), by a label matcher, by the Alertmanager externalURL; the first match wins', () => {
    const label = compileClusters(byLabel)!;
    assert.equal(label({ cluster: 'us-1', alertname: 'X' }, 'http://whatever'), 'us-1');
    assert.equal(label({ cluster: 'ap-1' }, ''), null);
    assert.equal(label({ alertname: 'X' }, ''), null);
    const m = compileClusters(mixed)!;
    assert.equal(m({ k8s: 'prod-eu' }, 'http://am-us:9093'), 'eu-1', 'configuration order decides');
    assert.equal(m({ env: 'staging' }, 'http://am-us:9093/'), 'us-1', 'a trailing slash is the same URL');
    assert.equal(m({}, 'http://am-eu:9093'), null);
  });

  it('the reason names the missing label, the unexpected value, or the Alertmanager', () => {
    assert.match(
      unknownClusterReason(byLabel, { id: 7, labels: { alertname: 'X' }, externalURL: 'http://am:9093' }),
      /^incident #7 belongs to no configured cluster \(eu-1, us-1\): its alerts have no `cluster` label; .*external_labels: \{cluster: <name>\}/,
    );
    assert.match(
      unknownClusterReason(byLabel, { labels: { cluster: 'ap-1' }, externalURL: '' }),
      /its `cluster` label is "ap-1", which no cluster expects \("eu-1", "us-1"\)/,
    );
    assert.match(
      unknownClusterReason(mixed, { labels: {}, externalURL: 'http://am-eu:9093' }),
      /no `k8s` label.*Alertmanager at http:\/\/am-eu:9093, which no cluster lists under match\.external_url/,
    );
  });

  it('one Alertmanager group with alerts of two clusters makes two incidents, each with its cluster; an unclaimed one keeps the plain key', () => {
    const clusterOf = compileClusters(byLabel)!;
    const d = delivery([
      alert({ labels: { cluster: 'eu-1' } }),
      alert({ labels: { cluster: 'us-1' } }),
      alert({ labels: { cluster: 'eu-1', pod: 'b' } }),
      alert({ labels: {} }),
    ]);
    const groups = groupByIncidentKey(d, [], clusterOf);
    assert.deepEqual([...groups.keys()], [`eu-1/${d.groupKey}`, `us-1/${d.groupKey}`, d.groupKey]);
    assert.equal(groups.get(`eu-1/${d.groupKey}`)!.length, 2);
    const clusters = [...groups].map(
      ([key, events]) =>
        planIncident(key, events, null, groupFacts(d, events, clusterOf), { keyLabels: [], reopenWindowMs: 0, clusterOf }, 0).incident
          .cluster,
    );
    assert.deepEqual(clusters, ['eu-1', 'us-1', null]);
    const labelled = groupByIncidentKey(d, ['alertname'], clusterOf);
    assert.ok([...labelled.keys()].includes('eu-1/alertname="HighErrorRate"'));
    // One cluster: keys and incidents as they always were.
    assert.deepEqual([...groupByIncidentKey(d, []).keys()], [d.groupKey]);
    assert.equal('cluster' in planIncident(d.groupKey, d.alerts, null, d, { keyLabels: [], reopenWindowMs: 0 }, 0).incident, false);
  });
});

describe('targets in clusters', () => {
  it('<cluster>/<namespace>/<deployment> and <namespace>/<deployment>; the default cluster is never written', () => {
    assert.deepEqual(parseDeploymentTarget('eu-1/prod/web'), { cluster: 'eu-1', namespace: 'prod', deployment: 'web' });
    assert.deepEqual(parseDeploymentTarget('prod/web'), { namespace: 'prod', deployment: 'web' });
    assert.throws(
      () => parseDeploymentTarget('EU/prod/web'),
      (e) => isChatopsError(e) && e.kind === 'usage',
    );
    assert.equal(targetText({ cluster: 'eu-1', namespace: 'prod', deployment: 'web' }), 'eu-1/prod/web');
    assert.equal(targetText({ cluster: 'default', namespace: 'prod', deployment: 'web' }), 'prod/web');
  });

  it('the incident decides the cluster; without one, the person names it unless there is only one', () => {
    const ctx = { clusters: byLabel };
    const web = { namespace: 'prod', deployment: 'web' };
    const incident = (cluster: string | null) => ({
      id: 3,
      key: 'k',
      status: 'firing' as const,
      alertname: 'X',
      severity: '',
      namespace: 'prod',
      target: 'web',
      labels: {},
      annotations: {},
      groupKey: '',
      externalURL: 'http://am',
      firing: 1,
      total: 1,
      openedAt: 0,
      updatedAt: 0,
      resolvedAt: null,
      acknowledgedBy: null,
      acknowledgedAt: null,
      cluster,
    });
    assert.deepEqual(targetInCluster(ctx, web, incident('us-1')), { target: { ...web, cluster: 'us-1' } });
    assert.match(
      (targetInCluster(ctx, web, incident(null)) as { refused: string }).refused,
      /^incident #3 belongs to no configured cluster .*no `cluster` label/,
    );
    assert.throws(() => targetInCluster(ctx, { ...web, cluster: 'eu-1' }, incident('us-1')), /Incident 3 is in cluster us-1, not eu-1/);
    assert.throws(() => targetInCluster(ctx, web, null), /Which cluster is prod\/web in\? Write <cluster>\/prod\/web .*eu-1, us-1/);
    assert.throws(() => targetInCluster(ctx, { ...web, cluster: 'ap-1' }, null), /There is no cluster ap-1: the clusters are eu-1, us-1\./);
    assert.deepEqual(targetInCluster({ clusters: { multi: true, clusters: [byLabel.clusters[0]!] } }, web, null), {
      target: { ...web, cluster: 'eu-1' },
    });
    assert.deepEqual(targetInCluster({}, web, null), { target: web }, 'one cluster: the target as it always was');
  });
});

describe('policy per cluster', () => {
  const config = parseConfigOk({
    policy: {
      max_risk: 'mutate',
      namespaces: ['prod'],
      production: ['prod'],
      requesters: { mutate: ['U0ANY'] },
      approvers: { mutate: ['U0LEAD'] },
    },
    clusters: [{ name: 'eu-1' }, { name: 'us-1', policy: { namespaces: ['staging'], production: [], requesters: { mutate: ['U0US'] } } }],
  });
  const policy = policyFromConfig(config.policy, config.clusters);
  const restart = CATALOGUE['rollout-restart'];
  const facts = (cluster: string, namespace: string, requester: string) => ({
    action: restart,
    target: { cluster, namespace, deployment: 'web' },
    params: {},
    requester: { id: requester, source: 'slack' as const },
    targetLabels: 'unknown' as const,
  });

  it('a namespace allowed in one cluster is refused in another, and the refusal names the cluster', () => {
    assert.equal(evaluateRequest(policy, facts('eu-1', 'prod', 'U0ANY')).kind, 'needs-approval');
    const refused = evaluateRequest(policy, facts('us-1', 'prod', 'U0US'));
    assert.equal(refused.kind, 'refused');
    assert.equal(
      refused.reason,
      "namespace prod in cluster us-1 is not in cluster us-1's policy.namespaces (staging): add it there to allow actions on it.",
    );
    assert.equal(evaluateRequest(policy, facts('us-1', 'staging', 'U0US')).kind, 'run', 'not a production namespace there');
  });

  it('requesters differ per cluster (per risk); the top level fills what a cluster leaves out', () => {
    const r = evaluateRequest(policy, facts('us-1', 'staging', 'U0ANY'));
    assert.equal(r.reason, "U0ANY may not request mutate actions in cluster us-1 (cluster us-1's policy.requesters.mutate: U0US).");
    const approval = evaluateApproval(policy, { ...facts('eu-1', 'prod', 'U0ANY'), approver: { id: 'U0OTHER', source: 'slack' } });
    assert.equal(approval.reason, 'U0OTHER may not approve mutate actions in cluster eu-1 (policy.approvers.mutate: U0LEAD).');
    assert.deepEqual(availableActions(policy, { cluster: 'us-1', namespace: 'prod', deployment: 'web' }), []);
    assert.deepEqual(
      availableActions(policy, { cluster: null, namespace: 'prod', deployment: 'web' }),
      [],
      'no cluster: nothing is offered',
    );
    assert.ok(
      availableActions(policy, { cluster: 'eu-1', namespace: 'prod', deployment: 'web' }).some((a) => a.action === 'rollout-restart'),
    );
  });
});

function parseConfigOk(raw: unknown) {
  const r = parseConfig(raw);
  if (!r.ok) throw new Error(r.problems.join('; '));
  return r.config;
}

describe('clusters: in the configuration', () => {
  it('each cluster with its own connections, the top level filling timeouts, links and concurrency', () => {
    const config = parseConfigOk({
      kubernetes: { request_timeout: '7s' },
      links: { logs: 'https://logs/{{namespace}}' },
      clusters: [
        {
          name: 'eu-1',
          kubernetes: { kubeconfig: '/k/eu', context: 'eu' },
          alertmanager: { url: 'http://am-0:9093,http://am-1:9093' },
          prometheus: { url: 'http://p-eu:9090' },
        },
        {
          name: 'us-1',
          match: { external_url: 'http://am-us:9093/' },
          kubernetes: { in_cluster: true, request_timeout: '2s', concurrency: 2 },
        },
      ],
    });
    const [eu, us] = clusterConfigs(config);
    assert.deepEqual(eu!.match, { labels: { cluster: 'eu-1' }, externalURLs: [] });
    assert.deepEqual(eu!.alertmanager.urls, ['http://am-0:9093', 'http://am-1:9093']);
    assert.equal(eu!.kubernetes!.requestTimeoutMs, 7000);
    assert.equal(eu!.links.logs, 'https://logs/{{namespace}}');
    assert.deepEqual(us!.match, { labels: {}, externalURLs: ['http://am-us:9093'] });
    assert.deepEqual([us!.kubernetes!.inCluster, us!.kubernetes!.requestTimeoutMs, us!.kubernetes!.concurrency], [true, 2000, 2]);
    assert.equal(clusterSet(config).multi, true);
    // Without clusters: one cluster, default, from the single-cluster keys.
    const single = parseConfigOk({ kubernetes: { enabled: true, kubeconfig: '/k' }, alertmanager: { url: 'http://am:9093' } });
    assert.deepEqual(
      clusterConfigs(single).map((c) => [c.name, c.kubernetes?.kubeconfig, c.alertmanager.urls]),
      [['default', '/k', ['http://am:9093']]],
    );
  });

  it('every problem at once: single-cluster keys beside clusters:, a reserved or repeated name, no kubeconfig', () => {
    const r = parseConfig({
      alertmanager: { url: 'http://am:9093' },
      prometheus: { url: 'http://p:9090' },
      kubernetes: { enabled: true },
      clusters: [
        { name: 'default' },
        { name: 'eu-1', kubernetes: {} },
        { name: 'eu-1', kubernetes: { kubeconfig: '/k', in_cluster: true }, policy: { deployment_selector: '!!' } },
      ],
    });
    assert.equal(r.ok, false);
    const text = r.ok ? '' : r.problems.join('\n');
    for (const want of [
      'clusters.0.name: "default" is the name of the single-cluster configuration',
      'alertmanager.url: with clusters:, set it per cluster (clusters[].alertmanager.url) instead',
      'prometheus.url: with clusters:',
      'kubernetes.enabled: with clusters:',
      'clusters.1.kubernetes: set kubeconfig (and context) or in_cluster: true',
      'clusters.2.name: "eu-1" names two clusters',
      'clusters.2.kubernetes: kubeconfig and in_cluster: true exclude each other',
      'clusters.2.policy.deployment_selector: expected a label selector',
    ])
      assert.ok(text.includes(want), `missing ${JSON.stringify(want)} in:\n${text}`);
  });

  it('with clusters:, ALERTMANAGER_URL is refused naming the variable, and KUBECONFIG (ambient on a bastion) is not read', (t) => {
    const dir = tempDir(t);
    const file = path.join(dir, 'c.yaml');
    fs.writeFileSync(file, 'clusters:\n  - name: eu-1\n');
    const loaded = loadConfig({ configPath: file, env: { KUBECONFIG: '/home/me/.kube/config' } });
    assert.equal(loaded.config.kubernetes.kubeconfig, undefined);
    assert.throws(
      () => loadConfig({ configPath: file, env: { ALERTMANAGER_URL: 'http://am:9093' } }),
      (e) =>
        isChatopsError(e) &&
        e.kind === 'config' &&
        /ALERTMANAGER_URL \(alertmanager\.url\): with clusters:, set it per cluster/.test(e.message),
    );
  });
});
