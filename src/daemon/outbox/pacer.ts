/**
 * Pacing of Slack Web API calls: about one post a second per channel (post_interval), chat.update
 * spaced across the workspace (update_interval, Tier 3), a 429's Retry-After honoured for its
 * method (and channel), and a pause while Slack is unreachable. The pacer only says when a call
 * may go and runs it; which call goes next is the scheduler's choice.
 */
import { SlackCallError } from '../../adapters/slack/web-api.js';
import { HEALTHY, healthAfterFailure, healthAfterSuccess, type SlackHealth } from './retry-policy.js';
import type { Timers } from './timers.js';

export interface PacerConfig {
  /** Spacing of chat.postMessage per channel. */
  postIntervalMs: number;
  /** Spacing of chat.update across the workspace. */
  updateIntervalMs: number;
}

export const POST = 'chat.postMessage';
export const UPDATE = 'chat.update';

export class Pacer {
  private readonly channelNextAt = new Map<string, number>();
  private readonly methodNextAt = new Map<string, number>();
  private readonly blockedUntil = new Map<string, number>();
  health: SlackHealth = HEALTHY;

  constructor(
    private readonly timers: Timers,
    private readonly config: PacerConfig,
    /** Called when a call succeeds after an outage. */
    private readonly onRecovered: () => void = () => {},
  ) {}

  private answered(): void {
    const { health, recovered } = healthAfterSuccess(this.health);
    this.health = health;
    if (recovered) this.onRecovered();
  }

  /** When a call of this method in this channel may go (≤ now: at once). */
  readyAt(channel: string | null, method: string): number {
    let at = Math.max(this.methodNextAt.get(method) ?? 0, this.blockedUntil.get(method) ?? 0);
    if (channel && method === POST)
      at = Math.max(at, this.channelNextAt.get(channel) ?? 0, this.blockedUntil.get(`${POST}#${channel}`) ?? 0);
    if (this.health.outage) at = Math.max(at, this.health.probeAt);
    return at;
  }

  /**
   * Waits for the slot, then makes the call. A 429 blocks the method (and the channel's posts)
   * for Retry-After and is rethrown: the caller leaves its rows due and picks again later.
   */
  async call<T>(channel: string | null, method: string, fn: () => Promise<T>, stopped: () => boolean = () => false): Promise<T> {
    for (;;) {
      if (stopped()) throw new SlackCallError(method, { kind: 'uncertain', error: 'stopping' });
      const wait = this.readyAt(channel, method) - this.timers.now();
      if (wait <= 0) break;
      await this.timers.sleep(Math.min(wait, 500)); // in slices, so that stop() is not held up by a long Retry-After
    }
    const now = this.timers.now();
    if (channel && method === POST) this.channelNextAt.set(channel, now + this.config.postIntervalMs);
    if (method === UPDATE) this.methodNextAt.set(method, now + this.config.updateIntervalMs);
    if (this.health.outage) this.health = { ...this.health, probeAt: Number.MAX_SAFE_INTEGER }; // one probe at a time
    try {
      const r = await fn();
      this.answered();
      return r;
    } catch (e) {
      if (!(e instanceof SlackCallError)) throw e;
      const at = this.timers.now();
      if (e.failure.kind === 'rate_limited') {
        const until = at + e.failure.retryAfterMs;
        this.blockedUntil.set(method, Math.max(until, this.blockedUntil.get(method) ?? 0));
        if (channel && method === POST) this.blockedUntil.set(`${POST}#${channel}`, until);
      }
      if (e.failure.kind === 'uncertain') {
        this.health = healthAfterFailure(this.health, e.failure, at);
      } else {
        this.answered(); // a 429 or a refusal: Slack is reachable
      }
      throw e;
    }
  }
}
