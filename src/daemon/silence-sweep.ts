/**
 * Ends "until resolved" silences when their incident resolves, whichever path resolved it — a
 * webhook, `chatops alerts ingest`, reconciliation — by following the audit trail, where every
 * resolution is an `incident.resolved` row. From its own persisted cursor (meta key
 * `silence.sweep.cursor`) it looks at each resolution and each new until-resolved silence (the
 * incident may have resolved before the silence was recorded). An expiry that fails (Alertmanager
 * down) is retried from the same row on the next pass: nothing is skipped.
 */
import type { Logger } from 'pino';
import type { Runtime } from '../app.js';
import type { AuditRecord } from '../core/types.js';

export const SILENCE_SWEEP_CURSOR = 'silence.sweep.cursor';
const BATCH = 500;

const concerns = (r: AuditRecord): boolean =>
  r.incidentId !== null && (r.action === 'incident.resolved' || (r.action === 'incident.silence' && r.result === 'ok' && r.detail.untilResolved === true));

export class UntilResolvedSweep {
  private running: Promise<void> | null = null;
  private again = false;
  private lastFailedSeq = -1;

  constructor(private readonly rt: Runtime, private readonly logger: Logger) {}

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
    for (;;) {
      const rows = store.auditAfter(cursor, BATCH);
      const start = cursor;
      for (const r of rows) {
        if (concerns(r)) {
          try {
            const ended = await operator.endSilenceIfResolved(r.incidentId!);
            if (ended) this.logger.info({ incidentId: r.incidentId, silenceId: ended.data.silenceId }, 'until-resolved silence expired: the incident resolved');
          } catch (e) {
            if (this.lastFailedSeq !== r.seq) this.logger.warn({ err: e, incidentId: r.incidentId }, 'could not expire an until-resolved silence; will retry');
            this.lastFailedSeq = r.seq;
            break;
          }
        }
        cursor = r.seq;
      }
      if (cursor !== start) store.setMeta(SILENCE_SWEEP_CURSOR, String(cursor), clock.now());
      if (rows.length < BATCH || cursor !== rows.at(-1)!.seq) return;
    }
  }
}
