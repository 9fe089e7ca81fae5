/**
 * Enrichment: the current value of each distinct `promql_query` an incident's alerts carry
 * (the shared one and each alert's own, up to a few), queried in parallel under one
 * concurrency limit for the whole daemon, after the post — a slow or down Prometheus never
 * delays a message. The result arrives as an `incident.enriched` update.
 */
import pLimit from 'p-limit';
import type { Logger } from 'pino';
import { instantQuery } from '../../adapters/prometheus/query.js';
import { formatQueryResult, type Enrichment } from '../../adapters/slack/render.js';
import type { SlackStore } from '../../adapters/store/slack-store.js';
import type { SqliteStore } from '../../adapters/store/sqlite-store.js';
import { distinctQueries } from '../../core/alert-list.js';
import type { Timers } from './timers.js';

/** Prometheus queries in flight at once, across all incidents. */
const CONCURRENCY = 4;

export interface EnricherConfig {
  prometheusUrl?: string;
  prometheusTimeoutMs: number;
}

export class Enricher {
  private readonly limit = pLimit(CONCURRENCY);
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
    if (!this.config.prometheusUrl || this.started.has(incidentId)) return;
    const incident = this.store.getIncident(incidentId);
    if (!incident || incident.status === 'resolved') return;
    const queries = distinctQueries(incident, this.store.alertsOf(incidentId));
    if (queries.length === 0) return;
    this.started.add(incidentId);
    void Promise.all(queries.map((q) => this.limit(() => this.query(q)))).then((results) => this.save(incidentId, results));
  }

  /** Waits for the queries in flight (stop). */
  async idle(): Promise<void> {
    while (this.limit.activeCount + this.limit.pendingCount > 0) await this.timers.sleep(50);
  }

  private async query(query: string): Promise<Enrichment> {
    if (this.stopped()) return { query, outcome: 'error', lines: ['stopped'] };
    const outcome = await instantQuery(this.config.prometheusUrl!, query, this.config.prometheusTimeoutMs);
    return outcome.ok ? formatQueryResult(query, outcome.data) : { query, outcome: 'error', lines: [`${outcome.errorType}: ${outcome.error}`] };
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
