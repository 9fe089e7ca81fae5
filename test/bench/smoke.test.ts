/** The benchmark harness at tiny sizes, so it cannot rot. No assertion on time: machines are noisy. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ROOT } from '../support/daemon.js';
import { tempDir } from '../support/tmp.js';

describe('bench smoke', () => {
  it('runs every scenario and writes results.json', (t) => {
    const out = path.join(tempDir(t), 'results.json');
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'bench/run.ts'], {
      cwd: ROOT,
      env: { ...process.env, BENCH_SMOKE: '1', BENCH_OUT: out },
      encoding: 'utf8',
      timeout: 170_000,
    });
    assert.equal(r.status, 0, r.stderr);
    const results = JSON.parse(fs.readFileSync(out, 'utf8')) as Record<string, any>;
    assert.equal(results.smoke, true);
    assert.ok(results.machine.cores > 0);
    assert.equal(results.load.before.loadavg.length, 3);
    assert.deepEqual(Object.keys(results.goals), ['1', '2', '3', '4', '5']);
    // Goal 1: chatops and the bare server, side by side.
    assert.ok(results.ingest.length >= 1);
    for (const row of results.ingest) {
      assert.equal(row.ours.errors, 0);
      assert.equal(row.baseline.errors, 0);
      assert.ok(row.ours.alertsPerSec > 0 && row.baseline.alertsPerSec > 0);
      assert.ok(Number.isFinite(row.ratio) && typeof row.met === 'boolean');
    }
    // Goal 2: one row per incident size, every delivery answered.
    assert.ok(results.flat.rows.length >= 2);
    for (const row of results.flat.rows) assert.ok(row.deliveries > 0 && row.p50ms > 0 && row.p99ms >= row.p50ms);
    // Goal 3: Slack on and off.
    assert.equal(results.slackOn.on.errors, 0);
    assert.ok(results.slackOn.on.alertsPerSec > 0 && results.slackOn.off.alertsPerSec > 0);
    // Goal 4: every command against node -e 0.
    assert.deepEqual(
      results.cli.rows.map((row: { command: string }) => row.command),
      ['incidents list --json', 'incidents list --limit 50', 'incidents show', 'approvals', '--help'],
    );
    for (const row of results.cli.rows) assert.ok(row.ms > 0 && row.nodeBareMs > 0);
    assert.ok(results.memory.idleMb > 0);
    assert.ok(results.scale.length >= 2);
    assert.equal(results.storm.lost, 0);
    assert.ok(results.storm.allVisibleMs > 0 && results.storm.slackWriteCalls > 0);
    assert.equal(results.clicks.ours.unacked, 0);
    assert.equal(results.soak.lost, 0);
    assert.ok(results.soak.incidents > 0 && results.soak.boundSeconds > 0);
    assert.ok(results.clicks.ours.p99ms > 0 && results.clicks.baseline.p99ms > 0);
    assert.ok(results.tui.rssMb > 0 && results.tui.keys > 0 && Number.isFinite(results.tui.idleCpuPct));
    assert.match(r.stdout, /goal 1 — ingest vs a bare express/);
    assert.match(r.stdout, /goals: 1 (met|NOT MET), 2/);
  });
});
