/** `chatops incidents list|show` and `chatops ack`. */
import { ChatopsError } from '../../core/errors.js';
import type { IncidentData } from '../../core/incident-actions.js';
import { clusterNames, knownCluster } from '../../core/clusters.js';
import { INCIDENT_STATUSES, type IncidentStatus } from '../../core/types.js';
import { openExisting } from '../context.js';
import { logOf, type GlobalOptions } from '../command-log.js';
import type { Runtime } from '../../app.js';
import type { SloLine } from '../../core/slo.js';
import type { Incident, StoredAlert } from '../../core/types.js';
import { alertJson, alertListJson, auditJson, clean, incidentDetail, incidentJson, incidentTable } from '../format.js';
import { terminalIdentity } from '../identity.js';
import { printOutcome, type OutcomeView } from '../outcome.js';
import type { Output } from '../output.js';
import { requestJson, requestLine } from './remediate.js';

export function parseStatuses(text: string | undefined): IncidentStatus[] | undefined {
  if (text === undefined) return undefined;
  const out = new Set<IncidentStatus>();
  for (const part of text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    if (part === 'open') {
      out.add('firing');
      out.add('acknowledged');
    } else if ((INCIDENT_STATUSES as readonly string[]).includes(part)) {
      out.add(part as IncidentStatus);
    } else {
      throw new ChatopsError('usage', `--status ${JSON.stringify(part)} is not a status: use firing, acknowledged, resolved or open.`);
    }
  }
  return [...out];
}

export function parseIncidentId(text: string): number {
  if (!/^\d+$/.test(text))
    throw new ChatopsError('usage', `${JSON.stringify(text)} is not an incident id: ids are numbers, see 'chatops incidents list'.`);
  return Number(text);
}

/** `--cluster a,b`: cluster names (any name: a cluster no longer configured still has its incidents). */
function parseClusters(text: string | undefined): string[] | undefined {
  if (text === undefined) return undefined;
  const names = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (names.length === 0) throw new ChatopsError('usage', '--cluster needs a cluster name (or several, comma-separated).');
  return names;
}

export function listIncidents(
  globals: GlobalOptions,
  opts: { status?: string; cluster?: string; json?: boolean; limit?: number },
  out: Output,
): void {
  const statuses = parseStatuses(opts.status);
  const clusters = parseClusters(opts.cluster);
  const rt = openExisting(globals);
  try {
    logOf(globals).debug({ statuses: statuses ?? 'all', clusters: clusters ?? 'all', limit: opts.limit }, 'listing incidents');
    if (opts.json) {
      // Streamed: one JSON document without holding ten thousand objects at once.
      out.jsonArray(rt.store.iterateIncidents({ statuses, clusters, limit: opts.limit }), incidentJson);
      return;
    }
    const rows = rt.store.listIncidents({ statuses, clusters, limit: opts.limit });
    out.text(incidentTable(rows, rt.clock.now(), rt.clusters.set.multi));
    // A name the configuration does not know may be a typo (or a cluster removed since): say so.
    const unknown = (clusters ?? []).filter((name) => !knownCluster(rt.clusters.set, name));
    if (rows.length === 0 && unknown.length > 0) {
      out.note(`No cluster ${unknown.join(', ')} in the configuration (it has: ${clusterNames(rt.clusters.set).join(', ')}).\n`);
    }
  } finally {
    rt.close();
  }
}

/** The `incidents show` line about the incident's cluster (named clusters only). */
function clusterLine(rt: Runtime, incident: Incident): string | null {
  if (!rt.clusters.set.multi) return null;
  const found = rt.clusters.forIncident(incident);
  return found.ok ? found.cluster.name : `unknown: ${found.reason}`;
}

export async function showIncident(
  globals: GlobalOptions,
  idText: string,
  opts: { json?: boolean; graph?: boolean },
  out: Output,
): Promise<void> {
  const id = parseIncidentId(idText);
  const rt = openExisting(globals);
  try {
    const incident = rt.store.getIncident(id);
    if (!incident) throw new ChatopsError('not_found', `No incident ${id}: list them with 'chatops incidents list'.`);
    const alerts = rt.store.alertsOf(id);
    const timeline = rt.store.auditOf(id);
    const requests = rt.store.listRequests({ incidentId: id });
    const extras = opts.json ? [] : await incidentExtrasText(rt, incident, alerts, opts.graph !== false);
    out.result(
      opts,
      {
        ...incidentJson(incident),
        alerts: alerts.map(alertJson),
        alertList: alertListJson(incident, alerts),
        timeline: timeline.map(auditJson),
        requests: requests.map(requestJson),
      },
      () =>
        `${incidentDetail(incident, alerts, timeline, rt.clock.now(), clusterLine(rt, incident))}${requests.length > 0 ? `\n\nRequests:\n${requests.map(requestLine).join('\n')}` : ''}${extras.length ? `\n${extras.join('\n')}` : ''}`,
    );
  } finally {
    rt.close();
  }
}

/** The SLO lines the daemon stored, and the graph queried now (unless --no-graph): the bastion sees what Slack shows. */
async function incidentExtrasText(rt: Runtime, incident: Incident, alerts: readonly StoredAlert[], graph: boolean): Promise<string[]> {
  const { ExtrasStore } = await import('../../adapters/store/extras-store.js');
  const slo = (new ExtrasStore(rt.store).get(incident.id, 'slo')?.data as { lines?: SloLine[] } | null)?.lines ?? [];
  const out = slo.length
    ? ['', 'SLO at stake:', ...slo.map((l) => `  ${clean(l.text)}${l.dashboard ? `  ${clean(l.dashboard)}` : ''}`)]
    : [];
  if (!graph) return out;
  const { incidentGraph } = await import('../incident-graph.js');
  const width = Math.min(120, Math.max(40, process.stdout.columns ?? 80));
  return [
    ...out,
    ...(await incidentGraph(rt.loaded.config.graphs, rt.clusters.prometheusOf(incident), incident, alerts, {
      width,
      height: 8,
      now: rt.clock.now(),
    })),
  ];
}

const incidentView: OutcomeView<IncidentData> = { json: (d) => ({ incident: incidentJson(d.incident) }) };

export async function ackIncident(globals: GlobalOptions, idText: string, opts: { json?: boolean }, io: Output): Promise<number> {
  const id = parseIncidentId(idText);
  const rt = openExisting(globals);
  try {
    const who = terminalIdentity(rt.loaded.config.users);
    return printOutcome(await rt.operator.acknowledge(id, { id: who.actor, source: 'cli' }), incidentView, opts, io);
  } finally {
    rt.close();
  }
}
