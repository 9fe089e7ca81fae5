/**
 * Reading an Alertmanager webhook payload from a file or stdin (`alerts ingest`, `render`):
 * the webhook's validation, with errors that name the file and the place in it instead of
 * speaking of an HTTP body.
 */
import fs from 'node:fs';
import { decodeBody, parseWebhookBody } from '../adapters/alertmanager/webhook-schema.js';
import { ChatopsError, isChatopsError } from '../core/errors.js';
import type { Delivery } from '../core/types.js';

/** The bytes of `file`, or of stdin for '-'. */
export async function readPayload(file: string): Promise<Buffer> {
  if (file === '-') {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  }
  try {
    return fs.readFileSync(file);
  } catch (e) {
    throw new ChatopsError(
      'usage',
      `Cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? 'error'}): give an Alertmanager webhook payload file, or '-' for stdin.`,
    );
  }
}

/** Where a JSON syntax error is, as line and column (V8 names a character position in some messages). */
function jsonProblem(text: string, e: Error): string {
  const m = /at position (\d+)/.exec(e.message);
  const what = e.message.replace(/,? ".*" is not valid JSON$/s, '').replace(/ in JSON at position \d+.*$/s, '');
  if (!m) return what;
  const before = text.slice(0, Number(m[1]));
  const line = before.split('\n').length;
  const column = Number(m[1]) - before.lastIndexOf('\n');
  return `${what} at line ${line}, column ${column}`;
}

/** Decodes, parses and validates a payload read from `file`; every error names the file. */
export function parsePayload(file: string, bytes: Uint8Array, now: number): { raw: string; delivery: Delivery } {
  const name = file === '-' ? 'stdin' : file;
  try {
    const raw = decodeBody(bytes);
    // Parsed here first only to say where a syntax error is; the webhook's own parser then
    // applies every check it makes (surrogates, the schema).
    try {
      JSON.parse(raw);
    } catch (e) {
      throw new ChatopsError(
        'usage',
        `${name} is not valid JSON (${jsonProblem(raw, e as Error)}): give the JSON document Alertmanager posts to its webhook receivers.`,
      );
    }
    return { raw, delivery: parseWebhookBody(raw, now) };
  } catch (e) {
    if (isChatopsError(e) && !e.message.startsWith(name)) {
      throw new ChatopsError(e.kind, `${name} is not an Alertmanager webhook payload: ${e.message.replace(/^The body /, 'it ')}`);
    }
    throw e;
  }
}
