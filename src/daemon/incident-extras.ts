/**
 * What the daemon adds to an incident's thread once its message is posted — never before, so a
 * slow Prometheus, cluster or upload never delays the alert:
 *
 * - the metric's graph (a PNG per distinct query, uploaded with Slack's external upload flow),
 *   and on resolve one more showing the recovery;
 * - the workload's state (pods/events reads the policy allows, audited as enrichment);
 * - the SLO at stake (error budget left, burn rate) on the top message.
 *
 * Each (incident, kind) is claimed in the store before it runs, so it is done once, a restart
 * resumes it, and it is given up after MAX_ATTEMPTS. Any failure — Prometheus down, slow or
 * empty, a chart too large, an upload refused or rate limited — becomes a one-line note in the
 * thread (an outbox row, paced like every other post). Nothing here retries for ever: one wait
 * for a 429's Retry-After (at most RETRY_AFTER_CAP_MS), then the note.
 */
import type { Logger } from 'pino';
import { instantQuery, rangeQuery } from '../adapters/prometheus/query.js';
import type { PngOptions } from '../adapters/chart/png.js';
import { graphCaption } from '../adapters/slack/render-extras.js';
import { SlackCallError, type FileToShare } from '../adapters/slack/web-api.js';
import type { ExtraKind, ExtrasStore } from '../adapters/store/extras-store.js';
import type { SqliteStore } from '../adapters/store/sqlite-store.js';
import { deploymentTargetOf, targetText } from '../core/actions.js';
import { clusterOfIncident } from '../core/clusters.js';
import { altText, buildChart, type ChartSpec, type Series } from '../core/chart.js';
import { formatDuration } from '../core/duration.js';
import type { ClusterRuntimes } from '../app.js';
import { clusterConfigs, type PrometheusTarget } from '../config/clusters.js';
import type { Config } from '../config/schema.js';
import type { Clock } from '../core/ports.js';
import { graphQueries, rangeWindow } from '../core/promql.js';
import type { RemediationContext } from '../core/remediation.js';
import { sloLines, sloQueries, sloStatuses, type Sample, type SloSettings } from '../core/slo.js';
import type { Incident } from '../core/types.js';
import { readWorkload, workloadLines } from '../core/workload.js';

/** Attempts per incident and kind, across restarts. */
export const MAX_ATTEMPTS = 2;
/** A 429 asking to wait longer than this is not waited for: the note goes out instead. */
const RETRY_AFTER_CAP_MS = 60_000;
/**
 * Extras running at once per cluster (each holds a Prometheus query, a Kubernetes read or an
 * upload): a cluster whose Prometheus or API hangs holds only its own.
 */
const CONCURRENCY = 2;

export interface GraphSettings {
  enabled: boolean;
  maxQueries: number;
  maxSeries: number;
  lookbackMs: number;
  maxWindowMs: number;
  points: number;
  minStepMs: number;
  timeoutMs: number;
  maxBytes: number;
  png: PngOptions;
  recovery: boolean;
}

export interface ExtrasConfig {
  /** The incident's cluster's Prometheus; null when it has none (or no cluster claims the incident). */
  prometheusOf: (incident: Incident) => PrometheusTarget | null;
  graphs: GraphSettings;
  slo: SloSettings & { enabled: boolean };
  workload: { enabled: boolean; events: number; pods: number };
  /** Some cluster has Kubernetes access (the workload read itself goes to the incident's cluster). */
  kubernetes: boolean;
}

/** Where the files go: the Slack adapter's upload (filesUploadV2). */
export interface FileSharer {
  uploadFiles(args: { channel: string; threadTs: string; comment?: string; files: readonly FileToShare[] }): Promise<{ fileIds: string[] }>;
}

export interface ExtrasDeps {
  store: SqliteStore;
  extras: ExtrasStore;
  files: FileSharer;
  clock: Clock;
  logger: Logger;
  config: ExtrasConfig;
  /** For the workload reads: the policy and the executor every face uses. */
  remediation: RemediationContext;
  /** Outbox rows were written (notes, workload reply, SLO update): deliver them. */
  onEnqueued: () => void;
  sleep?: (ms: number) => Promise<void>;
}

/** Outbox kinds this module writes; the outbox posts them as thread replies. */
export const NOTE_EVENT = 'incident.note';
export const WORKLOAD_EVENT = 'incident.workload';

type Job = () => Promise<void>;

/** The extras' settings from the configuration file (graphs, slo, workload sections) and the clusters' Prometheus. */
export function extrasConfig(config: Config, clusters: Pick<ClusterRuntimes, 'prometheusOf'>): ExtrasConfig {
  const g = config.graphs;
  const q = config.slo.queries;
  return {
    prometheusOf: (incident) => clusters.prometheusOf(incident),
    graphs: {
      enabled: g.enabled,
      maxQueries: g.max_queries,
      maxSeries: g.max_series,
      lookbackMs: g.lookback,
      maxWindowMs: g.max_window,
      points: g.points,
      minStepMs: g.min_step,
      timeoutMs: g.timeout,
      maxBytes: g.max_bytes,
      png: { theme: g.theme, width: g.width, height: g.height, scale: 2 },
      recovery: g.recovery,
    },
    slo: {
      enabled: config.slo.enabled,
      conventions: config.slo.conventions,
      serviceLabel: config.slo.service_label,
      max: config.slo.max,
      dashboard: config.slo.dashboard ?? null,
      custom: q ? { budgetRemaining: q.budget_remaining, burnRate: q.burn_rate, nameLabel: q.name_label } : null,
    },
    workload: { enabled: config.workload.enabled, events: config.workload.events, pods: config.workload.pods },
    kubernetes: clusterConfigs(config).some((c) => c.kubernetes !== null),
  };
}

const hhmm = (t: number) => new Date(t).toISOString().slice(11, 16);

export class IncidentExtras {
  private readonly queue: { key: string; lane: string; job: Job }[] = [];
  private readonly queued = new Set<string>();
  private active = 0;
  /** Extras running, per lane (the incident's cluster; "" when no cluster claims it). */
  private readonly running = new Map<string, number>();
  private stopped = false;
  private readonly idle = new Set<() => void>();
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly deps: ExtrasDeps) {
    this.sleep = deps.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  }

  /** The incident's message was just posted at `ts`: graph, workload state, SLO. */
  opened(incidentId: number, channel: string, ts: string): void {
    const { config } = this.deps;
    const prometheus = this.prometheusOf(incidentId);
    if (config.graphs.enabled && prometheus)
      this.schedule(incidentId, 'graph.opened', () => this.graph(incidentId, 'graph.opened', channel, ts));
    if (config.workload.enabled && config.kubernetes) this.schedule(incidentId, 'workload', () => this.workload(incidentId));
    if (config.slo.enabled && prometheus) this.schedule(incidentId, 'slo', () => this.slo(incidentId));
  }

  /** The incident resolved and its thread was told: the recovery graph. */
  resolved(incidentId: number, channel: string, ts: string): void {
    const { config } = this.deps;
    if (config.graphs.enabled && config.graphs.recovery && this.prometheusOf(incidentId))
      this.schedule(incidentId, 'graph.resolved', () => this.graph(incidentId, 'graph.resolved', channel, ts));
  }

  /**
   * At start: extras a stopped process left running are resumed (or, out of attempts, given up
   * with a note). `thread` finds the incident's message.
   */
  resume(thread: (incidentId: number) => { channel: string; ts: string } | null): void {
    for (const row of this.deps.extras.running()) {
      const where = thread(row.incidentId);
      if (!where) continue;
      if (row.kind === 'graph.resolved') this.resolved(row.incidentId, where.channel, where.ts);
      else if (row.kind === 'graph.opened') {
        if (this.deps.config.graphs.enabled && this.prometheusOf(row.incidentId))
          this.schedule(row.incidentId, row.kind, () => this.graph(row.incidentId, 'graph.opened', where.channel, where.ts));
      } else if (row.kind === 'workload') this.schedule(row.incidentId, row.kind, () => this.workload(row.incidentId));
      else this.schedule(row.incidentId, row.kind, () => this.slo(row.incidentId));
    }
  }

  /** Resolves when nothing is queued or running (tests; a drain before a planned stop). */
  async settled(): Promise<void> {
    while (this.active > 0 || this.queue.length > 0) await new Promise<void>((r) => this.idle.add(r));
  }

  /** Waits for the extras in flight; queued ones are left for the next start. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.queue.length = 0;
    if (this.active === 0) return;
    await new Promise<void>((r) => this.idle.add(r));
  }

  /** The Prometheus of the incident's cluster (null: none, or no such incident). */
  private prometheusOf(incidentId: number): PrometheusTarget | null {
    const incident = this.deps.store.getIncident(incidentId);
    return incident ? this.deps.config.prometheusOf(incident) : null;
  }

  // --- scheduling -----------------------------------------------------------------------------

  private schedule(incidentId: number, kind: ExtraKind, job: Job): void {
    const key = `${incidentId}:${kind}`;
    if (this.stopped || this.queued.has(key)) return;
    const { extras, clock, logger } = this.deps;
    if (!extras.claim(incidentId, kind, clock.now(), MAX_ATTEMPTS)) {
      const row = extras.get(incidentId, kind);
      // Out of attempts while still running: a process died each time; say so once and stop.
      if (row?.state === 'running') this.giveUp(incidentId, kind, `${describe(kind)} not added: it was interrupted ${row.attempts} times`);
      return;
    }
    this.queued.add(key);
    const incident = this.deps.store.getIncident(incidentId);
    this.queue.push({
      key,
      lane: (incident ? clusterOfIncident(incident) : null) ?? '',
      job: async () => {
        try {
          await job();
        } catch (e) {
          logger.error({ err: e, incidentId, kind }, 'incident extra failed unexpectedly');
          this.giveUp(incidentId, kind, `${describe(kind)} not added: ${(e as Error).message}`);
        }
      },
    });
    this.pump();
  }

  private pump(): void {
    for (let i = 0; !this.stopped && i < this.queue.length;) {
      const { key, lane, job } = this.queue[i]!;
      const busy = this.running.get(lane) ?? 0;
      if (busy >= CONCURRENCY) {
        i++;
        continue;
      }
      this.queue.splice(i, 1);
      this.active++;
      this.running.set(lane, busy + 1);
      void job().finally(() => {
        this.active--;
        this.running.set(lane, this.running.get(lane)! - 1);
        this.queued.delete(key);
        this.pump();
        if (this.active === 0) {
          for (const r of this.idle) r();
          this.idle.clear();
        }
      });
    }
  }

  /** Finishes as noted and tells the thread in one line. */
  private giveUp(incidentId: number, kind: ExtraKind, note: string): void {
    const { store, extras, clock, logger } = this.deps;
    const now = clock.now();
    try {
      store.transaction(() => {
        extras.finish(incidentId, kind, 'noted', { note }, now);
        store.enqueue({ kind: NOTE_EVENT, incidentId, payload: { extra: kind, text: note } }, now);
      });
      this.deps.onEnqueued();
    } catch (e) {
      logger.warn({ err: e, incidentId, kind }, 'incident extra note not stored');
    }
  }

  private finish(
    incidentId: number,
    kind: ExtraKind,
    state: 'done' | 'skipped',
    data: unknown,
    enqueue?: { kind: string; payload: Record<string, unknown> },
  ): void {
    const { store, extras, clock } = this.deps;
    const now = clock.now();
    store.transaction(() => {
      extras.finish(incidentId, kind, state, data, now);
      if (enqueue) store.enqueue({ kind: enqueue.kind, incidentId, payload: enqueue.payload }, now);
    });
    if (enqueue) this.deps.onEnqueued();
  }

  // --- graphs ---------------------------------------------------------------------------------

  private async graph(incidentId: number, kind: 'graph.opened' | 'graph.resolved', channel: string, ts: string): Promise<void> {
    const { store, config, clock, logger } = this.deps;
    const incident = store.getIncident(incidentId);
    if (!incident) return this.finish(incidentId, kind, 'skipped', { why: 'unknown incident' });
    const prometheus = config.prometheusOf(incident);
    if (!prometheus) return this.finish(incidentId, kind, 'skipped', { why: "no Prometheus for the incident's cluster" });
    const alerts = store.alertsOf(incidentId);
    const queries = graphQueries(incident, alerts, config.graphs.maxQueries);
    if (queries.length === 0)
      return this.finish(incidentId, kind, 'skipped', { why: 'no promql_query and no rule expression in generatorURL' });
    const g = config.graphs;
    const firstStart = Math.min(...alerts.map((a) => a.startsAt), incident.openedAt);
    const window = rangeWindow({
      firstStart,
      end: clock.now(),
      lookbackMs: g.lookbackMs,
      maxWindowMs: g.maxWindowMs,
      points: g.points,
      minStepMs: g.minStepMs,
    });
    const recovery = kind === 'graph.resolved';
    const markers = [{ at: firstStart, label: 'firing' }];
    if (recovery && incident.resolvedAt !== null) markers.push({ at: incident.resolvedAt, label: 'resolved' });
    const context = `Incident #${incident.id} ${incident.alertname}${recovery ? ' · recovery' : ''}`;

    const results = await Promise.all(queries.map(async (q) => ({ q, r: await rangeQuery(prometheus.url, q.expr, window, g.timeoutMs) })));
    const notes: string[] = [];
    const charts: ChartSpec[] = [];
    for (const { q, r } of results) {
      if (!r.ok) notes.push(`${short(q.expr)}: ${queryFailure(r.errorType, r.error, g.timeoutMs)}`);
      else if (!r.series.some(hasData)) notes.push(`${short(q.expr)}: no data between ${hhmm(window.start)} and ${hhmm(window.end)} UTC`);
      else
        charts.push(
          buildChart({
            title: q.expr,
            context,
            series: r.series,
            maxSeries: g.maxSeries,
            threshold: q.threshold,
            markers,
            start: window.start,
            end: window.end,
          }),
        );
    }
    if (this.stopped) return; // claimed and running: the next start resumes it
    const files: FileToShare[] = [];
    if (charts.length) {
      const { renderPng } = await import('../adapters/chart/png.js');
      charts.forEach((spec, i) => {
        const png = renderPng(spec, g.png);
        if (png.length > g.maxBytes) {
          notes.push(`${short(spec.title)}: the chart is ${Math.ceil(png.length / 1024)} KB, over graphs.max_bytes`);
          return;
        }
        files.push({
          data: png,
          filename: `incident-${incident.id}-${recovery ? 'recovery' : 'graph'}-${i + 1}.png`,
          title: spec.title.slice(0, 250),
          altText: altText(spec),
        });
      });
    }
    const label = recovery ? 'Recovery graph' : 'Graph';
    if (files.length === 0) return this.giveUp(incidentId, kind, `${label} not posted: ${notes.join('; ')}`);
    const caption = graphCaption(
      charts.map((c) => c.title),
      `${hhmm(window.start)}–${hhmm(window.end)} UTC (${formatDuration(window.end - window.start)})`,
      recovery,
      notes,
    );
    const upload = await this.upload({ channel, threadTs: ts, comment: caption, files });
    if (upload.ok) {
      logger.info({ incidentId, kind, files: upload.fileIds.length }, 'graph posted');
      return this.finish(incidentId, kind, 'done', { files: upload.fileIds, queries: charts.map((c) => c.title), notes });
    }
    this.giveUp(incidentId, kind, `${label} not posted: ${upload.why}`);
  }

  /** One upload, with one wait for a 429's Retry-After; never more. */
  private async upload(
    args: Parameters<FileSharer['uploadFiles']>[0],
  ): Promise<{ ok: true; fileIds: string[] } | { ok: false; why: string }> {
    for (let attempt = 1; ; attempt++) {
      try {
        const r = await this.deps.files.uploadFiles(args);
        return { ok: true, fileIds: r.fileIds };
      } catch (e) {
        const failure = e instanceof SlackCallError ? e.failure : { kind: 'uncertain' as const, error: (e as Error).message };
        if (failure.kind === 'rate_limited' && attempt === 1 && failure.retryAfterMs <= RETRY_AFTER_CAP_MS && !this.stopped) {
          this.deps.logger.info({ retryAfterMs: failure.retryAfterMs }, 'graph upload rate limited; waiting once');
          await this.sleep(failure.retryAfterMs);
          continue;
        }
        this.deps.logger.warn({ error: failure.error, kind: failure.kind }, 'graph upload failed');
        const why =
          failure.kind === 'rate_limited'
            ? 'Slack rate-limited the upload'
            : failure.error === 'missing_scope'
              ? 'the Slack app lacks the files:write scope (see chatops config check)'
              : `Slack refused the upload (${failure.error})`;
        return { ok: false, why };
      }
    }
  }

  // --- workload state -------------------------------------------------------------------------

  private async workload(incidentId: number): Promise<void> {
    const { store, config, clock, remediation, logger } = this.deps;
    const incident = store.getIncident(incidentId);
    const target = incident ? deploymentTargetOf(incident) : null;
    if (!incident || !target) return this.finish(incidentId, 'workload', 'skipped', { why: 'the incident names no deployment' });
    const r = await readWorkload(remediation, target, incident, config.workload.events);
    if (r.kind === 'not-allowed') {
      logger.debug({ incidentId, reason: r.reason }, 'workload state not read: the policy does not allow it');
      return this.finish(incidentId, 'workload', 'skipped', { why: r.reason });
    }
    if (r.kind === 'failed')
      return this.giveUp(incidentId, 'workload', `Workload state of ${targetText(target)} not available: ${r.reason}`);
    const lines = workloadLines({ ...r.state, notReady: r.state.notReady.slice(0, config.workload.pods) }, clock.now());
    this.finish(
      incidentId,
      'workload',
      'done',
      { state: r.state },
      { kind: WORKLOAD_EVENT, payload: { target: targetText(target), lines } },
    );
  }

  // --- SLO ------------------------------------------------------------------------------------

  private async slo(incidentId: number): Promise<void> {
    const { store, config, logger } = this.deps;
    const incident = store.getIncident(incidentId);
    if (!incident) return this.finish(incidentId, 'slo', 'skipped', { why: 'unknown incident' });
    const prometheus = config.prometheusOf(incident);
    if (!prometheus) return this.finish(incidentId, 'slo', 'skipped', { why: "no Prometheus for the incident's cluster" });
    const labels = sloLabels(
      incident,
      store.alertsOf(incidentId).map((a) => a.labels),
    );
    const sets = sloQueries(labels, config.slo);
    if (sets.length === 0) return this.finish(incidentId, 'slo', 'skipped', { why: 'no label names a service or an SLO' });
    const statuses = [];
    for (const set of sets) {
      const [budget, burn, objective] = await Promise.all(
        [set.budgetRemaining, set.burnRate, set.objective].map((q) => (q ? this.vector(prometheus, q) : Promise.resolve([]))),
      );
      statuses.push(...sloStatuses(set, budget!, burn!, objective!, config.slo.max));
      if (statuses.length) break; // the first convention with rules for this service wins
    }
    // Absent rules, or Prometheus failing: nothing shown, no error in the thread.
    if (statuses.length === 0) return this.finish(incidentId, 'slo', 'skipped', { why: 'no SLO recording rules answered' });
    const lines = sloLines(statuses.slice(0, config.slo.max), config.slo.dashboard, labels);
    logger.info({ incidentId, slos: lines.length }, 'SLO at stake found');
    this.finish(incidentId, 'slo', 'done', { lines }, { kind: 'incident.enriched', payload: { slo: true } });
  }

  /** An instant query's vector as samples; any failure is an empty answer (logged). */
  private async vector(prometheus: PrometheusTarget, query: string): Promise<Sample[]> {
    const r = await instantQuery(prometheus.url, query, prometheus.timeoutMs);
    if (!r.ok) {
      this.deps.logger.debug({ query, error: r.error }, 'SLO query failed');
      return [];
    }
    if (r.data.resultType !== 'vector' || !Array.isArray(r.data.result)) return [];
    return (r.data.result as { metric?: Record<string, string>; value?: [number, string] }[]).map((s) => ({
      labels: s.metric ?? {},
      value: Number(s.value?.[1]),
    }));
  }
}

/** The labels that may name the SLO: the incident's common labels, plus those all its alerts share. */
function sloLabels(incident: Incident, alertLabels: readonly Record<string, string>[]): Record<string, string> {
  const out = { ...incident.labels };
  for (const key of ['sloth_id', 'sloth_service', 'sloth_slo', 'slo']) {
    const values = new Set(alertLabels.map((l) => l[key]).filter(Boolean));
    if (!out[key] && values.size === 1) out[key] = [...values][0]!;
  }
  return out;
}

const hasData = (s: Series) => s.points.some(([, v]) => Number.isFinite(v));
const short = (q: string) => (q.length > 80 ? `${q.slice(0, 79)}…` : q);

function describe(kind: ExtraKind): string {
  return kind === 'graph.opened' ? 'Graph' : kind === 'graph.resolved' ? 'Recovery graph' : kind === 'workload' ? 'Workload state' : 'SLO';
}

function queryFailure(errorType: string, error: string, timeoutMs: number): string {
  switch (errorType) {
    case 'timeout':
      return `Prometheus did not answer within ${formatDuration(timeoutMs)}`;
    case 'unavailable':
      return `Prometheus is unreachable (${error})`;
    case 'too_large':
      return `too many series (${error})`;
    default:
      return `Prometheus refused the query (${errorType}: ${error.slice(0, 200)})`;
  }
}
