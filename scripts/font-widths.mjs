// Prints the advance widths of printable ASCII in assets/fonts/DejaVuSans.ttf (in em), read from
// the font's cmap (format 4) and hmtx tables: the table src/adapters/chart/font-metrics.ts holds,
// so ECharts lays text out with the widths resvg will draw. Run after changing the bundled font.
import fs from 'node:fs';

const font = fs.readFileSync(new URL('../assets/fonts/DejaVuSans.ttf', import.meta.url));
const tables = {};
for (let i = 0, n = font.readUInt16BE(4); i < n; i++) {
  const rec = 12 + i * 16;
  tables[font.toString('latin1', rec, rec + 4)] = font.readUInt32BE(rec + 8);
}
const unitsPerEm = font.readUInt16BE(tables.head + 18);
const metrics = font.readUInt16BE(tables.hhea + 34);
const advance = (glyph) => font.readUInt16BE(tables.hmtx + 4 * Math.min(glyph, metrics - 1));
// cmap: the Unicode BMP subtable (platform 3 encoding 1, format 4).
let sub = -1;
for (let i = 0, n = font.readUInt16BE(tables.cmap + 2); i < n; i++) {
  const rec = tables.cmap + 4 + i * 8;
  if (font.readUInt16BE(rec) === 3 && font.readUInt16BE(rec + 2) === 1) sub = tables.cmap + font.readUInt32BE(rec + 4);
}
const segs = font.readUInt16BE(sub + 6) / 2;
const ends = sub + 14;
const starts = ends + segs * 2 + 2;
const deltas = starts + segs * 2;
const offsets = deltas + segs * 2;
function glyphOf(code) {
  for (let s = 0; s < segs; s++) {
    if (code > font.readUInt16BE(ends + s * 2)) continue;
    const start = font.readUInt16BE(starts + s * 2);
    if (code < start) return 0;
    const delta = font.readInt16BE(deltas + s * 2);
    const ro = font.readUInt16BE(offsets + s * 2);
    if (ro === 0) return (code + delta) & 0xffff;
    const g = font.readUInt16BE(offsets + s * 2 + ro + (code - start) * 2);
    return g === 0 ? 0 : (g + delta) & 0xffff;
  }
  return 0;
}
const widths = [];
for (let c = 32; c < 127; c++) widths.push(Math.round((advance(glyphOf(c)) / unitsPerEm) * 1000));
console.log(JSON.stringify(widths));
