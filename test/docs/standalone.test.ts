/**
 * The repository stands alone: no source, test or document cites a file that is not in it (the
 * team's shared notes it was built from live in docs/ now), and every link and `docs/…` reference
 * resolves.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ROOT } from '../support/daemon.js';

/** Every file of the checkout that git tracks or would track (new files included). */
function repositoryFiles(): string[] {
  const r = spawnSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout
    .split('\n')
    .filter((f) => f && fs.existsSync(path.join(ROOT, f)) && /\.(ts|tsx|mjs|js|md|sh|ya?ml|json|service)$|^\.ci\//.test(f));
}

const read = (f: string) => fs.readFileSync(path.join(ROOT, f), 'utf8');

// Built from pieces so this file does not match itself.
const OUTSIDE = [
  new RegExp(['PROTO', 'COLS(\\.md)?\\b'].join('')),
  new RegExp(['\\b(DES', 'IGN|STY', 'LE|TOOL', 'CHAIN)\\.md\\b'].join('')),
  new RegExp(['prom', 'stack\\.sh'].join('')),
  new RegExp(['\\.\\./sha', 'red\\b'].join('')),
  new RegExp(['/work', '/'].join('')),
];

describe('the repository stands alone', () => {
  it('cites no file outside it', () => {
    const hits: string[] = [];
    for (const f of repositoryFiles()) {
      read(f)
        .split('\n')
        .forEach((line, i) => {
          if (OUTSIDE.some((re) => re.test(line))) hits.push(`${f}:${i + 1}: ${line.trim()}`);
        });
    }
    assert.deepEqual(hits, []);
  });

  it('section and trap numbers name the document they come from', () => {
    const hits: string[] = [];
    for (const f of repositoryFiles().filter((x) => !x.startsWith('docs/'))) {
      read(f)
        .split('\n')
        .forEach((line, i) => {
          // A standard cited by name (RFC 8785 §3.2.3) names its document too.
          if (/§\s?\d|\btrap \d+\b/.test(line) && !line.includes('docs/protocols.md') && !/\bRFC \d+ §/.test(line))
            hits.push(`${f}:${i + 1}: ${line.trim()}`);
        });
    }
    assert.deepEqual(hits, []);
  });

  it('every Markdown link and every docs/… reference resolves', () => {
    const broken: string[] = [];
    const files = repositoryFiles();
    for (const f of files.filter((x) => x.endsWith('.md'))) {
      for (const m of read(f).matchAll(/\]\(([^)\s#]+)(?:#[^)]*)?\)/g)) {
        const target = m[1]!;
        if (/^[a-z]+:/i.test(target)) continue; // http(s), mailto
        if (!fs.existsSync(path.resolve(ROOT, path.dirname(f), target))) broken.push(`${f}: ${target}`);
      }
    }
    for (const f of files) {
      for (const m of read(f).matchAll(/\bdocs\/[\w.-]+\.md\b/g)) {
        if (!fs.existsSync(path.join(ROOT, m[0]))) broken.push(`${f}: ${m[0]}`);
      }
    }
    assert.deepEqual(broken, []);
    for (const doc of ['docs/README.md', 'docs/protocols.md', 'docs/toolchain.md', 'docs/testing.md'])
      assert.ok(fs.existsSync(path.join(ROOT, doc)), doc);
  });
});
