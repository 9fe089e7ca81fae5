/**
 * `npm test` output a person can read: a line per file as it finishes, failures in full, then
 * the totals CI reads (`# pass N`, `# fail N`); TAP only in a file for machines.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ROOT } from '../support/daemon.js';
import { tempDir } from '../support/tmp.js';

const PASSING = 'test/fixtures/reporter/passing.fixture.ts';
const FAILING = 'test/fixtures/reporter/failing.fixture.ts';

function run(files: string[], env: Record<string, string> = {}) {
  const r = spawnSync('bash', ['test/run.sh', ...files], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { PATH: process.env.PATH, HOME: process.env.HOME, TEST_CONCURRENCY: '2', ...env },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('test/run.sh output', () => {
  it('progress per file, the failure in full, the totals; TAP only in the file asked for', (t) => {
    const tap = path.join(tempDir(t), 'results.tap');
    const r = run([PASSING, FAILING], { TEST_TAP_FILE: tap });
    assert.equal(r.code, 1, 'a failure fails the run');
    assert.doesNotMatch(r.stdout, /TAP version|^ok \d|^not ok \d/m, 'no raw TAP for people');
    assert.match(r.stdout, new RegExp(`^✔ ${PASSING}  \\d+\\.\\d s  \\[\\d/2\\]$`, 'm'));
    assert.match(r.stdout, new RegExp(`^✖ ${FAILING}  \\d+\\.\\d s  \\[\\d/2\\]$`, 'm'));
    assert.match(r.stdout, new RegExp(`^✖ ${FAILING} › fails on purpose\\n[\\s\\S]*the reporter shows this message`, 'm'));
    assert.match(r.stdout, /^Failures \(1\):$/m);
    assert.match(r.stdout, /^✖ 3 tests in 2 files: 2 passed, 1 failed/m);
    assert.match(r.stdout, /# tests 3\n# suites 1\n# pass 2\n# fail 1\n# cancelled 0\n# skipped 0\n# todo 0\n$/);
    const machine = fs.readFileSync(tap, 'utf8');
    assert.match(machine, /^TAP version 13/);
    assert.match(machine, /^# fail 1$/m);
  });

  it("a passing run exits 0 and ends with its totals; TEST_REPORTER picks node's own", () => {
    const r = run([PASSING]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /^✔ 2 tests in 1 file: 2 passed, 0 failed/m);
    assert.match(r.stdout, /# pass 2\n# fail 0\n/);
    const tap = run([PASSING], { TEST_REPORTER: 'tap' });
    assert.match(tap.stdout, /^TAP version 13/);
  });
});
