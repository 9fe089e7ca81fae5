/**
 * End to end in a real terminal: the BUILT `bin/chatops incidents` under tmux against a
 * seeded database; keys sent with send-keys, the screen read with capture-pane. Meanwhile a
 * real daemon ingests a webhook, and the new incident appears without a key press.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { it } from 'node:test';
import { webhookBody } from '../support/builders.js';
import { BIN, ROOT, runCli, spawnDaemon, testEnv, waitFor } from '../support/daemon.js';
import { FIXTURES, tempDir } from '../support/tmp.js';

const TMUX = '/usr/bin/tmux';

function tmux(socket: string, args: string[], env?: NodeJS.ProcessEnv): string {
  const r = spawnSync(TMUX, ['-L', socket, '-f', '/dev/null', ...args], {
    encoding: 'utf8',
    env: env ?? testEnv(),
    cwd: ROOT,
    timeout: 20_000,
  });
  if (r.status !== 0) throw new Error(`tmux ${args[0]} failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}

it(
  'runs chatops incidents in a terminal: list, detail, ack, live update from the daemon, resize, clean exit',
  { timeout: 120_000 },
  async (t) => {
    const dir = tempDir(t, 'chatops-tmux-');
    const db = path.join(dir, 'chatops.db');
    for (const f of ['01-firing-single.json', '06-unicode-injection-long-description.json']) {
      const r = runCli(['alerts', 'ingest', path.join(FIXTURES, 'alertmanager', f)], { env: { CHATOPS_DB: db } });
      assert.equal(r.code, 0, r.stderr);
    }

    const socket = `chatops-e2e-${process.pid}`;
    const env = testEnv({ CHATOPS_DB: db, TERM: 'xterm-256color' });
    const sh = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
    tmux(
      socket,
      [
        'new-session',
        '-d',
        '-x',
        '120',
        '-y',
        '40',
        '-s',
        'e2e',
        `${sh(process.execPath)} ${sh(BIN)} incidents; echo "TUI-EXIT=$?"; sleep 120`,
      ],
      env,
    );
    t.after(() => {
      spawnSync(TMUX, ['-L', socket, 'kill-server'], { env });
      // kill-server leaves the socket file behind
      fs.rmSync(path.join('/tmp', `tmux-${process.getuid!()}`, socket), { force: true }); // testEnv() sets no TMUX_TMPDIR
    });
    const screen = () => tmux(socket, ['capture-pane', '-p', '-t', 'e2e']);
    const keys = (...k: string[]) => tmux(socket, ['send-keys', '-t', 'e2e', ...k]);
    const until = async (check: (s: string) => boolean, what: string): Promise<string> => {
      try {
        return await waitFor(
          () => {
            const x = screen();
            return check(x) ? x : null;
          },
          { timeoutMs: 30_000, what },
        );
      } catch (e) {
        throw new Error(`${(e as Error).message}; screen now:\n${screen()}`);
      }
    };

    let s = await until((x) => x.includes('KubePodCrashLooping') && x.includes('PaymentLatencyHigh'), 'the list');
    assert.match(s, /● 2 firing/);
    assert.match(s, /daemon ✗ never started/);
    // Alert text cannot drive the terminal: the injection fixture's summary is on screen as text only.
    for (const line of s.split('\n')) assert.ok([...line].length <= 120, `a line wider than the pane: ${line}`);

    // Select the crash-looping incident (ingested first: second in order), open it, see its runbook URL.
    await until((x) => /^› .*PaymentLatencyHigh/m.test(x), 'cursor on the newest incident');
    keys('j');
    await until((x) => /^› .*KubePodCrashLooping/m.test(x), 'cursor on KubePodCrashLooping');
    keys('Enter');
    s = await until((x) => x.includes('https://runbooks.example.com/KubePodCrashLooping'), 'the detail view with the runbook URL');
    assert.match(s, /#\d+ KubePodCrashLooping — ● firing/);
    assert.match(s, /namespace=prod/);

    // Acknowledge through the confirmation line.
    keys('a');
    s = await until((x) => x.includes('[y/N]'), 'the confirmation line');
    assert.match(s, /Acknowledge incident #\d+ KubePodCrashLooping prod\/checkout as cli:/);
    keys('y');
    await until((x) => /✓ Incident \d+ acknowledged by cli:/.test(x), 'the ack result');
    const listed = JSON.parse(runCli(['incidents', 'list', '--json'], { env: { CHATOPS_DB: db } }).stdout) as {
      alertname: string;
      status: string;
      acknowledgedBy: string;
    }[];
    const crash = listed.find((i) => i.alertname === 'KubePodCrashLooping')!;
    assert.equal(crash.status, 'acknowledged');
    assert.match(crash.acknowledgedBy, /^cli:/);
    keys('Escape');
    s = await until((x) => x.includes('NAMESPACE/TARGET') && /◐ 1 acked/.test(x), 'back in the list with the ack counted');

    // The daemon ingests a new alert; it appears without a key press, and the header sees the daemon.
    const daemon = await spawnDaemon({ CHATOPS_DB: db });
    t.after(() => daemon.stop());
    const body = webhookBody([{ labels: { alertname: 'TmuxLiveArrival', namespace: 'shop', deployment: 'cart' } }], {
      groupKey: '{}:{alertname="TmuxLiveArrival"}',
    });
    const res = await fetch(`${daemon.url}/api/alertmanager`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    assert.equal(res.status, 200, await res.text());
    s = await until(
      (x) => x.includes('TmuxLiveArrival') && x.includes('daemon ✓ up'),
      'the new incident and a live daemon, without a key press',
    );
    assert.match(s, /● 2 firing\s+◐ 1 acked/);

    // Filter by status: only acknowledged.
    keys('2');
    s = await until((x) => x.includes('showing: acknowledged') && !x.includes('TmuxLiveArrival'), 'the acknowledged filter');
    assert.ok(s.includes('KubePodCrashLooping'));

    // A narrower terminal re-lays the screen: columns drop, nothing wraps.
    tmux(socket, ['resize-window', '-t', 'e2e', '-x', '64', '-y', '30']);
    s = await until((x) => x.includes('STATUS') && !x.includes('APPROVALS') && x.includes('KubePodCrash'), 'the narrow layout');
    assert.match(s, /daemon ✓ up/, 'the daemon state stays visible when narrow');
    for (const line of s.split('\n')) assert.ok([...line].length <= 64, `a line wider than the pane: ${line}`);

    // q quits, exits 0, and the alternate screen is gone.
    keys('q');
    s = await until((x) => x.includes('TUI-EXIT='), 'the process to exit');
    assert.match(s, /TUI-EXIT=0/);
    assert.ok(!s.includes('NAMESPACE/TARGET'), `the UI is still on screen after quitting:\n${s}`);
  },
);
