/**
 * What a click on one of our Slack buttons does. Every click is re-checked against the
 * current state by the core; refusals and errors come back to the clicker as an ephemeral
 * note (the Slack face of the error funnel), written to the outbox like every Slack effect.
 */
import type { Logger } from 'pino';
import type { Click } from '../adapters/slack/socket-app.js';
import { ACTION, SILENCE_CHOICES } from '../adapters/slack/render.js';
import type { Runtime } from '../app.js';
import { parseDuration } from '../core/duration.js';
import { isChatopsError } from '../core/errors.js';
import { acknowledge, type Actor } from '../core/incident-actions.js';
import { targetText } from '../core/actions.js';
import { decide } from '../core/remediation.js';
import type { ActionRequest } from '../core/requests.js';
import { activeSilence, silenceIncident, unsilenceIncident } from '../core/silence.js';

/** A handler for one action id; returns the ephemeral note for the clicker, or null. */
export type ActionHandler = (click: Click, actor: Actor) => Promise<string | null>;

/**
 * The registry of action handlers by action id. The approvals work adds its remediation
 * handlers here (matching the buttons controls.ts puts on the message).
 */
export function builtinHandlers(rt: Runtime): Map<string, ActionHandler> {
  const incidentId = (value: string): number => Number.parseInt(value.split(':')[0] ?? '', 10);
  const handlers = new Map<string, ActionHandler>();
  handlers.set(ACTION.ack, async (click, actor) => {
    const r = acknowledge(rt.actions, incidentId(click.value), actor);
    return r.outcome === 'already' ? `Incident #${r.incident.id} was already acknowledged by ${r.incident.acknowledgedBy?.startsWith('U') ? `<@${r.incident.acknowledgedBy}>` : r.incident.acknowledgedBy}.` : null;
  });
  handlers.set(ACTION.silence, async (click, actor) => {
    const [id, d] = click.value.split(':');
    const ms = parseDuration(d ?? '');
    if (!ms || !(SILENCE_CHOICES as readonly string[]).includes(d ?? '')) return 'That silence duration is not offered; choose 1h, 4h or 24h.';
    const incidentNo = Number(id);
    const existing = activeSilence(rt.store.auditOf(incidentNo), rt.clock.now());
    if (existing) return `Incident #${incidentNo} is already silenced (silence ${existing.id}); unsilence it first to change the duration.`;
    const r = await silenceIncident(rt.silences, incidentNo, { durationMs: ms }, actor);
    return r.kind === 'refused' ? r.reason : null;
  });
  handlers.set(ACTION.unsilence, async (click, actor) => {
    const r = await unsilenceIncident(rt.silences, incidentId(click.value), actor);
    if (r.kind === 'refused') return r.reason;
    return r.kind === 'none' ? 'That incident has no active silence any more.' : null;
  });
  // Approve / Deny on a request's thread reply: the approvals core re-checks the request, the
  // policy in force and the two-person rule at every click.
  for (const [actionId, verdict] of [[ACTION.approve, 'approve'], [ACTION.deny, 'deny']] as const) {
    handlers.set(actionId, async (click, actor) => {
      const misplaced = misplacedDecision(rt, click);
      if (misplaced) {
        const r = misplaced.request;
        rt.store.appendAudit({ ts: rt.clock.now(), actor: actor.id, source: actor.source, action: `action.${verdict}`, target: targetText(r.target), incidentId: r.incidentId, result: 'refused', detail: { requestId: r.id, action: r.action, why: misplaced.reason } });
        return misplaced.reason;
      }
      const out = await decide(rt.remediation, click.value, verdict, actor);
      return out.kind === 'refused' || out.kind === 'conflict' ? out.reason : null;
    });
  }
  // A URL button's click also arrives; the browser already opened the link.
  handlers.set(ACTION.runbook, async () => null);
  return handlers;
}

/**
 * A request's Approve/Deny belongs to its incident's thread. A click that names a request of
 * another incident (a crafted or mixed-up payload) decides nothing: the message clicked and the
 * request must agree before the core is asked.
 */
function misplacedDecision(rt: Runtime, click: Click): { request: ActionRequest; reason: string } | null {
  const request = rt.store.getRequest(click.value);
  if (!request || request.incidentId === null) return null;
  const message = rt.slack.messageOf(request.incidentId);
  const clicked = click.threadTs ?? click.messageTs;
  if (!message?.ts || !clicked) return null;
  if (clicked === message.ts && (!click.channelId || click.channelId === message.channel)) return null;
  return { request, reason: `Refused: request ${request.id} belongs to incident #${request.incidentId}, not to the message you clicked; nothing was decided. Use the buttons in incident #${request.incidentId}'s thread.` };
}

export function createActionDispatcher(rt: Runtime, handlers: Map<string, ActionHandler>, logger: Logger, nudge: () => void): (click: Click) => Promise<void> {
  const reply = (click: Click, text: string, incidentId: number | null) => {
    if (!click.channelId || !click.userId) return;
    const now = rt.clock.now();
    rt.store.enqueue({ kind: 'slack.ephemeral', incidentId, payload: { channel: click.channelId, user: click.userId, text, threadTs: click.threadTs ?? undefined } }, now);
    nudge();
  };
  return async (click) => {
    const actor: Actor = { id: click.userId, source: 'slack' };
    const id = Number.parseInt(click.value.split(':')[0] ?? '', 10);
    const handler = handlers.get(click.actionId);
    try {
      if (!handler) {
        reply(click, 'This button is not known to this chatops version; the message may be outdated.', null);
        return;
      }
      const note = await handler(click, actor);
      if (note) reply(click, note, Number.isFinite(id) ? id : null);
      nudge();
    } catch (e) {
      if (isChatopsError(e)) {
        reply(click, e.message, Number.isFinite(id) ? id : null);
      } else {
        logger.error({ err: e, actionId: click.actionId }, 'slack action failed');
        reply(click, 'That did not work because of an internal error; the chatops daemon log has the details.', Number.isFinite(id) ? id : null);
      }
    }
  };
}
