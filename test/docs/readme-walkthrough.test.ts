/**
 * The README as a script: its marked blocks run in the order written, in a fresh copy of the
 * checkout with no database, and their documented outputs are checked. How blocks are marked:
 * test/support/walkthrough.ts (and the README's development section).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ROOT } from '../support/daemon.js';
import { tempDir } from '../support/tmp.js';
import {
  Background,
  compareOutput,
  mapPorts,
  parseWalkthrough,
  ShellSession,
  splitCommands,
  type CommandResult,
  type Step,
} from '../support/walkthrough.js';

const README = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');

/** A fresh checkout: the repository's files (test/ copied, so entry points see their own path), no data/. */
function freshCheckout(dir: string, defaultListen: string): string {
  const work = path.join(dir, 'checkout');
  fs.mkdirSync(work);
  for (const entry of fs.readdirSync(ROOT)) {
    if (['data', 'config', 'test', '.git'].includes(entry)) continue;
    fs.symlinkSync(path.join(ROOT, entry), path.join(work, entry));
  }
  fs.cpSync(path.join(ROOT, 'test'), path.join(work, 'test'), { recursive: true });
  // config/ as shipped, plus the first file chatops looks for, moving the README's default
  // port (127.0.0.1:9095) to a free one: tests never bind fixed ports.
  fs.mkdirSync(path.join(work, 'config'));
  for (const entry of fs.readdirSync(path.join(ROOT, 'config')))
    fs.symlinkSync(path.join(ROOT, 'config', entry), path.join(work, 'config', entry));
  fs.writeFileSync(path.join(work, 'config', 'chatops.yaml'), `webhook:\n  listen: ${defaultListen}\n`);
  return work;
}

describe('README walkthrough', () => {
  it('markers parse into steps (unit)', () => {
    const md = [
      '# A',
      '<!-- walkthrough: start d; ready "up" -->',
      '```sh',
      'serve',
      '```',
      '<!-- walkthrough: run; retry 5s -->',
      '```sh',
      'a \\',
      '  b   # exit 3',
      "cat > f <<'EOF'",
      'x',
      'EOF',
      '# a comment',
      '```',
      '<!-- walkthrough: output; contains; any: 0s id -->',
      '```',
      'x 0s',
      '```',
      '<!-- walkthrough: stop d -->',
    ].join('\n');
    const steps = parseWalkthrough(md);
    assert.deepEqual(
      steps.map((s) => s.kind),
      ['start', 'run', 'output', 'stop'],
    );
    const run = steps[1] as Extract<Step, { kind: 'run' }>;
    assert.equal(run.retryMs, 5000);
    assert.deepEqual(
      run.commands.map((c) => [c.text, c.expectedExit]),
      [
        ['a \\\n  b   # exit 3', 3],
        ["cat > f <<'EOF'\nx\nEOF", 0],
      ],
    );
    const out = steps[2] as Extract<Step, { kind: 'output' }>;
    assert.equal(compareOutput(out, 'before\nx   12s\nafter\n'), null);
    assert.match(compareOutput({ ...out, contains: false }, 'x 12s\ny\n')!, /expected 1 lines, got 2/);
    assert.match(compareOutput(out, 'y\n')!, /no line "x 0s"/);
    assert.deepEqual(splitCommands('', 1), []);
  });

  it('the set-up says what installing needs where no prebuilt better-sqlite3 fits', () => {
    const setup = README.slice(README.indexOf('## Set up'), README.indexOf('## See it work'));
    assert.match(setup, /Node\.js 20, 22 or 24/);
    assert.match(setup, /better-sqlite3/);
    assert.match(setup, /C\/C\+\+ toolchain and\s+Python/);
    assert.match(setup, /build-essential python3/);
    assert.match(setup, /jq/, 'the walkthrough below uses jq');
  });

  it('the set-up is two commands: one installs and runs the daemon on its defaults, one runs the tests', () => {
    const setup = README.slice(README.indexOf('## Set up'), README.indexOf('## See it work'));
    const blocks = [...setup.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]);
    assert.equal(blocks.length, 1, 'one command block in the set-up');
    const commands = (blocks[0] ?? '')
      .split('\n')
      .map((line) => line.replace(/#.*$/, '').trim())
      .filter(Boolean);
    assert.deepEqual(commands, ['npm ci && npm start', 'npm test']);
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    assert.equal(pkg.scripts.start, 'node bin/chatops daemon', 'npm start runs the daemon with no flags: its embedded defaults');
  });

  it('runs in the order written on a fresh database', async (t) => {
    const steps = parseWalkthrough(README);
    // The walkthrough covers the first run, Slack and remediation; losing a section's markers fails here.
    for (const section of ['See it work', 'Local development against the emulator', 'Try remediation locally']) {
      assert.ok(
        steps.some((s) => s.section === section && s.kind === 'output'),
        `no checked output under "${section}"`,
      );
    }
    const swap = await mapPorts(steps);
    const dir = tempDir(t, 'chatops-walkthrough-');
    const work = freshCheckout(dir, swap('127.0.0.1:9095'));
    const bin = path.join(dir, 'bin');
    fs.mkdirSync(bin);
    fs.writeFileSync(path.join(bin, 'chatops'), `#!/bin/sh\nexec "${process.execPath}" "${path.join(work, 'bin/chatops')}" "$@"\n`, {
      mode: 0o755,
    });
    fs.mkdirSync(path.join(dir, 'home'));
    fs.mkdirSync(path.join(dir, 'scratch'));
    const env: NodeJS.ProcessEnv = {
      PATH: `${bin}:${path.dirname(process.execPath)}:${process.env.PATH}`,
      HOME: path.join(dir, 'home'),
      LANG: 'C.UTF-8',
      TZ: 'UTC',
      npm_config_update_notifier: 'false',
      npm_config_fund: 'false',
      npm_config_audit: 'false',
    };
    const shell = new ShellSession(work, env, path.join(dir, 'scratch'));
    const running = new Map<string, Background>();
    t.after(async () => {
      shell.close();
      for (const bg of running.values()) await bg.stop();
    });
    const context = () =>
      [...running.values()].map((bg) => `--- ${bg.name} (last lines):\n${bg.output.split('\n').slice(-15).join('\n')}`).join('\n');
    let last: { command: string; result: CommandResult } | null = null;

    for (const step of steps) {
      const where = `README line ${step.line} (${step.section})`;
      switch (step.kind) {
        case 'start':
          running.set(step.name, await Background.start(step.name, swap(step.script), step.ready, work, env));
          break;
        case 'stop': {
          const bg = running.get(step.name);
          assert.ok(bg, `${where}: nothing named ${step.name} runs`);
          await bg.stop();
          running.delete(step.name);
          break;
        }
        case 'run':
          for (const c of step.commands) {
            const command = swap(c.text);
            const end = Date.now() + step.retryMs;
            let result = await shell.run(command);
            while (result.code !== c.expectedExit && Date.now() < end) {
              await new Promise((r) => setTimeout(r, 500));
              result = await shell.run(command);
            }
            assert.equal(
              result.code,
              c.expectedExit,
              `${where}, line ${c.line}: \`${command}\` exited ${result.code}\nstdout:\n${result.stdout}\nstderr:\n${result.stderr}\n${context()}`,
            );
            last = { command, result };
          }
          break;
        case 'output': {
          assert.ok(last, `${where}: an output block with no command before it`);
          const expected = { ...step, expected: step.expected.map(swap) };
          const end = Date.now() + step.retryMs;
          let diff = compareOutput(expected, last.result.stdout);
          while (diff && Date.now() < end) {
            await new Promise((r) => setTimeout(r, 500));
            last = { command: last.command, result: await shell.run(last.command) };
            diff = compareOutput(expected, last.result.stdout);
          }
          assert.equal(
            diff,
            null,
            `${where}: the output of \`${last.command}\` differs from the README: ${diff}\nstdout:\n${last.result.stdout}\nstderr:\n${last.result.stderr}\n${context()}`,
          );
          break;
        }
      }
    }
  });
});
