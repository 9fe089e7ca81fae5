import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { textChart } from '../../src/cli/text-chart.js';
import { buildChart, type Series } from '../../src/core/chart.js';
import { sampleChart } from './sample.js';

const T0 = Date.UTC(2026, 10, 26, 10, 0, 0);
const MIN = 60_000;

function spec(series: Series[], extra: Partial<Parameters<typeof buildChart>[0]> = {}) {
  return buildChart({
    title: 'q',
    context: '',
    series,
    maxSeries: 8,
    threshold: null,
    markers: [],
    start: T0,
    end: T0 + 60 * MIN,
    ...extra,
  });
}
const ramp = (from: number, to: number, n = 61): [number, number][] =>
  Array.from({ length: n }, (_, i) => [T0 + i * MIN, from + ((to - from) * i) / (n - 1)]);
/** The braille rows (between the header and the axis), without their labels. */
const plot = (lines: string[]) =>
  lines
    .slice(
      2,
      lines.findIndex((l) => l.includes('└')),
    )
    .map((l) => l.slice(l.indexOf('┤') + 1));
const dots = (row: string) => [...row].filter((c) => c !== '⠀').length;

describe('text chart', () => {
  it('a rising line starts at the bottom left and ends at the top right', () => {
    const rows = plot(textChart(spec([{ labels: {}, points: ramp(0, 10) }]), { width: 40, height: 4 }));
    assert.equal(rows.length, 4);
    const first = rows[0]!;
    const last = rows.at(-1)!;
    assert.equal([...first].at(-1) !== '⠀', true, 'top row ends drawn');
    assert.equal([...first][0], '⠀', 'top row starts empty');
    assert.notEqual([...last][0], '⠀', 'bottom row starts drawn');
    assert.equal([...last].at(-1), '⠀', 'bottom row ends empty');
  });

  it('labels the value axis with the top, middle and bottom values', () => {
    const lines = textChart(spec([{ labels: {}, points: ramp(0, 2000) }]), { width: 40, height: 5 });
    assert.match(lines[2]!, /^ *2k┤/);
    assert.match(lines[4]!, /^ *1k┤/);
    assert.match(lines[6]!, /^ *0┤/);
  });

  it('draws the threshold as a dotted row and names it in the header', () => {
    const lines = textChart(spec([{ labels: {}, points: ramp(0, 0) }], { threshold: { op: '>', value: 10 } }), { width: 40, height: 4 });
    assert.match(lines[1]!, /threshold > 10/);
    const rows = plot(lines);
    assert.ok(dots(rows[0]!) > 10, 'the threshold (the top of the scale) is drawn across');
  });

  it('marks the alert start under the time axis', () => {
    const lines = textChart(spec([{ labels: {}, points: ramp(0, 1) }], { markers: [{ at: T0 + 30 * MIN, label: 'firing' }] }), {
      width: 60,
      height: 3,
    });
    const axis = lines[lines.findIndex((l) => l.includes('└')) + 1]!;
    assert.match(axis, /^ +10:00 .*▲firing 10:30 .*11:00$/);
  });

  it('one sparkline row per series with its latest value; a gap stays blank', () => {
    const gap: [number, number][] = ramp(0, 4).map(([t, v], i) => [t, i >= 20 && i < 40 ? NaN : v]);
    const lines = textChart(
      spec([
        { labels: { pod: 'a' }, points: gap },
        { labels: { pod: 'b' }, points: ramp(4, 0) },
      ]),
      { width: 70, height: 3 },
    );
    const rows = lines.slice(-2);
    assert.match(rows[0]!, /^ {2}pod="a" +[▁-█]+ +[▁-█]+ {2}4$/);
    assert.match(rows[1]!, /^ {2}pod="b" +█[▁-█]+▁ {2}0$/);
  });

  it('says so when there is no data', () => {
    assert.deepEqual(textChart(spec([]), { width: 40, height: 4 }).slice(2), ['no data in this window']);
  });

  it('fits the width it is given', () => {
    for (const l of textChart(sampleChart(), { width: 72, height: 6 })) assert.ok([...l].length <= 72, `${[...l].length}: ${l}`);
  });
});
