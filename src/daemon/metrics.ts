/** Prometheus metrics for the daemon. One registry per daemon (tests run several at once). */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { SqliteStore } from '../adapters/store/sqlite-store.js';
import { INCIDENT_STATUSES, type IncidentStatus } from '../core/types.js';

export class Metrics {
  readonly registry = new Registry();
  readonly alertsReceived = new Counter({
    name: 'chatops_alerts_received_total',
    help: 'Alerts received in webhook deliveries, by alert status.',
    labelNames: ['status'],
    registers: [this.registry],
  });
  readonly deliveries = new Counter({
    name: 'chatops_deliveries_total',
    help: 'Webhook deliveries by outcome (applied, noop, rejected, unauthorized, too_large, unavailable, error).',
    labelNames: ['outcome'],
    registers: [this.registry],
  });
  readonly ingestSeconds = new Histogram({
    name: 'chatops_ingest_duration_seconds',
    help: 'Time to validate and commit one delivery.',
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers: [this.registry],
  });
  readonly ingestBatch = new Histogram({
    name: 'chatops_ingest_batch_deliveries',
    help: 'Deliveries committed together in one transaction (group commit).',
    buckets: [1, 2, 4, 8, 16, 32, 64],
    registers: [this.registry],
  });

  readonly slackCalls = new Counter({
    name: 'chatops_slack_calls_total',
    help: 'Slack Web API calls by method and outcome (ok, rate_limited, uncertain, permanent).',
    labelNames: ['method', 'outcome'],
    registers: [this.registry],
  });
  private slackConnected: (() => boolean) | null = null;

  /** Slack is configured: report the socket state. */
  setSlackState(connected: () => boolean): void {
    this.slackConnected = connected;
  }

  private active: () => boolean = () => true;

  /** Whether this daemon holds the database lease (1) or stands by (0). */
  setActive(active: () => boolean): void {
    this.active = active;
  }

  /** `clusters`: named clusters are configured, so incident counts also carry `cluster` ("" for incidents no cluster claims). */
  constructor(store: SqliteStore, now: () => number, opts: { clusters?: boolean } = {}) {
    const self = this;
    new Gauge({
      name: 'chatops_daemon_active',
      help: 'This daemon holds the database lease and delivers (1), or stands by for the daemon that does (0).',
      registers: [this.registry],
      collect() {
        this.set(self.active() ? 1 : 0);
      },
    });
    new Gauge({
      name: 'chatops_slack_socket_connected',
      help: 'Slack Socket Mode connection: 1 connected, 0 not (absent when Slack is off).',
      registers: [this.registry],
      collect() {
        if (self.slackConnected) this.set(self.slackConnected() ? 1 : 0);
      },
    });
    collectDefaultMetrics({ register: this.registry, prefix: 'chatops_process_' });
    if (opts.clusters) {
      // Per cluster: which cluster is on fire is the first thing a platform team asks.
      const byCluster = () => {
        const out = new Map<string, Record<IncidentStatus, number>>();
        for (const r of store.countIncidentsByCluster()) {
          const key = r.cluster ?? '';
          const counts = out.get(key) ?? { firing: 0, acknowledged: 0, resolved: 0 };
          counts[r.status] += r.n;
          out.set(key, counts);
        }
        return out;
      };
      new Gauge({
        name: 'chatops_incidents',
        help: 'Incidents by status and cluster ("" when no configured cluster claims them).',
        labelNames: ['status', 'cluster'],
        registers: [this.registry],
        collect() {
          this.reset();
          for (const [cluster, counts] of byCluster()) for (const s of INCIDENT_STATUSES) this.set({ status: s, cluster }, counts[s]);
        },
      });
      new Gauge({
        name: 'chatops_incidents_open',
        help: 'Incidents not yet resolved (firing or acknowledged), by cluster.',
        labelNames: ['cluster'],
        registers: [this.registry],
        collect() {
          this.reset();
          for (const [cluster, c] of byCluster()) this.set({ cluster }, c.firing + c.acknowledged);
        },
      });
    } else {
      new Gauge({
        name: 'chatops_incidents',
        help: 'Incidents by status.',
        labelNames: ['status'],
        registers: [this.registry],
        collect() {
          const counts = store.countIncidentsByStatus();
          for (const s of INCIDENT_STATUSES) this.set({ status: s }, counts[s]);
        },
      });
      new Gauge({
        name: 'chatops_incidents_open',
        help: 'Incidents not yet resolved (firing or acknowledged).',
        registers: [this.registry],
        collect() {
          const c = store.countIncidentsByStatus();
          this.set(c.firing + c.acknowledged);
        },
      });
    }
    new Gauge({
      name: 'chatops_outbox_depth',
      help: 'Outbox rows not yet delivered.',
      registers: [this.registry],
      collect() {
        this.set(store.outboxDepth(now()).depth);
      },
    });
    new Gauge({
      name: 'chatops_outbox_oldest_age_seconds',
      help: 'Age of the oldest undelivered outbox row.',
      registers: [this.registry],
      collect() {
        this.set(store.outboxDepth(now()).oldestAgeMs / 1000);
      },
    });
  }
}
