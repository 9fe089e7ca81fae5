/**
 * The incident view lists an incident's alerts as Slack's top message and `chatops incidents
 * show` do — one model, core/alert-list.ts: firing first, the labels that tell each alert apart,
 * its own summary and query, then how many more there are, including those Alertmanager did not
 * send (`truncatedAlerts`) — and every string from an alert goes through the terminal sanitiser.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { render } from 'ink-testing-library';
import { renderIncident } from '../../src/adapters/slack/render.js';
import { incidentDetail } from '../../src/cli/format.js';
import { alertList, labelText } from '../../src/core/alert-list.js';
import { App } from '../../src/tui/app.js';
import { detailLines } from '../../src/tui/detail.js';
import { depsFor, frameWith, ingest, KEY, manualClock, openStore, T0 } from './support.js';

const base = { alertname: 'PodNotReady', namespace: 'shop', deployment: 'api', severity: 'warning' };
const GROUP = '{}:{alertname="PodNotReady"}';
const pod = (k: number) => ({
  fingerprint: `a00000000000000${k}`,
  startsAt: T0 + k * 1000,
  labels: { ...base, pod: `api-${k}` },
  annotations: { summary: `api-${k} not ready for 5m`, promql_query: k % 2 ? 'vector(7)' : 'up' },
});

/** The open incident's view on a terminal tall enough to show the whole alert list. */
async function openIncident(
  t: Parameters<typeof openStore>[0],
  seed: (store: ReturnType<typeof openStore>, clock: ReturnType<typeof manualClock>) => void,
) {
  const store = openStore(t);
  const clock = manualClock();
  seed(store, clock);
  const ui = render(<App deps={depsFor(store, clock)} size={{ columns: 160, rows: 60 }} />);
  t.after(() => ui.unmount());
  await frameWith(ui.lastFrame, '1 of 1');
  ui.stdin.write(KEY.enter);
  return { store, clock, frame: await frameWith(ui.lastFrame, 'Alerts (') };
}

describe('incident view: the alert list', () => {
  it('lists what Slack and `incidents show` list, in their order, and counts what Alertmanager did not send', async (t) => {
    const { store, clock, frame } = await openIncident(t, (store, clock) => {
      ingest(store, clock, [0, 1, 2].map(pod), GROUP, { truncatedAlerts: 3 });
      // api-0 resolves: the firing ones lead.
      ingest(store, clock, [{ ...pod(0), status: 'resolved', endsAt: T0 + 60_000 }], GROUP, { truncatedAlerts: 3 });
    });
    const incident = store.getIncident(1)!;
    const alerts = store.alertsOf(1);
    const model = alertList(incident, alerts);
    assert.deepEqual(
      model.entries.map((e) => e.labels.pod),
      ['api-1', 'api-2', 'api-0'],
      'firing first, then oldest',
    );

    assert.match(frame, /Alerts \(2 firing of 3 \+ 3 not sent by Alertmanager\)/);
    const lines = frame.split('\n');
    const at = model.entries.map((e) => lines.findIndex((l) => l.includes(`${labelText(e.labels)} since`) && l.includes(`— ${e.summary}`)));
    assert.ok(
      at.every((n) => n >= 0),
      `each alert with its labels and summary:\n${frame}`,
    );
    assert.deepEqual(
      [...at].sort((a, b) => a - b),
      at,
      "in the list's order",
    );
    assert.match(lines[at[2]!]!, /✓ resolved a000000000000000/);
    assert.match(frame, /promql_query: vector\(7\)/, 'its own query');
    assert.match(frame, /… 3 more not sent by Alertmanager \(max_alerts\)/);

    // The same entries in the Slack top message and in `chatops incidents show`.
    const slack = JSON.stringify(
      renderIncident({ incident, alerts, silence: null, enrichment: null, links: {}, extraActions: [], now: clock.now() }).blocks,
    );
    const cli = incidentDetail(incident, alerts, [], clock.now());
    for (const e of model.entries) {
      assert.ok(slack.includes(labelText(e.labels)) && slack.includes(e.summary!), `Slack lists ${labelText(e.labels)}`);
      assert.match(cli, new RegExp(`${labelText(e.labels)} since .* — ${e.summary}`));
    }
    assert.match(slack, /and 3 more \(3 not sent by Alertmanager \(max_alerts\)\)/);
    assert.match(cli, /3 more not sent by Alertmanager \(max_alerts\)/);
  });

  it('says how many are stored but not read here and how many Alertmanager did not send', () => {
    const incident = {
      id: 1,
      key: 'k',
      status: 'firing' as const,
      alertname: 'PodNotReady',
      severity: 'warning',
      namespace: 'shop',
      target: 'api',
      labels: base,
      annotations: {},
      groupKey: GROUP,
      externalURL: '',
      firing: 10,
      total: 10,
      truncatedAlerts: 4,
      openedAt: T0,
      updatedAt: T0,
      resolvedAt: null,
      acknowledgedBy: null,
      acknowledgedAt: null,
    };
    const read = [0, 1, 2].map((k) => ({
      ...pod(k),
      incidentId: 1,
      status: 'firing' as const,
      endsAt: null,
      generatorURL: '',
      updatedAt: T0,
    }));
    const text = detailLines({ incident, alerts: read, timeline: [], pending: [], selectedRequest: 0, now: T0, width: 200 })
      .map((l) => l.text)
      .join('\n');
    assert.match(text, /Alerts \(10 firing of 10 \+ 4 not sent by Alertmanager; the first 3 here\)/);
    assert.match(text, /… 11 more \(7 stored; 4 not sent by Alertmanager \(max_alerts\)\): chatops incidents show 1/);
  });

  it("never lets an alert's labels or summary drive the terminal", async (t) => {
    const { frame } = await openIncident(t, (store, clock) => {
      ingest(
        store,
        clock,
        [
          {
            ...pod(1),
            labels: { ...base, pod: 'api-\u001b]0;pwned\u0007x\u202eevil' },
            annotations: { summary: '\u001b[2Jclear\u200bme\u0085now' },
          },
          pod(2),
        ],
        GROUP,
      );
    });
    assert.ok(!/[\u0000-\u0008\u000B-\u001F\u007F-\u009F\u200B\u202E]/.test(frame), JSON.stringify(frame));
    assert.match(
      frame,
      /pod=api-xevil since .* — clearme now/,
      'escape sequences removed whole, invisible characters dropped, line breaks as spaces',
    );
  });
});
