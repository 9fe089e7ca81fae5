/**
 * Header health from meta rows the daemon writes:
 * - `daemon.heartbeat`: JSON `{pid, startedAt, url, stoppedAt?}`, rewritten every 2 s.
 * - `slack.socket`: JSON `{"state": "starting" | "connected" | "disconnected" | "stopped" | "off",
 *   "detail": why it is not connected (e.g. "link_disabled", "invalid_auth") or null,
 *   "since": when it entered that state}` (a bare string state is accepted too), written by the
 *   daemon that holds the database lease whenever its Socket Mode connection changes state, and
 *   "off" when it runs without Slack. It only means something while the daemon is alive.
 */
import { formatDuration } from '../core/duration.js';
import { clean } from '../cli/format.js';

const HEARTBEAT_FRESH_MS = 6_000;

export interface MetaValue {
  value: string;
  updatedAt: number;
}

export interface Health {
  daemon: { up: boolean; text: string };
  slack: { up: boolean | null; text: string };
}

function parse(v: string): Record<string, unknown> | null {
  try {
    const o = JSON.parse(v) as unknown;
    return o && typeof o === 'object' ? (o as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

export function healthOf(heartbeat: MetaValue | null, slackSocket: MetaValue | null, now: number): Health {
  let daemon: Health['daemon'];
  if (!heartbeat) {
    daemon = { up: false, text: 'daemon ✗ never started' };
  } else {
    const hb = parse(heartbeat.value) ?? {};
    const age = now - heartbeat.updatedAt;
    if (typeof hb.stoppedAt === 'number') daemon = { up: false, text: `daemon ✗ stopped ${formatDuration(now - hb.stoppedAt)} ago` };
    else if (age > HEARTBEAT_FRESH_MS) daemon = { up: false, text: `daemon ✗ silent for ${formatDuration(age)}` };
    else daemon = { up: true, text: `daemon ✓ up${typeof hb.pid === 'number' ? ` (pid ${hb.pid})` : ''}` };
  }
  let slack: Health['slack'];
  if (!slackSocket) {
    // No key: Slack is off, or the daemon has not reported it (this process may not hold the Slack tokens to know).
    slack = { up: null, text: 'slack – no status' };
  } else if (!daemon.up) {
    slack = { up: false, text: 'slack ✗ (daemon down)' };
  } else {
    const o = parse(slackSocket.value);
    const state = clean(String(o?.state ?? slackSocket.value)).slice(0, 20);
    const detail = typeof o?.detail === 'string' && o.detail ? ` (${clean(o.detail).slice(0, 40)})` : '';
    const since = typeof o?.since === 'number' ? ` for ${formatDuration(Math.max(0, now - o.since))}` : '';
    if (state === 'connected') slack = { up: true, text: 'slack ✓ connected' };
    else if (state === 'off') slack = { up: null, text: 'slack – off' };
    else slack = { up: false, text: `slack ✗ ${state}${since}${detail}` };
  }
  return { daemon, slack };
}
