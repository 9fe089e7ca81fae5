/**
 * The Alertmanager configuration we hand out loads in the real Alertmanager (its own checker,
 * `amtool check-config`, from Debian's package: the oldest version the README claims), and the
 * README and the example agree on it.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ROOT } from '../support/daemon.js';
import { tempDir } from '../support/tmp.js';

const EXAMPLE = path.join(ROOT, 'config/alertmanager.example.yml');
const README = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');

function amtool(args: string[]): { code: number; out: string } {
  const r = spawnSync('amtool', args, { encoding: 'utf8' });
  assert.ok(
    !r.error,
    `amtool is not installed (Debian package prometheus-alertmanager; test/ensure-tools.sh installs it): ${r.error?.message}`,
  );
  return { code: r.status ?? -1, out: `${r.stdout}${r.stderr}` };
}

/** The README's YAML blocks that configure an Alertmanager receiver. */
const readmeAlertmanagerBlocks = (): string[] =>
  [...README.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!).filter((y) => y.includes('webhook_configs'));

describe('the Alertmanager example', () => {
  it('loads in the oldest Alertmanager the README claims (amtool check-config)', () => {
    const version = /version (\d+\.\d+)\.\d+/.exec(amtool(['--version']).out)?.[1];
    assert.ok(version, 'amtool --version names its version');
    assert.match(
      README,
      new RegExp(`loads on Alertmanager ${version.replace('.', '\\.')} \\(Debian 12's package\\) and\\s+every later release`),
      `the README claims the version checked here (${version})`,
    );
    assert.match(fs.readFileSync(EXAMPLE, 'utf8'), new RegExp(`Loads on Alertmanager ${version.replace('.', '\\.')} `));
    const r = amtool(['check-config', EXAMPLE]);
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /SUCCESS/);
    assert.match(r.out, /1 receivers/);
  });

  it("the README's Alertmanager snippet loads too", (t) => {
    const blocks = readmeAlertmanagerBlocks();
    assert.ok(blocks.length >= 1, 'the README shows the receiver');
    const dir = tempDir(t);
    blocks.forEach((yaml, i) => {
      const file = path.join(dir, `readme-${i}.yml`);
      fs.writeFileSync(file, yaml);
      const r = amtool(['check-config', file]);
      assert.equal(r.code, 0, `README block ${i + 1}:\n${yaml}\n${r.out}`);
    });
  });

  it('the README and the example name the same token file', () => {
    const paths = (text: string) => [...text.matchAll(/credentials_file:\s*(\S+)/g)].map((m) => m[1]!);
    const example = paths(fs.readFileSync(EXAMPLE, 'utf8'));
    assert.equal(example.length, 1);
    const readme = readmeAlertmanagerBlocks().flatMap(paths);
    assert.ok(readme.length >= 1);
    for (const p of readme) assert.equal(p, example[0], 'one token path, the same everywhere');
  });
});
