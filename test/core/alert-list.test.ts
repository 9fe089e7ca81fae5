/** The alert list of an incident: one model for Slack, the CLI and the TUI. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { alertList, distinctQueries, labelText } from '../../src/core/alert-list.js';
import { groupByIncidentKey, planIncident } from '../../src/core/incidents.js';
import type { Incident, StoredAlert } from '../../src/core/types.js';
import { alert, delivery } from '../support/builders.js';

const T0 = Date.parse('2026-11-26T10:00:00Z');

test('lists each alert with the labels that tell it apart and its own summary; counts the unlisted and the truncated', () => {
  const alerts = Array.from({ length: 14 }, (_, k) =>
    alert({
      fingerprint: `f${k}`.padStart(16, '0'),
      status: k === 0 ? 'resolved' : 'firing',
      startsAt: T0 + k,
      labels: { pod: `web-${k}` },
      annotations: {
        summary: `web-${k} is failing`,
        runbook_url: 'https://r.example',
        promql_query: k % 3 ? 'up' : `rate(x{pod="web-${k}"}[5m])`,
      },
    }),
  );
  const d = delivery(alerts, { truncatedAlerts: 6 });
  const [key, events] = [...groupByIncidentKey(d, [])][0]!;
  const plan = planIncident(key, events, null, d, { keyLabels: [], reopenWindowMs: 3_600_000 }, T0 + 100);
  const incident: Incident = { ...plan.incident, id: 1 };
  assert.equal(incident.truncatedAlerts, 6, "the delivery's truncatedAlerts is kept on the incident");
  const stored: StoredAlert[] = alerts.map((a) => ({ ...a, incidentId: 1, updatedAt: T0 }));
  const list = alertList(incident, stored);
  assert.equal(list.entries.length, 10);
  assert.deepEqual(list.entries[0], {
    fingerprint: '00000000000000f1',
    status: 'firing',
    labels: { pod: 'web-1' },
    summary: 'web-1 is failing',
    query: 'up',
    startsAt: T0 + 1,
  });
  assert.equal(
    list.entries.some((e) => e.status === 'resolved'),
    false,
    'firing alerts lead; the resolved one is beyond the first ten',
  );
  assert.deepEqual([list.unlisted, list.truncated, list.more, list.firing, list.total], [4, 6, 10, 13, 14]);
  assert.equal(labelText({ b: '2', a: '1' }), 'a=1, b=2');
  assert.deepEqual(distinctQueries(incident, stored), [
    'up',
    'rate(x{pod="web-3"}[5m])',
    'rate(x{pod="web-6"}[5m])',
    'rate(x{pod="web-9"}[5m])',
    'rate(x{pod="web-12"}[5m])',
  ]);
  // A single alert's own annotations are the incident's: nothing to add per alert.
  const one = alertList(
    { ...incident, annotations: alerts[1]!.annotations, labels: alerts[1]!.labels, total: 1, firing: 1, truncatedAlerts: 0 },
    [stored[1]!],
  );
  assert.deepEqual(one.entries[0]!.labels, {});
  assert.equal(one.entries[0]!.summary, null);
});

test('a delivery that only changes how many alerts Alertmanager left out updates the incident', () => {
  const alerts = [
    alert({ fingerprint: 'a1'.padStart(16, '0'), startsAt: T0 }),
    alert({ fingerprint: 'a2'.padStart(16, '0'), startsAt: T0, labels: { pod: 'b' } }),
  ];
  const lifecycle = { keyLabels: [], reopenWindowMs: 3_600_000 };
  const first = delivery(alerts, { truncatedAlerts: 1 });
  const [key, events] = [...groupByIncidentKey(first, [])][0]!;
  const opened = planIncident(key, events, null, first, lifecycle, T0);
  const incident: Incident = { ...opened.incident, id: 1 };
  const snapshot = { incident, alerts: new Map(alerts.map((a) => [a.fingerprint, { ...a, incidentId: 1, updatedAt: T0 }])) };
  const again = delivery(alerts, { truncatedAlerts: 3 });
  const plan = planIncident(key, [...groupByIncidentKey(again, [])][0]![1], snapshot, again, lifecycle, T0 + 1000);
  assert.equal(plan.action, 'update');
  assert.equal(plan.incident.truncatedAlerts, 3);
  const same = planIncident(key, events, { ...snapshot, incident: { ...incident, truncatedAlerts: 3 } }, again, lifecycle, T0 + 2000);
  assert.equal(same.action, 'none', 'the same delivery again changes nothing');
});
