/**
 * The TUI header shows Slack's real socket state: the spawned daemon (real Bolt app against the
 * Slack emulator) records it in the database, and the TUI's own data source and header logic
 * read it — connected, disconnected with Slack's reason and for how long, back again, daemon
 * down, and off when the daemon runs without Slack.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { it } from 'node:test';
import { SqliteStore } from '../../src/adapters/store/sqlite-store.js';
import { healthOf } from '../../src/tui/health.js';
import { storeSource } from '../../src/tui/source.js';
import { spawnDaemon, waitFor } from '../support/daemon.js';
import { slackStack, stopDaemon } from '../support/slack-daemon.js';
import { tempDir } from '../support/tmp.js';

function header(t: { after(fn: () => void): void }, db: string): () => ReturnType<typeof healthOf> {
  const store = new SqliteStore({ path: db, mustExist: true });
  t.after(() => store.close());
  const source = storeSource(store);
  return () => healthOf(source.meta('daemon.heartbeat'), source.meta('slack.socket'), Date.now());
}

it("the header follows the daemon's Slack socket: connected, disconnected (why, for how long), reconnected, daemon down", async (t) => {
  const { dir, emu, daemon } = await slackStack(t);
  const health = header(t, path.join(dir, 'chatops.db'));
  // What a crash prints is not a JSON log line: keep it for the failure message.
  let crash = '';
  daemon.child.stderr!.on('data', (d) => {
    if (!String(d).startsWith('{')) crash += String(d);
  });
  assert.deepEqual(health().slack, { up: true, text: 'slack ✓ connected' });
  assert.match(health().daemon.text, new RegExp(`daemon ✓ up \\(pid ${daemon.child.pid}\\)`));

  // Slack drops the link and the handshake does not complete: the header says so, with Slack's reason.
  emu.sendHello = false;
  emu.disconnectAll('link_disabled');
  const down = await waitFor(
    () => {
      const h = health().slack;
      return h.up === false ? h : null;
    },
    { what: 'the header to show the socket down' },
  );
  assert.match(down.text, /^slack ✗ disconnected for \d+s \(link_disabled\)$/);

  // Still no hello: the watchdog replaces the client (which the SDK used to answer with an
  // unhandled rejection that killed the daemon, node-slack-sdk #2656); the header tells.
  await waitFor(() => /^slack ✗ starting for \d+s \(client rebuilt after link_disabled\)$/.test(health().slack.text), {
    what: 'the watchdog rebuild',
    timeoutMs: 30_000,
  });
  emu.sendHello = true;
  await waitFor(() => health().slack.up === true, { what: 'the header to show the socket back', timeoutMs: 40_000 }).catch((e: Error) => {
    throw new Error(`${e.message} (header: ${health().slack.text}; daemon exit code ${daemon.child.exitCode})\n${crash}`);
  });

  await stopDaemon(daemon);
  assert.deepEqual(health().slack, { up: false, text: 'slack ✗ (daemon down)' });
});

it('a daemon without Slack says so: slack – off', async (t) => {
  const db = path.join(tempDir(t), 'chatops.db');
  const daemon = await spawnDaemon({ CHATOPS_DB: db });
  t.after(() => daemon.stop());
  assert.deepEqual(header(t, db)().slack, { up: null, text: 'slack – off' });
});
