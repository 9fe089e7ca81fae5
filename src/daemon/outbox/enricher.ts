/**
 * Enrichment: the current value of each distinct `promql_query` an incident's alerts carry
 * (the shared one and each alert's own, up to a few), queried in its cluster's Prometheus, in
 * parallel under one concurrency limit per cluster, after the post — a slow or down Prometheus
 * never delays a message, nor another cluster's enrichment. The result arrives as an
 * `incident.enriched` update.
 */
import pLimit, { type LimitFunction } from 'p-limit';
import type { Logger } from 'pino';
import { instantQuery } from '../../adapters/prometheus/query.js';
import { formatQueryResult, type Enrichment } from '../../adapters/slack/render.js';
import type { SlackStore } from '../../adapters/store/slack-store.js';
import type { SqliteStore } from '../../adapters/store/sqlite-store.js';
import { distinctQueries } from '../../core/alert-list.js';
import type { PrometheusTarget } from '../../config/clusters.js';
import type { Incident } from '../../core/types.js';
import type { Timers } from './timers.js';

/** Prometheus queries in flight at once, across all incidents of one cluster. */
const CONCURRENCY = 4;

export interface EnricherConfig {
  /** The incident's cluster's Prometheus, or null when it has none (or no cluster claims the incident). */
  prometheusOf: (incident: Incident) => PrometheusTarget | null;
}

export class Enricher {
  private readonly limits = new Map<string, LimitFunction>();
  /** Incidents whose enrichment this process has started (once each). */
  private readonly started = new Set<number>();

  constructor(
    private readonly store: SqliteStore,
    private readonly slack: SlackStore,
    private readonly timers: Timers,
    private readonly logger: Logger,
    private readonly config: EnricherConfig,
    private readonly stopped: () => boolean,
    private readonly onStored: () => void,
  ) {}

  /** Starts the incident's queries in the background, once per process. */
  schedule(incidentId: number): void {
    if (this.started.has(incidentId)) return;
    const incident = this.store.getIncident(incidentId);
    if (!incident || incident.status === 'resolved') return;
    const prometheus = this.config.prometheusOf(incident);
    if (!prometheus) return;
    const queries = distinctQueries(incident, this.store.alertsOf(incidentId));
    if (queries.length === 0) return;
    this.started.add(incidentId);
    let limit = this.limits.get(prometheus.cluster);
    if (!limit) this.limits.set(prometheus.cluster, (limit = pLimit(CONCURRENCY)));
    void Promise.all(queries.map((q) => limit(() => this.query(prometheus, q)))).then((results) => this.save(incidentId, results));
  }

  /** Waits for the queries in flight (stop). */
  async idle(): Promise<void> {
    const busy = () => [...this.limits.values()].some((l) => l.activeCount + l.pendingCount > 0);
    while (busy()) await this.timers.sleep(50);
  }

  private async query(prometheus: PrometheusTarget, query: string): Promise<Enrichment> {
    if (this.stopped()) return { query, outcome: 'error', lines: ['stopped'] };
    const outcome = await instantQuery(prometheus.url, query, prometheus.timeoutMs);
    return outcome.ok
      ? formatQueryResult(query, outcome.data)
      : { query, outcome: 'error', lines: [`${outcome.errorType}: ${outcome.error}`] };
  }

  private save(incidentId: number, results: Enrichment[]): void {
    if (this.stopped()) return;
    try {
      const now = this.timers.now();
      this.store.transaction(() => {
        this.slack.setEnrichment(incidentId, JSON.stringify(results), now);
        this.store.enqueue({ kind: 'incident.enriched', incidentId, payload: { outcomes: results.map((r) => r.outcome) } }, now);
      });
      this.onStored();
    } catch (e) {
      this.logger.warn({ err: e, incidentId }, 'enrichment not stored');
    }
  }
}
