/** The key table: dispatch, footer hints and help all read it, so they agree by construction. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Key } from 'ink';
import { render } from 'ink-testing-library';
import { App } from '../../src/tui/app.js';
import { commandFor, helpRows, hintsFor, KEY_TABLE, type KeyContext } from '../../src/tui/keys.js';
import { depsFor, frameWith, KEY, manualClock, openStore, seedThree } from './support.js';

const NO_KEY: Key = {
  upArrow: false,
  downArrow: false,
  leftArrow: false,
  rightArrow: false,
  pageDown: false,
  pageUp: false,
  home: false,
  end: false,
  return: false,
  escape: false,
  ctrl: false,
  shift: false,
  tab: false,
  backspace: false,
  delete: false,
  meta: false,
  super: false,
  hyper: false,
  capsLock: false,
  numLock: false,
};
const CONTEXTS: KeyContext[] = ['list', 'detail', 'pane'];
const SPECIAL = [
  'upArrow',
  'downArrow',
  'leftArrow',
  'rightArrow',
  'pageUp',
  'pageDown',
  'home',
  'end',
  'return',
  'escape',
  'tab',
  'backspace',
  'delete',
] as const;
/** Every key a person can press here: special keys (Ink gives them an empty input) and printable characters. */
const PRESSES: [string, Key][] = [
  ...SPECIAL.map((k): [string, Key] => ['', { ...NO_KEY, [k]: true }]),
  ...[...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/?! '].map((c): [string, Key] => [c, NO_KEY]),
];

describe('key table', () => {
  it('never lets a special key start an action (an empty input matched every action key once)', () => {
    for (const context of CONTEXTS) {
      for (const [input, key] of PRESSES.filter(([i]) => i === '')) {
        const hit = commandFor(context, input, key);
        assert.ok(!hit?.row.acts, `${Object.entries(key).find(([, v]) => v)?.[0]} in ${context} starts ${hit?.command}`);
      }
    }
    assert.equal(commandFor('list', 'a', { ...NO_KEY, ctrl: true }), null, 'ctrl-a is not a');
  });

  it('gives each key at most one meaning per context', () => {
    for (const context of CONTEXTS) {
      for (const [input, key] of PRESSES) {
        const rows = KEY_TABLE.filter((r) => r.contexts.includes(context) && r.keys.some(([m]) => m(input, key)));
        assert.ok(
          rows.length <= 1,
          `${JSON.stringify(input)} ${JSON.stringify(Object.keys(key).filter((k) => key[k as keyof Key]))} in ${context}: ${rows.map((r) => r.help).join(' / ')}`,
        );
      }
    }
  });

  it('derives footer hints and help from the rows', () => {
    assert.equal(
      hintsFor('list'),
      '? keys · q quit · Enter open · / filter · 1 2 3 4 0 status · a ack · s silence · r remediate · A D approve/deny',
    );
    assert.equal(
      hintsFor('detail'),
      '? keys · q quit · Esc back · ↑↓ scroll · a ack · s silence · r remediate · Tab next request · A D approve/deny',
    );
    assert.equal(hintsFor('pane'), '? keys · q quit · Esc close · ↑↓ scroll');
    const help = helpRows();
    for (const row of KEY_TABLE)
      assert.ok(
        help.some((h) => h.keys === row.label && h.text.includes(row.help)),
        row.help,
      );
    assert.deepEqual(
      help.find((h) => h.keys === 'Esc'),
      { keys: 'Esc', text: 'back to the list (incident); close the result (result); clear the text filter (list)' },
    );
  });

  it('shows in the footer the hints of the view on screen', async (t) => {
    const store = openStore(t);
    const clock = manualClock();
    seedThree(store, clock);
    const ui = render(<App deps={depsFor(store, clock)} size={{ columns: 160, rows: 20 }} />);
    t.after(() => ui.unmount());
    await frameWith(ui.lastFrame, hintsFor('list'));
    ui.stdin.write(KEY.enter);
    await frameWith(ui.lastFrame, hintsFor('detail'));
  });
});
