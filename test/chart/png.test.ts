/**
 * Golden images of the chart renderer: the same spec must draw the same picture. Compared
 * pixel by pixel with a small tolerance (pixelmatch), not byte for byte, so a resvg or zlib
 * update that changes anti-aliasing or compression does not fail the suite while a moved
 * line, label or colour does. UPDATE_GOLDEN=1 rewrites the images (look at them before
 * committing: the light one is the README's picture).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import pixelmatch from 'pixelmatch';
import { PNG } from 'pngjs';
import { chartOption, renderPng, type PngOptions } from '../../src/adapters/chart/png.js';
import { buildChart, type Series } from '../../src/core/chart.js';
import { SAMPLE_ALERT, SAMPLE_END, SAMPLE_START, sampleChart } from './sample.js';

const GOLDEN = path.join(import.meta.dirname, 'golden');
/** Share of pixels allowed to differ (anti-aliasing of a different rasteriser build). */
const MAX_DIFF_RATIO = 0.002;

function compare(name: string, png: Buffer): void {
  const file = path.join(GOLDEN, `${name}.png`);
  if (process.env.UPDATE_GOLDEN === '1' || !fs.existsSync(file)) {
    if (process.env.CI) assert.fail(`golden image ${name}.png is missing: run UPDATE_GOLDEN=1 and commit it`);
    fs.mkdirSync(GOLDEN, { recursive: true });
    fs.writeFileSync(file, png);
    return;
  }
  const want = PNG.sync.read(fs.readFileSync(file));
  const got = PNG.sync.read(png);
  assert.deepEqual([got.width, got.height], [want.width, want.height], `${name}: size`);
  const diff = new PNG({ width: want.width, height: want.height });
  const differing = pixelmatch(got.data, want.data, diff.data, want.width, want.height, { threshold: 0.1 });
  const ratio = differing / (want.width * want.height);
  if (ratio > MAX_DIFF_RATIO) {
    const out = path.join(GOLDEN, `${name}.actual.png`);
    fs.writeFileSync(out, png);
    fs.writeFileSync(path.join(GOLDEN, `${name}.diff.png`), PNG.sync.write(diff));
    assert.fail(`${name}: ${differing} pixels (${(ratio * 100).toFixed(2)} %) differ from the golden image; see ${out} and the .diff.png`);
  }
}

const light: PngOptions = { theme: 'light', width: 720, height: 360, scale: 2 };

describe('chart renderer (golden images)', () => {
  it('light theme: three series, threshold, alert start, a scrape gap', () => {
    compare('light', renderPng(sampleChart(), light));
  });

  it('dark theme', () => {
    compare('dark', renderPng(sampleChart(), { ...light, theme: 'dark' }));
  });

  it('recovery: resolved marker, many series bounded with the rest counted', () => {
    const series: Series[] = Array.from({ length: 30 }, (_, k) => ({
      labels: { instance: `10.0.${k}.7:9100`, job: 'node' },
      points: Array.from({ length: 121 }, (_, i): [number, number] => {
        const t = SAMPLE_START + i * 45_000;
        const incident = t > SAMPLE_ALERT - 600_000 && t < SAMPLE_ALERT + 900_000 ? 0.5 + k / 60 : 0;
        return [t, Math.round((0.2 + k / 200 + incident + 0.02 * Math.cos(i / 5 + k)) * 1000) / 1000];
      }),
    }));
    const spec = buildChart({
      title: '1 - avg by (instance) (rate(node_cpu_seconds_total{mode="idle"}[5m]))',
      context: 'Incident #7 NodeCPUHigh · recovered',
      series,
      maxSeries: 8,
      threshold: { op: '>', value: 0.9 },
      markers: [
        { at: SAMPLE_ALERT, label: 'firing' },
        { at: SAMPLE_ALERT + 15 * 60_000, label: 'resolved' },
      ],
      start: SAMPLE_START,
      end: SAMPLE_START + 120 * 45_000,
    });
    assert.equal(spec.lines.length, 8);
    compare('recovery', renderPng(spec, light));
  });

  it('one series in a short window: its labels in the legend, seconds on the time axis, a gap', () => {
    const start = SAMPLE_ALERT - 4 * 60_000;
    const spec = buildChart({
      title: 'sum by (handler) (rate(prometheus_http_requests_total[1m]))',
      context: 'Incident #3 PrometheusBusy',
      series: [
        {
          labels: { handler: '/api/v1/query' },
          points: Array.from({ length: 49 }, (_, i): [number, number] => [
            start + i * 5000,
            i > 20 && i < 25 ? NaN : 0.2 + (i > 28 ? 0.9 : i / 40),
          ]),
        },
      ],
      maxSeries: 8,
      threshold: { op: '>', value: 0.5 },
      markers: [{ at: SAMPLE_ALERT - 90_000, label: 'firing' }],
      start,
      end: start + 240_000,
    });
    compare('single', renderPng(spec, light));
  });

  it('is deterministic: the same spec twice gives the same bytes', () => {
    assert.ok(renderPng(sampleChart(), light).equals(renderPng(sampleChart(), light)));
  });

  it('draws what the spec says: a threshold line, a marker per moment, one legend entry per line', () => {
    const option = chartOption(sampleChart(), light) as {
      series: { name: string; markLine?: { data: { yAxis?: number; xAxis?: number }[] } }[];
      legend: { data: string[] };
      useUTC: boolean;
    };
    assert.equal(option.useUTC, true);
    const marks = option.series[0]!.markLine!.data;
    assert.deepEqual(
      marks.map((m) => m.yAxis ?? m.xAxis),
      [0.5, SAMPLE_ALERT],
    );
    assert.deepEqual(option.legend.data, ['pod="web-7c9f6d5b8-2xkqp"', 'pod="web-7c9f6d5b8-9fzrt"', 'pod="web-7c9f6d5b8-lm4wd"']);
    // The invisible threshold point that stretches the axis is not in the legend.
    assert.equal(option.series.length, 4);
  });

  it('a PNG of the stated size, small enough for Slack at 2x', () => {
    const png = renderPng(sampleChart(), light);
    const img = PNG.sync.read(png);
    assert.deepEqual([img.width, img.height], [1440, 720]);
    assert.ok(png.length < 300_000, `${png.length} bytes`);
    assert.ok(SAMPLE_END > SAMPLE_START);
  });
});
