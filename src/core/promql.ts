/**
 * What to graph for an incident, read from PromQL text without a full parser: the queries
 * (each distinct `promql_query`, else the alerting rule's expression from `generatorURL`), the
 * threshold a rule compares against, and the range-query window and step. Pure.
 */
import { distinctQueries } from './alert-list.js';
import type { Incident, StoredAlert } from './types.js';

export type Comparison = '>' | '<' | '>=' | '<=' | '==' | '!=';

export interface Threshold {
  /** How the plotted value is compared with `value` (as written, the plotted side on the left). */
  op: Comparison;
  value: number;
}

export interface GraphQuery {
  /** The expression to plot: the query with a top-level `<expr> > <number>` reduced to `<expr>`. */
  expr: string;
  /** The query as written (annotation or rule). */
  original: string;
  threshold: Threshold | null;
  source: 'promql_query' | 'rule';
}

const FLIP: Record<Comparison, Comparison> = { '>': '<', '<': '>', '>=': '<=', '<=': '>=', '==': '==', '!=': '!=' };
const NUMBER = /^[+-]?(?:(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?|0x[0-9a-f]+|inf|nan)$/i;
/** Set operators bind looser than comparisons: a top-level one means there is no single threshold. */
const SET_OPERATOR = /^(?:and|or|unless)\b/i;
/** Vector-matching modifiers that may follow a comparison operator. */
const MODIFIERS = /^\s*(?:bool\b\s*)?(?:(?:on|ignoring)\s*\([^)]*\)\s*)?(?:(?:group_left|group_right)\s*(?:\([^)]*\))?\s*)?/i;

interface Found {
  at: number;
  op: Comparison;
}

/** The top-level comparison operators of an expression (outside brackets, strings and comments). */
function topLevelComparisons(expr: string): Found[] | null {
  const out: Found[] = [];
  let depth = 0;
  for (let i = 0; i < expr.length; i++) {
    const c = expr[i]!;
    if (c === '"' || c === "'" || c === '`') {
      const close = c;
      for (i++; i < expr.length && expr[i] !== close; i++) if (expr[i] === '\\' && close !== '`') i++;
      continue;
    }
    if (c === '#') {
      while (i < expr.length && expr[i] !== '\n') i++;
      continue;
    }
    if (c === '(' || c === '{' || c === '[') depth++;
    else if (c === ')' || c === '}' || c === ']') depth--;
    if (depth !== 0) continue;
    // A set operator at the top level: more than one comparison may decide; keep the expression whole.
    if (/[a-z]/i.test(c) && (i === 0 || /[\s)\]}]/.test(expr[i - 1]!)) && SET_OPERATOR.test(expr.slice(i))) return null;
    const two = expr.slice(i, i + 2);
    if (two === '>=' || two === '<=' || two === '==' || two === '!=') {
      out.push({ at: i, op: two });
      i++;
    } else if (c === '>' || c === '<') {
      out.push({ at: i, op: c });
    }
  }
  return out;
}

const stripOuterParens = (s: string): string => {
  let t = s.trim();
  while (t.startsWith('(') && t.endsWith(')')) {
    let depth = 0;
    let wraps = true;
    for (let i = 0; i < t.length - 1; i++) {
      if (t[i] === '(') depth++;
      else if (t[i] === ')') depth--;
      if (depth === 0) {
        wraps = false;
        break;
      }
    }
    if (!wraps) break;
    t = t.slice(1, -1).trim();
  }
  return t;
};

const asNumber = (s: string): number | null => {
  const t = stripOuterParens(s);
  return NUMBER.test(t)
    ? Number(
        t
          .replace(/^\+/, '')
          .replace(/^inf$/i, 'Infinity')
          .replace(/^-inf$/i, '-Infinity'),
      )
    : null;
};

/**
 * Splits `<expr> <op> <number>` (or `<number> <op> <expr>`) at its last top-level comparison:
 * what to plot and the threshold line. Anything else is plotted as written, with no threshold.
 */
export function splitThreshold(query: string): { expr: string; threshold: Threshold | null } {
  const text = query.trim();
  const found = topLevelComparisons(text);
  const last = found?.at(-1);
  if (!last) return { expr: text, threshold: null };
  const left = text.slice(0, last.at);
  const right = text.slice(last.at + last.op.length).replace(MODIFIERS, '');
  const r = asNumber(right);
  if (r !== null && Number.isFinite(r) && left.trim()) return { expr: stripOuterParens(left), threshold: { op: last.op, value: r } };
  const l = asNumber(left);
  if (l !== null && Number.isFinite(l) && right.trim())
    return { expr: stripOuterParens(right), threshold: { op: FLIP[last.op], value: l } };
  return { expr: text, threshold: null };
}

/** The rule expression in a Prometheus `generatorURL` (`…/graph?g0.expr=…`), or null. */
export function exprFromGeneratorURL(url: string): string | null {
  if (!url) return null;
  try {
    const expr = new URL(url).searchParams.get('g0.expr')?.trim();
    return expr || null;
  } catch {
    return null;
  }
}

/**
 * The queries to graph, at most `max`: each distinct `promql_query` (the incident's shared one
 * first, then its alerts' own), and only when there is none, each distinct rule expression
 * from the alerts' `generatorURL`.
 */
export function graphQueries(incident: Incident, alerts: readonly StoredAlert[], max: number): GraphQuery[] {
  // Resolved alerts too: the recovery graph is drawn once they all resolved.
  const annotations = distinctQueries(incident, alerts, max, 'all');
  if (annotations.length) return annotations.map((original) => ({ original, source: 'promql_query', ...splitThreshold(original) }));
  const rules: string[] = [];
  for (const a of [...alerts].sort((x, y) => x.startsAt - y.startsAt)) {
    const expr = exprFromGeneratorURL(a.generatorURL);
    if (expr && !rules.includes(expr) && rules.length < max) rules.push(expr);
  }
  return rules.map((original) => ({ original, source: 'rule', ...splitThreshold(original) }));
}

export interface RangeWindow {
  start: number;
  end: number;
  stepMs: number;
}

const NICE_STEPS_S = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400];

/**
 * The window of a graph: from `lookbackMs` before the first alert started to `end`, at most
 * `maxWindowMs` long, with a step (a round number of seconds, at least `minStepMs`) that gives
 * about `points` samples per series.
 */
export function rangeWindow(opts: {
  firstStart: number;
  end: number;
  lookbackMs: number;
  maxWindowMs: number;
  points: number;
  minStepMs: number;
}): RangeWindow {
  const end = Math.floor(opts.end / 1000) * 1000;
  const start = Math.max(Math.floor((opts.firstStart - opts.lookbackMs) / 1000) * 1000, end - opts.maxWindowMs);
  const wanted = Math.max(opts.minStepMs, (end - start) / Math.max(1, opts.points)) / 1000;
  const stepS = NICE_STEPS_S.find((s) => s >= wanted) ?? Math.ceil(wanted / 86400) * 86400;
  return { start: Math.min(start, end - stepS * 1000), end, stepMs: stepS * 1000 };
}

/** The text of a threshold as a reader sees it: `> 0.5`. */
export const thresholdText = (t: Threshold): string => `${t.op} ${formatValue(t.value)}`;

/** A sample value in few characters: 1234567 → 1.23M, 0.000123 → 123µ, 0.5 → 0.5. */
export function formatValue(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e15) return v.toExponential(2);
  const units: [number, string][] = [
    [1e12, 'T'],
    [1e9, 'G'],
    [1e6, 'M'],
    [1e3, 'k'],
  ];
  for (const [scale, suffix] of units) if (a >= scale) return `${trim(v / scale)}${suffix}`;
  if (a >= 0.01) return trim(v);
  const small: [number, string][] = [
    [1e-3, 'm'],
    [1e-6, 'µ'],
    [1e-9, 'n'],
  ];
  for (const [scale, suffix] of small) if (a >= scale) return `${trim(v / scale)}${suffix}`;
  return v.toExponential(2);
}

const trim = (v: number): string => String(Number(v.toPrecision(3)));
