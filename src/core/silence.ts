/**
 * Alertmanager silences for an incident's alerts: the port the Alertmanager adapter implements,
 * the bounds, how long a silence lasts (a duration or "until the incident resolves"), and which
 * chatops silence is in force, read from the audit trail. The flow itself is the operator
 * service's (`operator.ts`).
 */
import { formatDuration, parseDuration } from './duration.js';
import type { AuditRecord, Incident } from './types.js';

export interface SilenceMatcher {
  name: string;
  value: string;
  isRegex: boolean;
  isEqual: boolean;
}

export interface NewSilence {
  /** Updates this silence instead of creating one (Alertmanager may answer with a new id when it cannot update in place). */
  id?: string;
  matchers: SilenceMatcher[];
  startsAt: Date;
  endsAt: Date;
  createdBy: string;
  comment: string;
}

/** A silence as Alertmanager holds it now. */
export interface SilenceState {
  id: string;
  state: 'active' | 'pending' | 'expired';
  matchers: SilenceMatcher[];
  startsAt: number;
  endsAt: number;
  createdBy: string;
  comment: string;
}

/** Alertmanager silences (implemented by the Alertmanager adapter). Failures throw ChatopsError('unavailable') with one sentence. */
export interface Silencer {
  /** Creates (or, with `id`, updates) a silence; returns its id. */
  createSilence(s: NewSilence): Promise<string>;
  /** The silence, or null when Alertmanager does not know it (any more). */
  getSilence(id: string): Promise<SilenceState | null>;
  /** Expires a silence; one already expired or unknown counts as done. */
  expireSilence(id: string): Promise<void>;
}

export const DEFAULT_SILENCE_MS = 2 * 3_600_000;
/** Longer silences hide the next real incident; Alertmanager itself has no upper bound. */
export const MAX_SILENCE_MS = 7 * 86_400_000;

/** How long a silence lasts: a duration, or until the incident resolves (bounded by MAX_SILENCE_MS). */
export type SilenceLength = { durationMs: number } | { untilResolved: true };

const UNTIL_RESOLVED = /^(until[ -]?)?resolved$/i;

/**
 * What a person typed or picked for a silence's length: a duration ("30m", "2h", "1d") or
 * "resolved" / "until resolved". Null when it is neither (bounds are checked when silencing).
 */
export function parseSilenceLength(text: string): SilenceLength | null {
  const t = text.trim();
  if (UNTIL_RESOLVED.test(t)) return { untilResolved: true };
  const ms = parseDuration(t);
  return ms === null ? null : { durationMs: ms };
}

/** Why a silence cannot last `durationMs` (a sentence), or null when it can. */
export function silenceLengthProblem(durationMs: number): string | null {
  return durationMs > 0 && durationMs <= MAX_SILENCE_MS
    ? null
    : `A silence lasts more than 0 and at most ${formatDuration(MAX_SILENCE_MS)}, not ${formatDuration(durationMs)}.`;
}

/** Why no silence can be made for the incident's alerts (they share no label), with the next step; null when one can. */
export function unmatchable(incident: Pick<Incident, 'id' | 'labels'>): { why: string; hint: string } | null {
  if (incidentMatchers(incident).length > 0) return null;
  return {
    why: `incident ${incident.id}'s alerts share no label, so no silence would match only them`,
    hint: 'Silence them in Alertmanager by hand.',
  };
}

/** The matchers a silence of this incident uses: its alerts' common labels, exactly. */
export function incidentMatchers(incident: Pick<Incident, 'labels'>): SilenceMatcher[] {
  return Object.entries(incident.labels).map(([name, value]) => ({ name, value, isRegex: false, isEqual: true }));
}

/** `name="value", …` for confirmation lines and messages. */
export const matchersText = (matchers: readonly SilenceMatcher[]): string =>
  matchers.map((m) => `${m.name}${m.isEqual ? '' : '!'}${m.isRegex ? '=~' : '='}"${m.value}"`).join(', ');

/** A silence chatops created for an incident and has not expired, as the audit trail records it. */
export interface ActiveSilence {
  id: string;
  endsAt: number;
  createdBy: string;
  /** Present (true) when it ends as the incident resolves; the daemon expires it then. */
  untilResolved?: true;
}

/**
 * The incident's silence still in force, read from its audit rows (so silences made by any
 * face — CLI, TUI, Slack — count): the latest successful `incident.silence` whose end is in
 * the future and that no `incident.unsilence` expired.
 */
export function activeSilence(audit: readonly AuditRecord[], now: number): ActiveSilence | null {
  const expired = new Set(
    audit.filter((a) => a.action === 'incident.unsilence' && a.result === 'ok').map((a) => String(a.detail.silenceId)),
  );
  for (let i = audit.length - 1; i >= 0; i--) {
    const a = audit[i]!;
    if (a.action !== 'incident.silence' || a.result !== 'ok') continue;
    const id = String(a.detail.silenceId ?? '');
    const endsAt = Date.parse(String(a.detail.endsAt ?? ''));
    if (!id || expired.has(id) || !(endsAt > now)) continue;
    return a.detail.untilResolved === true ? { id, endsAt, createdBy: a.actor, untilResolved: true } : { id, endsAt, createdBy: a.actor };
  }
  return null;
}
