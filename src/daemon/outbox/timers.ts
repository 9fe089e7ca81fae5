/** The outbox's view of time: the daemon uses the system clock, the fake-clock tests their own. */
export interface Timers {
  now(): number;
  /** Resolves after `ms` (never before). */
  sleep(ms: number): Promise<void>;
}

export const systemTimers: Timers = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms))),
};
