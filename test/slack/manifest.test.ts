/** The Slack app manifest: Socket Mode and interactivity on, exactly the bot scopes the code uses. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';
import { ROOT } from '../support/daemon.js';

test('the manifest enables Socket Mode and interactivity and asks only for the scopes used', async () => {
  const m = parse(fs.readFileSync(path.join(ROOT, 'config/slack-app-manifest.yaml'), 'utf8')) as {
    settings: { socket_mode_enabled: boolean; interactivity: { is_enabled: boolean } };
    oauth_config: { scopes: { bot: string[] } };
  };
  assert.equal(m.settings.socket_mode_enabled, true);
  assert.equal(m.settings.interactivity.is_enabled, true);
  assert.deepEqual([...m.oauth_config.scopes.bot].sort(), [
    'channels:history',
    'channels:read',
    'chat:write',
    'files:write',
    'groups:history',
    'groups:read',
  ]);
  // The Web API methods the code calls (the daemon, and config check), and nothing that would need another scope.
  const daemon = fs.readFileSync(path.join(ROOT, 'src/adapters/slack/web-api.ts'), 'utf8');
  const methods = [...daemon.matchAll(/this\.client\.([a-z]+\.[a-zA-Z]+|filesUploadV2)\(/g)].map((x) => x[1]);
  const check = fs.readFileSync(path.join(ROOT, 'src/cli/commands/config-check.ts'), 'utf8');
  methods.push(...[...check.matchAll(/slackCall\([^,]+, '([a-z]+\.[a-zA-Z]+)'/g)].map((x) => x[1]));
  // auth.test and apps.connections.open need no scope (the latter needs the app token's connections:write).
  const SCOPES: Record<string, string[]> = {
    'chat.postMessage': ['chat:write'],
    'chat.update': ['chat:write'],
    'chat.postEphemeral': ['chat:write'],
    'conversations.history': ['channels:history', 'groups:history'],
    'conversations.replies': ['channels:history', 'groups:history'],
    'conversations.info': ['channels:read', 'groups:read'],
    'auth.test': [],
    'apps.connections.open': [],
    // files.getUploadURLExternal + files.completeUploadExternal
    filesUploadV2: ['files:write'],
  };
  const needed = new Set<string>();
  for (const method of methods) {
    assert.ok(method && method in SCOPES, `unknown method ${method}: add its scope here and in the manifest`);
    for (const s of SCOPES[method!]!) needed.add(s);
  }
  assert.deepEqual([...needed].sort(), [...m.oauth_config.scopes.bot].sort());
  const { BOT_SCOPES } = await import('../../src/adapters/slack/scopes.js');
  assert.deepEqual([...BOT_SCOPES].sort(), [...m.oauth_config.scopes.bot].sort(), 'config check compares the token with the same list');
});

test('chatops config check passes its Slack checks against the emulator, and never prints a token', async (t) => {
  const { SlackEmulator } = await import('../support/slack-emulator.js');
  const { runCliAsync } = await import('../support/slack-daemon.js');
  const { tempDir } = await import('../support/tmp.js');
  const emu = await SlackEmulator.start();
  t.after(() => emu.stop());
  const dir = tempDir(t);
  const r = await runCliAsync(['config', 'check', '--json'], {
    CHATOPS_DB: path.join(dir, 'chatops.db'),
    SLACK_API_URL: emu.apiUrl,
    SLACK_BOT_TOKEN: 'xoxb-test',
    SLACK_APP_TOKEN: 'xapp-1-A0TEST-1-abc',
    SLACK_CHANNEL: 'C0OPS',
  });
  const out = JSON.parse(r.stdout) as { checks: { name: string; ok: boolean; detail: string }[] };
  const slack = out.checks.filter((c) => c.name.startsWith('slack'));
  assert.deepEqual(
    slack.map((c) => c.name),
    ['slack bot token', 'slack scopes', 'slack app token', 'slack channel C0OPS'],
    JSON.stringify(out.checks),
  );
  for (const c of slack) assert.equal(c.ok, true, `${c.name}: ${c.detail}`);
  assert.ok(!r.stdout.includes('xoxb-test') && !r.stdout.includes('xapp-1'), 'no token in the output');
});

test('chatops config check names a scope the bot token lacks (files:write for graphs)', async (t) => {
  const { SlackEmulator } = await import('../support/slack-emulator.js');
  const { runCliAsync } = await import('../support/slack-daemon.js');
  const { tempDir } = await import('../support/tmp.js');
  const emu = await SlackEmulator.start({ scopes: ['chat:write', 'channels:history', 'groups:history', 'channels:read', 'groups:read'] });
  t.after(() => emu.stop());
  const dir = tempDir(t);
  const r = await runCliAsync(['config', 'check', '--json'], {
    CHATOPS_DB: path.join(dir, 'chatops.db'),
    SLACK_API_URL: emu.apiUrl,
    SLACK_BOT_TOKEN: 'xoxb-test',
    SLACK_APP_TOKEN: 'xapp-1-A0TEST-1-abc',
    SLACK_CHANNEL: 'C0OPS',
  });
  const out = JSON.parse(r.stdout) as { ok: boolean; checks: { name: string; ok: boolean; detail: string }[] };
  const scopes = out.checks.find((c) => c.name === 'slack scopes');
  assert.equal(scopes?.ok, false);
  assert.match(scopes!.detail, /lacks files:write \(graphs cannot be posted\): add them under OAuth & Permissions/);
  assert.equal(r.code, 1);
});
