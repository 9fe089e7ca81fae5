/**
 * Renders a ChartSpec as a PNG, locally and deterministically: Apache ECharts draws it as SVG
 * on the server (no DOM, no browser), resvg rasterises it with the bundled DejaVu Sans and no
 * system fonts, so the same input gives the same image on every host. Import lazily: ECharts
 * and the resvg addon cost ~300 ms to load and only the daemon (and the README image) need them.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Resvg } from '@resvg/resvg-js';
import { LineChart } from 'echarts/charts';
import { GridComponent, LegendComponent, MarkLineComponent, TitleComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { SVGRenderer } from 'echarts/renderers';
import type { ChartSpec } from '../../core/chart.js';
import { measureText, textWidth } from './font-metrics.js';
import { formatValue, thresholdText } from '../../core/promql.js';

echarts.use([LineChart, GridComponent, LegendComponent, MarkLineComponent, TitleComponent, SVGRenderer]);
echarts.setPlatformAPI({ measureText: measureText as never });

export type ChartTheme = 'light' | 'dark';

export interface PngOptions {
  theme: ChartTheme;
  /** Logical size in CSS pixels; the PNG is `scale` times larger (2: sharp on high-density screens). */
  width: number;
  height: number;
  scale: number;
}

const DEFAULT_PNG: PngOptions = { theme: 'light', width: 720, height: 360, scale: 2 };

interface Palette {
  background: string;
  text: string;
  muted: string;
  grid: string;
  threshold: string;
  firing: string;
  resolved: string;
  series: string[];
}

/**
 * Opaque backgrounds, so an image reads the same in Slack's light and dark themes; series
 * colours from the Okabe–Ito set (told apart with colour-blindness), lightened on dark.
 */
const PALETTES: Record<ChartTheme, Palette> = {
  light: {
    background: '#ffffff',
    text: '#1d1c1d',
    muted: '#5e5d60',
    grid: '#e3e3e3',
    threshold: '#c62828',
    firing: '#e36209',
    resolved: '#1b7f4b',
    series: ['#0072b2', '#009e73', '#cc79a7', '#8a6d00', '#56b4e9', '#6a3d9a', '#6b6b6b', '#1d1c1d'],
  },
  dark: {
    background: '#1a1d21',
    text: '#e8e8e8',
    muted: '#a5a6a9',
    grid: '#363a3f',
    threshold: '#ff6b6b',
    firing: '#ffa94d',
    resolved: '#51cf66',
    series: ['#56b4e9', '#3ddc97', '#e58bc6', '#f0e442', '#9ecbff', '#c8a2ff', '#b0b0b0', '#ffffff'],
  },
};

const FONT_FAMILY = 'DejaVu Sans';

/** The bundled font, found from this module in the source tree and in the built bundle alike. */
function fontFile(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const candidate = path.join(dir, 'assets', 'fonts', 'DejaVuSans.ttf');
    if (fs.existsSync(candidate)) return candidate;
    dir = path.dirname(dir);
  }
  throw new Error('assets/fonts/DejaVuSans.ttf is missing from the installation: reinstall chatops');
}

const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

/** Rows the legend needs at this width (ECharts wraps a plain legend). */
function legendRows(names: readonly string[], width: number): number {
  let rows = 1;
  let x = 0;
  for (const n of names) {
    const w = textWidth(n, 12) + 18 + 5 + 10;
    if (x > 0 && x + w > width - 20) {
      rows++;
      x = 0;
    }
    x += w;
  }
  return rows;
}

/** The ECharts option for a spec (exported for tests of what is drawn). */
export function chartOption(spec: ChartSpec, opts: PngOptions): Record<string, unknown> {
  const p = PALETTES[opts.theme];
  const names = spec.lines.map((l) => l.name);
  // A lone series gets a legend too when it has labels to name it (the title is the query, not the series).
  const legend = names.length > 1 || (names.length === 1 && names[0] !== 'value');
  const rows = legend ? legendRows(names, opts.width) : 0;
  const span = spec.end - spec.start;
  const time = (t: number) => new Date(t).toISOString().slice(11, span < 10 * 60_000 ? 19 : 16);
  const threshold = spec.threshold;
  const markLines: Record<string, unknown>[] = [];
  if (threshold) {
    markLines.push({
      yAxis: threshold.value,
      lineStyle: { color: p.threshold, type: 'dashed', width: 2 },
      label: { formatter: thresholdText(threshold), position: 'insideEndTop', color: p.threshold, fontSize: 13, fontFamily: FONT_FAMILY },
    });
  }
  for (const m of spec.markers) {
    const colour = m.label.startsWith('resolved') ? p.resolved : p.firing;
    markLines.push({
      xAxis: m.at,
      lineStyle: { color: colour, type: 'dashed', width: 2 },
      label: { formatter: `${m.label} ${time(m.at)}`, position: 'end', color: colour, fontSize: 13, fontFamily: FONT_FAMILY },
    });
  }
  return {
    animation: false,
    useUTC: true,
    backgroundColor: p.background,
    color: p.series,
    textStyle: { fontFamily: FONT_FAMILY, color: p.text },
    title: {
      text: clip(spec.title, 78),
      subtext: clip(spec.subtitle, 100),
      left: 12,
      top: 8,
      textStyle: { fontSize: 15, lineHeight: 20, fontWeight: 'normal', color: p.text, fontFamily: FONT_FAMILY },
      subtextStyle: { fontSize: 12, lineHeight: 16, color: p.muted, fontFamily: FONT_FAMILY },
      itemGap: 6,
    },
    legend: legend
      ? {
          data: names,
          bottom: 6,
          left: 12,
          right: 12,
          itemWidth: 18,
          itemHeight: 4,
          icon: 'rect',
          textStyle: { fontSize: 12, color: p.text, fontFamily: FONT_FAMILY },
        }
      : { show: false },
    grid: { left: 56, right: 28, top: 78, bottom: 34 + rows * 20 },
    xAxis: {
      type: 'time',
      min: spec.start,
      max: spec.end,
      splitNumber: 6,
      axisLine: { lineStyle: { color: p.muted } },
      axisTick: { lineStyle: { color: p.muted } },
      // Seconds too when the window is short (an incident a minute old).
      axisLabel: { color: p.muted, fontSize: 13, fontFamily: FONT_FAMILY, formatter: time, hideOverlap: true },
      splitLine: { show: false },
    },
    yAxis: {
      type: 'value',
      splitNumber: 4,
      scale: true,
      axisLabel: { color: p.muted, fontSize: 13, fontFamily: FONT_FAMILY, formatter: (v: number) => formatValue(v) },
      splitLine: { lineStyle: { color: p.grid } },
    },
    series: [
      ...spec.lines.map((l, i) => ({
        type: 'line',
        name: l.name,
        showSymbol: false,
        connectNulls: false,
        lineStyle: { width: 2.5 },
        emphasis: { disabled: true },
        data: l.points.map(([t, v]) => [t, Number.isFinite(v) ? v : null]),
        ...(i === 0 && markLines.length ? { markLine: { symbol: 'none', silent: true, animation: false, data: markLines } } : {}),
      })),
      // An invisible point at the threshold, so the value axis (and its round ticks) reaches it.
      ...(threshold
        ? [{ type: 'line', name: '', silent: true, showSymbol: false, lineStyle: { opacity: 0 }, data: [[spec.start, threshold.value]] }]
        : []),
    ],
  };
}

/** The chart as SVG text. */
function renderSvg(spec: ChartSpec, opts: PngOptions = DEFAULT_PNG): string {
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width: opts.width, height: opts.height });
  try {
    chart.setOption(chartOption(spec, opts));
    return chart.renderToSVGString();
  } finally {
    chart.dispose();
  }
}

/** The chart as PNG bytes. */
export function renderPng(spec: ChartSpec, opts: PngOptions = DEFAULT_PNG): Buffer {
  const resvg = new Resvg(renderSvg(spec, opts), {
    font: { fontFiles: [fontFile()], loadSystemFonts: false, defaultFontFamily: FONT_FAMILY, sansSerifFamily: FONT_FAMILY },
    fitTo: { mode: 'zoom', value: opts.scale },
    shapeRendering: 2,
    textRendering: 1,
  });
  return resvg.render().asPng();
}
