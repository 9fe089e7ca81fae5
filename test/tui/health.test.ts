import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { healthOf } from '../../src/tui/health.js';

const NOW = Date.parse('2026-11-26T12:00:00Z');
const beat = (ageMs: number, extra: Record<string, unknown> = {}) => ({
  value: JSON.stringify({ pid: 42, startedAt: NOW - 60_000, url: 'http://127.0.0.1:9095', ...extra }),
  updatedAt: NOW - ageMs,
});

describe('header health', () => {
  it('daemon: up while the heartbeat is fresh, down when silent for more than 6 s, stopped, or never seen', () => {
    assert.deepEqual(healthOf(beat(1_000), null, NOW).daemon, { up: true, text: 'daemon ✓ up (pid 42)' });
    assert.deepEqual(healthOf(beat(6_500), null, NOW).daemon, { up: false, text: 'daemon ✗ silent for 6s' });
    assert.deepEqual(healthOf(beat(1_000, { stoppedAt: NOW - 120_000 }), null, NOW).daemon, { up: false, text: 'daemon ✗ stopped 2m ago' });
    assert.deepEqual(healthOf(null, null, NOW).daemon, { up: false, text: 'daemon ✗ never started' });
  });

  it('slack: from the slack.socket meta key while the daemon is up', () => {
    const socket = (state: string) => ({ value: JSON.stringify({ state }), updatedAt: NOW });
    assert.deepEqual(healthOf(beat(0), socket('connected'), NOW).slack, { up: true, text: 'slack ✓ connected' });
    assert.deepEqual(healthOf(beat(0), socket('disconnected'), NOW).slack, { up: false, text: 'slack ✗ disconnected' });
    assert.deepEqual(healthOf(beat(0), { value: 'connecting', updatedAt: NOW }, NOW).slack, { up: false, text: 'slack ✗ connecting' });
    assert.deepEqual(healthOf(beat(60_000), socket('connected'), NOW).slack, { up: false, text: 'slack ✗ (daemon down)' });
    assert.deepEqual(healthOf(beat(0), null, NOW).slack, { up: null, text: 'slack – no status' });
    assert.equal(
      healthOf(beat(0), { value: JSON.stringify({ state: 'x\u001B[2J' }), updatedAt: NOW }, NOW).slack.text,
      'slack ✗ x',
      'the whole sequence is removed, no debris',
    );
  });

  it('slack: what the daemon records — how long a state has lasted, why it is down, and off', () => {
    const socket = (o: Record<string, unknown>) => ({ value: JSON.stringify(o), updatedAt: NOW });
    assert.deepEqual(healthOf(beat(0), socket({ state: 'connected', detail: null, since: NOW - 90_000 }), NOW).slack, {
      up: true,
      text: 'slack ✓ connected',
    });
    assert.deepEqual(healthOf(beat(0), socket({ state: 'disconnected', detail: 'link_disabled', since: NOW - 120_000 }), NOW).slack, {
      up: false,
      text: 'slack ✗ disconnected for 2m (link_disabled)',
    });
    assert.deepEqual(healthOf(beat(0), socket({ state: 'off', detail: null, since: NOW }), NOW).slack, { up: null, text: 'slack – off' });
    assert.equal(
      healthOf(beat(0), socket({ state: 'disconnected', detail: `bad\u001B]8;;http://x\u0007${'y'.repeat(100)}`, since: NOW }), NOW).slack
        .text.length < 90,
      true,
    );
  });
});
