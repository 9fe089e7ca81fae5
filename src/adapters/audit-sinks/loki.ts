/** Loki push API sink: one stream with low-cardinality labels; the row (JSON) is the log line. */
import { auditExport } from '../../core/audit-chain.js';
import type { AuditRecord } from '../../core/types.js';
import { expectOk, type AuditSink } from './sink.js';

export class LokiSink implements AuditSink {
  readonly name: string;
  constructor(
    private readonly url: string,
    private readonly labels: Record<string, string>,
    private readonly timeoutMs = 10_000,
  ) {
    this.name = `loki:${new URL(url).host}`;
  }

  async send(rows: readonly AuditRecord[]): Promise<void> {
    // Nanosecond timestamps; Loki drops an entry equal in stream, time and line to one it has,
    // so a resend after an uncertain outcome does not duplicate.
    const values = rows.map((r) => [`${BigInt(r.ts) * 1_000_000n}`, JSON.stringify(auditExport(r))]);
    const body = JSON.stringify({ streams: [{ stream: { job: 'chatops', stream: 'audit', ...this.labels }, values }] });
    const res = await fetch(new URL('/loki/api/v1/push', this.url), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    await expectOk(res, 'Loki push');
  }
}
