/**
 * The incident's graph on a terminal (`chatops incidents show`, the TUI detail view): the same
 * queries and window as the PNG the daemon posts in Slack, queried now and drawn as text. A
 * failure is one line saying why; nothing is drawn when Prometheus or graphs are not configured.
 * The queries go to the incident's cluster's Prometheus, as the daemon's do.
 */
import { rangeQuery } from '../adapters/prometheus/query.js';
import type { PrometheusTarget } from '../config/clusters.js';
import type { Config } from '../config/schema.js';
import { buildChart } from '../core/chart.js';
import { formatDuration } from '../core/duration.js';
import { graphQueries, rangeWindow } from '../core/promql.js';
import type { Incident, StoredAlert } from '../core/types.js';
import { clean } from './format.js';
import { textChart } from './text-chart.js';

/** After a resolve, the window reaches this far past it (the recovery), not to now. */
const AFTER_RESOLVE_MS = 15 * 60_000;

export interface TerminalGraphOptions {
  width: number;
  height: number;
  now: number;
}

/**
 * Lines to print under the incident (empty: nothing to draw or not configured). `prometheus`:
 * the incident's cluster's (null when it has none, or no cluster claims the incident).
 */
export async function incidentGraph(
  g: Config['graphs'],
  prometheus: Pick<PrometheusTarget, 'url'> | null,
  incident: Incident,
  alerts: readonly StoredAlert[],
  opts: TerminalGraphOptions,
): Promise<string[]> {
  const url = prometheus?.url;
  if (!g.enabled || !url) return [];
  const queries = graphQueries(incident, alerts, g.max_queries);
  if (queries.length === 0) return [];
  const firstStart = Math.min(incident.openedAt, ...alerts.map((a) => a.startsAt));
  const end = incident.resolvedAt === null ? opts.now : Math.min(opts.now, incident.resolvedAt + AFTER_RESOLVE_MS);
  const window = rangeWindow({
    firstStart,
    end,
    lookbackMs: g.lookback,
    maxWindowMs: g.max_window,
    points: g.points,
    minStepMs: g.min_step,
  });
  const markers = [{ at: firstStart, label: 'firing' }];
  if (incident.resolvedAt !== null) markers.push({ at: incident.resolvedAt, label: 'resolved' });
  const results = await Promise.all(queries.map(async (q) => ({ q, r: await rangeQuery(url, q.expr, window, g.timeout) })));
  const out: string[] = [];
  for (const { q, r } of results) {
    out.push('');
    if (!r.ok) {
      const why =
        r.errorType === 'timeout'
          ? `Prometheus did not answer within ${formatDuration(g.timeout)}`
          : r.errorType === 'unavailable'
            ? `Prometheus is unreachable (${r.error})`
            : `${r.errorType}: ${r.error}`;
      out.push(`Graph of ${clean(q.expr)}: ${clean(why)}`);
      continue;
    }
    // Series labels come from Prometheus: cleaned like any other text that reaches the terminal.
    const series = r.series.map((s) => ({
      labels: Object.fromEntries(Object.entries(s.labels).map(([k, v]) => [clean(k), clean(v)])),
      points: s.points,
    }));
    const spec = buildChart({
      title: clean(q.expr),
      context: '',
      series,
      maxSeries: g.max_series,
      threshold: q.threshold,
      markers,
      start: window.start,
      end: window.end,
    });
    out.push(...textChart(spec, { width: opts.width, height: opts.height }));
  }
  return out;
}
