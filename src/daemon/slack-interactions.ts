/**
 * What a click on one of our Slack buttons does: the operator service, as the clicker. Every
 * click is re-checked against the current state by the core; the outcome reaches the clicker as
 * an ephemeral note only when the message and its thread do not already show it (the Slack face
 * of the outcome), written to the outbox like every Slack effect.
 */
import type { Logger } from 'pino';
import type { Click } from '../adapters/slack/socket-app.js';
import { ACTION, SILENCE_CHOICES } from '../adapters/slack/render.js';
import { cut, escapeMrkdwn, LIMITS } from '../adapters/slack/text.js';
import type { Runtime } from '../app.js';
import { actionSpec, targetText } from '../core/actions.js';
import { ChatopsError, isChatopsError } from '../core/errors.js';
import type { Actor } from '../core/incident-actions.js';
import { isRequestData } from '../core/operator.js';
import { leadOf, type Outcome } from '../core/outcome.js';
import { parseSilenceLength } from '../core/silence.js';
import type { AuditEntry } from '../core/types.js';

/** A handler for one action id: what the click did (null: nothing to tell). */
export type ActionHandler = (click: Click, actor: Actor) => Promise<Outcome | null>;

/**
 * The clicker's ephemeral note for an outcome, or null when everyone already sees it (the
 * message is updated, the thread gets a reply). A read answers the clicker alone.
 */
export function ephemeralNote(o: Outcome): string | null {
  if (o.kind === 'done' && isRequestData(o.data) && o.data.read) {
    const { action, target, read } = o.data;
    return cut(
      `*${escapeMrkdwn(actionSpec(action).title)}* for ${escapeMrkdwn(targetText(target))}:\n\`\`\`${escapeMrkdwn(read.lines.join('\n'))}\`\`\``,
      LIMITS.section,
    );
  }
  if (o.kind === 'done' || o.kind === 'pending' || o.kind === 'failed') return null;
  const lead = leadOf(o);
  return cut(`${lead ? `${lead}: ` : ''}${escapeMrkdwn(o.message)}${o.hint ? `\n${escapeMrkdwn(o.hint)}` : ''}`, LIMITS.section);
}

const incidentOf = (value: string): number => Number.parseInt(value.split(':')[0] ?? '', 10);

/** The registry of action handlers by action id (remediation adds its buttons' handlers). */
export function builtinHandlers(rt: Runtime): Map<string, ActionHandler> {
  const handlers = new Map<string, ActionHandler>();
  handlers.set(ACTION.ack, (click, actor) => rt.operator.acknowledge(incidentOf(click.value), actor));
  handlers.set(ACTION.silence, (click, actor) => {
    const choice = click.value.split(':')[1] ?? '';
    const length = (SILENCE_CHOICES as readonly string[]).includes(choice) ? parseSilenceLength(choice) : null;
    if (!length) throw new ChatopsError('usage', `That silence length is not offered; choose one of ${SILENCE_CHOICES.join(', ')}.`);
    return rt.operator.silence(incidentOf(click.value), actor, { length });
  });
  handlers.set(ACTION.unsilence, (click, actor) => rt.operator.unsilence(incidentOf(click.value), actor));
  // Approve / Deny on a request's thread reply: the core re-checks the request, the policy in
  // force and the two-person rule at every click.
  for (const [actionId, verdict] of [
    [ACTION.approve, 'approve'],
    [ACTION.deny, 'deny'],
  ] as const) {
    handlers.set(actionId, async (click, actor) => {
      return verdict === 'approve' ? rt.operator.approve(click.value, actor) : rt.operator.deny(click.value, actor);
    });
  }
  // A URL button's click also arrives; the browser already opened the link.
  handlers.set(ACTION.runbook, async () => null);
  return handlers;
}

/** The audit action a click on each button attempts (for the refusal row). */
const ATTEMPT: Record<string, string> = {
  [ACTION.ack]: 'incident.ack',
  [ACTION.silence]: 'incident.silence',
  [ACTION.unsilence]: 'incident.unsilence',
  [ACTION.approve]: 'action.approve',
  [ACTION.deny]: 'action.deny',
  [ACTION.digestAck]: 'incident.ack',
  [ACTION.digestOpen]: 'slack.open_thread',
};

/**
 * Every button names what it acts on (an incident id, or a request id for Approve/Deny), and
 * the message it was clicked on must be that incident's message (or, for a request, its
 * incident's thread; a request without an incident is never on an incident's message). A click
 * that names something else (a crafted or mixed-up payload) does nothing, is audited and told.
 */
function misplacedClick(rt: Runtime, click: Click): { reason: string; audit: AuditEntry } | null {
  if (click.actionId === ACTION.runbook) return null; // a link: the browser already opened it
  const clicked = click.threadTs ?? click.messageTs;
  const now = rt.clock.now();
  const refusal = (what: string, incidentId: number | null, target: string | null, detail: Record<string, unknown>, hint: string) => {
    const reason = `Refused: ${what}, not to the message you clicked; nothing was done. ${hint}`;
    const where = { actionId: click.actionId, channel: click.channelId, messageTs: click.messageTs, threadTs: click.threadTs };
    return {
      reason,
      audit: {
        ts: now,
        actor: click.userId,
        source: 'slack' as const,
        action: ATTEMPT[click.actionId] ?? 'slack.click',
        target,
        incidentId,
        result: 'refused',
        detail: { ...detail, ...where, why: reason },
      },
    };
  };
  const onMessageOf = (incidentId: number, ts: string | null) => {
    const message = rt.slack.messageOf(incidentId);
    return Boolean(message?.ts && ts === message.ts && (!click.channelId || click.channelId === message.channel));
  };
  if (click.actionId === ACTION.approve || click.actionId === ACTION.deny) {
    const request = rt.store.getRequest(click.value);
    if (!request) return null; // the core answers "no such request"
    const detail = { requestId: request.id, action: request.action };
    if (request.incidentId !== null) {
      if (onMessageOf(request.incidentId, clicked)) return null;
      return refusal(
        `request ${request.id} belongs to incident #${request.incidentId}`,
        request.incidentId,
        targetText(request.target),
        detail,
        `Use the buttons in incident #${request.incidentId}'s thread.`,
      );
    }
    const onIncident = click.channelId && clicked ? rt.slack.incidentOfMessage(click.channelId, clicked) : null;
    if (onIncident === null) return null;
    return refusal(
      `request ${request.id} is not about incident #${onIncident}`,
      onIncident,
      targetText(request.target),
      detail,
      "Use the buttons on the request's own message.",
    );
  }
  const incidentId = Number.parseInt(click.value.split(':')[0] ?? '', 10);
  if (!Number.isFinite(incidentId) || !rt.store.getIncident(incidentId)) return null; // the handler answers
  if (click.actionId === ACTION.digestAck || click.actionId === ACTION.digestOpen) {
    // The storm digest's menus act on the incidents it lists.
    const digestId = rt.slack.messageOf(incidentId)?.digestId ?? null;
    const digest = digestId === null ? null : rt.slack.digest(digestId);
    if (digest?.ts && digest.ts === click.messageTs && (!click.channelId || click.channelId === digest.channel)) return null;
    return refusal(
      `incident #${incidentId} is not listed in the digest you clicked`,
      incidentId,
      rt.store.getIncident(incidentId)?.key ?? null,
      {},
      `Use incident #${incidentId}'s own message or its digest.`,
    );
  }
  if (onMessageOf(incidentId, click.messageTs)) return null;
  return refusal(
    `that button belongs to incident #${incidentId}`,
    incidentId,
    rt.store.getIncident(incidentId)?.key ?? null,
    {},
    `Use the buttons on incident #${incidentId}'s message.`,
  );
}

export function createActionDispatcher(
  rt: Runtime,
  handlers: Map<string, ActionHandler>,
  logger: Logger,
  nudge: () => void,
): (click: Click) => Promise<void> {
  const reply = (click: Click, text: string, incidentId: number | null) => {
    if (!click.channelId || !click.userId) return;
    const now = rt.clock.now();
    rt.store.enqueue(
      {
        kind: 'slack.ephemeral',
        incidentId,
        payload: { channel: click.channelId, user: click.userId, text, threadTs: click.threadTs ?? undefined },
      },
      now,
    );
    nudge();
  };
  return async (click) => {
    const actor: Actor = { id: click.userId, source: 'slack' };
    const id = incidentOf(click.value);
    const incidentId = Number.isFinite(id) ? id : null;
    const handler = handlers.get(click.actionId);
    try {
      if (!handler) {
        reply(click, 'This button is not known to this chatops version; the message may be outdated.', null);
        return;
      }
      const misplaced = misplacedClick(rt, click);
      if (misplaced) {
        rt.store.appendAudit(misplaced.audit);
        reply(click, cut(escapeMrkdwn(misplaced.reason), LIMITS.section), misplaced.audit.incidentId);
        return;
      }
      const done = await handler(click, actor);
      const note = done && ephemeralNote(done);
      if (note) reply(click, note, incidentId);
      nudge();
    } catch (e) {
      if (isChatopsError(e)) {
        reply(click, cut(escapeMrkdwn(e.message), LIMITS.section), incidentId);
      } else {
        logger.error({ err: e, actionId: click.actionId }, 'slack action failed');
        reply(click, 'That did not work because of an internal error; the chatops daemon log has the details.', incidentId);
      }
    }
  };
}
