/**
 * How a delivery's raw body is stored. A 100-alert Alertmanager delivery is ~45 KB of
 * repetitive JSON: as text it was 11 overflow pages to write, sync and checkpoint per delivery,
 * more than its alert rows. Brotli at quality 1 (~0.1 ms for 45 KB, in the parser's thread
 * when the daemon has one) brings it to about one page. Bodies under a kilobyte are kept as
 * text: compressing them saves no page. `raw_encoding` says which; old rows are 'identity'.
 */
import { createRequire } from 'node:module';
import type zlibTypes from 'node:zlib';
import type { EncodedBody } from '../../core/ports.js';

// Loaded on first use: commands that never store or read a body do not pay for zlib.
let zlibModule: typeof zlibTypes | null = null;
const zlib = (): typeof zlibTypes => (zlibModule ??= createRequire(import.meta.url)('node:zlib') as typeof zlibTypes);

const COMPRESS_FROM = 1024;

export function encodeRaw(text: string): EncodedBody {
  if (text.length < COMPRESS_FROM) return { encoding: 'identity', bytes: text };
  const z = zlib();
  const bytes = z.brotliCompressSync(text, {
    params: {
      [z.constants.BROTLI_PARAM_QUALITY]: 1,
      [z.constants.BROTLI_PARAM_MODE]: z.constants.BROTLI_MODE_TEXT,
      [z.constants.BROTLI_PARAM_SIZE_HINT]: text.length,
    },
  });
  return { encoding: 'br', bytes };
}

export function decodeRaw(encoding: string, bytes: string | Uint8Array): string {
  if (encoding === 'br') return zlib().brotliDecompressSync(bytes).toString('utf8');
  return typeof bytes === 'string' ? bytes : Buffer.from(bytes).toString('utf8');
}
