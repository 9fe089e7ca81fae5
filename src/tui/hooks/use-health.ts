/**
 * The header's health, re-read from the meta rows the daemon writes every `pollMs` (two point
 * reads); the screen re-renders only when what the header says changes, so a heartbeat that
 * keeps saying "up" costs no frame.
 */
import { useEffect, useState } from 'react';
import type { Clock } from '../../core/ports.js';
import { healthOf, type Health } from '../health.js';
import type { IncidentSource } from '../source.js';

export function useHealth(source: IncidentSource, clock: Clock, pollMs = 250): Health {
  const [health, setHealth] = useState(() => healthOf(source.meta('daemon.heartbeat'), source.meta('slack.socket'), clock.now()));
  useEffect(() => {
    const timer = setInterval(() => {
      const next = healthOf(source.meta('daemon.heartbeat'), source.meta('slack.socket'), clock.now());
      setHealth((h) =>
        h.daemon.text === next.daemon.text &&
        h.slack.text === next.slack.text &&
        h.daemon.up === next.daemon.up &&
        h.slack.up === next.slack.up
          ? h
          : next,
      );
    }, pollMs);
    return () => clearInterval(timer);
  }, [source, clock, pollMs]);
  return health;
}
