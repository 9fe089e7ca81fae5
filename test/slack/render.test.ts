/** The renderer, escaping and truncation: pure, with property tests for the Block Kit limits. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { mrkdwnTexts } from '../support/mrkdwn.js';
import fc from 'fast-check';
import {
  formatQueryResult,
  renderDigest,
  renderIncident,
  renderReply,
  routeChannel,
  stormDecision,
  type IncidentView,
} from '../../src/adapters/slack/render.js';
import { cut, escapeMrkdwn, fillTemplate, httpUrl } from '../../src/adapters/slack/text.js';
import type { Incident, StoredAlert } from '../../src/core/types.js';
import { validateBlocks } from '../support/slack-emulator.js';

const T0 = Date.parse('2026-11-26T10:00:00Z');

function incident(over: Partial<Incident> = {}): Incident {
  return {
    id: 7,
    key: 'k',
    status: 'firing',
    alertname: 'HighErrorRate',
    severity: 'critical',
    namespace: 'prod',
    target: 'web',
    labels: { alertname: 'HighErrorRate', namespace: 'prod', deployment: 'web', severity: 'critical' },
    annotations: { summary: 'web is failing', runbook_url: 'https://runbooks.example/web' },
    groupKey: 'g',
    externalURL: 'http://am.example:9093',
    firing: 1,
    total: 1,
    openedAt: T0,
    updatedAt: T0,
    resolvedAt: null,
    acknowledgedBy: null,
    acknowledgedAt: null,
    ...over,
  };
}

function view(over: Partial<IncidentView> = {}, inc: Partial<Incident> = {}): IncidentView {
  const i = incident(inc);
  const alerts: StoredAlert[] = [
    {
      incidentId: i.id,
      fingerprint: 'f1',
      status: 'firing',
      labels: i.labels,
      annotations: i.annotations,
      startsAt: T0,
      endsAt: null,
      generatorURL: 'http://prom.example/graph',
      updatedAt: T0,
    },
  ];
  return { incident: i, alerts, silence: null, enrichment: null, links: {}, extraActions: [], now: T0 + 60_000, ...over };
}

const all = (m: { text: string; blocks: unknown[] }) => JSON.stringify(m);

describe('escaping', () => {
  test('mentions and forged links in annotations render inert', () => {
    const evil = '<!channel> <!here> <@U123> <https://evil.example|click me> & more';
    const m = renderIncident(view({}, { annotations: { description: evil, summary: evil }, alertname: '<!everyone>', target: '<@U999>' }));
    const s = mrkdwnTexts(m).join('\n');
    for (const bad of ['<!channel>', '<!here>', '<@U123>', '<https://evil', '<!everyone>', '<@U999>'])
      assert.ok(!s.includes(bad), `${bad} escaped`);
    assert.ok(s.includes('&lt;!channel&gt;'));
    assert.ok(s.includes('&amp; more'));
  });

  test('only http(s) URLs become links or buttons', () => {
    assert.equal(httpUrl('javascript:alert(1)'), null);
    assert.equal(httpUrl('https://ok.example/x'), 'https://ok.example/x');
    assert.equal(httpUrl('https://a.example/<x>'), null);
    const m = renderIncident(view({}, { annotations: { runbook_url: 'javascript:alert(1)' } }));
    assert.ok(!all(m).includes('javascript:'));
    assert.ok(!all(m).includes('chatops:runbook'));
  });

  test('link templates are filled from labels, URL-encoded', () => {
    assert.equal(
      fillTemplate('https://grafana.example/d/x?var-ns={{namespace}}&var-d={{ deployment }}', { namespace: 'a b&c', deployment: 'web' }),
      'https://grafana.example/d/x?var-ns=a%20b%26c&var-d=web',
    );
    assert.equal(fillTemplate('javascript:{{x}}', { x: '1' }), null);
    const m = renderIncident(
      view({ links: { dashboard: 'https://grafana.example/d?ns={{namespace}}', logs: 'https://loki.example/explore?q={{deployment}}' } }),
    );
    assert.match(all(m), /grafana\.example\/d\?ns=prod\|Dashboard/);
    assert.match(all(m), /loki\.example\/explore\?q=web\|Logs/);
  });
});

describe('truncation', () => {
  test('cut keeps the limit and never splits an entity or a surrogate pair', () => {
    assert.equal(cut('abcdef', 4), 'abc…');
    assert.equal(cut(escapeMrkdwn('aa&'), 5), 'aa…');
    assert.equal(cut('a😀b', 3).length <= 3, true);
    assert.ok(!/[\ud800-\udbff]…$/.test(cut('a😀😀', 3)));
  });

  test('a 10 KB description, 60 labels and a 300-character alertname stay within Block Kit limits', () => {
    const labels = Object.fromEntries(Array.from({ length: 60 }, (_, i) => [`label_${i}`, `value-${i}-${'v'.repeat(40)}`]));
    const m = renderIncident(
      view({}, { alertname: 'A'.repeat(300), target: 't'.repeat(3000), labels, annotations: { description: 'd&<'.repeat(3400) } }),
    );
    assert.deepEqual(validateBlocks(m.blocks), []);
    assert.match(all(m), /truncated: chatops incidents show 7/);
    assert.ok(m.text.length <= 4000);
  });

  test('property: any alert text renders to blocks the emulator (Slack limits) accepts, with nothing unescaped', () => {
    const str = fc.string({ unit: 'grapheme', maxLength: 4000 });
    fc.assert(
      fc.property(
        str,
        str,
        str,
        str,
        fc.dictionary(fc.string({ maxLength: 30 }), fc.string({ maxLength: 300 }), { maxKeys: 70 }),
        (alertname, desc, target, severity, labels) => {
          const m = renderIncident(
            view({}, { alertname, target, severity, labels, annotations: { description: desc, summary: desc, runbook_url: desc } }),
          );
          assert.deepEqual(validateBlocks(m.blocks), []);
          // every '<' comes from our own constructs (dates, links), never from alert text
          for (const x of mrkdwnTexts(m)
            .join('\n')
            .match(/<[^>]*>/g) ?? [])
            assert.match(x, /^<(!date\^|https?:\/\/)/);
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe('message states', () => {
  test('acknowledged shows who; resolved drops buttons and shows the duration', () => {
    const ack = renderIncident(view({}, { status: 'acknowledged', acknowledgedBy: 'U0ALICE', acknowledgedAt: T0 + 1000 }));
    assert.match(all(ack), /Acknowledged by <@U0ALICE>/);
    assert.ok(!all(ack).includes('chatops:ack'), 'no ack button once acknowledged');
    const cli = renderIncident(view({}, { status: 'acknowledged', acknowledgedBy: 'cli:<bob>', acknowledgedAt: T0 }));
    assert.match(all(cli), /cli:&lt;bob&gt;/);
    const res = renderIncident(view({}, { status: 'resolved', resolvedAt: T0 + 12 * 60_000 }));
    assert.equal(
      res.blocks.some((b) => b.type === 'actions'),
      false,
    );
    assert.match(all(res), /after 12m/);
  });

  test('silence shows its id and an Unsilence button; extra actions come from the seam', () => {
    const m = renderIncident(
      view({
        silence: { id: 'abc-123', endsAt: T0 + 3_600_000, createdBy: 'U0ALICE' },
        extraActions: [{ actionId: 'chatops:remediate', text: 'Restart web', value: 'req-1', style: 'danger' }],
      }),
    );
    const s = all(m);
    assert.match(s, /silence `abc-123`/);
    assert.match(s, /chatops:unsilence/);
    assert.ok(!s.includes('"chatops:silence"'));
    assert.match(s, /Restart web/);
  });

  test('thread replies and digest', () => {
    const i = incident();
    const alerts: StoredAlert[] = [
      {
        incidentId: 7,
        fingerprint: 'f2',
        status: 'firing',
        labels: { ...i.labels, pod: '<!here>' },
        annotations: {},
        startsAt: T0,
        endsAt: null,
        generatorURL: '',
        updatedAt: T0,
      },
    ];
    const r = renderReply('alert.joined', i, alerts, { fingerprints: ['f2'] });
    assert.match(r.text, /1 alert joined/);
    assert.match(r.text, /pod=&lt;!here&gt;/);
    const many = Array.from({ length: 1500 }, (_, k) => incident({ id: k + 1, alertname: `Alert${k}`.padEnd(100, 'x') }));
    const d = renderDigest(many, T0);
    assert.deepEqual(validateBlocks(d.blocks), []);
    assert.match(JSON.stringify(d.blocks), /#1\*/);
    assert.match(JSON.stringify(d.blocks), /and \d+ more/);
    // Every open incident can be acted on: the menus hold them all, in groups of 100.
    const menus = d.blocks
      .filter((b) => b.type === 'actions')
      .flatMap((b) => (b as { elements: { action_id: string; option_groups?: { options: unknown[] }[] }[] }).elements);
    assert.deepEqual(
      menus.map((m) => m.action_id),
      ['chatops:digest:open', 'chatops:digest:ack'],
    );
    for (const m of menus)
      assert.equal(
        m.option_groups!.reduce((n, g) => n + g.options.length, 0),
        1500,
      );
  });

  test('routing, storm decision, query results', () => {
    const routes: { match: Record<string, string>; channel: string }[] = [
      { match: { severity: 'critical', namespace: 'prod' }, channel: 'CPROD' },
      { match: { namespace: 'dev' }, channel: 'CDEV' },
    ];
    assert.equal(routeChannel({ severity: 'critical', namespace: 'prod' }, routes, 'CDEF'), 'CPROD');
    assert.equal(routeChannel({ namespace: 'dev' }, routes, 'CDEF'), 'CDEV');
    assert.equal(routeChannel({ severity: 'critical' }, routes, 'CDEF'), 'CDEF');
    assert.equal(stormDecision({ ownInWindow: 9, threshold: 10, openDigest: false }), 'own');
    assert.equal(stormDecision({ ownInWindow: 10, threshold: 10, openDigest: false }), 'digest');
    assert.equal(stormDecision({ ownInWindow: 0, threshold: 10, openDigest: true }), 'digest');
    const vec = formatQueryResult('up', {
      resultType: 'vector',
      result: Array.from({ length: 7 }, (_, k) => ({ metric: { __name__: 'up', job: 'p', instance: `h${k}` }, value: [1, '1'] })),
    });
    assert.equal(vec.lines.length, 5);
    assert.equal(vec.more, 2);
    assert.equal(vec.lines[0], '{instance="h0"} 1');
    assert.deepEqual(formatQueryResult('x', { resultType: 'vector', result: [] }).outcome, 'empty');
    assert.deepEqual(formatQueryResult('1+1', { resultType: 'scalar', result: [1, '2'] }).lines, ['2']);
  });
});

describe('the emulator validates like Slack', () => {
  test('over-long texts and too many blocks are refused with json pointers', () => {
    assert.deepEqual(validateBlocks([{ type: 'section', text: { type: 'mrkdwn', text: 'x'.repeat(3001) } }]), [
      'must be less than 3001 characters [json-pointer:/blocks/0/text/text]',
    ]);
    assert.deepEqual(validateBlocks([{ type: 'header', text: { type: 'plain_text', text: 'x'.repeat(151) } }]), [
      'must be less than 151 characters [json-pointer:/blocks/0/text/text]',
    ]);
    assert.deepEqual(validateBlocks([{ type: 'section', fields: Array.from({ length: 11 }, () => ({ type: 'mrkdwn', text: 'a' })) }]), [
      'no more than 10 items allowed [json-pointer:/blocks/0/fields]',
    ]);
    assert.equal(validateBlocks(Array.from({ length: 51 }, () => ({ type: 'divider' }))).length, 1);
    assert.deepEqual(
      validateBlocks([
        { type: 'actions', elements: [{ type: 'button', action_id: 'a', text: { type: 'plain_text', text: 'b'.repeat(76) } }] },
      ]),
      ['must be less than 76 characters [json-pointer:/blocks/0/elements/0/text/text]'],
    );
    assert.equal(validateBlocks('nope'), 'format');
  });
});

describe('the active silence comes from the audit trail', () => {
  test('latest ok silence in the future, unless unsilenced', async () => {
    const { activeSilence } = await import('../../src/core/silence.js');
    const row = (seq: number, action: string, result: string, detail: Record<string, unknown>, actor = 'U0ALICE') => ({
      seq,
      ts: T0,
      actor,
      source: 'slack' as const,
      action,
      target: 'k',
      incidentId: 7,
      result,
      detail,
      prevHash: '',
      hash: '',
    });
    const iso = (ms: number) => new Date(ms).toISOString();
    assert.equal(activeSilence([], T0), null);
    const a = [row(1, 'incident.silence', 'ok', { silenceId: 's1', endsAt: iso(T0 + 3_600_000) })];
    assert.deepEqual(activeSilence(a, T0), { id: 's1', endsAt: T0 + 3_600_000, createdBy: 'U0ALICE' });
    assert.equal(activeSilence(a, T0 + 3_600_001), null, 'ended');
    assert.equal(activeSilence([...a, row(2, 'incident.unsilence', 'ok', { silenceId: 's1' })], T0), null, 'unsilenced');
    assert.equal(activeSilence([row(1, 'incident.silence', 'refused', { why: 'policy' })], T0), null, 'refused silences do not count');
  });
});

describe('action request replies', () => {
  test('a pending request carries Approve/Deny with only its id; decisions and results are escaped text', async () => {
    const { renderRequestReply } = await import('../../src/adapters/slack/render.js');
    const base = {
      requestId: 'r-abc',
      action: 'rollout-restart',
      risk: 'mutate',
      target: 'prod/web',
      requester: 'U0ALICE',
      state: 'pending',
      expiresAt: new Date(T0 + 900_000).toISOString(),
      preview: 'restart <!channel>',
      reason: '<@U123> said so',
    };
    const created = renderRequestReply('request.created', base);
    assert.deepEqual(validateBlocks(created.blocks), []);
    const s = mrkdwnTexts(created).join('\n');
    assert.ok(!s.includes('<!channel>') && !s.includes('<@U123>'));
    assert.match(s, /<@U0ALICE> requests \*rollout-restart\* on `prod\/web`/);
    const buttons = created.blocks.find((b) => b.type === 'actions')!.elements as { action_id: string; value: string }[];
    assert.deepEqual(
      buttons.map((b) => [b.action_id, b.value]),
      [
        ['chatops:approve', 'r-abc'],
        ['chatops:deny', 'r-abc'],
      ],
    );
    const ran = renderRequestReply('request.created', { ...base, state: 'executed' });
    assert.equal(
      ran.blocks.some((b) => b.type === 'actions'),
      false,
    );
    assert.match(renderRequestReply('request.decided', { ...base, decision: 'approved', by: 'U0BOB' }).text, /Approved: .* by <@U0BOB>/);
    assert.match(
      renderRequestReply('request.result', { ...base, ok: false, summary: 'timed out <x>' }).text,
      /Failed: .*timed out &lt;x&gt;/,
    );
  });
});
