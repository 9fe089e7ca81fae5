/**
 * `chatops db backup` never writes through a symbolic link and never says "this is a bug" about
 * one: a dangling link at the backup path, a link at the path SQLite will use for the backup's
 * journal (which would make it create a file wherever the link points), a link to an existing
 * file. Each is refused with exit 2 and one sentence; nothing is created where a link points.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { it } from 'node:test';
import { runCli } from '../support/daemon.js';
import { FIXTURES, tempDir } from '../support/tmp.js';

it('db backup refuses dangling links, linked journal paths and links to files, clearly', (t) => {
  const dir = tempDir(t);
  const env = { CHATOPS_DB: path.join(dir, 'chatops.db') };
  assert.equal(runCli(['alerts', 'ingest', path.join(FIXTURES, 'alertmanager/01-firing-single.json')], { env }).code, 0);
  const victim = path.join(dir, 'victim');
  fs.writeFileSync(victim, 'keep me');
  const cases: [string, () => string, RegExp][] = [
    [
      'dangling link at the backup path',
      () => {
        const p = path.join(dir, 'a.db');
        fs.symlinkSync(path.join(dir, 'nowhere'), p);
        return p;
      },
      /backup path .*a\.db is already taken by a symbolic link to .*nowhere \(which does not exist\)/,
    ],
    [
      'link to an existing file at the backup path',
      () => {
        const p = path.join(dir, 'b.db');
        fs.symlinkSync(victim, p);
        return p;
      },
      /backup path .*b\.db is already taken by a symbolic link to .*victim/,
    ],
    [
      'dangling link at the journal path',
      () => {
        const p = path.join(dir, 'c.db');
        fs.symlinkSync(path.join(dir, 'planted'), `${p}-journal`);
        return p;
      },
      /journal path .*c\.db-journal is already taken by a symbolic link/,
    ],
    [
      'link at the WAL path',
      () => {
        const p = path.join(dir, 'd.db');
        fs.symlinkSync(victim, `${p}-wal`);
        return p;
      },
      /WAL path .*d\.db-wal is already taken by a symbolic link/,
    ],
    [
      'an existing file',
      () => {
        const p = path.join(dir, 'e.db');
        fs.writeFileSync(p, 'x');
        return p;
      },
      /e\.db already exists: choose a new file name/,
    ],
  ];
  for (const [name, make, why] of cases) {
    const r = runCli(['db', 'backup', make()], { env });
    assert.equal(r.code, 2, `${name}: ${r.stderr}`);
    assert.match(r.stderr, why, name);
    assert.doesNotMatch(r.stderr, /bug/);
  }
  assert.equal(fs.readFileSync(victim, 'utf8'), 'keep me');
  assert.equal(fs.existsSync(path.join(dir, 'nowhere')), false);
  assert.equal(fs.existsSync(path.join(dir, 'planted')), false);
  const ok = runCli(['db', 'backup', path.join(dir, 'good.db')], { env });
  assert.equal(ok.code, 0, ok.stderr);
});
