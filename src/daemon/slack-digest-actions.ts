/**
 * The storm digest's menus: "Open thread…" gives the chosen incident its own message (with every
 * button, in the channel, once), "Acknowledge…" acknowledges it through the same handler as the
 * Acknowledge button. Registered beside the built-in handlers.
 */
import { ACTION } from '../adapters/slack/render.js';
import type { Runtime } from '../app.js';
import type { ActionHandler } from './slack-interactions.js';

export function digestHandlers(rt: Runtime, handlers: ReadonlyMap<string, ActionHandler>): Map<string, ActionHandler> {
  const out = new Map<string, ActionHandler>();
  out.set(ACTION.digestOpen, async (click) => {
    const id = Number.parseInt(click.value, 10);
    const incident = Number.isFinite(id) ? rt.store.getIncident(id) : null;
    if (!incident) return 'That incident no longer exists.';
    const msg = rt.slack.messageOf(id);
    if (!msg) return `Incident #${id} is not in this digest.`;
    const now = rt.clock.now();
    const opened = rt.store.transaction(() => {
      if (!rt.slack.promote(id, now)) return false;
      if (msg.digestId !== null) rt.slack.touchDigest(msg.digestId, now, false); // its line now points to the thread
      rt.store.enqueue({ kind: 'incident.promoted', incidentId: id, payload: { by: click.userId } }, now);
      return true;
    });
    return opened ? null : `Incident #${id} already has its own message in this channel: act on it there.`;
  });
  out.set(ACTION.digestAck, async (click, actor) => {
    const ack = handlers.get(ACTION.ack);
    return ack ? ack(click, actor) : 'Acknowledging is not available in this chatops version.';
  });
  return out;
}
