import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { exprFromGeneratorURL, formatValue, graphQueries, rangeWindow, splitThreshold } from '../../src/core/promql.js';
import type { Incident, StoredAlert } from '../../src/core/types.js';
import { alert } from '../support/builders.js';

const T0 = Date.parse('2026-11-26T10:00:00Z');

function incident(annotations: Record<string, string> = {}): Incident {
  return {
    id: 1,
    key: 'k',
    status: 'firing',
    alertname: 'HighErrorRate',
    severity: 'critical',
    namespace: 'prod',
    target: 'web',
    labels: {},
    annotations,
    groupKey: 'g',
    externalURL: '',
    firing: 1,
    total: 1,
    openedAt: T0,
    updatedAt: T0,
    resolvedAt: null,
    acknowledgedBy: null,
    acknowledgedAt: null,
  };
}
const stored = (over: Parameters<typeof alert>[0]): StoredAlert => ({ ...alert(over), incidentId: 1, updatedAt: T0 });

describe('splitThreshold', () => {
  const cases: [string, string, string | null][] = [
    ['rate(errors_total[5m]) > 0.5', 'rate(errors_total[5m])', '> 0.5'],
    [
      'sum by (pod) (kube_pod_container_status_restarts_total{namespace="prod"}) >= 3',
      'sum by (pod) (kube_pod_container_status_restarts_total{namespace="prod"})',
      '>= 3',
    ],
    ['up == 0', 'up', '== 0'],
    ['0.9 < ratio', 'ratio', '> 0.9'],
    ['x > bool 2', 'x', '> 2'],
    ['(a / b) > on(job) group_left 1e3', 'a / b', '> 1000'],
    ['errors > -1', 'errors', '> -1'],
    // Comparisons inside brackets and strings are not thresholds.
    ['count(up{job!="a>b"} > 0)', 'count(up{job!="a>b"} > 0)', null],
    ['histogram_quantile(0.99, rate(x[5m]))', 'histogram_quantile(0.99, rate(x[5m]))', null],
    // Two series compared, or a set operator: plotted as written.
    ['a > b', 'a > b', null],
    ['a > 1 and b < 2', 'a > 1 and b < 2', null],
    ['rate(orders_total[5m]) < 1', 'rate(orders_total[5m])', '< 1'],
  ];
  for (const [query, expr, threshold] of cases) {
    it(query, () => {
      const r = splitThreshold(query);
      assert.equal(r.expr, expr);
      assert.equal(r.threshold ? `${r.threshold.op} ${r.threshold.value}` : null, threshold);
    });
  }
});

describe('exprFromGeneratorURL', () => {
  it('reads g0.expr, decoded', () => {
    assert.equal(exprFromGeneratorURL('http://prometheus:9090/graph?g0.expr=rate%28x%5B5m%5D%29+%3E+1&g0.tab=1'), 'rate(x[5m]) > 1');
  });
  it('null for a URL without it or not a URL', () => {
    assert.equal(exprFromGeneratorURL('http://prometheus:9090/graph'), null);
    assert.equal(exprFromGeneratorURL('not a url'), null);
    assert.equal(exprFromGeneratorURL(''), null);
  });
});

describe('graphQueries', () => {
  it('each distinct promql_query, the shared one first, bounded', () => {
    const alerts = [
      stored({ annotations: { promql_query: 'b' }, startsAt: T0 + 1 }),
      stored({ annotations: { promql_query: 'a' }, startsAt: T0 + 2 }),
      stored({ annotations: { promql_query: 'c' }, startsAt: T0 + 3 }),
    ];
    assert.deepEqual(
      graphQueries(incident({ promql_query: 'a' }), alerts, 2).map((q) => q.original),
      ['a', 'b'],
    );
    assert.deepEqual(
      graphQueries(incident({ promql_query: 'a' }), alerts, 5).map((q) => q.original),
      ['a', 'b', 'c'],
    );
  });
  it('falls back to the rule expression of generatorURL, each distinct one', () => {
    const url = (e: string) => `http://p:9090/graph?g0.expr=${encodeURIComponent(e)}&g0.tab=1`;
    const alerts = [
      stored({ generatorURL: url('up == 0') }),
      stored({ generatorURL: url('up == 0') }),
      stored({ generatorURL: 'http://p:9090/graph' }),
    ];
    const qs = graphQueries(incident(), alerts, 3);
    assert.deepEqual(
      qs.map((q) => [q.source, q.expr, q.threshold?.value]),
      [['rule', 'up', 0]],
    );
  });
  it('nothing to graph: empty', () => {
    assert.deepEqual(graphQueries(incident(), [stored({ generatorURL: '' })], 3), []);
  });
});

describe('rangeWindow', () => {
  it('from lookback before the first alert to the end, with a round step for about N points', () => {
    const w = rangeWindow({
      firstStart: T0,
      end: T0 + 30 * 60_000,
      lookbackMs: 3_600_000,
      maxWindowMs: 86_400_000,
      points: 240,
      minStepMs: 10_000,
    });
    assert.equal(w.start, T0 - 3_600_000);
    assert.equal(w.end, T0 + 30 * 60_000);
    assert.equal(w.stepMs, 30_000); // 90 min / 240 = 22.5 s → 30 s
  });
  it('a long incident is cut to the maximum window', () => {
    const w = rangeWindow({
      firstStart: T0,
      end: T0 + 7 * 86_400_000,
      lookbackMs: 3_600_000,
      maxWindowMs: 86_400_000,
      points: 240,
      minStepMs: 10_000,
    });
    assert.equal(w.end - w.start, 86_400_000);
    assert.equal(w.stepMs, 600_000);
  });
  it('never a step below the minimum', () => {
    const w = rangeWindow({ firstStart: T0, end: T0 + 1000, lookbackMs: 60_000, maxWindowMs: 86_400_000, points: 240, minStepMs: 15_000 });
    assert.equal(w.stepMs, 15_000);
    assert.ok(w.start < w.end);
  });
});

describe('formatValue', () => {
  it('few characters with a unit prefix', () => {
    assert.deepEqual([0, 0.5, 1234, 1_234_567, 0.000123, 42, -2500, 0.0042, 1.84e19].map(formatValue), [
      '0',
      '0.5',
      '1.23k',
      '1.23M',
      '123µ',
      '42',
      '-2.5k',
      '4.2m',
      '1.84e+19',
    ]);
  });
});
