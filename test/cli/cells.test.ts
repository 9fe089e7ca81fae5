/** Display widths: the fast path for characters that always take one cell agrees with string-width. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import stringWidth from 'string-width';
import { displayWidth, NARROW, padCells, truncateCells } from '../../src/text/cells.js';

describe('display widths', () => {
  it('every character the fast path takes is one cell for string-width too', () => {
    const wrong: string[] = [];
    for (let cp = 0x20; cp <= 0x2fff; cp++) {
      const c = String.fromCodePoint(cp);
      if (NARROW.test(c) && stringWidth(c) !== 1) wrong.push(`U+${cp.toString(16).padStart(4, '0')}`);
    }
    assert.deepEqual(wrong, []);
  });

  it('wide, emoji and combining text still goes through string-width', () => {
    for (const s of ['日本語', '🔥 firing', '◽', '✅', 'e\u0301', 'a\u00adb', '● firing — 3 alerts…'])
      assert.equal(displayWidth(s), stringWidth(s), s);
    assert.equal(padCells('日本', 6), '日本  ');
    assert.equal(truncateCells('● firing — 日本語のアラート', 12), '● firing — …');
  });
});
