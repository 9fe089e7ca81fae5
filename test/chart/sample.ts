/** A fixed chart input for golden images and the README picture: three pods' restart rate around an alert. */
import { buildChart, type ChartSpec, type Series } from '../../src/core/chart.js';
import { splitThreshold } from '../../src/core/promql.js';

export const SAMPLE_START = Date.UTC(2026, 10, 26, 18, 0, 0);
export const SAMPLE_ALERT = Date.UTC(2026, 10, 26, 19, 0, 0);
export const SAMPLE_END = Date.UTC(2026, 10, 26, 19, 30, 0);

/** Deterministic series: a smooth baseline per pod, one pod climbing past the threshold at the alert. */
function sampleSeries(): Series[] {
  const pods = ['web-7c9f6d5b8-2xkqp', 'web-7c9f6d5b8-9fzrt', 'web-7c9f6d5b8-lm4wd'];
  const step = 30_000;
  return pods.map((pod, p) => ({
    labels: { __name__: 'http_request_duration_seconds:p99', namespace: 'prod', deployment: 'web', pod },
    points: Array.from({ length: (SAMPLE_END - SAMPLE_START) / step + 1 }, (_, i): [number, number] => {
      const t = SAMPLE_START + i * step;
      const base = 0.18 + 0.04 * p + 0.03 * Math.sin(i / 9 + p);
      const climb = p === 1 && t > SAMPLE_ALERT - 15 * 60_000 ? Math.min(0.9, (t - (SAMPLE_ALERT - 15 * 60_000)) / 1_200_000) : 0;
      // A scrape gap on one pod: drawn as a gap, not a line to zero.
      const gap = p === 2 && i >= 40 && i < 46;
      return [t, gap ? NaN : Math.round((base + climb) * 1000) / 1000];
    }),
  }));
}

export function sampleChart(): ChartSpec {
  const { expr, threshold } = splitThreshold(
    'histogram_quantile(0.99, sum by (pod, le) (rate(http_request_duration_seconds_bucket{deployment="web"}[5m]))) > 0.5',
  );
  return buildChart({
    title: expr,
    context: 'Incident #42 HighLatency · prod/web',
    series: sampleSeries(),
    maxSeries: 8,
    threshold,
    markers: [{ at: SAMPLE_ALERT, label: 'firing' }],
    start: SAMPLE_START,
    end: SAMPLE_END,
  });
}
