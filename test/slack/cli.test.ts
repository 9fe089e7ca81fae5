/** `chatops render` from the command line (`chatops silence` is tested with the approvals core). */
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { runCli } from '../support/daemon.js';
import { FIXTURES } from '../support/tmp.js';
import { validateBlocks } from '../support/slack-emulator.js';

test('render prints the message a payload would produce; --json is the Block Kit that would be posted', () => {
  const file = path.join(FIXTURES, 'alertmanager/06-unicode-injection-long-description.json');
  const r = runCli(['render', file, '--json'], { env: { SLACK_CHANNEL: 'C0OPS' } });
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { channel: string; text: string; blocks: unknown[] }[];
  assert.equal(out.length, 1);
  assert.equal(out[0]!.channel, 'C0OPS');
  assert.deepEqual(validateBlocks(out[0]!.blocks), []);
  const s = JSON.stringify(out[0]);
  for (const bad of ['<!channel>', '<@U0ADMIN>', '<https://evil']) assert.ok(!s.includes(bad), bad);
  const text = runCli(['render', path.join(FIXTURES, 'alertmanager/02-firing-group-of-3.json')]);
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /# 🔥 FIRING: /);
  // On the defaults (no Alertmanager to silence in, policy.max_risk read) Silence would be refused: not offered.
  assert.match(text.stdout, /\[Acknowledge\] \[Runbook\]/);
  assert.doesNotMatch(text.stdout, /Silence/);
  const bad = runCli(['render', '/nonexistent.json']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /Cannot read \/nonexistent\.json/);
});
