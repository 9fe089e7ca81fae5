/** `chatops alerts ingest <file|->`: the same validation and transaction as the webhook. */
import fs from 'node:fs';
import { decodeBody, parseWebhookBody } from '../../adapters/alertmanager/webhook-schema.js';
import { openRuntime } from '../../app.js';
import { ChatopsError } from '../../core/errors.js';
import { ingestDelivery } from '../../core/ingest.js';
import { load, type GlobalOptions } from '../context.js';
import { terminalIdentity } from '../identity.js';
import type { Io } from '../main.js';

async function readInput(file: string): Promise<Buffer> {
  if (file === '-') {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  }
  try {
    return fs.readFileSync(file);
  } catch (e) {
    throw new ChatopsError('usage', `Cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? 'error'}): give a payload file or '-' for stdin.`);
  }
}

export async function ingestFile(globals: GlobalOptions, file: string, opts: { json?: boolean }, io: Io): Promise<void> {
  const loaded = load(globals);
  const bytes = await readInput(file);
  if (bytes.length > loaded.config.webhook.max_body) {
    throw new ChatopsError('usage', `${file} is larger than webhook.max_body (${loaded.config.webhook.max_body} bytes).`);
  }
  const raw = decodeBody(bytes);
  const rt = openRuntime(loaded);
  try {
    const delivery = parseWebhookBody(raw, rt.clock.now());
    const who = terminalIdentity(loaded.config.users);
    const result = ingestDelivery(rt.ingest, delivery, raw, { source: 'cli', actor: who.actor, auditSource: 'cli' });
    if (opts.json) {
      io.stdout(`${JSON.stringify(result, null, 2)}\n`);
      return;
    }
    const parts = result.incidents.map((i) => (i.id === null ? `no incident (${i.action})` : `incident ${i.id} ${i.action === 'none' ? 'unchanged' : i.action === 'open' ? 'opened' : i.action === 'reopen' ? 'reopened' : 'updated'} (${i.status})`));
    io.stdout(`Delivery ${result.deliveryId}: ${result.alerts.firing} firing, ${result.alerts.resolved} resolved; ${parts.join(', ') || 'no alerts'}.\n`);
  } finally {
    rt.close();
  }
}
