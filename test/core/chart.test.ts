import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { altText, boundSeries, buildChart, seriesNames, type Series } from '../../src/core/chart.js';

const s = (labels: Record<string, string>, values: number[]): Series => ({ labels, points: values.map((v, i) => [i * 1000, v]) });

describe('seriesNames', () => {
  it('names each series by the labels that differ', () => {
    const names = seriesNames([
      s({ __name__: 'up', job: 'api', instance: 'a:1' }, [1]),
      s({ __name__: 'up', job: 'api', instance: 'b:1' }, [1]),
    ]);
    assert.deepEqual(names, ['instance="a:1"', 'instance="b:1"']);
  });
  it('a single series: its metric name, else its labels, else "value"', () => {
    assert.deepEqual(seriesNames([s({ __name__: 'up', job: 'api' }, [1])]), ['up']);
    assert.deepEqual(seriesNames([s({ job: 'api' }, [1])]), ['job="api"']);
    assert.deepEqual(seriesNames([s({}, [1])]), ['value']);
  });
  it('long names are cut', () => {
    const [name] = seriesNames([s({ pod: 'x'.repeat(100) }, [1]), s({ pod: 'y' }, [1])]);
    assert.ok(name!.length <= 48 && name!.endsWith('…'));
  });
});

describe('boundSeries', () => {
  const many = Array.from({ length: 20 }, (_, i) => s({ pod: `p${i}` }, [i, i * 2]));
  it('keeps the highest peaks', () => {
    const r = boundSeries(many, 3, null);
    assert.deepEqual(
      r.kept.map((x) => x.labels.pod),
      ['p19', 'p18', 'p17'],
    );
    assert.equal(r.omitted, 17);
  });
  it('keeps the lowest dips for a < threshold', () => {
    const r = boundSeries(many, 2, { op: '<', value: 1 });
    assert.deepEqual(
      r.kept.map((x) => x.labels.pod),
      ['p0', 'p1'],
    );
  });
  it('drops series without a single finite sample', () => {
    const r = boundSeries([s({ pod: 'a' }, [NaN, NaN]), s({ pod: 'b' }, [1])], 5, null);
    assert.deepEqual(
      r.kept.map((x) => x.labels.pod),
      ['b'],
    );
    assert.equal(r.omitted, 1);
  });
});

describe('buildChart', () => {
  it('says what it left out and the threshold; keeps only markers inside the window', () => {
    const spec = buildChart({
      title: 'q',
      context: 'Incident #1',
      series: Array.from({ length: 10 }, (_, i) => s({ pod: `p${i}` }, [i])),
      maxSeries: 8,
      threshold: { op: '>', value: 5 },
      markers: [
        { at: 500, label: 'firing' },
        { at: 99_000, label: 'resolved' },
      ],
      start: 0,
      end: 10_000,
    });
    assert.equal(spec.lines.length, 8);
    assert.equal(spec.subtitle, 'Incident #1 · threshold > 5 · 2 more series not shown');
    assert.deepEqual(
      spec.markers.map((m) => m.label),
      ['firing'],
    );
    assert.match(altText(spec), /^Graph of q from 00:00 to 00:00 UTC, 8 of 10 series, threshold > 5\. Latest: pod="p9": 9; /);
  });
});
