/** `chatops alerts ingest <file|->`: the same validation and transaction as the webhook. */
import { ChatopsError } from '../../core/errors.js';
import { ingestDelivery } from '../../core/ingest.js';
import { load, open } from '../context.js';
import { logOf, type GlobalOptions } from '../command-log.js';
import { terminalIdentity } from '../identity.js';
import type { Output } from '../output.js';
import { parsePayload, readPayload } from '../payload.js';

export async function ingestFile(globals: GlobalOptions, file: string, opts: { json?: boolean }, out: Output): Promise<void> {
  const loaded = load(globals);
  const bytes = await readPayload(file);
  if (bytes.length > loaded.config.webhook.max_body) {
    throw new ChatopsError('usage', `${file} is larger than webhook.max_body (${loaded.config.webhook.max_body} bytes).`);
  }
  const { raw, delivery } = parsePayload(file, bytes, Date.now());
  const rt = open(globals, loaded);
  try {
    const who = terminalIdentity(loaded.config.users);
    const result = ingestDelivery(rt.ingest, delivery, raw, { source: 'cli', actor: who.actor, auditSource: 'cli' });
    logOf(globals).debug(
      { deliveryId: result.deliveryId, outcome: result.outcome, incidents: result.incidents.length },
      'delivery ingested',
    );
    out.result(opts, result, () => {
      const parts = result.incidents.map((i) =>
        i.id === null
          ? `no incident (${i.action})`
          : `incident ${i.id} ${i.action === 'none' ? 'unchanged' : i.action === 'open' ? 'opened' : i.action === 'reopen' ? 'reopened' : 'updated'} (${i.status})`,
      );
      return `Delivery ${result.deliveryId}: ${result.alerts.firing} firing, ${result.alerts.resolved} resolved; ${parts.join(', ') || 'no alerts'}.`;
    });
  } finally {
    rt.close();
  }
}
