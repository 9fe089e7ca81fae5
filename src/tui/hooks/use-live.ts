/**
 * Live data: looks for commits by other processes (the daemon, another terminal) every
 * `pollMs` and calls `onChange` when what the UI shows changed.
 *
 * A change is what `source.changes()` says it is: a token over incidents, alerts, requests and
 * the audit trail, so the daemon's heartbeat (a commit every 2 s) costs one cheap read and no
 * reload. While changes keep coming (a storm) `onChange` runs at most once per `reloadMs`;
 * keys never wait for that.
 */
import { useEffect, useRef } from 'react';

export function useLive(source: { changes(): string }, onChange: () => void, opts: { pollMs?: number; reloadMs?: number } = {}): void {
  const pollMs = opts.pollMs ?? 250;
  const reloadMs = opts.reloadMs ?? 1000;
  const latest = useRef(onChange);
  latest.current = onChange;
  useEffect(() => {
    let seen = source.changes();
    let due = false;
    let lastReload = 0;
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
    }, pollMs);
    return () => clearInterval(timer);
  }, [source, pollMs, reloadMs]);
}
