/**
 * Keys while something is asked over the screen: a line of text (filter, prompt), a yes/no
 * confirmation, a numbered choice, or the help. Everything typed goes to the question; the key
 * table applies again once it is answered or cancelled.
 */
import type { Key } from 'ink';
import { clean } from '../text/terminal.js';
import type { Overlay } from './state.js';

export interface OverlayOps {
  /** Replaces the overlay (null closes it). */
  ask(overlay: Overlay | null): void;
  /** Closes the overlay saying that nothing was done. */
  cancel(text: string): void;
  /** The live text filter as typed. */
  filterText(): string;
  setFilterText(text: string): void;
  quit(): void;
}

const typed = (input: string, key: Key): boolean => input !== '' && !key.ctrl && !key.meta;

export function overlayKey(overlay: Overlay, input: string, key: Key, ops: OverlayOps): void {
  switch (overlay.kind) {
    case 'filter':
      if (key.return) ops.ask(null);
      else if (key.escape) {
        ops.setFilterText(overlay.before);
        ops.ask(null);
      } else if (key.backspace || key.delete) ops.setFilterText(ops.filterText().slice(0, -1));
      else if (typed(input, key)) ops.setFilterText(ops.filterText() + clean(input));
      return;
    case 'prompt':
      if (key.return) overlay.submit(overlay.value);
      else if (key.escape) ops.cancel('Cancelled: nothing was done.');
      else if (key.backspace || key.delete) ops.ask({ ...overlay, value: overlay.value.slice(0, -1) });
      else if (typed(input, key)) ops.ask({ ...overlay, value: overlay.value + clean(input) });
      return;
    case 'confirm':
      if (input === 'y' || input === 'Y') {
        ops.ask(null);
        overlay.run();
      } else ops.cancel('Cancelled: nothing was done.');
      return;
    case 'choose':
      if (/^[1-9]$/.test(input) && Number(input) <= overlay.options.length) overlay.pick(Number(input) - 1);
      else if (key.escape || input === 'q') ops.cancel('Cancelled.');
      return;
    case 'help':
      if (input === 'q') ops.quit();
      else ops.ask(null);
      return;
  }
}
