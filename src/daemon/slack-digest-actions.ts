/**
 * The storm digest's menus: "Open thread…" gives the chosen incident its own message (with every
 * button, in the channel, once), "Acknowledge…" acknowledges it through the operator service like
 * the Acknowledge button. Registered beside the built-in handlers.
 */
import { ACTION } from '../adapters/slack/render.js';
import type { Runtime } from '../app.js';
import { noIncident } from '../core/incident-actions.js';
import { outcome } from '../core/outcome.js';
import type { ActionHandler } from './slack-interactions.js';

const idOf = (value: string): number => Number.parseInt(value, 10);

export function digestHandlers(rt: Runtime): Map<string, ActionHandler> {
  const out = new Map<string, ActionHandler>();
  out.set(ACTION.digestOpen, async (click) => {
    const id = idOf(click.value);
    if (!Number.isFinite(id) || !rt.store.getIncident(id)) throw noIncident(id);
    const msg = rt.slack.messageOf(id);
    const now = rt.clock.now();
    const opened = rt.store.transaction(() => {
      if (!msg || !rt.slack.promote(id, now)) return false;
      if (msg.digestId !== null) rt.slack.touchDigest(msg.digestId, now, false); // its line now points to the thread
      rt.store.enqueue({ kind: 'incident.promoted', incidentId: id, payload: { by: click.userId } }, now);
      return true;
    });
    return opened
      ? outcome('done', `Incident ${id} gets its own message in this channel.`, null)
      : outcome('unchanged', `Incident ${id} already has its own message in this channel: act on it there.`, null);
  });
  out.set(ACTION.digestAck, (click, actor) => rt.operator.acknowledge(idOf(click.value), actor));
  return out;
}
