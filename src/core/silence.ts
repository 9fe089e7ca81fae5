/** Silences for incidents: which matchers, how long. Pure. */
import { ChatopsError } from './errors.js';
import type { Incident } from './types.js';

export interface SilenceMatcher {
  name: string;
  value: string;
  isRegex: false;
  isEqual: true;
}

/** Equality matchers on the incident's common labels (every alert of it carries them). */
export function silenceMatchers(incident: Incident): SilenceMatcher[] {
  const entries = Object.entries(incident.labels).filter(([, v]) => v !== '');
  if (entries.length === 0) {
    if (!incident.alertname) throw new ChatopsError('conflict', `Incident ${incident.id} has no labels common to its alerts; silence it in Alertmanager by hand.`);
    return [{ name: 'alertname', value: incident.alertname, isRegex: false, isEqual: true }];
  }
  return entries.sort(([a], [b]) => a.localeCompare(b)).map(([name, value]) => ({ name, value, isRegex: false, isEqual: true }));
}

/** Silence durations offered and accepted: 1 minute to 30 days. */
export const SILENCE_MIN_MS = 60_000;
export const SILENCE_MAX_MS = 30 * 86_400_000;
