/**
 * What a failed Slack call means for the rows behind it, and for Slack as a whole. Pure.
 *
 * - Rate limited (429): not an attempt; the pacer waits Retry-After for that method.
 * - Uncertain (5xx, network, timeout): retried with a per-row backoff; several in a row mean
 *   Slack is unreachable (an outage): calls pause, probing with a growing delay, and the first
 *   call that succeeds releases every row that backed off meanwhile, so the backlog drains at
 *   the rate limits' pace instead of at each row's own backoff.
 * - Permanent (channel_not_found, invalid_blocks …): retried a few times, then given up.
 */
import type { CallFailure } from '../../adapters/slack/web-api.js';

/** A permanent failure is retried this often, then given up. */
export const MAX_PERMANENT_ATTEMPTS = 8;
/** Consecutive uncertain failures (with no success between) that declare Slack unreachable. */
export const OUTAGE_AFTER = 3;
const ROW_BACKOFF_MAX_MS = 300_000;
const PROBE_MAX_MS = 30_000;

/** Per-row backoff after the n-th failed attempt: 1 s, 2 s, 4 s … up to 5 min. */
export function rowBackoffMs(attempts: number): number {
  return Math.min(ROW_BACKOFF_MAX_MS, 1000 * 2 ** Math.min(Math.max(0, attempts - 1), 9));
}

export type RetryDecision =
  /** 429: the rows stay due; the pacer holds the method. */
  { kind: 'rate-limited' } | { kind: 'retry'; delayMs: number } | { kind: 'give-up' };

/** What to do with the rows of a failed call; `attempts` counts this one. */
export function afterFailure(failure: CallFailure, attempts: number): RetryDecision {
  if (failure.kind === 'rate_limited') return { kind: 'rate-limited' };
  if (failure.kind === 'permanent' && attempts >= MAX_PERMANENT_ATTEMPTS) return { kind: 'give-up' };
  return { kind: 'retry', delayMs: rowBackoffMs(attempts) };
}

/** Slack as a whole, as the calls see it. */
export interface SlackHealth {
  /** Uncertain failures since the last success. */
  failures: number;
  /** Unreachable: calls wait for `probeAt`, then one tries. */
  outage: boolean;
  probeAt: number;
}

export const HEALTHY: SlackHealth = { failures: 0, outage: false, probeAt: 0 };

/** After a failed call. Only uncertain failures say anything about Slack as a whole. */
export function healthAfterFailure(h: SlackHealth, failure: CallFailure, now: number): SlackHealth {
  if (failure.kind !== 'uncertain') return h;
  const failures = h.failures + 1;
  if (failures < OUTAGE_AFTER) return { ...h, failures };
  return { failures, outage: true, probeAt: now + Math.min(PROBE_MAX_MS, 1000 * 2 ** Math.min(failures - OUTAGE_AFTER, 6)) };
}

/** After a call that worked: `recovered` when it ends an outage. */
export function healthAfterSuccess(h: SlackHealth): { health: SlackHealth; recovered: boolean } {
  return { health: HEALTHY, recovered: h.outage };
}
