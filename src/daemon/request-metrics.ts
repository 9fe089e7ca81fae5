/**
 * Metrics of action requests, read from the database at scrape time: requests are decided and
 * run by every process (daemon, CLI, TUI), so the table, not this process, is the source of truth.
 */
import { Gauge, Histogram, type Registry } from 'prom-client';
import type { SqliteStore } from '../adapters/store/sqlite-store.js';

const STATES = ['pending', 'approved', 'running', 'succeeded', 'failed', 'denied', 'expired', 'cancelled'] as const;

/** `clusters`: named clusters are configured, so request figures also carry `cluster`. */
export function registerRequestMetrics(registry: Registry, store: SqliteStore, opts: { clusters?: readonly string[] } = {}): void {
  const clusters = opts.clusters;
  new Gauge({
    name: 'chatops_action_requests',
    help: clusters ? 'Action requests by state and cluster.' : 'Action requests by state.',
    labelNames: clusters ? ['state', 'cluster'] : ['state'],
    registers: [registry],
    collect() {
      if (!clusters) {
        const counts = new Map(
          (store.db.prepare('SELECT state, count(*) AS n FROM action_requests GROUP BY state').all() as { state: string; n: number }[]).map(
            (r) => [r.state, r.n],
          ),
        );
        for (const s of STATES) this.set({ state: s }, counts.get(s) ?? 0);
        return;
      }
      const counts = new Map(
        (
          store.db.prepare('SELECT cluster, state, count(*) AS n FROM action_requests GROUP BY cluster, state').all() as {
            cluster: string;
            state: string;
            n: number;
          }[]
        ).map((r) => [`${r.cluster}\0${r.state}`, r.n]),
      );
      for (const cluster of clusters) for (const s of STATES) this.set({ state: s, cluster }, counts.get(`${cluster}\0${s}`) ?? 0);
    },
  });
  // prom-client runs collect() on gauges only, in registration order: this hook, registered
  // before the histograms, observes rows finished since the last scrape before they are read.
  new Gauge({
    name: 'chatops_action_metrics_scrape',
    help: 'Internal: refreshes the request histograms at scrape time (always 1).',
    registers: [registry],
    collect() {
      observe();
      this.set(1);
    },
  });
  const approval = new Histogram({
    name: 'chatops_approval_latency_seconds',
    help: "Time from request to the second person's decision.",
    registers: [registry],
    buckets: [5, 15, 30, 60, 120, 300, 600, 900, 1800],
  });
  const execution = new Histogram({
    name: 'chatops_action_execution_seconds',
    help: `Time from start of execution to the result, by action and outcome${clusters ? ' and cluster' : ''}.`,
    labelNames: clusters ? ['action', 'outcome', 'cluster'] : ['action', 'outcome'],
    registers: [registry],
    buckets: [0.5, 1, 2, 5, 10, 30, 60, 120, 300],
  });
  // Rows finished since the last scrape are observed once; the watermark starts at daemon start.
  let decidedMark = Date.now();
  let finishedMark = Date.now();
  const observe = () => {
    const decided = store.db
      .prepare(
        `SELECT created_at, decided_at FROM action_requests
      WHERE decided_at > ? AND decided_by IS NOT NULL AND decided_by <> requester AND state NOT IN ('expired', 'cancelled')`,
      )
      .all(decidedMark) as { created_at: number; decided_at: number }[];
    for (const r of decided) {
      approval.observe(Math.max(0, r.decided_at - r.created_at) / 1000);
      decidedMark = Math.max(decidedMark, r.decided_at);
    }
    const finished = store.db
      .prepare(
        `SELECT action, state, cluster, updated_at, coalesce(decided_at, created_at) AS started FROM action_requests
      WHERE state IN ('succeeded', 'failed') AND updated_at > ?`,
      )
      .all(finishedMark) as { action: string; state: string; cluster: string; updated_at: number; started: number }[];
    for (const r of finished) {
      execution.observe(
        { action: r.action, outcome: r.state, ...(clusters ? { cluster: r.cluster } : {}) },
        Math.max(0, r.updated_at - r.started) / 1000,
      );
      finishedMark = Math.max(finishedMark, r.updated_at);
    }
  };
}
