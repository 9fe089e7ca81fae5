/**
 * Start-up stays fast: Ink and React load only for the terminal UI; the entry alone (--help)
 * loads no configuration, SQLite or display-width code. Walks the static imports of
 * the BUILT CLI (what Node loads before any command runs) and of the incidents command's chunk,
 * and checks that neither reaches ink or react.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { it } from 'node:test';
import { ROOT } from '../support/daemon.js';

const STATIC_IMPORT = /^\s*(?:import|export)\s[^;]*?from\s+['"]([^'"]+)['"]|^\s*import\s+['"]([^'"]+)['"]/gm;

function staticGraph(entry: string): Set<string> {
  const seen = new Set<string>();
  const todo = [entry];
  while (todo.length) {
    const file = todo.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    if (!file.startsWith('/')) continue; // a package: recorded, not followed
    for (const m of fs.readFileSync(file, 'utf8').matchAll(STATIC_IMPORT)) {
      const spec = (m[1] ?? m[2])!;
      todo.push(
        spec.startsWith('.')
          ? path.resolve(path.dirname(file), spec)
          : spec.split('/')[0]!.startsWith('@')
            ? spec.split('/').slice(0, 2).join('/')
            : spec.split('/')[0]!,
      );
    }
  }
  return seen;
}

/** The built chunk whose name starts with `name-` (esbuild splits each lazily imported command into one). */
function chunk(name: string): string {
  const file = fs.readdirSync(path.join(ROOT, 'dist/cli')).find((f) => f.startsWith(`${name}-`) && f.endsWith('.js'));
  assert.ok(file, `no dist/cli/${name}-*.js: run npm run build`);
  return path.join(ROOT, 'dist/cli', file);
}

const isUi = (m: string) => m === 'ink' || m === 'react';

it('keeps ink and react out of the CLI entry and the list commands', () => {
  for (const entry of [path.join(ROOT, 'dist/cli/main.js'), chunk('incidents')]) {
    const offenders = [...staticGraph(entry)].filter(isUi);
    assert.deepEqual(offenders, [], `${path.basename(entry)} loads ${offenders.join(', ')} eagerly`);
  }
  // The UI's own chunk does load them (so the walk above would have seen them): React from
  // node_modules, Ink bundled into the chunk.
  const ui = staticGraph(chunk('screen'));
  assert.ok(ui.has('react'), [...ui].join(' '));
  assert.match(fs.readFileSync(chunk('screen'), 'utf8'), /node_modules\/ink\/build\/ink\.js/);
});

it('keeps configuration, SQLite and display widths out of the CLI entry (--help loads none of them)', () => {
  const graph = [...staticGraph(path.join(ROOT, 'dist/cli/main.js'))];
  assert.ok(!graph.includes('string-width'), 'string-width is loaded eagerly (its Intl.Segmenter costs ~20 ms)');
  for (const file of graph.filter((f) => f.startsWith('/'))) {
    const code = fs.readFileSync(file, 'utf8');
    for (const inner of ['zod', 'better-sqlite3', 'yaml'])
      assert.doesNotMatch(
        code,
        new RegExp(`^// node_modules/${inner}/`, 'm'),
        `${path.basename(file)} bundles ${inner} into the entry's static graph`,
      );
  }
});
