/**
 * Terminal text: the one sanitiser for every byte the CLI and the TUI show on a terminal, and
 * display-width helpers (CJK and emoji take two cells) for tables.
 *
 * Alert text comes from anyone who can reach the webhook. Shown raw, an escape sequence clears
 * the screen, sets the window title or paints fake text; a bidi override (U+202E) or a
 * zero-width character makes one string look like another. So terminal output never carries:
 * escape sequences (CSI, OSC, DCS…; removed whole by `util.stripVTControlCharacters`), C0/C1
 * control characters (ESC, BEL, DEL…), Unicode format characters (bidi embeddings, overrides and
 * isolates, zero-width space/joiners, word joiner, BOM, soft hyphen…), line/paragraph
 * separators, or lone surrogates. `--json` output is exact and does not come through here.
 * Display widths (CJK and emoji take two cells) are in ./cells.ts.
 */
import { stripVTControlCharacters } from 'node:util';

/** Controls that separate words: shown as one space so "a\nb" does not read "ab". */
const SPACING = /[\t\n\v\f\r\u0085\u2028\u2029]/g;
/** Every other control or invisible format character. */
const INVISIBLE = /[\u0000-\u001f\u007f-\u009f]|\p{Cf}|\p{Zl}|\p{Zp}/gu;
const UNSAFE = /[\u0000-\u001f\u007f-\u009f]|\p{Cf}|\p{Zl}|\p{Zp}|\p{Cs}/u;

/** One line of terminal-safe text: sequences and invisible characters removed, line breaks as spaces. */
export function clean(s: string): string {
  if (!UNSAFE.test(s)) return s;
  return stripVTControlCharacters(s.toWellFormed()).replace(SPACING, ' ').replace(INVISIBLE, '');
}

/** Multi-line terminal-safe text: like `clean`, but keeps line breaks and tabs. */
export function cleanLines(s: string): string {
  if (!UNSAFE.test(s)) return s;
  return stripVTControlCharacters(s.toWellFormed())
    .replace(/\r\n?/g, '\n')
    .replace(/[\v\f\u0085\u2028\u2029]/g, ' ')
    .replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]|\p{Cf}/gu, '');
}

const ESCAPED = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]|\p{Cf}|\p{Zl}|\p{Zp}|\p{Cs}/gu;
const escapeUnits = (c: string): string =>
  c
    .split('')
    .map((u) => `\\u${u.charCodeAt(0).toString(16).padStart(4, '0')}`)
    .join('');

/**
 * For values whose exact bytes matter (ids, fingerprints): every character `clean` would drop
 * is shown as a visible escape (`\u001b`, `\u202e`), and a backslash as `\\`, so two
 * different ids never look the same.
 */
export function visible(s: string): string {
  if (!UNSAFE.test(s) && !s.includes('\\')) return s;
  return s.replace(/\\/g, '\\\\').replace(ESCAPED, escapeUnits);
}

/** What chatops itself writes to redraw a progress line: carriage return, erase the line. */
const REDRAW_LINE = '\r\x1b[2K';

/**
 * The last line of defence on the CLI's stdout and stderr: whatever a formatter missed is
 * written as a visible `\uXXXX` escape instead of reaching the terminal. Line breaks and tabs
 * pass. JSON output keeps its value: JSON.stringify escapes C0 controls itself, and the other
 * characters can only stand inside JSON strings, where `\uXXXX` means the same character.
 */
export function terminalSafe(chunk: string): string {
  const redraw = chunk.startsWith(REDRAW_LINE) ? REDRAW_LINE : '';
  const rest = redraw ? chunk.slice(redraw.length) : chunk;
  return UNSAFE.test(rest) ? redraw + rest.replace(ESCAPED, escapeUnits) : chunk;
}
