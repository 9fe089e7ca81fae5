import './force-colour.js';
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { render } from 'ink-testing-library';
import { App } from '../../src/tui/app.js';
import { depsFor, frameWith, manualClock, openStore, seedThree } from './support.js';

it('colours status: firing red, resolved green (the symbol and word are there too)', async (t) => {
  const store = openStore(t);
  const clock = manualClock();
  seedThree(store, clock);
  const ui = render(<App deps={depsFor(store, clock)} size={{ columns: 120, rows: 16 }} />);
  t.after(() => ui.unmount());
  const f = await frameWith(ui.lastFrame, 'DiskFull');
  assert.ok(f.includes('\u001B[31m● firing'), 'firing in red');
  assert.ok(f.includes('\u001B[32m✓ resolved'), 'resolved in green');
});
