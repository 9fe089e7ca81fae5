/**
 * Slack's external file upload flow, for the emulator (what `WebClient.filesUploadV2` does):
 *
 * 1. `files.getUploadURLExternal` {filename, length[, alt_text]} — needs the `files:write` scope
 *    (else `missing_scope` with `needed`/`provided`, as Slack answers); returns a one-use
 *    `upload_url` on this server and a `file_id`.
 * 2. POST the bytes to `upload_url` (multipart form, as the SDK sends, or a raw body): exactly
 *    the `length` announced, at most `maxFileBytes`; anything else is refused there.
 * 3. `files.completeUploadExternal` {files:[{id,title}], channel_id, thread_ts, initial_comment}:
 *    every file uploaded and not completed before; the channel must exist and `thread_ts` must be
 *    a top-level message OF THAT CHANNEL (a reply's ts or another channel's is refused). The
 *    files then appear as one message in that thread.
 *
 * Error names marked [RECALL] in the code are from memory of Slack's docs and may differ.
 */
import { randomBytes } from 'node:crypto';

export interface UploadedFile {
  id: string;
  filename: string;
  title: string;
  altText: string;
  length: number;
  mimetype: string;
  data: Buffer;
}

interface Pending {
  id: string;
  ticket: string;
  filename: string;
  altText: string;
  length: number;
  data: Buffer | null;
  completed: boolean;
}

export interface FilesReply {
  status: number;
  body: Record<string, unknown>;
}

const MIME: Record<string, string> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  txt: 'text/plain',
  svg: 'image/svg+xml',
};

/** Parses the `files` argument of completeUploadExternal (a JSON string in a form body, or an array in JSON). */
function parseFiles(value: unknown): { id: string; title?: string }[] | null {
  let v = value;
  if (typeof v === 'string') {
    try {
      v = JSON.parse(v);
    } catch {
      return null;
    }
  }
  if (!Array.isArray(v) || v.length === 0) return null;
  return v.every((f) => f && typeof f === 'object' && typeof (f as { id?: unknown }).id === 'string')
    ? (v as { id: string; title?: string }[])
    : null;
}

export class FileUploads {
  private readonly pending = new Map<string, Pending>();
  private readonly byTicket = new Map<string, Pending>();
  private counter = 0;

  constructor(private readonly opts: { maxFileBytes: number }) {}

  /** files.getUploadURLExternal. */
  getUploadURL(args: Record<string, unknown>, scopes: readonly string[], baseUrl: string): FilesReply {
    if (!scopes.includes('files:write'))
      return { status: 200, body: { ok: false, error: 'missing_scope', needed: 'files:write', provided: scopes.join(',') } };
    const filename = typeof args.filename === 'string' ? args.filename : '';
    const length = Number(args.length);
    if (!filename || !Number.isInteger(length) || length <= 0) return { status: 200, body: { ok: false, error: 'invalid_arguments' } };
    // [RECALL] Slack refuses files over its limit here; the exact error name is assumed.
    if (length > this.opts.maxFileBytes) return { status: 200, body: { ok: false, error: 'file_too_large' } };
    const id = `F0EMU${String(++this.counter).padStart(5, '0')}`;
    const ticket = randomBytes(9).toString('hex');
    const p: Pending = {
      id,
      ticket,
      filename,
      altText: typeof args.alt_text === 'string' ? args.alt_text : '',
      length,
      data: null,
      completed: false,
    };
    this.pending.set(id, p);
    this.byTicket.set(ticket, p);
    return { status: 200, body: { ok: true, upload_url: `${baseUrl}/upload/v1/${ticket}`, file_id: id } };
  }

  /** POST to an upload URL: the bytes, once, exactly as long as announced. */
  async receive(ticket: string, raw: Buffer, contentType: string): Promise<{ status: number; text: string }> {
    const p = this.byTicket.get(ticket);
    if (!p) return { status: 404, text: 'unknown upload url' };
    if (p.data) return { status: 410, text: 'this upload url was used already' };
    let data = raw;
    if (contentType.startsWith('multipart/form-data')) {
      const form = await new Response(new Uint8Array(raw), { headers: { 'content-type': contentType } }).formData().catch(() => null);
      const file = form ? [...form.values()].find((v) => typeof v !== 'string') : undefined;
      if (!file || typeof file === 'string') return { status: 400, text: 'no file in the multipart body' };
      data = Buffer.from(await file.arrayBuffer());
    }
    if (data.length > this.opts.maxFileBytes) return { status: 413, text: 'file too large' };
    if (data.length !== p.length) return { status: 400, text: `length mismatch: announced ${p.length} bytes, received ${data.length}` };
    p.data = data;
    return { status: 200, text: `OK - ${data.length}` };
  }

  /**
   * files.completeUploadExternal. `threadOk` says whether `thread_ts` names a top-level message
   * of `channel_id`; the caller stores the message and answers.
   */
  complete(
    args: Record<string, unknown>,
    channelOk: boolean,
    threadOk: (channel: string, ts: string) => boolean,
  ): FilesReply & { files?: UploadedFile[] } {
    const list = parseFiles(args.files);
    if (!list) return { status: 200, body: { ok: false, error: 'invalid_arguments' } };
    const channel = typeof args.channel_id === 'string' ? args.channel_id : '';
    const threadTs = typeof args.thread_ts === 'string' ? args.thread_ts : '';
    if (!channel) return { status: 200, body: { ok: false, error: 'invalid_arguments' } };
    if (!channelOk) return { status: 200, body: { ok: false, error: 'channel_not_found' } };
    // [RECALL] the error name for a thread_ts that is not a parent message of the channel.
    if (threadTs && !threadOk(channel, threadTs)) return { status: 200, body: { ok: false, error: 'invalid_thread_ts' } };
    const files: UploadedFile[] = [];
    for (const f of list) {
      const p = this.pending.get(f.id);
      if (!p || p.completed) return { status: 200, body: { ok: false, error: 'file_not_found' } };
      // [RECALL] completing a file whose bytes never arrived.
      if (!p.data) return { status: 200, body: { ok: false, error: 'file_upload_not_complete' } };
    }
    for (const f of list) {
      const p = this.pending.get(f.id)!;
      p.completed = true;
      const ext = p.filename.split('.').pop()?.toLowerCase() ?? '';
      files.push({
        id: p.id,
        filename: p.filename,
        title: f.title ?? p.filename,
        altText: p.altText,
        length: p.length,
        mimetype: MIME[ext] ?? 'application/octet-stream',
        data: p.data!,
      });
    }
    return {
      status: 200,
      files,
      body: {
        ok: true,
        files: files.map((f) => ({
          id: f.id,
          name: f.filename,
          title: f.title,
          mimetype: f.mimetype,
          size: f.length,
          alt_txt: f.altText,
          permalink: `https://emulator.slack.test/files/${f.id}`,
        })),
      },
    };
  }
}
