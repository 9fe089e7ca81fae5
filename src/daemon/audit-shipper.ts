/**
 * Ships audit rows to each configured sink from its own persisted cursor (meta key
 * `audit.cursor.<sink>`), in order, batched, retried with backoff. An outage delays, never loses.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { AuditSink } from '../adapters/audit-sinks/sink.js';
import type { SqliteStore } from '../adapters/store/sqlite-store.js';

export interface ShipperOptions {
  batchSize?: number;
  idleMs?: number;
  maxBackoffMs?: number;
}

export class AuditShipper {
  private readonly abort = new AbortController();
  private readonly loops: Promise<void>[] = [];
  private readonly errors: Counter;
  private readonly shipped: Counter;

  constructor(
    private readonly store: SqliteStore,
    private readonly sinks: readonly AuditSink[],
    private readonly logger: Logger,
    registry: Registry,
    private readonly now: () => number,
    private readonly options: ShipperOptions = {},
  ) {
    const self = this;
    new Gauge({
      name: 'chatops_audit_sink_lag_rows',
      help: 'Audit rows not yet delivered to each sink.',
      labelNames: ['sink'],
      registers: [registry],
      collect() {
        const head = store.lastAuditSeq();
        for (const s of sinks) this.set({ sink: s.name }, Math.max(0, head - self.cursor(s)));
      },
    });
    this.errors = new Counter({
      name: 'chatops_audit_sink_errors_total',
      help: 'Failed deliveries to each audit sink.',
      labelNames: ['sink'],
      registers: [registry],
    });
    this.shipped = new Counter({
      name: 'chatops_audit_sink_rows_total',
      help: 'Audit rows delivered to each sink.',
      labelNames: ['sink'],
      registers: [registry],
    });
  }

  cursor(sink: AuditSink): number {
    return Number(this.store.getMeta(`audit.cursor.${sink.name}`)?.value ?? 0);
  }

  start(): void {
    for (const sink of this.sinks) this.loops.push(this.run(sink));
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await Promise.allSettled(this.loops);
  }

  private async pause(ms: number): Promise<void> {
    await sleep(ms, undefined, { signal: this.abort.signal }).catch(() => undefined);
  }

  private async run(sink: AuditSink): Promise<void> {
    const batch = this.options.batchSize ?? 500;
    const idle = this.options.idleMs ?? 1000;
    const maxBackoff = this.options.maxBackoffMs ?? 60_000;
    // A sink that can tell what it holds (a file) wins over a cursor a crash left behind.
    const held = sink.lastDelivered?.() ?? null;
    if (held !== null && held > this.cursor(sink)) this.store.setMeta(`audit.cursor.${sink.name}`, String(held), this.now());
    let failures = 0;
    while (!this.abort.signal.aborted) {
      let rows;
      try {
        rows = this.store.auditAfter(this.cursor(sink), batch);
      } catch (err) {
        this.logger.warn({ err, sink: sink.name }, 'audit shipper cannot read the store');
        await this.pause(idle);
        continue;
      }
      if (rows.length === 0) {
        await this.pause(idle);
        continue;
      }
      try {
        await sink.send(rows);
        this.store.setMeta(`audit.cursor.${sink.name}`, String(rows.at(-1)!.seq), this.now());
        this.shipped.inc({ sink: sink.name }, rows.length);
        if (failures > 0) this.logger.info({ sink: sink.name, after: failures }, 'audit sink recovered');
        failures = 0;
      } catch (err) {
        failures++;
        this.errors.inc({ sink: sink.name });
        const wait = Math.min(maxBackoff, 500 * 2 ** Math.min(failures, 10));
        this.logger.warn({ sink: sink.name, error: (err as Error).message, retryInMs: wait }, 'audit sink delivery failed; will retry');
        await this.pause(wait);
      }
    }
  }
}
