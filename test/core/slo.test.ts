import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fillTemplate, sloDashboard, sloQueries, sloStatuses, sloText, type SloSettings } from '../../src/core/slo.js';

const settings: SloSettings = { conventions: ['sloth', 'pyrra'], serviceLabel: 'service', custom: null, dashboard: null, max: 3 };

describe('sloQueries', () => {
  it('Sloth: by sloth_id, by service and slo, or by the service label', () => {
    assert.equal(
      sloQueries({ sloth_id: 'checkout-availability' }, settings)[0]!.budgetRemaining,
      'slo:period_error_budget_remaining:ratio{sloth_id="checkout-availability"}',
    );
    assert.equal(
      sloQueries({ sloth_service: 'checkout', sloth_slo: 'latency' }, settings)[0]!.burnRate,
      'slo:current_burn_rate:ratio{sloth_service="checkout", sloth_slo="latency"}',
    );
    assert.equal(sloQueries({ service: 'checkout' }, settings)[0]!.objective, 'slo:objective:ratio{sloth_service="checkout"}');
  });
  it('Pyrra: by the slo label', () => {
    const [q] = sloQueries({ slo: 'api-errors' }, { ...settings, conventions: ['pyrra'] });
    assert.equal(
      q!.budgetRemaining,
      '(pyrra_availability{slo="api-errors"} - on(slo) pyrra_objective{slo="api-errors"}) / on(slo) (1 - pyrra_objective{slo="api-errors"})',
    );
    assert.match(q!.burnRate, /^\{__name__=~"\.\+:burnrate5m", slo="api-errors"\} \/ on\(slo\) group_left/);
  });
  it('nothing names a service: no query', () => {
    assert.deepEqual(sloQueries({ alertname: 'X' }, settings), []);
  });
  it('label values are quoted for PromQL (no injection through a label)', () => {
    const [q] = sloQueries({ service: 'a"} or vector(1) or x{b="' }, settings);
    assert.equal(q!.budgetRemaining, 'slo:period_error_budget_remaining:ratio{sloth_service="a\\"} or vector(1) or x{b=\\""}');
  });
  it('a custom template, filled from the labels; skipped when a label is missing', () => {
    const custom = { budgetRemaining: 'budget{team={{team}}}', burnRate: 'burn{team={{team}}}', nameLabel: 'slo_name' };
    const [q] = sloQueries({ team: 'pay' }, { ...settings, conventions: [], custom });
    assert.deepEqual(
      [q!.convention, q!.budgetRemaining, q!.burnRate, q!.key],
      ['custom', 'budget{team="pay"}', 'burn{team="pay"}', ['slo_name']],
    );
    assert.deepEqual(sloQueries({}, { ...settings, conventions: [], custom }), []);
  });
});

describe('sloStatuses and sloText', () => {
  const [sloth] = sloQueries({ service: 'checkout' }, settings);
  const l = (slo: string) => ({ sloth_service: 'checkout', sloth_slo: slo, sloth_id: `checkout-${slo}` });
  it('joins budget, burn rate and objective per SLO, fastest burning first', () => {
    const st = sloStatuses(
      sloth!,
      [
        { labels: l('availability'), value: 0.42 },
        { labels: l('latency'), value: 0.9 },
      ],
      [
        { labels: l('availability'), value: 3.25 },
        { labels: l('latency'), value: 0.5 },
      ],
      [{ labels: l('availability'), value: 0.999 }],
      3,
    );
    assert.deepEqual(
      st.map((s) => [s.name, s.budgetRemaining, s.burnRate, s.objective]),
      [
        ['availability', 0.42, 3.25, 0.999],
        ['latency', 0.9, 0.5, null],
      ],
    );
    assert.equal(sloText(st[0]!), 'SLO checkout/availability (objective 99.9 %): 42 % of the error budget left, burning 3.3×');
  });
  it('overspent budgets and NaN', () => {
    const st = sloStatuses(sloth!, [{ labels: l('a'), value: -0.25 }], [{ labels: l('a'), value: NaN }], [], 3);
    assert.equal(sloText(st[0]!), 'SLO checkout/a: error budget overspent by 25 %');
  });
  it('empty results: nothing', () => {
    assert.deepEqual(sloStatuses(sloth!, [], [], [], 3), []);
  });
  it('dashboard link from a template, values URL-encoded', () => {
    const [s] = sloStatuses(sloth!, [{ labels: l('a b'), value: 0.5 }], [], [], 3);
    assert.equal(
      sloDashboard('https://grafana/d/slo?var-service={{service}}&var-slo={{slo}}&ns={{namespace}}', s!, { namespace: 'prod' }),
      'https://grafana/d/slo?var-service=checkout&var-slo=a%20b&ns=prod',
    );
    assert.equal(sloDashboard('https://grafana/d/slo?x={{missing}}', s!, {}), null);
    assert.equal(
      fillTemplate('{{ a }}', { a: 'x' }, (v) => v),
      'x',
    );
  });
});
