/**
 * The chart on a terminal, for `chatops incidents show` and the TUI detail view: every series
 * drawn in Unicode braille (2×4 dots per character), the threshold as a dotted line, the alert
 * start (and resolve) marked under the time axis, then one sparkline row per series with its
 * latest value, so series can be told apart without colour. Pure: lines of text.
 */
import { lastValue, type ChartSpec } from '../core/chart.js';
import { formatValue, thresholdText } from '../core/promql.js';
import { displayWidth, fitCells, truncateCells } from '../text/cells.js';

export interface TextChartOptions {
  /** Columns for the whole chart, labels included. */
  width: number;
  /** Rows of braille (each 4 dots high). */
  height: number;
}

const DOT = [
  [0x01, 0x08],
  [0x02, 0x10],
  [0x04, 0x20],
  [0x40, 0x80],
];
const SPARK = '▁▂▃▄▅▆▇█';
/** Times on the axis: HH:MM, with seconds when the window is short. */
const clock = (t: number, span: number) => new Date(t).toISOString().slice(11, span < 10 * 60_000 ? 19 : 16);

/** The usual spacing of a series' samples (its median step): a wider gap is a gap in the data. */
function typicalStep(points: readonly [number, number][]): number {
  const steps = points
    .slice(1)
    .map(([t], i) => t - points[i]![0])
    .filter((d) => d > 0)
    .sort((a, b) => a - b);
  return steps.length ? steps[Math.floor(steps.length / 2)]! : Infinity;
}

/** The value at each of `n` moments across [start, end]: the latest sample no older than two steps, or NaN. */
function resample(points: readonly [number, number][], start: number, end: number, n: number): number[] {
  const finite = points.filter(([, v]) => Number.isFinite(v));
  const maxAge = 2 * typicalStep(finite);
  const out: number[] = [];
  let j = 0;
  for (let i = 0; i < n; i++) {
    const t = start + ((end - start) * (i + 0.5)) / n;
    while (j + 1 < finite.length && finite[j + 1]![0] <= t) j++;
    const p = finite[j];
    out.push(p && p[0] <= t && t - p[0] <= maxAge ? p[1] : NaN);
  }
  return out;
}

function extent(spec: ChartSpec): [number, number] | null {
  let lo = Infinity;
  let hi = -Infinity;
  for (const l of spec.lines) {
    for (const [, v] of l.points) {
      if (!Number.isFinite(v)) continue;
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
  }
  if (lo > hi) return null;
  if (spec.threshold && Number.isFinite(spec.threshold.value)) {
    lo = Math.min(lo, spec.threshold.value);
    hi = Math.max(hi, spec.threshold.value);
  }
  if (lo === hi) {
    const pad = Math.abs(lo) * 0.1 || 1;
    return [lo - pad, hi + pad];
  }
  return [lo, hi];
}

/** The chart as lines; a single line saying so when there is nothing to draw. */
export function textChart(spec: ChartSpec, opts: TextChartOptions): string[] {
  const head = [
    truncateCells(spec.title, opts.width),
    truncateCells(
      [
        `${clock(spec.start, spec.end - spec.start)}–${clock(spec.end, spec.end - spec.start)} UTC`,
        spec.threshold ? `threshold ${thresholdText(spec.threshold)}` : '',
        spec.omitted ? `${spec.omitted} more series not shown` : '',
      ]
        .filter(Boolean)
        .join(' · '),
      opts.width,
    ),
  ];
  const range = extent(spec);
  if (!range) return [...head, 'no data in this window'];
  const [lo, hi] = range;
  const rows = Math.max(2, opts.height);
  const labels = [formatValue(hi), formatValue((hi + lo) / 2), formatValue(lo)];
  const labelWidth = Math.max(...labels.map((l) => l.length)) + 1;
  const cols = Math.max(10, opts.width - labelWidth - 1);
  const dotsX = cols * 2;
  const dotsY = rows * 4;
  const grid = Array.from({ length: rows }, () => new Array<number>(cols).fill(0));
  const set = (x: number, y: number) => {
    if (x < 0 || y < 0 || x >= dotsX || y >= dotsY) return;
    grid[Math.floor(y / 4)]![Math.floor(x / 2)]! |= DOT[y % 4]![x % 2]!;
  };
  const yOf = (v: number) => Math.round(((hi - v) / (hi - lo)) * (dotsY - 1));
  const span = Math.max(1, spec.end - spec.start);
  for (const line of spec.lines) {
    const finite = line.points.filter(([t, v]) => Number.isFinite(v) && t >= spec.start && t <= spec.end);
    const maxGap = 2 * typicalStep(finite);
    let prev: [number, number, number] | null = null;
    for (const [t, v] of finite) {
      const x = Math.min(dotsX - 1, Math.floor(((t - spec.start) / span) * dotsX));
      const y = yOf(v);
      if (prev && t - prev[2] <= maxGap) {
        // Join to the previous sample so that a line stays one line; a gap in the data stays a gap.
        const [px, py] = prev;
        const steps = Math.max(Math.abs(x - px), Math.abs(y - py), 1);
        for (let s = 1; s <= steps; s++) set(Math.round(px + ((x - px) * s) / steps), Math.round(py + ((y - py) * s) / steps));
      } else {
        set(x, y);
      }
      prev = [x, y, t];
    }
  }
  if (spec.threshold) {
    const y = yOf(spec.threshold.value);
    for (let x = 0; x < dotsX; x += 3) set(x, y);
  }
  const xOf = (t: number) => Math.min(cols - 1, Math.max(0, Math.floor(((t - spec.start) / Math.max(1, spec.end - spec.start)) * cols)));
  for (const m of spec.markers) {
    const x = xOf(m.at) * 2;
    for (let y = 0; y < dotsY; y += 2) set(x, y);
  }
  const labelAt = (row: number) =>
    row === 0 ? labels[0]! : row === rows - 1 ? labels[2]! : row === Math.floor((rows - 1) / 2) ? labels[1]! : '';
  const out = [...head];
  grid.forEach((cells, row) => {
    out.push(`${labelAt(row).padStart(labelWidth)}┤${cells.map((c) => String.fromCharCode(0x2800 + c)).join('')}`);
  });
  out.push(`${' '.repeat(labelWidth)}└${'─'.repeat(cols)}`);
  // Time axis: the ends, and each marker under its column.
  const axis = new Array<string>(cols).fill(' ');
  const put = (at: number, text: string) => {
    const from = Math.max(0, Math.min(cols - text.length, at));
    if (axis.slice(from, from + text.length).some((c) => c !== ' ')) return;
    [...text].forEach((ch, i) => {
      axis[from + i] = ch;
    });
  };
  const w = spec.end - spec.start;
  for (const m of spec.markers) put(xOf(m.at), `▲${m.label} ${clock(m.at, w)}`);
  put(0, clock(spec.start, w));
  put(cols - clock(spec.end, w).length, clock(spec.end, w));
  out.push(`${' '.repeat(labelWidth + 1)}${axis.join('').trimEnd()}`);
  // One sparkline per series on a common scale, with its latest value.
  const sparkWidth = Math.min(40, Math.max(10, cols - 30));
  const names = spec.lines.map((l) => l.name);
  const nameWidth = Math.min(34, Math.max(...names.map(displayWidth)));
  spec.lines.forEach((l, i) => {
    const spark = resample(l.points, spec.start, spec.end, sparkWidth)
      .map((v) => (Number.isFinite(v) ? SPARK[Math.min(7, Math.max(0, Math.round(((v - lo) / (hi - lo)) * 7)))]! : ' '))
      .join('');
    const last = lastValue(l.points);
    out.push(`  ${fitCells(names[i]!, nameWidth)}  ${spark}  ${last === null ? '-' : formatValue(last)}`);
  });
  return out;
}
