/** The key map, shown by `?` and in the README. */
export const KEYMAP: readonly (readonly [string, string])[] = [
  ['↑/↓  j/k', 'move (in the detail view: scroll)'],
  ['PgUp/PgDn', 'page up / down'],
  ['g / G', 'first / last'],
  ['Enter', 'open the incident'],
  ['Esc', 'back; in the list, clear the text filter'],
  ['/', 'filter by text (alertname, namespace, target, labels; key=value for one label)'],
  ['1 2 3', 'only firing / acknowledged / resolved'],
  ['4 / 0', 'open (firing + acknowledged) / all'],
  ['a', 'acknowledge the incident'],
  ['s', 'silence its alerts in Alertmanager (asks for a duration)'],
  ['r', 'request remediation (actions the policy enables for the target)'],
  ['Tab', 'select the next pending request (detail view)'],
  ['A / D', 'approve / deny the selected pending request'],
  ['?', 'this help'],
  ['q', 'quit'],
];

export function keymapText(): string {
  const w = Math.max(...KEYMAP.map(([k]) => k.length));
  return KEYMAP.map(([k, v]) => `${k.padEnd(w)}  ${v}`).join('\n');
}
