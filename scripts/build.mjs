// Bundles the CLI with esbuild: one module graph instead of hundreds of files cuts `chatops`
// start-up by more than half (measured in BENCHMARKS.md). Small, always-needed packages are
// bundled; native and heavy, lazily loaded ones (Bolt, client-node, Ink, express) stay external
// and load from node_modules only when a command needs them. `tsc` type-checks (npm run typecheck).
import { build } from 'esbuild';
import { rmSync } from 'node:fs';

// better-sqlite3's JavaScript is bundled too: importing a CommonJS package from ESM makes Node
// parse it for export names with its cjs-module-lexer, a WebAssembly module whose start alone
// costs a tenth of a CLI command. Its addon is loaded by path (the `bindings` package it would
// use searches a dozen directories, and cannot work from a bundle).
const BUNDLED = new Set(['commander', 'zod', 'yaml', 'bytes', 'better-sqlite3']);
const ADDON = "module.exports = (name) => require(require.resolve('better-sqlite3/build/Release/' + name));";

/** What the lazily loaded built-ins offer the bundle (a name missing here fails the build). */
const LAZY = { 'node:crypto': ['createHash', 'randomBytes', 'timingSafeEqual'], 'node:child_process': ['spawn'] };

rmSync(new URL('../dist', import.meta.url), { recursive: true, force: true });
await build({
  // The webhook parser's worker thread is its own entry: dist/cli/parse-worker.js.
  entryPoints: { main: 'src/cli/main.ts', 'parse-worker': 'src/adapters/alertmanager/parse-worker.ts' },
  outdir: 'dist/cli',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  jsx: 'automatic',
  logLevel: 'warning',
  // Bundled CommonJS packages (commander, yaml) call require() for Node built-ins.
  banner: { js: "import { createRequire as __chatopsRequire } from 'node:module'; const require = __chatopsRequire(import.meta.url);" },
  plugins: [
    {
      // Built-ins few commands need, loaded on first use: node:crypto (hashing the audit chain,
      // request ids) and node:child_process (commander's executable subcommands, which chatops
      // has none of) cost ~5 % of a command's start each, even for `incidents list`.
      name: 'lazy-builtins',
      setup(b) {
        b.onResolve({ filter: /^node:(crypto|child_process)$/ }, (args) => (args.namespace === 'lazy' ? { path: args.path, external: true } : { path: args.path, namespace: 'lazy' }));
        b.onLoad({ filter: /.*/, namespace: 'lazy' }, (args) => ({
          loader: 'js',
          contents: `let m; const load = () => (m ??= require(${JSON.stringify(args.path)}));\n${LAZY[args.path].map((name) => `export function ${name}(...a) { return load().${name}(...a); }`).join('\n')}\n`,
        }));
      },
    },
    {
      name: 'external-packages',
      setup(b) {
        b.onResolve({ filter: /^bindings$/ }, () => ({ path: 'bindings', namespace: 'addon' }));
        b.onLoad({ filter: /.*/, namespace: 'addon' }, () => ({ contents: ADDON, loader: 'js' }));
        b.onResolve({ filter: /^[^./]/ }, (args) => {
          const name = args.path.startsWith('@') ? args.path.split('/').slice(0, 2).join('/') : args.path.split('/')[0];
          if (args.path.startsWith('node:') || !BUNDLED.has(name)) return { path: args.path, external: true };
          return undefined;
        });
      },
    },
  ],
});
