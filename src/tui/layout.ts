/**
 * The incident list's columns, laid out for a terminal width: columns drop, lowest priority
 * first, until the row fits, so a narrow terminal never wraps. Pure: no Ink here.
 */
import { formatDuration } from '../core/duration.js';
import type { Incident, IncidentStatus } from '../core/types.js';
import { clusterCell, STATUS_MARK } from '../cli/format.js';
import { clean } from '../text/terminal.js';

export type ColumnKey = 'id' | 'cluster' | 'status' | 'severity' | 'age' | 'alertname' | 'where' | 'firing' | 'ack' | 'pending';

interface ColumnSpec {
  key: ColumnKey;
  title: string;
  min: number;
  /** Widest it grows to when there is room (flexible columns only). */
  max: number;
  /** Higher survives longer when the terminal is narrow. */
  priority: number;
}

const SPECS: readonly ColumnSpec[] = [
  { key: 'id', title: 'ID', min: 5, max: 6, priority: 80 },
  // Only with named clusters (layoutColumns' `cluster`).
  { key: 'cluster', title: 'CLUSTER', min: 7, max: 16, priority: 75 },
  { key: 'status', title: 'STATUS', min: 10, max: 10, priority: 100 },
  { key: 'severity', title: 'SEVERITY', min: 8, max: 9, priority: 50 },
  { key: 'age', title: 'AGE', min: 6, max: 7, priority: 60 },
  { key: 'alertname', title: 'ALERTNAME', min: 12, max: 40, priority: 90 },
  { key: 'where', title: 'NAMESPACE/TARGET', min: 12, max: 40, priority: 70 },
  { key: 'firing', title: 'FIRING', min: 6, max: 6, priority: 40 },
  { key: 'ack', title: 'ACK BY', min: 8, max: 20, priority: 30 },
  { key: 'pending', title: 'APPROVALS', min: 9, max: 9, priority: 35 },
];

export interface Column {
  key: ColumnKey;
  title: string;
  width: number;
}

/** Width of the selection marker in front of each row ("› "). */
export const MARKER_WIDTH = 2;
const GAP = 1;

/** The columns that fit in `width`, with their widths; `cluster`: named clusters are configured. */
export function layoutColumns(width: number, opts: { cluster?: boolean } = {}): Column[] {
  let chosen = SPECS.filter((c) => c.key !== 'cluster' || opts.cluster);
  const need = (cols: readonly ColumnSpec[]) => MARKER_WIDTH + cols.reduce((n, c) => n + c.min, 0) + GAP * Math.max(0, cols.length - 1);
  while (chosen.length > 1 && need(chosen) > width) {
    const lowest = chosen.reduce((a, b) => (b.priority < a.priority ? b : a));
    chosen = chosen.filter((c) => c !== lowest);
  }
  const widths = new Map(chosen.map((c) => [c.key, c.min]));
  let spare = width - need(chosen);
  // Spare room, in phases, one cell at a time round robin within a phase: names to a useful
  // width, then who acknowledged, then names to their max, then everything else.
  const phases: [ColumnKey[], number][] = [
    [['alertname', 'where'], 24],
    [['ack'], 16],
    [['alertname', 'where'], Infinity],
    [['ack'], Infinity],
    [chosen.map((c) => c.key), Infinity],
  ];
  for (const [keys, cap] of phases) {
    const group = chosen.filter((c) => keys.includes(c.key));
    while (spare > 0) {
      let grew = false;
      for (const c of group) {
        if (spare > 0 && widths.get(c.key)! < Math.min(c.max, cap)) {
          widths.set(c.key, widths.get(c.key)! + 1);
          spare--;
          grew = true;
        }
      }
      if (!grew) break;
    }
  }
  if (chosen.length === 1 && need(chosen) > width) widths.set(chosen[0]!.key, Math.max(1, width - MARKER_WIDTH));
  return chosen.map((c) => ({ key: c.key, title: c.title, width: widths.get(c.key)! }));
}

/** Cuts `s` to `width` code points (with an ellipsis when cut) and pads it. */
export function fit(s: string, width: number): string {
  const chars = [...s];
  if (chars.length > width) return width <= 1 ? chars.slice(0, width).join('') : `${chars.slice(0, width - 1).join('')}…`;
  return s + ' '.repeat(width - chars.length);
}

export function cellText(key: ColumnKey, i: Incident, now: number, pending: number): string {
  switch (key) {
    case 'id':
      return `#${i.id}`;
    case 'cluster':
      return clusterCell(i);
    case 'status':
      return STATUS_MARK[i.status];
    case 'severity':
      return clean(i.severity || '-');
    case 'age':
      return formatDuration(now - i.openedAt);
    case 'alertname':
      return clean(i.alertname || '-');
    case 'where':
      return clean([i.namespace, i.target].filter(Boolean).join('/') || '-');
    case 'firing':
      return `${i.firing}/${i.total}`;
    case 'ack':
      return clean(i.acknowledgedBy ?? '-');
    case 'pending':
      return pending > 0 ? `⚑ ${pending}` : '';
  }
}

export const STATUS_COLOR: Record<IncidentStatus, string> = { firing: 'red', acknowledged: 'yellow', resolved: 'green' };

export const GAP_TEXT = ' '.repeat(GAP);

/** Rows a wrapped line of `text` takes (a confirmation or a refusal is never cut: the body gives up rows). */
export const wrappedRows = (text: string, columns: number): number => Math.max(1, Math.ceil([...text].length / Math.max(1, columns - 12)));
