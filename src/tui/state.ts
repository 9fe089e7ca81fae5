/** What the terminal UI remembers between keys: one value, read back at once by key handlers. */
import type { IncidentQuery } from '../adapters/store/incident-browser.js';
import type { KeyContext } from './keys.js';
import type { Status } from './outcome.js';

export type View = { kind: 'list' } | { kind: 'detail'; id: number };

/** A line of text input, a yes/no question, a numbered choice, or the help, over the screen. */
export type Overlay =
  | { kind: 'help' }
  | { kind: 'filter'; before: string }
  | { kind: 'prompt'; label: string; value: string; submit: (value: string) => void }
  | { kind: 'confirm'; text: string; run: () => void }
  | { kind: 'choose'; title: string; options: string[]; pick: (index: number) => void };

/** What a read (pods, events, logs) returned, shown over the body until Esc. */
export interface Pane {
  title: string;
  lines: string[];
  scroll: number;
}

export interface UiState {
  query: IncidentQuery;
  /** Position of the selected incident in the query's order. */
  cursor: number;
  /** Position of the first row on screen. */
  top: number;
  view: View;
  /** First line of the detail view on screen. */
  scroll: number;
  /** Which pending request of the open incident Tab has selected. */
  selectedRequest: number;
  overlay: Overlay | null;
  pane: Pane | null;
  status: Status | null;
  /** The action in flight, e.g. "Silencing #4"; another waits for it. */
  busy: string | null;
}

export function initialState(query: IncidentQuery = {}): UiState {
  return {
    query,
    cursor: 0,
    top: 0,
    view: { kind: 'list' },
    scroll: 0,
    selectedRequest: 0,
    overlay: null,
    pane: null,
    status: null,
    busy: null,
  };
}

export const contextOf = (s: UiState): KeyContext => (s.pane ? 'pane' : s.view.kind);

/** The window start that keeps `cursor` on screen, moving `top` as little as possible. */
export function windowTop(top: number, cursor: number, height: number, total: number): number {
  let t = Math.max(0, Math.min(top, total - height));
  if (cursor < t) t = cursor;
  if (cursor >= t + height) t = cursor - height + 1;
  return Math.max(0, t);
}

export const clamp = (n: number, min: number, max: number): number => Math.max(min, Math.min(Math.max(min, max), n));
