/**
 * Silence and unsilence an incident: Alertmanager first, then ONE transaction records the
 * silence, the audit row and the outbox row for Slack. Shared by the CLI and Slack buttons.
 */
import { createSilence, expireSilence } from '../adapters/alertmanager/silences.js';
import type { SilenceRow, SlackStore } from '../adapters/store/slack-store.js';
import type { SqliteStore } from '../adapters/store/sqlite-store.js';
import { formatDuration } from '../core/duration.js';
import { ChatopsError } from '../core/errors.js';
import type { Actor } from '../core/incident-actions.js';
import type { Clock } from '../core/ports.js';
import { SILENCE_MAX_MS, SILENCE_MIN_MS, silenceMatchers } from '../core/silence.js';

export interface SilenceDeps {
  store: SqliteStore;
  slack: SlackStore;
  clock: Clock;
  notify: boolean;
  alertmanagerUrl: string | undefined;
  timeoutMs: number;
}

export type SilenceResult =
  | { outcome: 'silenced'; silence: SilenceRow }
  | { outcome: 'already'; silence: SilenceRow };

function amUrl(deps: SilenceDeps): string {
  if (!deps.alertmanagerUrl) throw new ChatopsError('config', 'No Alertmanager to silence in: set ALERTMANAGER_URL (or alertmanager.url).');
  return deps.alertmanagerUrl;
}

export async function silenceIncident(deps: SilenceDeps, incidentId: number, durationMs: number, actor: Actor, comment?: string): Promise<SilenceResult> {
  const url = amUrl(deps);
  if (durationMs < SILENCE_MIN_MS || durationMs > SILENCE_MAX_MS) throw new ChatopsError('usage', 'A silence lasts between 1m and 30d: pass --duration such as 2h.');
  const incident = deps.store.getIncident(incidentId);
  if (!incident) throw new ChatopsError('not_found', `No incident ${incidentId}: list them with 'chatops incidents list'.`);
  if (incident.status === 'resolved') throw new ChatopsError('conflict', `Incident ${incidentId} is already resolved; there is nothing to silence.`);
  const now = deps.clock.now();
  const existing = deps.slack.activeSilence(incidentId, now);
  if (existing) return { outcome: 'already', silence: existing };
  const spec = {
    matchers: silenceMatchers(incident),
    startsAt: now,
    endsAt: now + durationMs,
    createdBy: actor.id,
    comment: comment?.trim() || `chatops incident #${incidentId} (${incident.alertname}) silenced for ${formatDuration(durationMs)} by ${actor.id} via ${actor.source}`,
  };
  const id = await createSilence(url, spec, deps.timeoutMs);
  const row: SilenceRow = { id, incidentId, ...spec, expiredAt: null, expiredBy: null };
  deps.store.transaction(() => {
    deps.slack.insertSilence(row);
    deps.store.appendAudit({ ts: now, actor: actor.id, source: actor.source, action: 'incident.silence', target: incident.key, incidentId, result: 'ok',
      detail: { silenceId: id, endsAt: spec.endsAt, matchers: spec.matchers } });
    if (deps.notify) deps.store.enqueue({ kind: 'incident.silenced', incidentId, payload: { silenceId: id, actor: actor.id, endsAt: spec.endsAt } }, now);
  });
  return { outcome: 'silenced', silence: row };
}

export async function unsilenceIncident(deps: SilenceDeps, incidentId: number, actor: Actor): Promise<{ outcome: 'expired' | 'none'; silenceId: string | null }> {
  const url = amUrl(deps);
  const incident = deps.store.getIncident(incidentId);
  if (!incident) throw new ChatopsError('not_found', `No incident ${incidentId}: list them with 'chatops incidents list'.`);
  const now = deps.clock.now();
  const active = deps.slack.activeSilence(incidentId, now);
  if (!active) return { outcome: 'none', silenceId: null };
  await expireSilence(url, active.id, deps.timeoutMs);
  deps.store.transaction(() => {
    deps.slack.expireSilence(active.id, actor.id, now);
    deps.store.appendAudit({ ts: now, actor: actor.id, source: actor.source, action: 'incident.unsilence', target: incident.key, incidentId, result: 'ok', detail: { silenceId: active.id } });
    if (deps.notify) deps.store.enqueue({ kind: 'incident.unsilenced', incidentId, payload: { silenceId: active.id, actor: actor.id } }, now);
  });
  return { outcome: 'expired', silenceId: active.id };
}
