/** An audit sink receives batches of chained rows, in order. A resend must be harmless. */
import type { AuditRecord } from '../../core/types.js';

export interface AuditSink {
  /** Stable name, used for the persisted cursor and metrics (e.g. "loki", "file:/var/log/x"). */
  readonly name: string;
  /** Delivers the rows or throws; the shipper retries the same rows later. */
  send(rows: readonly AuditRecord[]): Promise<void>;
  /** For sinks that can tell what they already hold (a file): the highest seq delivered. */
  lastDelivered?(): number | null;
}

/** Throws a one-sentence error for a non-2xx response. */
export async function expectOk(res: Response, what: string): Promise<void> {
  if (res.ok) return;
  const text = (await res.text().catch(() => '')).slice(0, 200);
  throw new Error(`${what} answered ${res.status}${text ? `: ${text}` : ''}`);
}
