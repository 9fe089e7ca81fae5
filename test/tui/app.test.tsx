import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { render } from 'ink-testing-library';
import { App } from '../../src/tui/app.js';
import { depsFor, frameWhere, frameWith, KEY, manualClock, openStore, seedThree, tick, T0 } from './support.js';

const size = { columns: 120, rows: 20 };

function setup(t: import('node:test').TestContext, over: Parameters<typeof depsFor>[2] = {}, sz = size) {
  const store = openStore(t);
  const clock = manualClock();
  seedThree(store, clock);
  const deps = depsFor(store, clock, over);
  const ui = render(<App deps={deps} size={sz} />);
  t.after(() => ui.unmount());
  return { store, clock, deps, ui };
}

const rowOf = (frame: string, text: string) => frame.split('\n').find((l) => l.includes(text)) ?? '';

describe('incidents UI: list', () => {
  it('shows one row per incident, firing first then acknowledged then resolved, newest first', async (t) => {
    const { ui } = setup(t);
    const f = await frameWith(ui.lastFrame, 'DiskFull');
    const order = ['HighLatency', 'CrashLoop', 'DiskFull'].map((n) => f.indexOf(n));
    assert.deepEqual(
      [...order].sort((a, b) => a - b),
      order,
      f,
    );
    for (const title of ['ID', 'STATUS', 'SEVERITY', 'AGE', 'ALERTNAME', 'NAMESPACE/TARGET', 'FIRING', 'ACK BY', 'APPROVALS'])
      assert.ok(f.includes(title), title);
    const crash = rowOf(f, 'CrashLoop');
    assert.match(crash, /#1\s+● firing\s+critical\s+10m\s+CrashLoop\s+prod\/checkout\s+2\/2\s+-/);
    assert.match(rowOf(f, 'DiskFull'), /✓ resolved\s+warning/);
    assert.match(f, /● 2 firing\s+◐ 0 acked\s+✓ 1 resolved/);
    assert.match(f, /daemon ✗ never started/);
    assert.match(f, /you: cli:alice/);
  });

  it('marks the selected row with › so it reads without colour, and moves with j/k and arrows', async (t) => {
    const { ui } = setup(t);
    let f = await frameWith(ui.lastFrame, 'HighLatency');
    assert.ok(rowOf(f, 'HighLatency').startsWith('›'), f);
    ui.stdin.write('j');
    f = await frameWhere(ui.lastFrame, (x) => rowOf(x, 'CrashLoop').startsWith('›'), 'cursor on CrashLoop');
    ui.stdin.write(KEY.down);
    f = await frameWhere(ui.lastFrame, (x) => rowOf(x, 'DiskFull').startsWith('›'), 'cursor on DiskFull');
    assert.match(f, /3 of 3/);
    ui.stdin.write('j'); // stays on the last row
    await tick();
    ui.stdin.write('g');
    await frameWhere(ui.lastFrame, (x) => rowOf(x, 'HighLatency').startsWith('›'), 'g goes to the first row');
    ui.stdin.write('G');
    await frameWhere(ui.lastFrame, (x) => rowOf(x, 'DiskFull').startsWith('›'), 'G goes to the last row');
    ui.stdin.write('k');
    await frameWhere(ui.lastFrame, (x) => rowOf(x, 'CrashLoop').startsWith('›'), 'k moves up');
  });

  it('takes keys that arrive in one read (fast typing, key repeat) one at a time', async (t) => {
    const { ui } = setup(t);
    await frameWith(ui.lastFrame, '1 of 3');
    ui.stdin.write('jj\r');
    const f = await frameWith(ui.lastFrame, '#2 DiskFull — ✓ resolved');
    assert.match(f, /Labels/);
  });

  it('filters by text with / and by status with 1/2/3/4/0', async (t) => {
    const { ui } = setup(t);
    await frameWith(ui.lastFrame, 'DiskFull');
    ui.stdin.write('/');
    await frameWith(ui.lastFrame, 'Enter keeps');
    for (const c of 'checkout') {
      ui.stdin.write(c);
      await tick();
    }
    let f = await frameWhere(ui.lastFrame, (x) => x.includes('filter: /checkout') && !x.includes('HighLatency'), 'text filter applied');
    assert.ok(f.includes('CrashLoop') && !f.includes('DiskFull'), f);
    ui.stdin.write(KEY.enter);
    await tick();
    ui.stdin.write(KEY.escape); // clears the text filter
    await frameWith(ui.lastFrame, 'HighLatency');
    ui.stdin.write('3');
    f = await frameWhere(ui.lastFrame, (x) => x.includes('showing: resolved') && !x.includes('HighLatency'), 'resolved only');
    assert.ok(f.includes('DiskFull'), f);
    ui.stdin.write('1');
    f = await frameWhere(ui.lastFrame, (x) => x.includes('showing: firing') && !x.includes('DiskFull'), 'firing only');
    assert.ok(f.includes('CrashLoop') && f.includes('HighLatency'), f);
    ui.stdin.write('0');
    await frameWhere(ui.lastFrame, (x) => x.includes('showing: all') && x.includes('DiskFull'), 'all again');
    // key=value matches one label exactly
    ui.stdin.write('/');
    for (const c of 'deployment=api') {
      ui.stdin.write(c);
      await tick();
    }
    f = await frameWhere(ui.lastFrame, (x) => x.includes('deployment=api') && !x.includes('CrashLoop'), 'label filter');
    assert.ok(f.includes('HighLatency'), f);
  });

  it('drops columns on a narrow terminal instead of wrapping', async (t) => {
    const { ui } = setup(t, {}, { columns: 50, rows: 20 });
    const f = await frameWith(ui.lastFrame, 'CrashLoop');
    for (const line of f.split('\n')) assert.ok([...line].length <= 50, `line longer than 50: ${JSON.stringify(line)}`);
    assert.ok(f.includes('STATUS') && f.includes('ALERTNAME'), f);
    assert.ok(!f.includes('ACK BY') && !f.includes('APPROVALS'), f);
    assert.match(rowOf(f, 'CrashLoop'), /● firing/);
  });

  it('shows in the header when the daemon stops beating, without a key press', async (t) => {
    const { ui, store, clock } = setup(t);
    const { SqliteStore } = await import('../../src/adapters/store/sqlite-store.js');
    const daemon = new SqliteStore({ path: store.path }); // the daemon's own connection
    t.after(() => daemon.close());
    daemon.setMeta(
      'daemon.heartbeat',
      JSON.stringify({ pid: 4242, startedAt: clock.now() - 60_000, url: 'http://127.0.0.1:9095' }),
      clock.now(),
    );
    daemon.setMeta('slack.socket', JSON.stringify({ state: 'connected' }), clock.now());
    await frameWith(ui.lastFrame, 'daemon ✓ up (pid 4242) · slack ✓ connected');
    clock.set(clock.now() + 10_000);
    await frameWith(ui.lastFrame, 'daemon ✗ silent for 10s · slack ✗ (daemon down)');
  });

  it('re-lays the screen when the terminal is resized', async (t) => {
    const store = openStore(t);
    const clock = manualClock();
    seedThree(store, clock);
    const deps = depsFor(store, clock);
    const ui = render(<App deps={deps} size={{ columns: 120, rows: 20 }} />);
    t.after(() => ui.unmount());
    let f = await frameWith(ui.lastFrame, 'APPROVALS');
    ui.rerender(<App deps={deps} size={{ columns: 60, rows: 8 }} />);
    f = await frameWhere(ui.lastFrame, (x) => !x.includes('APPROVALS'), 'narrow layout');
    const lines = f.split('\n');
    assert.ok(
      lines.every((l) => [...l].length <= 60),
      f,
    );
    assert.ok(lines.length <= 7, `taller than the terminal less one row:\n${f}`);
    assert.ok(f.includes('HighLatency') && f.includes('CrashLoop'), f);
    ui.rerender(<App deps={deps} size={{ columns: 120, rows: 20 }} />);
    await frameWith(ui.lastFrame, 'APPROVALS');
  });

  it('pages through 10,000 incidents, rendering only the visible window', async (t) => {
    const store = openStore(t);
    const clock = manualClock();
    const N = 10_000;
    const name = (k: number) => `Bulk${String(k).padStart(5, '0')}`;
    store.transaction(() => {
      for (let k = 1; k <= N; k++) {
        store.insertIncident({
          key: `k${k}`,
          status: 'firing',
          alertname: name(k),
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
    const ui = render(<App deps={depsFor(store, clock)} size={{ columns: 100, rows: 16 }} />);
    t.after(() => ui.unmount());
    const cursorRow = (f: string) => f.split('\n').find((l) => l.startsWith('›')) ?? '';
    let f = await frameWith(ui.lastFrame, name(N));
    assert.equal(f.split('\n').filter((l) => l.includes('Bulk')).length, 10, 'a body of rows − 6 rows');
    ui.stdin.write(KEY.pageDown);
    f = await frameWith(ui.lastFrame, `11 of ${N}`);
    assert.ok(cursorRow(f).includes(name(N - 10)), f);
    ui.stdin.write('G');
    f = await frameWith(ui.lastFrame, `${N} of ${N}`);
    assert.ok(cursorRow(f).includes(name(1)), f);
    assert.ok(!f.includes(name(N)));
    ui.stdin.write(KEY.pageUp);
    f = await frameWith(ui.lastFrame, `${N - 10} of ${N}`);
    ui.stdin.write('k');
    f = await frameWith(ui.lastFrame, `${N - 11} of ${N}`);
    assert.ok(cursorRow(f).includes(name(12)), f);
    // typing a filter narrows the 10,000 to one
    ui.stdin.write('/');
    for (const c of name(4321)) {
      ui.stdin.write(c);
      await tick();
    }
    f = await frameWith(ui.lastFrame, '1 of 1');
    assert.ok(cursorRow(f).includes(name(4321)), f);
  });

  it('shows an incident that another process opens, without a key press', async (t) => {
    const { ui, store, clock } = setup(t);
    await frameWith(ui.lastFrame, 'HighLatency');
    // A second connection, as the daemon would be: data_version only moves for other connections.
    const { SqliteStore } = await import('../../src/adapters/store/sqlite-store.js');
    const { ingest } = await import('./support.js');
    const other = new SqliteStore({ path: store.path });
    t.after(() => other.close());
    ingest(
      other,
      clock,
      [{ fingerprint: 'dddd000000000001', labels: { alertname: 'BrandNewAlert', namespace: 'prod', deployment: 'cart' } }],
      '{}:{alertname="BrandNewAlert"}',
    );
    const f = await frameWith(ui.lastFrame, 'BrandNewAlert');
    assert.match(f, /● 3 firing/);
    // The cursor stays on the incident it was on, even though a row appeared above it.
    assert.ok(rowOf(f, 'HighLatency').startsWith('›'), f);
  });
});

describe('incidents UI: detail', () => {
  it('shows labels, annotations, alerts, links as URLs and the timeline; Esc goes back', async (t) => {
    const { ui } = setup(t);
    await frameWith(ui.lastFrame, 'HighLatency');
    ui.stdin.write('j');
    await frameWhere(ui.lastFrame, (x) => rowOf(x, 'CrashLoop').startsWith('›'), 'cursor on CrashLoop');
    ui.stdin.write(KEY.enter);
    let f = await frameWith(ui.lastFrame, 'Labels');
    assert.match(f, /#1 CrashLoop — ● firing/);
    assert.match(f, /alertname=CrashLoop/);
    assert.match(f, /summary: checkout is crash looping/);
    // Scroll to see the rest (the body is 14 rows here).
    const seen = new Set(f.split('\n'));
    for (let n = 0; n < 40; n++) {
      ui.stdin.write('j');
      await tick();
      for (const l of (ui.lastFrame() ?? '').split('\n')) seen.add(l);
    }
    const all = [...seen].join('\n');
    assert.match(all, /https:\/\/runbooks\.example\.com\/CrashLoop/);
    assert.match(all, /http:\/\/prometheus\.example:9090\/graph\?g0\.expr=up/);
    assert.match(all, /● firing\s+aaaa000000000001/);
    assert.match(all, /pod=checkout-2/);
    assert.match(all, /Pending requests \(0\)/);
    assert.match(all, /Timeline/);
    assert.match(all, /incident\.open\w* \w+ by cli:test via cli/);
    ui.stdin.write(KEY.escape);
    f = await frameWith(ui.lastFrame, 'NAMESPACE/TARGET');
    assert.ok(f.includes('DiskFull'), f);
  });

  it('shows the key map with ?', async (t) => {
    const { ui } = setup(t);
    await frameWith(ui.lastFrame, 'HighLatency');
    ui.stdin.write('?');
    const f = await frameWith(ui.lastFrame, 'Keys (any key closes this)');
    assert.match(f, /approve \/ deny the selected pending request/);
    ui.stdin.write('x');
    await frameWith(ui.lastFrame, 'NAMESPACE/TARGET');
  });
});

void T0;
