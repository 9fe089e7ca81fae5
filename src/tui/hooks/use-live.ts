/**
 * Live data: looks for commits by other processes (the daemon, another terminal) every
 * `pollMs`, and moves the clock shown on screen once a second.
 *
 * A change is what `source.changes()` says it is: a token over incidents, alerts, requests and the
 * audit trail, so the daemon's heartbeat (a commit every 2 s) costs one cheap read and no
 * reload. While changes keep coming (a storm) the screen re-reads at most once per `reloadMs`;
 * keys never wait for that.
 */
import { useEffect, useRef, useState } from 'react';
import type { Clock } from '../../core/ports.js';

/**
 * Calls `onChange` when the data changed (at most once per `reloadMs`) and returns the clock,
 * to the second. `onChange` may change between renders; the latest one is called.
 */
export function useLive(source: { changes(): string }, clock: Clock, onChange: () => void, opts: { pollMs?: number; reloadMs?: number } = {}): number {
  const pollMs = opts.pollMs ?? 250;
  const reloadMs = opts.reloadMs ?? 1000;
  const [now, setNow] = useState(() => clock.now());
  const latest = useRef(onChange);
  latest.current = onChange;

  useEffect(() => {
    let seen = source.changes();
    let due = false;
    let lastReload = 0;
    let second = Math.floor(clock.now() / 1000);
    const timer = setInterval(() => {
      const token = source.changes();
      if (token !== seen) {
        seen = token;
        due = true;
      }
      // Wall time, not the injected clock: this paces CPU, it is not part of what is shown.
      if (due && Date.now() - lastReload >= reloadMs) {
        due = false;
        lastReload = Date.now();
        latest.current();
      }
      const t = clock.now();
      if (Math.floor(t / 1000) !== second) {
        second = Math.floor(t / 1000);
        setNow(t);
      }
    }, pollMs);
    return () => clearInterval(timer);
  }, [source, clock, pollMs, reloadMs]);

  return now;
}
