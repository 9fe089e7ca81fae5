/** `chatops render <payload-file> [--json]`: what the daemon would post for a webhook payload. */
import { renderIncident, routeChannel, type Block } from '../../adapters/slack/render.js';
import { groupByIncidentKey, planIncident } from '../../core/incidents.js';
import type { Incident, StoredAlert } from '../../core/types.js';
import { load, logOf, type GlobalOptions } from '../context.js';
import type { Output } from '../output.js';
import { parsePayload, readPayload } from '../payload.js';

/** A readable sketch of blocks for template work on a terminal. */
function preview(blocks: Block[]): string {
  const lines: string[] = [];
  for (const b of blocks) {
    const t = b.text as { text?: string } | undefined;
    switch (b.type) {
      case 'header':
        lines.push(`# ${t?.text ?? ''}`);
        break;
      case 'section':
        if (t?.text) lines.push(t.text);
        for (const f of (b.fields as { text: string }[] | undefined) ?? []) lines.push(`  ${f.text.replace('\n', ': ')}`);
        break;
      case 'context':
        lines.push(`  (${((b.elements as { text?: string }[]) ?? []).map((e) => e.text ?? '').join(' ')})`);
        break;
      case 'actions':
        lines.push(`  [${((b.elements as { text?: { text: string }; placeholder?: { text: string } }[]) ?? []).map((e) => e.text?.text ?? e.placeholder?.text ?? '?').join('] [')}]`);
        break;
      default:
        break;
    }
  }
  return lines.join('\n');
}

export async function renderPayload(globals: GlobalOptions, file: string, opts: { json?: boolean }, io: Output): Promise<void> {
  const { config } = load(globals);
  const now = Date.now();
  const { delivery } = parsePayload(file, await readPayload(file), now);
  const lifecycle = { keyLabels: config.incidents.key_labels, reopenWindowMs: config.incidents.reopen_window };
  const out: { key: string; channel: string; text: string; blocks: Block[] }[] = [];
  let n = 0;
  for (const [key, events] of groupByIncidentKey(delivery, lifecycle.keyLabels)) {
    const plan = planIncident(key, events, null, delivery, lifecycle, now);
    if (plan.action === 'none') continue;
    const incident: Incident = { ...plan.incident, id: ++n };
    const alerts: StoredAlert[] = plan.upserts.map((a) => ({ ...a, incidentId: incident.id, updatedAt: now }));
    const msg = renderIncident({ incident, alerts, silence: null, enrichment: null, links: { dashboard: config.links.dashboard, logs: config.links.logs }, extraActions: [], now });
    out.push({ key, channel: routeChannel(incident.labels, config.slack.routes, config.slack.channel ?? '(SLACK_CHANNEL)'), ...msg });
  }
  logOf(globals).debug({ alerts: delivery.alerts.length, messages: out.length }, 'payload rendered');
  io.result(opts, out, () =>
    out.length === 0
      ? 'Nothing would be posted: the payload opens no incident (only resolved alerts).'
      : out.map((m) => `--- ${m.channel} (${m.key})\n${preview(m.blocks)}`).join('\n'));
}
