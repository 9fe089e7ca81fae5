import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { wrap } from '../../src/tui/detail.js';
import { fit, layoutColumns, MARKER_WIDTH } from '../../src/tui/layout.js';

describe('list layout', () => {
  it('fits every width: the row never exceeds the terminal, and status and alertname go last', () => {
    fc.assert(
      fc.property(fc.integer({ min: 20, max: 400 }), (width) => {
        const cols = layoutColumns(width);
        const used = MARKER_WIDTH + cols.reduce((n, c) => n + c.width, 0) + (cols.length - 1);
        assert.ok(used <= width, `${used} > ${width}`);
        assert.ok(cols.some((c) => c.key === 'status'));
        if (width >= 40) assert.ok(cols.some((c) => c.key === 'alertname'));
      }),
    );
  });

  it('drops the least important columns first and gives spare room to the text columns', () => {
    assert.deepEqual(
      layoutColumns(60).map((c) => c.key),
      ['id', 'status', 'severity', 'age', 'alertname', 'where'],
    );
    assert.deepEqual(
      layoutColumns(58).map((c) => c.key),
      ['id', 'status', 'age', 'alertname', 'where'],
    );
    assert.deepEqual(
      layoutColumns(30).map((c) => c.key),
      ['status', 'alertname'],
    );
    const wide = layoutColumns(140);
    assert.equal(wide.length, 9);
    assert.ok(wide.find((c) => c.key === 'alertname')!.width > 20);
  });

  it('cuts with an ellipsis and pads by code point', () => {
    assert.equal(fit('KubePodCrashLooping', 8), 'KubePod…');
    assert.equal(fit('ab', 4), 'ab  ');
    assert.equal(fit('支払い遅延', 3), '支払…');
  });
});

describe('detail wrapping', () => {
  it('wraps at spaces, splits a long URL, and never loses a character', () => {
    assert.deepEqual(wrap('restarted 5 times in the last 10 minutes', 20, '  '), ['  restarted 5 times', '  in the last 10', '  minutes']);
    const url = `https://grafana.example.com/d/${'x'.repeat(50)}`;
    const lines = wrap(url, 30, '    ');
    assert.ok(lines.every((l) => [...l].length <= 30));
    assert.equal(lines.map((l) => l.slice(4)).join(''), url);
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), fc.integer({ min: 10, max: 120 }), (s, w) => {
        const out = wrap(s, w);
        assert.ok(out.every((l) => [...l].length <= Math.max(8, w)));
        assert.equal(out.join('').replace(/ /g, ''), s.replace(/ /g, ''));
      }),
    );
  });
});
