/** Elasticsearch bulk API sink; the document _id is derived from the row, so a resend overwrites itself. */
import { auditExport } from '../../core/audit-chain.js';
import type { AuditRecord } from '../../core/types.js';
import { expectOk, type AuditSink } from './sink.js';

export class ElasticsearchSink implements AuditSink {
  readonly name: string;
  constructor(
    private readonly url: string,
    private readonly index: string,
    private readonly timeoutMs = 10_000,
  ) {
    this.name = `elasticsearch:${new URL(url).host}/${index}`;
  }

  static docId(r: AuditRecord): string {
    return `${r.seq}-${r.hash.slice(0, 16)}`;
  }

  async send(rows: readonly AuditRecord[]): Promise<void> {
    const lines: string[] = [];
    for (const r of rows) {
      lines.push(JSON.stringify({ index: { _index: this.index, _id: ElasticsearchSink.docId(r) } }));
      lines.push(JSON.stringify({ ...auditExport(r), '@timestamp': new Date(r.ts).toISOString() }));
    }
    const res = await fetch(new URL('/_bulk', this.url), {
      method: 'POST',
      headers: { 'content-type': 'application/x-ndjson' },
      body: `${lines.join('\n')}\n`,
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    await expectOk(res, 'Elasticsearch _bulk');
    // _bulk answers 200 even when items fail; any failed item fails the batch (resent whole, idempotent by _id).
    const result = (await res.json()) as {
      errors?: boolean;
      items?: Array<Record<string, { status?: number; error?: { reason?: string } }>>;
    };
    if (result.errors) {
      const bad = result.items?.map((i) => Object.values(i)[0]).find((i) => (i?.status ?? 200) >= 300);
      throw new Error(`Elasticsearch _bulk rejected rows: ${bad?.error?.reason ?? 'unknown reason'}`);
    }
  }
}
