/**
 * Start-up stays fast: Ink and React load only for the terminal UI. Walks the static imports of
 * the BUILT CLI (what Node loads before any command runs) and of a list command's module, and
 * checks that neither reaches ink, react or src/tui.
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
      todo.push(spec.startsWith('.') ? path.resolve(path.dirname(file), spec) : spec.split('/')[0]!.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!);
    }
  }
  return seen;
}

it('keeps ink, react and the TUI out of the CLI entry and the list commands', () => {
  for (const entry of ['dist/cli/main.js', 'dist/cli/commands/incidents.js']) {
    const graph = [...staticGraph(path.join(ROOT, entry))];
    const offenders = graph.filter((m) => m === 'ink' || m === 'react' || m.includes('/dist/tui/'));
    assert.deepEqual(offenders, [], `${entry} loads ${offenders.join(', ')} eagerly`);
  }
  // The UI itself does load them (so the walk above would have seen them).
  const ui = staticGraph(path.join(ROOT, 'dist/tui/run.js'));
  assert.ok(ui.has('ink') && ui.has('react'));
});
