/**
 * The UI costs what is on screen: it reads one window of rows, re-reads only when what it
 * shows changed (not for the daemon's heartbeat), and redraws for the clock only when the time
 * on screen changes. Functional checks: counted reads and frames, no timing.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { render } from 'ink-testing-library';
import { SqliteIncidentBrowser } from '../../src/adapters/store/incident-browser.js';
import { SqliteStore } from '../../src/adapters/store/sqlite-store.js';
import { acknowledgeIncident } from '../../src/core/incident-actions.js';
import { App } from '../../src/tui/app.js';
import { storeSource, type IncidentSource } from '../../src/tui/source.js';
import { depsFor, frameWhere, frameWith, ingest, KEY, manualClock, openStore, seedThree, T0 } from './support.js';

const settle = () => new Promise((r) => setTimeout(r, 400));

/** The store's source, counting the reads the UI makes. */
function countingSource(store: SqliteStore) {
  const inner = storeSource(store);
  const reads = { pages: [] as number[], incidents: 0, alerts: [] as number[] };
  const source: IncidentSource = {
    ...inner,
    page: (q, offset, limit) => {
      reads.pages.push(limit);
      return inner.page(q, offset, limit);
    },
    incident: (id) => {
      reads.incidents++;
      return inner.incident(id);
    },
    alerts: (id, limit) => {
      reads.alerts.push(limit);
      return inner.alerts(id, limit);
    },
  };
  return { source, reads };
}

describe('change detection', () => {
  it('changes() ignores heartbeats and other bookkeeping, and sees every change the UI shows, by any connection', (t) => {
    const store = openStore(t);
    const clock = manualClock();
    seedThree(store, clock);
    const browser = new SqliteIncidentBrowser(store.db);
    const daemon = new SqliteStore({ path: store.path });
    t.after(() => daemon.close());
    const before = browser.changes();
    assert.equal(browser.changes(), before);

    const version = browser.dataVersion();
    daemon.setMeta('daemon.heartbeat', JSON.stringify({ pid: 1, startedAt: T0, url: 'http://127.0.0.1:1' }), clock.now());
    daemon.setMeta('slack.socket', JSON.stringify({ state: 'connected' }), clock.now());
    daemon.enqueue({ kind: 'incident.opened', incidentId: 1, payload: {} }, clock.now());
    assert.notEqual(browser.dataVersion(), version, 'the daemon committed');
    assert.equal(browser.changes(), before, 'but nothing the UI shows changed');

    ingest(
      daemon,
      clock,
      [{ fingerprint: 'ffff000000000001', labels: { alertname: 'Fresh', namespace: 'prod' } }],
      '{}:{alertname="Fresh"}',
    );
    const afterIngest = browser.changes();
    assert.notEqual(afterIngest, before, 'an alert from the daemon is a change');

    // This connection's own commit (data_version does not move for it).
    acknowledgeIncident({ store, clock, notify: false }, 1, { id: 'cli:alice', source: 'tui' });
    assert.notEqual(browser.changes(), afterIngest, 'our own acknowledgement is a change');
  });

  it('counts follow the data (cached per change, never stale)', (t) => {
    const store = openStore(t);
    const clock = manualClock();
    seedThree(store, clock);
    const browser = new SqliteIncidentBrowser(store.db);
    assert.deepEqual(browser.counts({}), { firing: 2, acknowledged: 0, resolved: 1 });
    assert.deepEqual(browser.counts({ text: 'prod' }), { firing: 2, acknowledged: 0, resolved: 0 });
    acknowledgeIncident({ store, clock, notify: false }, 3, { id: 'cli:alice', source: 'tui' });
    assert.deepEqual(browser.counts({}), { firing: 1, acknowledged: 1, resolved: 1 });
    assert.deepEqual(browser.counts({ text: 'prod' }), { firing: 1, acknowledged: 1, resolved: 0 });
  });
});

describe('the UI on a live database', () => {
  it('does not re-read or redraw for the daemon heartbeat, and does for a new incident', async (t) => {
    const store = openStore(t);
    const clock = manualClock();
    seedThree(store, clock);
    const { source, reads } = countingSource(store);
    const ui = render(<App deps={depsFor(store, clock, { source, reloadMs: 50 })} size={{ columns: 120, rows: 20 }} />);
    t.after(() => ui.unmount());
    const daemon = new SqliteStore({ path: store.path });
    t.after(() => daemon.close());
    const beat = () =>
      daemon.setMeta('daemon.heartbeat', JSON.stringify({ pid: 4242, startedAt: T0, url: 'http://127.0.0.1:9' }), clock.now());
    beat();
    await frameWith(ui.lastFrame, 'daemon ✓ up (pid 4242)');
    await settle();
    const pages = reads.pages.length;
    const frames = ui.frames.length;
    for (let n = 0; n < 5; n++) {
      beat();
      await new Promise((r) => setTimeout(r, 120));
    }
    assert.equal(reads.pages.length, pages, 'heartbeats re-read the list');
    assert.equal(ui.frames.length, frames, 'heartbeats redrew the screen');

    ingest(
      daemon,
      clock,
      [{ fingerprint: 'dddd000000000009', labels: { alertname: 'LiveArrival', namespace: 'shop' } }],
      '{}:{alertname="LiveArrival"}',
    );
    await frameWith(ui.lastFrame, 'LiveArrival');
    assert.ok(reads.pages.length > pages);
  });

  it('asks the database for one screenful at a time, whatever it holds', async (t) => {
    const store = openStore(t);
    store.transaction(() => {
      for (let k = 1; k <= 5000; k++) {
        store.insertIncident({
          key: `k${k}`,
          status: k % 3 ? 'resolved' : 'firing',
          alertname: `Bulk${k}`,
          severity: 'info',
          namespace: 'bulk',
          target: '',
          labels: {},
          annotations: {},
          groupKey: `g${k}`,
          externalURL: '',
          firing: 1,
          total: 1,
          openedAt: T0,
          updatedAt: T0 + k,
          resolvedAt: null,
          acknowledgedBy: null,
          acknowledgedAt: null,
        });
      }
    });
    const { source, reads } = countingSource(store);
    const ui = render(<App deps={depsFor(store, manualClock(), { source })} size={{ columns: 100, rows: 16 }} />);
    t.after(() => ui.unmount());
    await frameWith(ui.lastFrame, 'of 5000');
    for (const key of [KEY.pageDown, 'G', KEY.pageUp, 'g', '3', '0']) {
      const frames = ui.frames.length;
      ui.stdin.write(key);
      await frameWhere(
        () => (ui.frames.length > frames ? 'moved' : ''),
        (f) => f === 'moved',
        `a frame after ${JSON.stringify(key)}`,
      );
    }
    await settle();
    assert.ok(Math.max(...reads.pages) <= 10, `largest read ${Math.max(...reads.pages)} rows for a 10-row body`);
    assert.equal(reads.alerts.length, 0, 'the list reads no alerts');
  });

  it('opens an incident of a storm reading a bounded number of its alerts and entries, saying where the rest are', async (t) => {
    const store = openStore(t);
    const clock = manualClock();
    for (let batch = 0; batch < 3; batch++) {
      ingest(
        store,
        clock,
        Array.from({ length: 100 }, (_, k) => ({
          fingerprint: (0x5000 + batch * 100 + k).toString(16).padStart(16, '0'),
          labels: { alertname: 'Storm', namespace: 'prod', pod: `p-${batch * 100 + k}` },
        })),
        '{}:{alertname="Storm"}',
      );
    }
    for (let n = 0; n < 250; n++)
      store.appendAudit({
        ts: clock.now(),
        actor: 'cli:bob',
        source: 'cli',
        action: 'incident.note',
        target: null,
        incidentId: 1,
        result: 'ok',
        detail: { n },
      });
    const { source, reads } = countingSource(store);
    const ui = render(<App deps={depsFor(store, clock, { source })} size={{ columns: 120, rows: 30 }} />);
    t.after(() => ui.unmount());
    await frameWith(ui.lastFrame, '1 of 1');
    ui.stdin.write(KEY.enter);
    await frameWith(ui.lastFrame, 'Labels');
    ui.stdin.write('G');
    await frameWith(ui.lastFrame, 'n=249');
    const seen = new Set<string>();
    // Page up from the end, one frame at a time, until the alerts heading has gone by.
    for (let n = 0; n < 100 && ![...seen].some((l) => l.includes('Alerts (')); n++) {
      const before = ui.lastFrame();
      ui.stdin.write(KEY.pageUp);
      const f = await frameWhere(ui.lastFrame, (x) => x !== before, 'the page above');
      for (const l of f.split('\n')) seen.add(l);
    }
    const all = [...seen].join('\n');
    assert.match(all, /Alerts \(300 firing of 300; the first 200 here\)/);
    assert.match(all, /… 100 more: chatops incidents show 1/);
    assert.match(all, /… \d+ earlier entries: chatops incidents show 1/);
    assert.ok(
      reads.alerts.every((limit) => limit <= 200),
      reads.alerts.join(','),
    );
  });

  it('redraws for the clock only when the time shown changes', async (t) => {
    const store = openStore(t);
    const clock = manualClock();
    seedThree(store, clock); // the clock stands 8–10 minutes after the incidents opened
    const ui = render(<App deps={depsFor(store, clock)} size={{ columns: 120, rows: 20 }} />);
    t.after(() => ui.unmount());
    await frameWhere(ui.lastFrame, (f) => /#1 .*10m/.test(f), 'ages on screen');
    await settle();
    const frames = ui.frames.length;
    clock.set(clock.now() + 20_000);
    await settle();
    assert.equal(ui.frames.length, frames, 'twenty seconds later every age still reads the same minute');
    clock.set(clock.now() + 40_000);
    await frameWhere(ui.lastFrame, (f) => /#1 .*11m/.test(f), 'the ages a minute later');
  });
});
