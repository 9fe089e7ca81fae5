/**
 * Ends "until resolved" silences when their incident resolves, whichever path resolved it — a
 * webhook, `chatops alerts ingest`, reconciliation — by following the audit trail, where every
 * resolution is an `incident.resolved` row. From its own persisted cursor (meta key
 * `silence.sweep.cursor`) it looks at each resolution and each new until-resolved silence (the
 * incident may have resolved before the silence was recorded). An expiry that fails (Alertmanager
 * down) is retried from the same row on the next pass: nothing is skipped. The rows after it are
 * still handled in the same pass when they are other clusters' (one cluster's Alertmanager being
 * down never holds up another's); the cursor waits at the failed row.
 */
import type { Logger } from 'pino';
import type { Runtime } from '../app.js';
import { clusterOfIncident } from '../core/clusters.js';
import type { AuditRecord } from '../core/types.js';

export const SILENCE_SWEEP_CURSOR = 'silence.sweep.cursor';
const BATCH = 500;

const concerns = (r: AuditRecord): boolean =>
  r.incidentId !== null &&
  (r.action === 'incident.resolved' || (r.action === 'incident.silence' && r.result === 'ok' && r.detail.untilResolved === true));

export class UntilResolvedSweep {
  private running: Promise<void> | null = null;
  private again = false;
  /** Per cluster, the row whose failure was last logged (one warning per stuck row). */
  private readonly lastFailedSeq = new Map<string | null, number>();
  /** Rows after the cursor already handled (while it waits at an earlier row of another cluster). */
  private readonly handledAhead = new Set<number>();

  constructor(
    private readonly rt: Runtime,
    private readonly logger: Logger,
  ) {}

  /** Runs a pass now, or right after the one running (passes never overlap). */
  run(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      do {
        this.again = false;
        await this.pass();
      } while (this.again);
    })().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  /** Resolves when no pass is running (for a clean stop). */
  async idle(): Promise<void> {
    await this.running?.catch(() => undefined);
  }

  private async pass(): Promise<void> {
    const { store, clock, operator } = this.rt;
    let cursor = Number(store.getMeta(SILENCE_SWEEP_CURSOR)?.value ?? 0);
    const start = cursor;
    /** Clusters whose expiry failed in this pass: their later rows wait for the next pass. */
    const failed = new Set<string | null>();
    let held = false;
    for (let pos = cursor; ;) {
      const rows = store.auditAfter(pos, BATCH);
      for (const r of rows) {
        pos = r.seq;
        if (concerns(r) && !this.handledAhead.has(r.seq)) {
          const incident = store.getIncident(r.incidentId!);
          const cluster = incident ? clusterOfIncident(incident) : null;
          if (failed.has(cluster)) {
            held = true;
            continue;
          }
          try {
            const ended = await operator.endSilenceIfResolved(r.incidentId!);
            if (ended)
              this.logger.info(
                { incidentId: r.incidentId, silenceId: ended.data.silenceId },
                'until-resolved silence expired: the incident resolved',
              );
            if (held) this.handledAhead.add(r.seq);
          } catch (e) {
            if (this.lastFailedSeq.get(cluster) !== r.seq)
              this.logger.warn({ err: e, incidentId: r.incidentId }, 'could not expire an until-resolved silence; will retry');
            this.lastFailedSeq.set(cluster, r.seq);
            failed.add(cluster);
            held = true;
            continue;
          }
        }
        if (!held) cursor = r.seq;
      }
      if (rows.length < BATCH) break;
    }
    for (const seq of this.handledAhead) if (seq <= cursor) this.handledAhead.delete(seq);
    if (cursor !== start) store.setMeta(SILENCE_SWEEP_CURSOR, String(cursor), clock.now());
  }
}
