/**
 * mrkdwn and link injection through EVERY text field the Block Kit renderer takes, and a
 * fast-check property over every renderer (incident, thread replies, digest, request replies):
 * never throws, always within Block Kit limits (the emulator's validator, docs/protocols.md §3), the
 * fallback text fits chat.update's 4 000 characters, and every `<…>` Slack would parse is one the
 * renderer built itself (a date, an http(s) link, a mention of a Slack user id) — never alert
 * text. test/slack/render.test.ts has the fixed cases and the property over renderIncident's
 * alert fields; test/slack/safety.test.ts does it end to end through the daemon.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mrkdwnTexts } from '../support/mrkdwn.js';
import fc from 'fast-check';
import {
  renderDigest,
  renderIncident,
  renderReply,
  renderRequestReply,
  type IncidentView,
  type ReplyKind,
} from '../../src/adapters/slack/render.js';
import type { Incident, StoredAlert } from '../../src/core/types.js';
import { validateBlocks } from '../support/slack-emulator.js';

const T0 = Date.parse('2026-11-26T10:00:00Z');
const EVIL = [
  '<!channel>',
  '<!here>',
  '<!everyone>',
  '<@U123>',
  '<#C123>',
  '<!subteam^S1>',
  '<https://evil.example|click me>',
  '<mailto:a@b|x>',
  '&lt;!channel&gt;',
  '*bold*',
  '`code`',
  '```',
  '|',
  '>',
  '\u0000',
  '\u202e',
  '😀',
  'ǅ',
];

/** Every `<…>` Slack parses must be one the renderer built. */
const ALLOWED = /^<(!date\^\d+\^[^|<>]*\|[^<>]*|https?:\/\/[^\s|<>]+(\|[^<>]*)?|@[UW][A-Z0-9]{2,20})>$/;

function assertSafe(m: { text: string; blocks: readonly object[] }, where: string): void {
  assert.deepEqual(validateBlocks(m.blocks), [], `${where}: within Block Kit limits`);
  assert.ok(m.text.length <= 4000, `${where}: fallback text ${m.text.length} > 4000`);
  for (const s of mrkdwnTexts(m)) {
    for (const tok of s.match(/<[^>]*>?/g) ?? []) assert.match(tok, ALLOWED, `${where}: ${tok} reaches Slack unescaped`);
  }
  // Button values carry ids only; URLs on buttons are http(s).
  for (const b of m.blocks as Record<string, unknown>[]) {
    for (const e of (b.elements as Record<string, unknown>[] | undefined) ?? []) {
      if (typeof e.url === 'string') assert.match(e.url, /^https?:\/\//, `${where}: button url`);
    }
  }
}

const hostile = fc.oneof(
  {
    weight: 3,
    arbitrary: fc
      .array(fc.oneof(fc.constantFrom(...EVIL), fc.string({ unit: 'grapheme', maxLength: 40 })), { maxLength: 12 })
      .map((p) => p.join('')),
  },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 5000 }) },
  { weight: 1, arbitrary: fc.constantFrom(...EVIL).map((e) => e.repeat(400)) },
);
const labels = fc.dictionary(hostile, hostile, { maxKeys: 12 });

const incidentArb: fc.Arbitrary<Incident> = fc.record({
  id: fc.integer({ min: 1, max: 1e9 }),
  key: hostile,
  status: fc.constantFrom('firing', 'acknowledged', 'resolved') as fc.Arbitrary<Incident['status']>,
  alertname: hostile,
  severity: hostile,
  namespace: hostile,
  target: hostile,
  labels,
  annotations: fc.record({ summary: hostile, description: hostile, runbook_url: hostile, promql_query: hostile }),
  groupKey: hostile,
  externalURL: hostile,
  firing: fc.nat(1e6),
  total: fc.nat(1e6),
  openedAt: fc.constant(T0),
  updatedAt: fc.constant(T0),
  resolvedAt: fc.option(fc.constant(T0 + 60_000)),
  acknowledgedBy: fc.option(hostile),
  acknowledgedAt: fc.option(fc.constant(T0)),
});
const alertArb = (incidentId: number): fc.Arbitrary<StoredAlert> =>
  fc.record({
    incidentId: fc.constant(incidentId),
    fingerprint: hostile,
    status: fc.constantFrom('firing', 'resolved') as fc.Arbitrary<StoredAlert['status']>,
    labels,
    annotations: labels,
    startsAt: fc.constant(T0),
    endsAt: fc.option(fc.constant(T0 + 1000)),
    generatorURL: hostile,
    updatedAt: fc.constant(T0),
  });

describe('mrkdwn/link injection in every renderer field', () => {
  it('each string field of an incident view, one at a time, with each injection', () => {
    const base: Incident = {
      id: 7,
      key: 'k',
      status: 'firing',
      alertname: 'A',
      severity: 'critical',
      namespace: 'prod',
      target: 'web',
      labels: { alertname: 'A', namespace: 'prod', deployment: 'web' },
      annotations: { summary: 's' },
      groupKey: 'g',
      externalURL: 'http://am.example',
      firing: 1,
      total: 1,
      openedAt: T0,
      updatedAt: T0,
      resolvedAt: null,
      acknowledgedBy: null,
      acknowledgedAt: null,
    };
    const alert: StoredAlert = {
      incidentId: 7,
      fingerprint: 'f',
      status: 'firing',
      labels: base.labels,
      annotations: {},
      startsAt: T0,
      endsAt: null,
      generatorURL: 'http://prom.example/graph',
      updatedAt: T0,
    };
    let n = 0;
    for (const evil of EVIL) {
      const views: [string, IncidentView][] = [];
      const v = (inc: Partial<Incident>, over: Partial<IncidentView> = {}, a: Partial<StoredAlert> = {}): IncidentView => ({
        incident: { ...base, ...inc },
        alerts: [{ ...alert, ...a }],
        silence: null,
        enrichment: null,
        links: {},
        extraActions: [],
        now: T0 + 60_000,
        ...over,
      });
      for (const f of ['key', 'alertname', 'severity', 'namespace', 'target', 'groupKey', 'externalURL', 'acknowledgedBy'] as const)
        views.push([f, v({ [f]: evil, ...(f === 'acknowledgedBy' ? { status: 'acknowledged', acknowledgedAt: T0 } : {}) })]);
      for (const k of ['summary', 'description', 'runbook_url', 'promql_query', 'dashboard', 'message'])
        views.push([`annotation ${k}`, v({ annotations: { [k]: evil } })]);
      views.push(
        ['label value', v({ labels: { ...base.labels, pod: evil } })],
        ['label name', v({ labels: { ...base.labels, [evil]: 'x' } })],
      );
      views.push(
        ['alert labels', v({}, {}, { labels: { pod: evil, [evil]: evil } })],
        ['alert annotations', v({}, {}, { annotations: { summary: evil } })],
        ['generatorURL', v({}, {}, { generatorURL: evil })],
      );
      views.push(['silence id and author', v({}, { silence: { id: evil, endsAt: T0 + 3_600_000, createdBy: evil } })]);
      views.push(
        ['enrichment', v({}, { enrichment: { query: evil, outcome: 'ok', lines: [evil, evil] } })],
        ['enrichment error', v({}, { enrichment: { query: evil, outcome: 'error', lines: [evil] } })],
      );
      views.push([
        'link templates',
        v(
          { labels: { ...base.labels, namespace: evil } },
          { links: { dashboard: `https://grafana.example/d?ns={{namespace}}&x=${evil}`, logs: evil } },
        ),
      ]);
      views.push([
        'extra action text',
        v(
          {},
          {
            extraActions: [
              {
                actionId: 'chatops:remediate:x',
                text: evil,
                value: '7',
                confirm: { title: evil, text: evil, confirm: 'Run', deny: 'Cancel' },
              },
            ],
          },
        ),
      ]);
      for (const [field, view] of views) {
        assertSafe(renderIncident(view), `incident ${field} = ${JSON.stringify(evil)}`);
        n++;
      }
      const inc = { ...base, alertname: evil, labels: { ...base.labels, pod: evil } };
      const alerts = [{ ...alert, fingerprint: evil, labels: { ...alert.labels, pod: evil } }];
      for (const kind of [
        'alert.joined',
        'alert.refired',
        'incident.reopened',
        'incident.resolved',
        'incident.silenced',
        'incident.unsilenced',
      ] as ReplyKind[]) {
        assertSafe(
          renderReply(kind, inc, alerts, { fingerprints: [evil], actor: evil, silenceId: evil, endsAt: T0 }),
          `reply ${kind} with ${JSON.stringify(evil)}`,
        );
        n++;
      }
      assertSafe(renderDigest([inc, { ...inc, id: 8, target: evil, namespace: evil }], T0), `digest with ${JSON.stringify(evil)}`);
      // The request id and expiry are the core's own values (an opaque id, an ISO time), not text from outside.
      const note = {
        requestId: 'r-abcdefghijklmnop',
        action: evil,
        risk: evil,
        target: evil,
        requester: evil,
        reason: evil,
        state: 'pending',
        expiresAt: new Date(T0).toISOString(),
        preview: evil,
        dryRun: { summary: evil },
        decision: evil,
        by: evil,
        decisionReason: evil,
        ok: false,
        summary: evil,
      };
      for (const kind of ['request.created', 'request.decided', 'request.result'] as const) {
        assertSafe(renderRequestReply(kind, note), `request ${kind} with ${JSON.stringify(evil)}`);
        n++;
      }
      n++;
    }
    assert.ok(n > 500, `${n} renderings`);
  });
});

describe('property: every renderer, any text', () => {
  const RUNS = Number(process.env.RENDER_RUNS ?? 200);
  it(`renderIncident over every field (${RUNS} runs)`, () => {
    fc.assert(
      fc.property(
        incidentArb.chain((i) =>
          fc.record({
            incident: fc.constant(i),
            alerts: fc.array(alertArb(i.id), { maxLength: 4 }),
            silence: fc.option(fc.record({ id: hostile, endsAt: fc.constant(T0 + 3_600_000), createdBy: hostile })),
            enrichment: fc.option(
              fc.record({
                query: hostile,
                outcome: fc.constantFrom('ok', 'empty', 'error') as fc.Arbitrary<'ok'>,
                lines: fc.array(hostile, { maxLength: 6 }),
                more: fc.option(fc.nat(100), { nil: undefined }),
              }),
            ),
            links: fc.record({ dashboard: fc.option(hostile, { nil: undefined }), logs: fc.option(hostile, { nil: undefined }) }),
            extraActions: fc.constant([]),
            now: fc.constant(T0 + 60_000),
            silenceEnabled: fc.boolean(),
          }),
        ),
        (view) => assertSafe(renderIncident(view as IncidentView), 'incident'),
      ),
      { numRuns: RUNS },
    );
  });

  it(`renderReply, renderDigest and renderRequestReply (${RUNS} runs each)`, () => {
    const kinds = fc.constantFrom(
      'alert.joined',
      'alert.refired',
      'incident.reopened',
      'incident.resolved',
      'incident.silenced',
      'incident.unsilenced',
    ) as fc.Arbitrary<ReplyKind>;
    fc.assert(
      fc.property(
        kinds,
        incidentArb.chain((i) => fc.tuple(fc.constant(i), fc.array(alertArb(i.id), { maxLength: 30 }))),
        hostile,
        hostile,
        (kind, [inc, alerts], actor, silenceId) => {
          assertSafe(
            renderReply(kind, inc, alerts, { fingerprints: alerts.map((a) => a.fingerprint), actor, silenceId, endsAt: T0 }),
            `reply ${kind}`,
          );
        },
      ),
      { numRuns: RUNS },
    );
    fc.assert(
      fc.property(fc.array(incidentArb, { maxLength: 80 }), (incidents) => assertSafe(renderDigest(incidents, T0), 'digest')),
      { numRuns: Math.ceil(RUNS / 4) },
    );
    const note = fc.record({
      requestId: fc.stringMatching(/^r-[a-z2-7]{16}$/),
      action: hostile,
      risk: hostile,
      target: hostile,
      requester: hostile,
      reason: fc.option(hostile),
      state: fc.constantFrom('pending', 'approved', 'running', 'succeeded', 'failed', 'denied', 'expired', 'cancelled'),
      expiresAt: fc.option(fc.constant(new Date(T0).toISOString())),
      preview: hostile,
      dryRun: fc.option(fc.record({ summary: hostile })),
      decision: hostile,
      by: hostile,
      decisionReason: fc.option(hostile),
      ok: fc.boolean(),
      summary: hostile,
    });
    fc.assert(
      fc.property(
        fc.constantFrom('request.created', 'request.decided', 'request.result') as fc.Arbitrary<'request.created'>,
        note,
        (kind, n) => assertSafe(renderRequestReply(kind, n), `request ${kind}`),
      ),
      { numRuns: RUNS },
    );
  });
});
