/**
 * The chart of a metric as every face draws it (a PNG in Slack, a text chart on the terminal):
 * the series to plot, each named by the labels that tell it apart, bounded in number; the
 * threshold; the moments to mark (the alert started, the incident resolved). Pure.
 */
import { formatValue, thresholdText, type Threshold } from './promql.js';
import type { Labels } from './types.js';

/** One series of a range query: its labels and its samples ([epoch ms, value]). */
export interface Series {
  labels: Labels;
  points: [number, number][];
}

export interface ChartLine {
  /** The labels that distinguish this series from the others (or the metric name when alone). */
  name: string;
  points: [number, number][];
}

export interface ChartMarker {
  at: number;
  label: string;
}

export interface ChartSpec {
  title: string;
  /** One line under the title: incident, what was dropped, the window. */
  subtitle: string;
  lines: ChartLine[];
  /** Series left out (beyond the bound). */
  omitted: number;
  threshold: Threshold | null;
  markers: ChartMarker[];
  start: number;
  end: number;
}

const LEGEND_MAX = 48;

/** `k="v", …` for the labels that differ between series; the metric name when only one. */
export function seriesNames(series: readonly Series[]): string[] {
  if (series.length === 0) return [];
  const keys = [...new Set(series.flatMap((s) => Object.keys(s.labels)))].sort();
  const varying = keys.filter((k) => new Set(series.map((s) => s.labels[k] ?? '')).size > 1);
  return series.map((s) => {
    const shown = varying.length ? varying : keys.filter((k) => k === '__name__');
    const text = shown
      .filter((k) => s.labels[k] !== undefined)
      .map((k) => (k === '__name__' ? s.labels[k]! : `${k}="${s.labels[k]}"`))
      .join(', ');
    const name =
      text ||
      (Object.keys(s.labels).length
        ? Object.entries(s.labels)
            .filter(([k]) => k !== '__name__')
            .map(([k, v]) => `${k}="${v}"`)
            .join(', ')
        : 'value');
    return name.length > LEGEND_MAX ? `${name.slice(0, LEGEND_MAX - 1)}…` : name;
  });
}

/**
 * The series worth drawing when there are more than `max`: those that went furthest in the
 * direction that alerts (highest peaks, or lowest dips for a `<` threshold).
 */
export function boundSeries(series: readonly Series[], max: number, threshold: Threshold | null): { kept: Series[]; omitted: number } {
  const finite = series.filter((s) => s.points.some(([, v]) => Number.isFinite(v)));
  if (finite.length <= max) return { kept: finite, omitted: series.length - finite.length };
  const low = threshold !== null && (threshold.op === '<' || threshold.op === '<=');
  const score = (s: Series) => {
    const vs = s.points.map(([, v]) => v).filter(Number.isFinite);
    return low ? -Math.min(...vs) : Math.max(...vs);
  };
  const kept = finite
    .map((s) => ({ s, k: score(s) }))
    .sort((a, b) => b.k - a.k)
    .slice(0, max)
    .map((x) => x.s);
  return { kept, omitted: series.length - kept.length };
}

/** Builds the chart of one query's result. */
export function buildChart(input: {
  title: string;
  context: string;
  series: readonly Series[];
  maxSeries: number;
  threshold: Threshold | null;
  markers: ChartMarker[];
  start: number;
  end: number;
}): ChartSpec {
  const { kept, omitted } = boundSeries(input.series, input.maxSeries, input.threshold);
  const names = seriesNames(kept);
  const lines = kept.map((s, i) => ({ name: names[i]!, points: s.points }));
  const extra = [
    input.threshold ? `threshold ${thresholdText(input.threshold)}` : '',
    omitted ? `${omitted} more series not shown` : '',
  ].filter(Boolean);
  return {
    title: input.title,
    subtitle: [input.context, ...extra].filter(Boolean).join(' · '),
    lines,
    omitted,
    threshold: input.threshold,
    markers: input.markers.filter((m) => m.at >= input.start && m.at <= input.end),
    start: input.start,
    end: input.end,
  };
}

/** The last finite value of a line, or null. */
export function lastValue(points: readonly [number, number][]): number | null {
  for (let i = points.length - 1; i >= 0; i--) if (Number.isFinite(points[i]![1])) return points[i]![1];
  return null;
}

/** The latest value of each line, for alt text: `name: 1.2k`. */
function latestValues(spec: ChartSpec): string[] {
  return spec.lines.map((l) => {
    const last = lastValue(l.points);
    return `${l.name}: ${last === null ? 'no data' : formatValue(last)}`;
  });
}

/** A one-sentence description of the chart for screen readers (Slack's alt text). */
export function altText(spec: ChartSpec): string {
  const values = latestValues(spec);
  const shown = values.slice(0, 5).join('; ');
  const count = spec.omitted ? `${spec.lines.length} of ${spec.lines.length + spec.omitted} series` : `${spec.lines.length} series`;
  const text = `Graph of ${spec.title} from ${new Date(spec.start).toISOString().slice(11, 16)} to ${new Date(spec.end).toISOString().slice(11, 16)} UTC, ${count}${spec.threshold ? `, threshold ${thresholdText(spec.threshold)}` : ''}. Latest: ${shown}${values.length > 5 ? '; …' : ''}.`;
  return text.length > 1000 ? `${text.slice(0, 999)}…` : text;
}
