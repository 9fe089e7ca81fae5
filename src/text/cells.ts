/**
 * Display widths for tables: wide CJK and emoji take two cells, combining marks none. Apart
 * from the sanitiser (terminal.ts) because string-width builds an Intl.Segmenter when loaded
 * (~20 ms): `--help` and commands that print no table do not pay for it.
 */
import stringWidth from 'string-width';

/**
 * Characters that always take one cell: printable ASCII and Latin-1 to IPA (not the soft
 * hyphen), punctuation, arrows, box drawing and the geometric shapes a table uses (● ◐ ○), not
 * the two that are emoji (◽ ◾), and ✓ ✗. Most of a table: string-width's Unicode-property
 * regexes cost ~30 ms to compile on first use, more than the rest of `incidents list`.
 * test/cli/cells.test.ts checks every one of them against string-width.
 */
export const NARROW = /^[\x20-\x7e\u00a0-\u00ac\u00ae-\u02ff\u2010-\u2027\u2030-\u205e\u2190-\u21ff\u2500-\u25fc\u25ff\u2713\u2717]*$/;
const cells = (s: string): number => (NARROW.test(s) ? s.length : stringWidth(s));

/** Cells `s` takes on a terminal (wide CJK and emoji count two, combining marks none). */
export function displayWidth(s: string): number {
  return cells(s);
}

/** `s` padded with spaces to `width` cells (never cut). */
export function padCells(s: string, width: number): string {
  const w = cells(s);
  return w >= width ? s : s + ' '.repeat(width - w);
}

/** `s` cut to at most `width` cells, with an ellipsis when cut; a wide character is never split. */
export function truncateCells(s: string, width: number): string {
  if (cells(s) <= width) return s;
  if (width <= 0) return '';
  const room = width - 1;
  let out = '';
  let used = 0;
  for (const { segment } of new Intl.Segmenter().segment(s)) {
    const w = cells(segment);
    if (used + w > room) break;
    out += segment;
    used += w;
  }
  return `${out}…`;
}

/** `s` cut and padded to exactly `width` cells. */
export function fitCells(s: string, width: number): string {
  return padCells(truncateCells(s, width), width);
}
