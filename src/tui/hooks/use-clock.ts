/**
 * The clock as the screen shows it. `shows(now)` returns the text on screen that depends on
 * the time (ages, "… ago", "expires in …"); the UI re-renders only when that text changes:
 * once a minute while everything shown is older than a minute, not once a second.
 */
import { useEffect, useRef, useState } from 'react';
import type { Clock } from '../../core/ports.js';

export function useClock(clock: Clock, shows: (now: number) => string, pollMs = 1000): number {
  const [now, setNow] = useState(() => clock.now());
  const latest = useRef(shows);
  latest.current = shows;
  useEffect(() => {
    let text = latest.current(clock.now());
    const timer = setInterval(() => {
      const t = clock.now();
      const next = latest.current(t);
      if (next !== text) {
        text = next;
        setNow(t);
      }
    }, pollMs);
    return () => clearInterval(timer);
  }, [clock, pollMs]);
  return now;
}
