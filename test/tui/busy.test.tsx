/**
 * While an action runs, only the keys that start another action wait; moving, opening,
 * paging, Tab and Esc keep working (they used to be swallowed with "wait for it to finish").
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { render } from 'ink-testing-library';
import type { RequestData } from '../../src/core/operator.js';
import type { Outcome } from '../../src/core/outcome.js';
import { App } from '../../src/tui/app.js';
import type { TuiOperator } from '../../src/tui/source.js';
import { depsFor, frameWhere, frameWith, KEY, manualClock, openStore, fakeRequestOutcome, seedThree } from './support.js';

const rowOf = (frame: string, text: string) => frame.split('\n').find((l) => l.includes(text)) ?? '';

/** The service's request, held in flight until the test lets it finish. */
function slowRemediation(): { port: Partial<TuiOperator>; finish: (o: Outcome<RequestData>) => void } {
  let finish: (o: Outcome<RequestData>) => void = () => {};
  return {
    finish: (o) => finish(o),
    port: {
      actionsFor: () => [
        {
          action: 'rollout-restart',
          title: 'Rollout restart',
          risk: 'mutate',
          decision: { kind: 'run', risk: 'mutate', reason: 'allowed' },
        },
      ],
      request: () =>
        new Promise((resolve) => {
          finish = resolve;
        }),
    },
  };
}

it('keeps navigation keys working while an action runs, and holds only the action keys', async (t) => {
  const store = openStore(t);
  const clock = manualClock();
  seedThree(store, clock);
  const slow = slowRemediation();
  const ui = render(<App deps={depsFor(store, clock, { operator: slow.port })} size={{ columns: 140, rows: 24 }} />);
  t.after(() => ui.unmount());
  await frameWhere(ui.lastFrame, (f) => rowOf(f, 'HighLatency').startsWith('›'), 'the list');
  ui.stdin.write('r');
  await frameWith(ui.lastFrame, 'Request which action');
  ui.stdin.write('1');
  await frameWith(ui.lastFrame, '[y/N]');
  ui.stdin.write('y');
  await frameWith(ui.lastFrame, 'Requesting rollout-restart…');

  ui.stdin.write(KEY.down);
  let f = await frameWhere(ui.lastFrame, (x) => rowOf(x, 'CrashLoop').startsWith('›') || x.includes('wait for it'), 'the cursor to move');
  assert.ok(rowOf(f, 'CrashLoop').startsWith('›'), `↓ was swallowed:\n${f}`);
  ui.stdin.write(KEY.pageDown);
  f = await frameWhere(ui.lastFrame, (x) => rowOf(x, 'DiskFull').startsWith('›') || x.includes('wait for it'), 'PgDn to move');
  assert.ok(rowOf(f, 'DiskFull').startsWith('›'), `PgDn was swallowed:\n${f}`);
  ui.stdin.write(KEY.enter);
  f = await frameWhere(ui.lastFrame, (x) => x.includes('#2 DiskFull — ✓ resolved') || x.includes('wait for it'), 'Enter to open');
  assert.ok(f.includes('Labels'), `Enter was swallowed:\n${f}`);
  ui.stdin.write(KEY.tab);
  f = await frameWith(ui.lastFrame, 'no pending request');
  assert.doesNotMatch(f, /wait for it/);
  ui.stdin.write(KEY.escape);
  f = await frameWhere(ui.lastFrame, (x) => x.includes('NAMESPACE/TARGET') || x.includes('wait for it'), 'Esc to go back');
  assert.doesNotMatch(f, /wait for it/, `Esc was swallowed:\n${f}`);

  // A second action waits for the first.
  ui.stdin.write('a');
  await frameWith(ui.lastFrame, 'Requesting rollout-restart… wait for it to finish.');
  slow.finish(
    fakeRequestOutcome('done', 'Restarted prod/checkout.', {
      action: 'rollout-restart',
      target: { namespace: 'prod', deployment: 'checkout' },
    }),
  );
  await frameWith(ui.lastFrame, '✓ Restarted prod/checkout.');
  ui.stdin.write('a');
  await frameWith(ui.lastFrame, '[y/N]');
});
