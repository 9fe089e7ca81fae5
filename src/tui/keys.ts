/**
 * The key table: every key the UI answers outside a text prompt, where it works, what it does,
 * and how help and the footer name it. Dispatch, the footer hints and the `?` help are all read
 * from this one table, so they cannot disagree.
 */
import type { Key } from 'ink';

/** Where keys are read: the incident list, one incident, or a result pane (pods, logs). */
export type KeyContext = 'list' | 'detail' | 'pane';

export type Command =
  | 'help'
  | 'quit'
  | 'up'
  | 'down'
  | 'pageUp'
  | 'pageDown'
  | 'first'
  | 'last'
  | 'open'
  | 'back'
  | 'clearFilter'
  | 'filter'
  | 'showFiring'
  | 'showAcknowledged'
  | 'showResolved'
  | 'showOpen'
  | 'showAll'
  | 'ack'
  | 'silence'
  | 'unsilence'
  | 'remediate'
  | 'nextRequest'
  | 'approve'
  | 'deny';

type Matcher = (input: string, key: Key) => boolean;

/** A printable key (Ink gives special keys an empty input, so '' never matches here). */
const ch =
  (c: string): Matcher =>
  (input, key) =>
    input === c && !key.ctrl && !key.meta;
type Named = 'upArrow' | 'downArrow' | 'leftArrow' | 'pageUp' | 'pageDown' | 'home' | 'end' | 'return' | 'escape' | 'tab' | 'backspace';
const named =
  (name: Named): Matcher =>
  (_input, key) =>
    key[name];
const either =
  (...ms: Matcher[]): Matcher =>
  (input, key) =>
    ms.some((m) => m(input, key));

export interface KeyRow {
  /** How help names the keys. */
  label: string;
  help: string;
  /** Short form for the footer; a row without one is only in help. */
  hint?: string;
  contexts: readonly KeyContext[];
  /** Starts an action on the incident: refused while another action runs. */
  acts?: true;
  keys: readonly (readonly [Matcher, Command])[];
}

const EVERYWHERE: readonly KeyContext[] = ['list', 'detail', 'pane'];
const ON_INCIDENTS: readonly KeyContext[] = ['list', 'detail'];

export const KEY_TABLE: readonly KeyRow[] = [
  { label: '?', help: 'this help', hint: '? keys', contexts: EVERYWHERE, keys: [[ch('?'), 'help']] },
  { label: 'q', help: 'quit', hint: 'q quit', contexts: EVERYWHERE, keys: [[ch('q'), 'quit']] },
  { label: 'Enter', help: 'open the incident', hint: 'Enter open', contexts: ['list'], keys: [[named('return'), 'open']] },
  {
    label: 'Esc',
    help: 'back to the list',
    hint: 'Esc back',
    contexts: ['detail'],
    keys: [[either(named('escape'), named('leftArrow'), named('backspace')), 'back']],
  },
  {
    label: 'Esc',
    help: 'close the result',
    hint: 'Esc close',
    contexts: ['pane'],
    keys: [[either(named('escape'), named('leftArrow'), named('backspace')), 'back']],
  },
  { label: 'Esc', help: 'clear the text filter', contexts: ['list'], keys: [[named('escape'), 'clearFilter']] },
  {
    label: '↑/↓  j/k',
    help: 'move',
    contexts: ['list'],
    keys: [
      [either(named('upArrow'), ch('k')), 'up'],
      [either(named('downArrow'), ch('j')), 'down'],
    ],
  },
  {
    label: '↑/↓  j/k',
    help: 'scroll',
    hint: '↑↓ scroll',
    contexts: ['detail', 'pane'],
    keys: [
      [either(named('upArrow'), ch('k')), 'up'],
      [either(named('downArrow'), ch('j')), 'down'],
    ],
  },
  {
    label: 'PgUp/PgDn',
    help: 'page up / down',
    contexts: EVERYWHERE,
    keys: [
      [named('pageUp'), 'pageUp'],
      [either(named('pageDown'), ch(' ')), 'pageDown'],
    ],
  },
  {
    label: 'g / G',
    help: 'first / last',
    contexts: EVERYWHERE,
    keys: [
      [either(ch('g'), named('home')), 'first'],
      [either(ch('G'), named('end')), 'last'],
    ],
  },
  {
    label: '/',
    help: 'filter by text (alertname, namespace, target, labels; key=value for one label)',
    hint: '/ filter',
    contexts: ['list'],
    keys: [[ch('/'), 'filter']],
  },
  {
    label: '1 2 3 4 0',
    help: 'only firing / acknowledged / resolved / open (firing + acknowledged) / all',
    hint: '1 2 3 4 0 status',
    contexts: ['list'],
    keys: [
      [ch('1'), 'showFiring'],
      [ch('2'), 'showAcknowledged'],
      [ch('3'), 'showResolved'],
      [ch('4'), 'showOpen'],
      [ch('0'), 'showAll'],
    ],
  },
  { label: 'a', help: 'acknowledge the incident', hint: 'a ack', contexts: ON_INCIDENTS, acts: true, keys: [[ch('a'), 'ack']] },
  {
    label: 's / u',
    help: 'silence its alerts in Alertmanager (for a duration, or until resolved) / expire that silence',
    hint: 's silence',
    contexts: ON_INCIDENTS,
    acts: true,
    keys: [
      [ch('s'), 'silence'],
      [ch('u'), 'unsilence'],
    ],
  },
  {
    label: 'r',
    help: 'request remediation (actions the policy enables for the target)',
    hint: 'r remediate',
    contexts: ON_INCIDENTS,
    acts: true,
    keys: [[ch('r'), 'remediate']],
  },
  {
    label: 'Tab',
    help: 'select the next pending request',
    hint: 'Tab next request',
    contexts: ['detail'],
    keys: [[named('tab'), 'nextRequest']],
  },
  {
    label: 'A / D',
    help: 'approve / deny the selected pending request',
    hint: 'A D approve/deny',
    contexts: ON_INCIDENTS,
    acts: true,
    keys: [
      [ch('A'), 'approve'],
      [ch('D'), 'deny'],
    ],
  },
];

/** The row and command a key means in a context, if any. */
export function commandFor(context: KeyContext, input: string, key: Key): { row: KeyRow; command: Command } | null {
  for (const row of KEY_TABLE) {
    if (!row.contexts.includes(context)) continue;
    for (const [matches, command] of row.keys) if (matches(input, key)) return { row, command };
  }
  return null;
}

/** The footer: the hints of the keys that work here. */
export function hintsFor(context: KeyContext): string {
  return KEY_TABLE.filter((r) => r.hint && r.contexts.includes(context))
    .map((r) => r.hint)
    .join(' · ');
}

const CONTEXT_NAME: Record<KeyContext, string> = { list: 'list', detail: 'incident', pane: 'result' };

/** The `?` help: one line per key, saying where it does what when that is not everywhere. */
export function helpRows(): { keys: string; text: string }[] {
  const out = new Map<string, string[]>();
  for (const r of KEY_TABLE) {
    const where = r.contexts.length === EVERYWHERE.length ? '' : ` (${r.contexts.map((c) => CONTEXT_NAME[c]).join(', ')})`;
    out.set(r.label, [...(out.get(r.label) ?? []), `${r.help}${where}`]);
  }
  return [...out].map(([keys, texts]) => ({ keys, text: texts.join('; ') }));
}
