/**
 * The daemon's reconciliation loop (in the lease holder only): at activation and then every
 * `alertmanager.reconcile.interval`, ask every configured Alertmanager which alerts of open
 * incidents it still holds, and apply the decision (src/core/reconcile.ts). An Alertmanager that
 * is down changes nothing; metrics and a /ready detail say so (the daemon stays ready: Alertmanager
 * must still be able to deliver webhooks to it).
 */
import type { Logger } from 'pino';
import { Counter, Gauge, type Registry } from 'prom-client';
import { AlertmanagerAlerts } from '../adapters/alertmanager/alerts-api.js';
import type { Runtime } from '../app.js';
import { formatDuration } from '../core/duration.js';
import {
  alertnamesOf,
  applyReconciliation,
  decideReconciliation,
  type ReconcileDecision,
  type ReconcileOutcome,
  type ReconcileResult,
} from '../core/reconcile.js';

const OUTCOMES: readonly ReconcileOutcome[] = ['ok', 'partial', 'warming_up', 'unavailable'];

/**
 * Prometheus instruments for reconciliation; registered once per daemon. With named clusters
 * every series also carries `cluster` (each cluster is reconciled against its own Alertmanagers).
 */
export class ReconcileMetrics {
  readonly up: Gauge;
  readonly runs: Counter;
  readonly resolved: Counter;
  readonly refired: Counter;
  readonly lastSuccess: Gauge;

  /** `instances`: each cluster's Alertmanagers (the cluster null without named clusters). */
  constructor(registry: Registry, instances: readonly { cluster: string | null; urls: readonly string[] }[]) {
    const named = instances.some((i) => i.cluster !== null);
    const by = (...names: string[]) => (named ? [...names, 'cluster'] : names);
    this.up = new Gauge({
      name: 'chatops_alertmanager_up',
      help: 'Whether each configured Alertmanager answered the last reconciliation (1) or not (0).',
      labelNames: by('alertmanager'),
      registers: [registry],
    });
    this.runs = new Counter({
      name: 'chatops_reconcile_runs_total',
      help: 'Reconciliation passes by outcome (ok, partial: some Alertmanagers did not answer, warming_up: none that answered has run long enough to judge, unavailable: none answered).',
      labelNames: by('outcome'),
      registers: [registry],
    });
    this.resolved = new Counter({
      name: 'chatops_reconcile_resolved_alerts_total',
      help: 'Alerts resolved by reconciliation (Alertmanager no longer had them as active).',
      labelNames: by(),
      registers: [registry],
    });
    this.refired = new Counter({
      name: 'chatops_reconcile_refired_alerts_total',
      help: 'Alerts resolved by reconciliation that an Alertmanager listed as active again.',
      labelNames: by(),
      registers: [registry],
    });
    this.lastSuccess = new Gauge({
      name: 'chatops_reconcile_last_success_timestamp_seconds',
      help: 'When a reconciliation pass last judged the open incidents (outcome ok or partial).',
      labelNames: by(),
      registers: [registry],
    });
    for (const { cluster, urls } of instances) {
      const c = cluster === null ? {} : { cluster };
      for (const url of urls) this.up.set({ alertmanager: url, ...c }, 0);
      for (const outcome of OUTCOMES) this.runs.inc({ outcome, ...c }, 0);
      this.resolved.inc(c, 0);
      this.refired.inc(c, 0);
    }
  }
}

export interface ReconcilerOptions {
  /** The named cluster whose incidents this reconciles (null: every incident, the single cluster). */
  cluster: string | null;
  urls: readonly string[];
  timeoutMs: number;
  intervalMs: number;
  warmupMs: number;
}

export class Reconciler {
  private readonly instances: AlertmanagerAlerts[];
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> | null = null;
  private last: { decision: ReconcileDecision; at: number } | null = null;
  /** Since when no instance has answered (null while one does). */
  private downSince: number | null = null;

  constructor(
    private readonly rt: Runtime,
    private readonly metrics: ReconcileMetrics,
    private readonly logger: Logger,
    private readonly opts: ReconcilerOptions,
    private readonly onChange: () => void,
  ) {
    this.instances = opts.urls.map((u) => new AlertmanagerAlerts(u, opts.timeoutMs));
  }

  /** Runs a pass now (promptly after the daemon starts delivering) and then every interval. */
  start(): void {
    this.tick();
    this.timer = setInterval(() => this.tick(), this.opts.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }

  private tick(): void {
    if (this.running) return; // a slow Alertmanager: the next pass starts when this one ends
    this.running = this.pass()
      .catch((e: unknown) => this.logger.error({ err: e }, 'reconciliation failed; will retry'))
      .finally(() => {
        this.running = null;
      });
  }

  /** One pass: observe, decide, apply. */
  async pass(): Promise<{ decision: ReconcileDecision; result: ReconcileResult }> {
    const { store, clock } = this.rt;
    const snapshotAt = clock.now();
    const { cluster } = this.opts;
    const candidates = store.reconcileCandidates(snapshotAt - this.rt.ingest.lifecycle.reopenWindowMs);
    // Each cluster's incidents against its own Alertmanagers only.
    const tracked = cluster === null ? candidates : candidates.filter((a) => a.cluster === cluster);
    const names = alertnamesOf(tracked);
    const observations = await Promise.all(this.instances.map((i) => i.observe(names)));
    const now = clock.now();
    const decision = decideReconciliation(tracked, observations, { now, warmupMs: this.opts.warmupMs });
    const result = applyReconciliation(this.rt.ingest, decision, snapshotAt);

    const c = cluster === null ? {} : { cluster };
    for (const o of observations) this.metrics.up.set({ alertmanager: o.name, ...c }, o.answered ? 1 : 0);
    this.metrics.runs.inc({ outcome: decision.outcome, ...c });
    this.metrics.resolved.inc(c, result.resolvedAlerts);
    this.metrics.refired.inc(c, result.refiredAlerts);
    if (decision.outcome === 'ok' || decision.outcome === 'partial') this.metrics.lastSuccess.set(c, now / 1000);
    this.downSince = decision.outcome === 'unavailable' ? (this.downSince ?? now) : null;
    if (decision.outcome !== this.last?.decision.outcome) {
      const fields = { ...c, outcome: decision.outcome, answered: decision.answered, failed: decision.failed };
      if (decision.outcome === 'ok') this.logger.info(fields, 'reconciling with Alertmanager');
      else this.logger.warn(fields, `reconciliation: ${this.describe(decision, now)}`);
    }
    this.last = { decision, at: now };
    if (result.resolvedAlerts + result.refiredAlerts > 0) {
      this.logger.info(
        { ...c, resolvedAlerts: result.resolvedAlerts, resolvedIncidents: result.resolvedIncidents, refiredAlerts: result.refiredAlerts },
        'reconciled incidents with Alertmanager',
      );
      this.onChange();
    }
    return { decision, result };
  }

  private describe(d: ReconcileDecision, now: number): string {
    const failures = d.failed.map((f) => f.error).join('; ');
    switch (d.outcome) {
      case 'unavailable':
        return `no Alertmanager has answered for ${formatDuration(now - (this.downSince ?? now))} (${failures}); open incidents are not reconciled until one does`;
      case 'warming_up':
        return `every Alertmanager that answered (${d.answered.join(', ')}) started less than ${formatDuration(this.opts.warmupMs)} ago and may not know all alerts yet; nothing is resolved by reconciliation until one has run that long${failures ? ` (${failures})` : ''}`;
      case 'partial':
        return `reconciling with ${d.answered.join(', ')} only (${failures})`;
      case 'ok':
        return 'ok';
    }
  }

  /** A /ready detail line while reconciliation is impaired (it does not make the daemon unready), else null. */
  degraded(): string | null {
    if (!this.last || this.last.decision.outcome === 'ok') return null;
    const of = this.opts.cluster === null ? '' : ` of cluster ${this.opts.cluster}`;
    return `reconciliation${of}: ${this.describe(this.last.decision, this.rt.clock.now())}`;
  }
}
