import './force-no-colour.js';
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { render } from 'ink-testing-library';
import { App } from '../../src/tui/app.js';
import { depsFor, frameWith, ingest, manualClock, openStore, seedThree } from './support.js';

it('reads without colour: no escape codes, status by symbol and word, selection by marker', async (t) => {
  const store = openStore(t);
  const clock = manualClock();
  seedThree(store, clock);
  store.transaction(() =>
    store.updateIncident({ ...store.getIncident(3)!, status: 'acknowledged', acknowledgedBy: 'cli:bob', acknowledgedAt: clock.now() }),
  );
  const ui = render(<App deps={depsFor(store, clock)} size={{ columns: 120, rows: 16 }} />);
  t.after(() => ui.unmount());
  const f = await frameWith(ui.lastFrame, 'DiskFull');
  assert.ok(!f.includes('\u001B['), `escape codes in:\n${JSON.stringify(f)}`);
  const rows = f.split('\n');
  assert.match(
    rows.find((l) => l.includes('CrashLoop'))!,
    /^› #1\s+● firing/,
  );
  assert.match(
    rows.find((l) => l.includes('HighLatency'))!,
    /^ {2}#3\s+◐ acked\s.*cli:bob/,
  );
  assert.match(
    rows.find((l) => l.includes('DiskFull'))!,
    /^ {2}#2\s+✓ resolved/,
  );
});

it('never lets alert text drive the terminal: control characters in labels and annotations are blanked', async (t) => {
  const store = openStore(t);
  const clock = manualClock();
  ingest(
    store,
    clock,
    [
      {
        fingerprint: 'eeee000000000001',
        labels: { alertname: 'Evil\u001B[2JName', namespace: 'prod\u0007', deployment: 'x\u009B31m' },
        annotations: { summary: 'clear\u001B[2J\u001B[Hscreen', description: 'title\u001B]0;pwned\u0007 bell' },
      },
    ],
    '{}:{alertname="Evil"}',
  );
  const ui = render(<App deps={depsFor(store, clock)} size={{ columns: 120, rows: 30 }} />);
  t.after(() => ui.unmount());
  let f = await frameWith(ui.lastFrame, 'Evil');
  assert.ok(!/[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/.test(f), JSON.stringify(f));
  ui.stdin.write('\r');
  f = await frameWith(ui.lastFrame, 'Labels');
  assert.ok(!/[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/.test(f), JSON.stringify(f));
  assert.match(f, /summary: clearscreen\n/, 'escape sequences are removed whole, no debris');
});
