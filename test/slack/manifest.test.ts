/** The Slack app manifest: Socket Mode and interactivity on, exactly the bot scopes the code uses. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';
import { ROOT } from '../support/daemon.js';

test('the manifest enables Socket Mode and interactivity and asks only for the scopes used', () => {
  const m = parse(fs.readFileSync(path.join(ROOT, 'config/slack-app-manifest.yaml'), 'utf8')) as {
    settings: { socket_mode_enabled: boolean; interactivity: { is_enabled: boolean } };
    oauth_config: { scopes: { bot: string[] } };
  };
  assert.equal(m.settings.socket_mode_enabled, true);
  assert.equal(m.settings.interactivity.is_enabled, true);
  assert.deepEqual([...m.oauth_config.scopes.bot].sort(), ['channels:history', 'chat:write', 'groups:history']);
  // The Web API methods the code calls, and nothing that would need another scope.
  const src = fs.readFileSync(path.join(ROOT, 'src/adapters/slack/web-api.ts'), 'utf8');
  const methods = [...src.matchAll(/this\.client\.([a-z]+\.[a-zA-Z]+)\(/g)].map((x) => x[1]).sort();
  assert.deepEqual([...new Set(methods)], ['chat.postEphemeral', 'chat.postMessage', 'chat.update', 'conversations.history']);
});
