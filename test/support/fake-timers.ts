/**
 * A fake clock for the outbox: time moves only when the test advances it, so minutes of Slack
 * traffic (pacing, Retry-After, backoff, outages) run in milliseconds and every assertion
 * about time is exact. `advance` runs everything that becomes due, in time order.
 */
import type { Timers } from '../../src/daemon/outbox/timers.js';

export class FakeTimers implements Timers {
  private t: number;
  private readonly waiting: { at: number; resolve: () => void }[] = [];

  constructor(start = Date.parse('2026-11-26T10:00:00Z')) {
    this.t = start;
  }

  now = (): number => this.t;

  sleep = (ms: number): Promise<void> => new Promise((resolve) => this.waiting.push({ at: this.t + Math.max(0, ms), resolve }));

  /** Lets every promise chain that does not wait for the clock run to its end. */
  async settle(): Promise<void> {
    for (let i = 0; i < 8; i++) await new Promise((r) => setImmediate(r));
  }

  /** Moves time forward by `ms`, waking each sleeper at its time. */
  async advance(ms: number): Promise<void> {
    const end = this.t + ms;
    for (;;) {
      await this.settle();
      let next = Number.POSITIVE_INFINITY;
      for (const w of this.waiting) next = Math.min(next, w.at);
      if (next > end) break;
      this.t = Math.max(this.t, next);
      for (let i = this.waiting.length - 1; i >= 0; i--) {
        if (this.waiting[i]!.at <= this.t) this.waiting.splice(i, 1)[0]!.resolve();
      }
    }
    this.t = end;
    await this.settle();
  }
}
