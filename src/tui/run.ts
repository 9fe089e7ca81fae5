/**
 * `chatops incidents` on a terminal. Imported lazily by the CLI: no other command loads Ink or
 * React. This process may stay open for days beside a daemon, so it is set up to cost what is
 * on screen (measured by `npm run bench`, "terminal UI"):
 * - React's production build: the development build checks and records every render (about a
 *   third more CPU and memory per frame) and tells an operator nothing.
 * - A heap sized to what is live (~20 MB): V8's defaults grow the young generation to 32 MB and
 *   let the old one reach 3–4× what is live, for throughput this process does not need.
 * - No HTTP client at start: yoga-layout (Ink's layout engine) loads its WebAssembly from a
 *   data: URL with fetch() when fetch exists, which pulls in Node's undici (≈9 MB, ≈60 ms) for
 *   bytes it decodes just as well without it.
 */
import v8 from 'node:v8';
import type { IncidentQuery } from '../adapters/store/incident-browser.js';
import type { GlobalOptions } from '../cli/command-log.js';

const HEAP_FLAGS = ['--semi-space-growth-factor=1', '--heap-growing-percent=10'];

export async function runTui(globals: GlobalOptions, opts: { query?: IncidentQuery; graph?: boolean } = {}): Promise<number> {
  // React (external to the bundle) picks its production build from the environment at load;
  // written this way because the bundle's `define` rewrites `process.env.NODE_ENV` reads.
  Object.assign(process.env, { NODE_ENV: 'production' });
  for (const flag of HEAP_FLAGS) v8.setFlagsFromString(flag);
  const { runScreen } = await withoutFetch(() => import('./screen.js'));
  return runScreen(globals, opts);
}

async function withoutFetch<T>(load: () => Promise<T>): Promise<T> {
  const fetchProperty = Object.getOwnPropertyDescriptor(globalThis, 'fetch');
  Object.defineProperty(globalThis, 'fetch', { value: undefined, configurable: true, writable: true });
  try {
    return await load();
  } finally {
    if (fetchProperty) Object.defineProperty(globalThis, 'fetch', fetchProperty);
  }
}
