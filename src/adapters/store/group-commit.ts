/**
 * Group commit for webhook ingest. Deliveries that arrive while the writer is busy are applied
 * together in ONE transaction — one commit, one fsync at the configured `synchronous` — each in
 * its own savepoint, so a delivery that fails (a bug, a constraint) is rolled back alone and
 * answered alone. Every caller is answered only after the COMMIT returned: a 200 still means
 * the delivery, its alerts, the incident and the audit rows are durable. If the store itself
 * cannot commit (busy, disk full, I/O error), the whole batch is rolled back and every caller
 * gets that error (503; Alertmanager retries).
 *
 * No timer: a batch is what queued up during the previous commit (or in the same turn of the
 * event loop), so a lone delivery waits for nothing and a busy writer commits in bulk.
 */
import {
  ingestDelivery,
  type IngestContext,
  type IngestOrigin,
  type IngestPort,
  type IngestResult,
  type PreparedBody,
} from '../../core/ingest.js';
import type { Delivery } from '../../core/types.js';
import { isStoreUnavailable, type SqliteStore } from './sqlite-store.js';

interface Pending {
  delivery: Delivery;
  raw: string | PreparedBody;
  origin: IngestOrigin;
  resolve(r: IngestResult): void;
  reject(e: unknown): void;
}

export interface GroupCommitOptions {
  /** A batch stops growing at this many alerts (bounds the time the write lock is held). */
  maxBatchAlerts?: number;
  /** Called after each commit with the number of deliveries it held (for metrics). */
  onCommit?(deliveries: number): void;
}

export class GroupCommitIngest implements IngestPort {
  private queue: Pending[] = [];
  private scheduled = false;
  private readonly maxBatchAlerts: number;

  /** `ctx.store` must be `store` (the daemon's one writing connection). */
  constructor(
    private readonly store: SqliteStore,
    private readonly ctx: IngestContext,
    private readonly options: GroupCommitOptions = {},
  ) {
    this.maxBatchAlerts = options.maxBatchAlerts ?? 5000;
  }

  ingest(delivery: Delivery, raw: string | PreparedBody, origin: IngestOrigin): Promise<IngestResult> {
    return new Promise((resolve, reject) => {
      this.queue.push({ delivery, raw, origin, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        // After the current I/O phase: every request parsed in this turn joins the batch.
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.scheduled = false;
    let alerts = 0;
    let n = 0;
    while (n < this.queue.length && (n === 0 || alerts + this.queue[n]!.delivery.alerts.length <= this.maxBatchAlerts)) {
      alerts += this.queue[n]!.delivery.alerts.length;
      n++;
    }
    const batch = this.queue.slice(0, n);
    this.queue = this.queue.slice(n);
    if (this.queue.length > 0) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
    const outcomes: ({ ok: true; result: IngestResult } | { ok: false; error: unknown })[] = [];
    try {
      this.store.transaction(() => {
        for (const p of batch) {
          try {
            // Nested in this transaction, ingestDelivery's own transaction is a savepoint.
            outcomes.push({ ok: true, result: ingestDelivery(this.ctx, p.delivery, p.raw, p.origin) });
          } catch (e) {
            // The store cannot commit, or SQLite rolled the whole transaction back: fail the batch.
            if (isStoreUnavailable(e) || !this.store.db.inTransaction) throw e;
            outcomes.push({ ok: false, error: e });
          }
        }
      });
    } catch (e) {
      for (const p of batch) p.reject(e);
      return;
    }
    this.options.onCommit?.(batch.length);
    batch.forEach((p, i) => {
      const o = outcomes[i]!;
      if (o.ok) p.resolve(o.result);
      else p.reject(o.error);
    });
  }
}
