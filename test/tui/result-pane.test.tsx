/**
 * What a read returns (pods, events, logs) opens in a pane of its own that scrolls, instead of
 * being squeezed into the status line and cut off.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { render } from 'ink-testing-library';
import { App } from '../../src/tui/app.js';
import type { TuiOperator } from '../../src/tui/source.js';
import { depsFor, frameWhere, frameWith, KEY, manualClock, openStore, fakeRequestOutcome, seedThree } from './support.js';

const LOG = Array.from({ length: 60 }, (_, n) => `checkout-1 ${String(n + 1).padStart(2, '0')} GET /cart 200 ${'x'.repeat(n % 7)}`);

/** A service that reads: what the operator service answers for `logs` (a done outcome with the read's lines). */
const reading: Partial<TuiOperator> = {
  actionsFor: () => [
    { action: 'logs', title: 'Recent log lines', risk: 'read', decision: { kind: 'run', risk: 'read', reason: 'allowed' } },
  ],
  request: async (input) => fakeRequestOutcome('done', LOG.slice(0, 3).join(' · '), input, { read: { lines: LOG, data: null } }),
};

it('shows the lines of a read in a pane that scrolls, and Esc closes it', async (t) => {
  const store = openStore(t);
  const clock = manualClock();
  seedThree(store, clock);
  const ui = render(<App deps={depsFor(store, clock, { operator: reading })} size={{ columns: 120, rows: 20 }} />);
  t.after(() => ui.unmount());
  await frameWith(ui.lastFrame, '1 of 3');
  ui.stdin.write('j');
  await frameWhere(ui.lastFrame, (f) => /^› .*CrashLoop/m.test(f), 'cursor on CrashLoop');
  ui.stdin.write('r');
  await frameWith(ui.lastFrame, '1) logs [read]');
  ui.stdin.write('1');
  await frameWith(ui.lastFrame, '[y/N]');
  ui.stdin.write('y');
  let f = await frameWith(ui.lastFrame, 'logs prod/checkout: 60 line(s) below');
  assert.match(f, /checkout-1 01 GET \/cart 200/);
  assert.match(f, /checkout-1 05 GET \/cart 200/, 'one line each, not squeezed into the status line');
  assert.ok(!f.includes('NAMESPACE/TARGET'), 'the pane takes the body');
  assert.match(f, /Esc close/);
  ui.stdin.write(KEY.pageDown);
  f = await frameWhere(ui.lastFrame, (x) => !x.includes('checkout-1 01 ') && x.includes('checkout-1 20 '), 'a page further');
  ui.stdin.write('G');
  f = await frameWith(ui.lastFrame, 'checkout-1 60 GET /cart 200');
  ui.stdin.write('k');
  await frameWhere(ui.lastFrame, (x) => !x.includes('checkout-1 60 '), 'one line back up');
  ui.stdin.write(KEY.escape);
  f = await frameWith(ui.lastFrame, 'NAMESPACE/TARGET');
  assert.ok(/^› .*CrashLoop/m.test(f), f);
});
