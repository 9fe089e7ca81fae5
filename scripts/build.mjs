// Bundles the CLI with esbuild: one module graph instead of hundreds of files cuts `chatops`
// start-up by more than half (measured in BENCHMARKS.md). Small, always-needed packages (and
// Ink, better-sqlite3's JavaScript) are bundled; heavy, lazily loaded ones (Bolt, client-node,
// express, the graph renderer) stay external and load from node_modules only when a command
// needs them. `tsc` type-checks (npm run typecheck).
import { build } from 'esbuild';
import { rmSync } from 'node:fs';

// better-sqlite3's JavaScript is bundled too: importing a CommonJS package from ESM makes Node
// parse it for export names with its cjs-module-lexer, a WebAssembly module whose start alone
// costs a tenth of a CLI command. Its addon is loaded by path (the `bindings` package it would
// use searches a dozen directories, and cannot work from a bundle).
const BUNDLED = new Set(['commander', 'zod', 'yaml', 'ink', 'bytes', 'better-sqlite3']);
const ADDON = "module.exports = (name) => require(require.resolve('better-sqlite3/build/Release/' + name));";

/** What the lazily loaded built-ins offer the bundle (a name missing here fails the build). */
const LAZY = { 'node:crypto': ['createHash', 'randomBytes', 'timingSafeEqual'], 'node:child_process': ['spawn', 'execFileSync'] };

// Loaded from node_modules even when Ink imports them: React must be the one copy our JSX and
// Ink's reconciler share; Ink's devtools (DEV=true only) need an optional peer that is absent.
const KEPT_EXTERNAL = new Set(['react', 'react-devtools-core']);

// Fixed at build (install) time, never at run time: the system configuration and the service
// account of the privileged path (src/config/trust.ts). CHATOPS_BUILD_DIR builds elsewhere
// (the security tests build one with a temporary system configuration).
const env = process.env;
const outBase = env.CHATOPS_BUILD_DIR ?? 'dist';
rmSync(outBase, { recursive: true, force: true });
await build({
  // The webhook parser's worker thread is its own entry: <out>/cli/parse-worker.js.
  entryPoints: { main: 'src/cli/main.ts', 'parse-worker': 'src/adapters/alertmanager/parse-worker.ts' },
  outdir: `${outBase}/cli`,
  define: {
    __CHATOPS_SYSTEM_CONFIG__: JSON.stringify(env.CHATOPS_SYSTEM_CONFIG ?? '/etc/chatops/chatops.yaml'),
    __CHATOPS_SERVICE_USER__: JSON.stringify(env.CHATOPS_SERVICE_USER ?? 'chatops'),
    // Bundled React internals (Ink's reconciler) without their development builds.
    'process.env.NODE_ENV': '"production"',
  },
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
      // has none of; getent for a service account; Ink's terminal size) cost ~5 % of a
      // command's start each, even for `incidents list`.
      name: 'lazy-builtins',
      setup(b) {
        b.onResolve({ filter: /^node:(crypto|child_process)$/ }, (args) =>
          args.namespace === 'lazy' ? { path: args.path, external: true } : { path: args.path, namespace: 'lazy' },
        );
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
          // Ink's own dependencies are bundled with it, so only what it uses is loaded: it
          // imports all of es-toolkit/compat (≈12 MB resident) for one throttle().
          const fromBundled = args.importer.includes('/node_modules/') && !KEPT_EXTERNAL.has(name);
          if (args.path.startsWith('node:') || !(BUNDLED.has(name) || fromBundled)) return { path: args.path, external: true };
          return undefined;
        });
      },
    },
  ],
});
