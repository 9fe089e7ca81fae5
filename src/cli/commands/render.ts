/**
 * `chatops render <payload-file> [--json]`: exactly what the daemon would post for a webhook
 * payload with the same config — the same renderer, the same policy deciding the controls, the
 * same routing and storm rule (beyond storm.threshold incidents, one digest lists the rest).
 */
import { incidentMessage, messageSettings } from '../../adapters/slack/controls.js';
import { renderDigest, routeChannel, type KnownBlock } from '../../adapters/slack/render.js';
import { clusterResolver, clusterSet } from '../../config/clusters.js';
import { clusterOfIncident } from '../../core/clusters.js';
import { groupByIncidentKey, groupFacts, planIncident } from '../../core/incidents.js';
import { policyFromConfig } from '../../core/policy.js';
import type { Incident, StoredAlert } from '../../core/types.js';
import { load } from '../context.js';
import { logOf, type GlobalOptions } from '../command-log.js';
import type { Output } from '../output.js';
import { parsePayload, readPayload } from '../payload.js';

type Text = { text?: string };

/** A readable sketch of blocks for template work on a terminal. */
function preview(blocks: readonly KnownBlock[]): string {
  const lines: string[] = [];
  const menu = (e: { type: string; text?: Text; placeholder?: Text }) => e.text?.text ?? e.placeholder?.text ?? '?';
  for (const b of blocks) {
    switch (b.type) {
      case 'header':
        lines.push(`# ${b.text.text}`);
        break;
      case 'section':
        if (b.text?.text) lines.push(b.text.text);
        for (const f of b.fields ?? []) lines.push(`  ${f.text.replace('\n', ': ')}`);
        break;
      case 'context':
        lines.push(`  (${b.elements.map((e) => ('text' in e ? e.text : '')).join(' ')})`);
        break;
      case 'actions':
        lines.push(`  [${b.elements.map((e) => menu(e as { type: string; text?: Text; placeholder?: Text })).join('] [')}]`);
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
  const clusterOf = clusterResolver(config);
  const lifecycle = { keyLabels: config.incidents.key_labels, reopenWindowMs: config.incidents.reopen_window, clusterOf };
  const settings = messageSettings(policyFromConfig(config.policy, config.clusters), config);
  const out: { key: string; channel: string; text: string; blocks: KnownBlock[] }[] = [];
  const own = new Map<string, number>();
  const digested = new Map<string, Incident[]>();
  let n = 0;
  for (const [key, events] of groupByIncidentKey(delivery, lifecycle.keyLabels, clusterOf)) {
    const plan = planIncident(key, events, null, groupFacts(delivery, events, clusterOf), lifecycle, now);
    if (plan.action === 'none' || plan.incident.status === 'resolved') continue;
    const incident: Incident = { ...plan.incident, id: ++n };
    const alerts: StoredAlert[] = plan.upserts.map((a) => ({ ...a, incidentId: incident.id, updatedAt: now }));
    const channel = routeChannel(
      incident.labels,
      config.slack.routes,
      config.slack.channel ?? '(SLACK_CHANNEL)',
      clusterOfIncident(incident),
    );
    // The daemon's storm rule: the first storm.threshold incidents of a channel get their own message.
    if ((own.get(channel) ?? 0) >= config.slack.storm.threshold) {
      digested.set(channel, [...(digested.get(channel) ?? []), incident]);
      continue;
    }
    own.set(channel, (own.get(channel) ?? 0) + 1);
    out.push({ key, channel, ...incidentMessage(settings, { incident, alerts, silence: null, enrichment: null }, now) });
  }
  for (const [channel, incidents] of digested)
    out.push({ key: '(storm digest)', channel, ...renderDigest(incidents, now, { showCluster: clusterSet(config).multi }) });
  logOf(globals).debug({ alerts: delivery.alerts.length, messages: out.length }, 'payload rendered');
  io.result(opts, out, () =>
    out.length === 0
      ? 'Nothing would be posted: the payload opens no incident (only resolved alerts).'
      : out.map((m) => `--- ${m.channel} (${m.key})\n${preview(m.blocks)}`).join('\n'),
  );
}
