/**
 * Worker thread: turns webhook bodies into validated deliveries (UTF-8 check, JSON, schema,
 * normalisation) on another core, so the daemon's writer thread only writes.
 */
import { parentPort } from 'node:worker_threads';
import { isChatopsError } from '../../core/errors.js';
import { parseAndPrepare, type ParseReply, type ParseRequest } from './webhook-parser.js';

parentPort!.postMessage('ready');
parentPort!.on('message', (m: ParseRequest) => {
  let reply: ParseReply;
  try {
    reply = { id: m.id, ok: true, ...parseAndPrepare(m.body, m.now) };
  } catch (e) {
    // ChatopsError does not survive structured clone as itself: send its kind and message.
    reply = isChatopsError(e)
      ? { id: m.id, ok: false, kind: e.kind, message: e.message }
      : { id: m.id, ok: false, kind: null, message: String((e as Error)?.stack ?? e) };
  }
  parentPort!.postMessage(reply);
});
