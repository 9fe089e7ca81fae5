/**
 * A strict local Slack for tests and local development: the Web API methods chatops uses and a
 * Socket Mode WebSocket server that the REAL Bolt app connects to (docs/protocols.md §1–3).
 *
 * - Web API on /api/<method>, form or JSON bodies, bearer tokens checked (apps.connections.open
 *   only with an xapp- token), Block Kit limits validated and refused with `invalid_blocks`
 *   like Slack, per-channel posting rate limit (token bucket, 429 + Retry-After beyond).
 * - Faults per method: 429 with Retry-After, HTTP 5xx, `ok:false` errors, and "uncertain"
 *   (the message is stored, then the response is dropped or never sent); `outage()` answers
 *   every Web API method with an HTTP error until it is lifted.
 * - `dispatch()` answers one Web API call in process, on the emulator's clock (`clock` option):
 *   the fake-clock tests run the same rules without HTTP.
 * - Files: the external upload flow (slack-emulator-files.ts), checked against the `scopes`
 *   the bot token has (auth.test reports them in `x-oauth-scopes`, as Slack does).
 * - Socket Mode: hello on connect, envelopes with a 3 s ack timer, disconnect frames,
 *   closing or dropping sockets, and `click()` to press a button as a user and await the ack.
 * - A record of every call.
 *
 * Run it alone for local development: `node --import tsx test/support/slack-emulator.ts`.
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { WebSocketServer, type WebSocket } from 'ws';
import { BOT_SCOPES } from '../../src/adapters/slack/scopes.js';
import { FileUploads, type UploadedFile } from './slack-emulator-files.js';

export interface Fault {
  /** 'status': an HTTP status (429 adds Retry-After); 'error': 200 {ok:false,error}; 'drop'/'hang': store, then no answer. */
  type: 'status' | 'error' | 'drop' | 'hang';
  status?: number;
  retryAfter?: number;
  error?: string;
}

export interface CallRecord {
  method: string;
  at: number;
  auth: string | null;
  contentType: string;
  args: Record<string, unknown>;
  status: number;
  ok: boolean;
  error?: string;
}

export interface StoredMessage {
  channel: string;
  ts: string;
  threadTs: string | null;
  text: string;
  blocks: Record<string, unknown>[];
  metadata: { event_type: string; event_payload: Record<string, unknown> } | null;
  botId: string;
  updates: number;
  /** Files shared with the message (files.completeUploadExternal). */
  files?: UploadedFile[];
}

export interface EmulatorOptions {
  botToken?: string;
  appToken?: string;
  /** Channel ids that exist; any other gets channel_not_found. null: every channel exists. */
  channels?: string[] | null;
  /** Posting limit per channel (chat.postMessage): a token bucket. null: unlimited. */
  postRate?: { perSecond: number; burst: number } | null;
  /** chat.update limit per channel. */
  updateRate?: { perSecond: number; burst: number } | null;
  ackTimeoutMs?: number;
  /** The bot token's scopes (default: those the manifest asks for). */
  scopes?: string[];
  /** Largest file an upload may carry (Slack: 1 GB). */
  maxFileBytes?: number;
  port?: number;
  /** The time rate limits, timestamps and call records use (a fake clock in simulations). */
  clock?: () => number;
  /** Log each call to stderr (the dev entry point). */
  verbose?: boolean;
}

interface Bucket {
  tokens: number;
  at: number;
}

export interface ClickResult {
  envelopeId: string;
  acked: boolean;
}

const BLOCK_TYPES = new Set(['section', 'header', 'context', 'actions', 'divider', 'image']);

/** What one Web API call answers: an HTTP status, a JSON body (or an HTML error page), and what happens to the response. */
export interface ApiReply {
  status: number;
  body: Record<string, unknown> | null;
  headers: Record<string, string>;
  /** drop: the connection is cut after the effect; hang: no answer is ever sent. */
  after?: 'drop' | 'hang';
}

/** Validates blocks against Block Kit limits; returns Slack-style error strings (empty = valid). */
export function validateBlocks(blocks: unknown): string[] | 'format' {
  if (!Array.isArray(blocks)) return 'format';
  const errs: string[] = [];
  const len = (v: unknown) => (typeof v === 'string' ? v.length : -1);
  const text = (obj: unknown, ptr: string, max: number, types: string[] = ['plain_text', 'mrkdwn']) => {
    const t = obj as { type?: string; text?: unknown } | undefined;
    if (!t || typeof t !== 'object' || !types.includes(t.type ?? '')) {
      errs.push(`failed to match all allowed schemas [json-pointer:${ptr}]`);
      return;
    }
    const n = len(t.text);
    if (n < 1) errs.push(`must be more than 0 characters [json-pointer:${ptr}/text]`);
    else if (n > max) errs.push(`must be less than ${max + 1} characters [json-pointer:${ptr}/text]`);
  };
  const option = (o: Record<string, unknown>, q: string) => {
    text(o?.text, `${q}/text`, 75, ['plain_text']);
    if (len(o?.value) < 1 || len(o?.value) > 150) errs.push(`must be less than 151 characters [json-pointer:${q}/value]`);
  };
  const options = (opts: unknown, q: string, min: number, max: number) => {
    if (!Array.isArray(opts) || opts.length < min || opts.length > max)
      errs.push(
        `${opts && Array.isArray(opts) && opts.length < min ? `must provide at least ${min} items` : `no more than ${max} items allowed`} [json-pointer:${q}]`,
      );
    else opts.forEach((o, k) => option(o as Record<string, unknown>, `${q}/${k}`));
  };
  // Interactive elements (buttons, menus); action_ids must be unique within the message.
  const actionIds = new Set<string>();
  const element = (e: Record<string, unknown>, q: string, allowed: string[]) => {
    if (!e || typeof e !== 'object' || !allowed.includes(e.type as string)) {
      errs.push(`failed to match all allowed schemas [json-pointer:${q}]`);
      return;
    }
    if (e.action_id !== undefined) {
      if (len(e.action_id) < 1 || len(e.action_id) > 255) errs.push(`must be less than 256 characters [json-pointer:${q}/action_id]`);
      else if (actionIds.has(e.action_id as string)) errs.push(`duplicate action_id ${String(e.action_id)} [json-pointer:${q}/action_id]`);
      else actionIds.add(e.action_id as string);
    }
    if (e.type === 'button') {
      text(e.text, `${q}/text`, 75, ['plain_text']);
      if (e.value !== undefined && len(e.value) > 2000) errs.push(`must be less than 2001 characters [json-pointer:${q}/value]`);
      if (e.url !== undefined && (len(e.url) > 3000 || !/^https?:\/\//.test(e.url as string)))
        errs.push(`must be a valid URL of less than 3001 characters [json-pointer:${q}/url]`);
      if (e.style !== undefined && e.style !== 'primary' && e.style !== 'danger')
        errs.push(`must be one of primary, danger [json-pointer:${q}/style]`);
    } else if (e.type === 'static_select') {
      if (e.placeholder !== undefined) text(e.placeholder, `${q}/placeholder`, 150, ['plain_text']);
      if ((e.options === undefined) === (e.option_groups === undefined)) {
        errs.push(`must provide exactly one of options, option_groups [json-pointer:${q}]`);
      } else if (e.options !== undefined) {
        options(e.options, `${q}/options`, 1, 100);
      } else {
        const groups = e.option_groups as Record<string, unknown>[];
        if (!Array.isArray(groups) || groups.length < 1 || groups.length > 100)
          errs.push(`no more than 100 items allowed [json-pointer:${q}/option_groups]`);
        else
          groups.forEach((g, k) => {
            text(g?.label, `${q}/option_groups/${k}/label`, 75, ['plain_text']);
            options(g?.options, `${q}/option_groups/${k}/options`, 1, 100);
          });
      }
    } else if (e.type === 'overflow') {
      options(e.options, `${q}/options`, 1, 5);
    }
  };
  const blockIds = new Set<string>();
  if (blocks.length > 50) errs.push('no more than 50 items allowed [json-pointer:/blocks]');
  blocks.forEach((raw, i) => {
    const b = raw as Record<string, unknown>;
    const p = `/blocks/${i}`;
    if (!b || typeof b !== 'object' || !BLOCK_TYPES.has(b.type as string)) {
      errs.push(`failed to match all allowed schemas [json-pointer:${p}]`);
      return;
    }
    if (b.block_id !== undefined && (len(b.block_id) < 1 || len(b.block_id) > 255))
      errs.push(`must be less than 256 characters [json-pointer:${p}/block_id]`);
    else if (b.block_id !== undefined && blockIds.has(b.block_id as string))
      errs.push(`duplicate block_id ${String(b.block_id)} [json-pointer:${p}/block_id]`);
    else if (b.block_id !== undefined) blockIds.add(b.block_id as string);
    switch (b.type) {
      case 'header':
        text(b.text, `${p}/text`, 150, ['plain_text']);
        break;
      case 'section':
        if (b.text === undefined && b.fields === undefined) errs.push(`must provide text or fields [json-pointer:${p}]`);
        if (b.text !== undefined) text(b.text, `${p}/text`, 3000);
        if (b.fields !== undefined) {
          if (!Array.isArray(b.fields) || b.fields.length > 10) errs.push(`no more than 10 items allowed [json-pointer:${p}/fields]`);
          else b.fields.forEach((f, j) => text(f, `${p}/fields/${j}`, 2000));
        }
        if (b.accessory !== undefined)
          element(b.accessory as Record<string, unknown>, `${p}/accessory`, ['button', 'static_select', 'overflow']);
        break;
      case 'context': {
        const els = b.elements as unknown[];
        if (!Array.isArray(els) || els.length < 1 || els.length > 10)
          errs.push(`no more than 10 items allowed [json-pointer:${p}/elements]`);
        else els.forEach((e, j) => text(e, `${p}/elements/${j}`, 3000));
        break;
      }
      case 'actions': {
        const els = b.elements as Record<string, unknown>[];
        if (!Array.isArray(els) || els.length < 1 || els.length > 25) {
          errs.push(`no more than 25 items allowed [json-pointer:${p}/elements]`);
          break;
        }
        els.forEach((e, j) => element(e, `${p}/elements/${j}`, ['button', 'static_select', 'overflow']));
        break;
      }
      default:
        break;
    }
  });
  return errs;
}

export class SlackEmulator {
  readonly calls: CallRecord[] = [];
  /** Upload URLs called (the second step of the upload flow), with their answer. */
  readonly uploads: { ticket: string; bytes: number; status: number }[] = [];
  readonly messages: StoredMessage[] = [];
  readonly ephemerals: { channel: string; user: string; text: string; threadTs: string | null }[] = [];
  readonly responses: { path: string; body: unknown }[] = [];
  /** Envelopes sent and whether they were acked in time. */
  readonly envelopes = new Map<string, { acked: boolean; expired: boolean }>();
  readonly sockets = new Set<WebSocket>();
  connectionsOpened = 0;
  /** Send `hello` on new sockets (false: a stuck handshake, for watchdog tests). */
  sendHello = true;
  url = '';
  private server: http.Server;
  private wss: WebSocketServer;
  private readonly faults = new Map<string, Fault[]>();
  private readonly buckets = new Map<string, Bucket>();
  private readonly pendingAcks = new Map<string, (acked: boolean) => void>();
  private readonly hung = new Set<http.ServerResponse>();
  private tsCounter = 0;
  private outageStatus: number | null = null;
  readonly now: () => number;
  private ticket = 0;
  private readonly files: FileUploads;
  readonly opts: Required<Omit<EmulatorOptions, 'port' | 'channels' | 'postRate' | 'updateRate' | 'clock'>> &
    Pick<EmulatorOptions, 'channels' | 'postRate' | 'updateRate'>;

  private constructor(opts: EmulatorOptions) {
    this.now = opts.clock ?? Date.now;
    this.opts = {
      botToken: opts.botToken ?? 'xoxb-test',
      appToken: opts.appToken ?? 'xapp-1-A0TEST-1-abc',
      channels: opts.channels === undefined ? ['C0OPS'] : opts.channels,
      postRate: opts.postRate === undefined ? { perSecond: 1, burst: 3 } : opts.postRate,
      updateRate: opts.updateRate === undefined ? { perSecond: 2, burst: 5 } : opts.updateRate,
      ackTimeoutMs: opts.ackTimeoutMs ?? 3000,
      scopes: opts.scopes ?? [...BOT_SCOPES],
      maxFileBytes: opts.maxFileBytes ?? 1024 ** 3,
      verbose: opts.verbose ?? false,
    };
    this.files = new FileUploads({ maxFileBytes: this.opts.maxFileBytes });
    this.server = http.createServer((req, res) => void this.handle(req, res));
    this.wss = new WebSocketServer({ noServer: true });
    this.server.on('upgrade', (req, socket, head) => {
      if (!req.url?.startsWith('/link/')) {
        socket.destroy();
        return;
      }
      this.wss.handleUpgrade(req, socket, head, (ws) => this.onSocket(ws));
    });
  }

  /** An emulator without a server, for in-process simulations on a fake clock (`dispatch`). */
  static inProcess(opts: EmulatorOptions = {}): SlackEmulator {
    return new SlackEmulator(opts);
  }

  static async start(opts: EmulatorOptions = {}): Promise<SlackEmulator> {
    const emu = new SlackEmulator(opts);
    await new Promise<void>((resolve) => emu.server.listen(opts.port ?? 0, '127.0.0.1', () => resolve()));
    emu.url = `http://127.0.0.1:${(emu.server.address() as AddressInfo).port}`;
    return emu;
  }

  get apiUrl(): string {
    return `${this.url}/api/`;
  }

  /** Queues faults for a method, used by its next calls in order. */
  fault(method: string, ...faults: Fault[]): void {
    this.faults.set(method, [...(this.faults.get(method) ?? []), ...faults]);
  }

  clearFaults(): void {
    this.faults.clear();
  }

  /** Every Web API call answers this HTTP status (503: Slack is down) until `outage(null)`. */
  outage(status: number | null): void {
    this.outageStatus = status;
  }

  callsOf(method: string): CallRecord[] {
    return this.calls.filter((c) => c.method === method);
  }

  /** Top-level messages (optionally of one channel), oldest first. */
  topMessages(channel?: string): StoredMessage[] {
    return this.messages.filter((m) => m.threadTs === null && (!channel || m.channel === channel));
  }

  replies(threadTs: string): StoredMessage[] {
    return this.messages.filter((m) => m.threadTs === threadTs);
  }

  /** Files shared in a thread, oldest first. */
  threadFiles(threadTs: string): UploadedFile[] {
    return this.replies(threadTs).flatMap((m) => m.files ?? []);
  }

  /** The top message carrying chatops' metadata for an incident. */
  incidentMessages(incidentId: number): StoredMessage[] {
    return this.topMessages().filter(
      (m) => m.metadata?.event_type === 'chatops_incident' && Number(m.metadata.event_payload.incident_id) === incidentId,
    );
  }

  /** Open sockets that got their hello. */
  get connected(): number {
    return [...this.sockets].filter((s) => s.readyState === s.OPEN).length;
  }

  /** Sends a disconnect frame to every socket (the client closes and reconnects). */
  disconnectAll(reason: 'warning' | 'refresh_requested' | 'link_disabled' = 'refresh_requested'): void {
    for (const s of this.sockets) s.send(JSON.stringify({ type: 'disconnect', reason, debug_info: { host: 'emulator' } }));
  }

  /** Kills every socket without a close handshake (a dropped connection). */
  dropAll(): void {
    for (const s of this.sockets) s.terminate();
  }

  /** Closes every socket with a code (e.g. 1001 going away). */
  closeAll(code = 1001): void {
    for (const s of this.sockets) s.close(code);
  }

  /** Finds an interactive element by action_id in a stored message (in actions blocks or as a section accessory). */
  element(ts: string, actionId: string): Record<string, unknown> | null {
    const m = this.messages.find((x) => x.ts === ts);
    for (const b of m?.blocks ?? []) {
      const els = [
        ...((b.elements as Record<string, unknown>[] | undefined) ?? []),
        ...(b.accessory ? [b.accessory as Record<string, unknown>] : []),
      ];
      for (const e of els) if (e.action_id === actionId) return e;
    }
    return null;
  }

  /** Every option of a menu element (flat, across option groups). */
  static optionsOf(el: Record<string, unknown>): { text: { text: string }; value: string }[] {
    type Opt = { text: { text: string }; value: string };
    if (Array.isArray(el.options)) return el.options as Opt[];
    return ((el.option_groups as { options: Opt[] }[] | undefined) ?? []).flatMap((g) => g.options);
  }

  /**
   * Clicks a button (or picks a menu option) on a stored message as a user, over Socket Mode,
   * and resolves when the app acks (or the 3 s deadline passes: acked false).
   */
  async click(opts: {
    ts: string;
    actionId: string;
    user: string;
    option?: string;
    staleElement?: Record<string, unknown>;
  }): Promise<ClickResult> {
    const m = this.messages.find((x) => x.ts === opts.ts);
    if (!m) throw new Error(`no message ${opts.ts}`);
    // staleElement: a user clicking a button from an older rendering still on their screen.
    const el = opts.staleElement ?? this.element(opts.ts, opts.actionId);
    if (!el) throw new Error(`message ${opts.ts} has no element ${opts.actionId}`);
    const action: Record<string, unknown> = { type: el.type, action_id: opts.actionId, block_id: 'b', action_ts: `${this.now() / 1000}` };
    if (el.type === 'button') {
      action.value = el.value;
      action.text = el.text;
    } else {
      const opt = SlackEmulator.optionsOf(el).find((o) => o.value === opts.option || o.value.endsWith(`:${opts.option}`));
      if (!opt) throw new Error(`menu ${opts.actionId} has no option ${opts.option}`);
      action.selected_option = opt;
    }
    const envelopeId = randomUUID();
    const payload = {
      type: 'block_actions',
      team: { id: 'T0TEST', domain: 'emulator' },
      user: { id: opts.user, username: opts.user.toLowerCase(), name: opts.user.toLowerCase(), team_id: 'T0TEST' },
      api_app_id: 'A0TEST',
      token: 'legacy',
      trigger_id: `${this.now()}.1.abc`,
      container: { type: 'message', message_ts: m.ts, channel_id: m.channel, is_ephemeral: false },
      channel: { id: m.channel, name: m.channel.toLowerCase() },
      message: {
        type: 'message',
        ts: m.ts,
        text: m.text,
        bot_id: m.botId,
        user: 'U0BOT',
        blocks: m.blocks,
        ...(m.threadTs ? { thread_ts: m.threadTs } : {}),
      },
      state: { values: {} },
      response_url: `${this.url}/response_url/${envelopeId}`,
      actions: [action],
    };
    const acked = await this.sendEnvelope({ envelope_id: envelopeId, type: 'interactive', accepts_response_payload: false, payload });
    return { envelopeId, acked };
  }

  /**
   * Sends one envelope on an open socket and waits for its ack (false after the deadline). A
   * client reconnecting (its ping timeout is short in tests, and a loaded machine trips it) gets
   * a few seconds to come back before the click fails.
   */
  async sendEnvelope(envelope: { envelope_id: string } & Record<string, unknown>): Promise<boolean> {
    let socket = [...this.sockets].find((s) => s.readyState === s.OPEN);
    for (let waited = 0; !socket && waited < 10_000; waited += 100) {
      await new Promise((r) => setTimeout(r, 100));
      socket = [...this.sockets].find((s) => s.readyState === s.OPEN);
    }
    if (!socket) throw new Error('no Socket Mode connection is open');
    this.envelopes.set(envelope.envelope_id, { acked: false, expired: false });
    return new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => {
        this.pendingAcks.delete(envelope.envelope_id);
        this.envelopes.get(envelope.envelope_id)!.expired = true;
        resolve(false);
      }, this.opts.ackTimeoutMs);
      this.pendingAcks.set(envelope.envelope_id, (acked) => {
        clearTimeout(timer);
        resolve(acked);
      });
      socket.send(JSON.stringify(envelope));
    });
  }

  async stop(): Promise<void> {
    for (const r of this.hung) r.destroy();
    for (const s of this.sockets) s.terminate();
    this.wss.close();
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }

  // --- internals ----------------------------------------------------------------------------

  private onSocket(ws: WebSocket): void {
    this.sockets.add(ws);
    ws.on('close', () => this.sockets.delete(ws));
    ws.on('error', () => this.sockets.delete(ws));
    ws.on('message', (data) => {
      let msg: { envelope_id?: string };
      try {
        msg = JSON.parse(String(data)) as { envelope_id?: string };
      } catch {
        return;
      }
      if (msg.envelope_id && this.envelopes.has(msg.envelope_id)) {
        const e = this.envelopes.get(msg.envelope_id)!;
        if (!e.expired) e.acked = true;
        this.pendingAcks.get(msg.envelope_id)?.(!e.expired);
        this.pendingAcks.delete(msg.envelope_id);
      }
    });
    if (!this.sendHello) return;
    ws.send(
      JSON.stringify({
        type: 'hello',
        num_connections: this.sockets.size,
        debug_info: { host: 'emulator', build_number: 1, approximate_connection_time: 18060 },
        connection_info: { app_id: 'A0TEST' },
      }),
    );
  }

  /**
   * For local development with curl: GET /_emulator/messages, GET /_emulator/calls,
   * POST /_emulator/click {"ts","action_id","user","option"?}.
   */
  private async devEndpoint(pathname: string, raw: string, res: http.ServerResponse): Promise<void> {
    const json = (status: number, body: unknown) =>
      res.writeHead(status, { 'content-type': 'application/json' }).end(`${JSON.stringify(body, null, 2)}\n`);
    try {
      if (pathname === '/_emulator/messages') return void json(200, { messages: this.messages, ephemerals: this.ephemerals });
      if (pathname === '/_emulator/calls') return void json(200, this.calls);
      if (pathname === '/_emulator/click') {
        const b = JSON.parse(raw || '{}') as { ts: string; action_id: string; user?: string; option?: string };
        return void json(200, await this.click({ ts: b.ts, actionId: b.action_id, user: b.user ?? 'U0DEV', option: b.option }));
      }
      json(404, { error: 'GET /_emulator/messages, GET /_emulator/calls, POST /_emulator/click' });
    } catch (e) {
      json(400, { error: (e as Error).message });
    }
  }

  private nextTs(): string {
    this.tsCounter++;
    return `${Math.floor(this.now() / 1000)}.${String(this.tsCounter).padStart(6, '0')}`;
  }

  private take(key: string, rate: { perSecond: number; burst: number } | null | undefined): number {
    if (!rate) return 0;
    const now = this.now();
    const b = this.buckets.get(key) ?? { tokens: rate.burst, at: now };
    b.tokens = Math.min(rate.burst, b.tokens + ((now - b.at) / 1000) * rate.perSecond);
    b.at = now;
    this.buckets.set(key, b);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - b.tokens) / rate.perSecond));
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const bytes = Buffer.concat(chunks);
    const raw = bytes.toString('utf8');
    const url = new URL(req.url ?? '/', 'http://x');
    const upload = /^\/upload\/v1\/([0-9a-f]+)$/.exec(url.pathname);
    if (upload && req.method === 'POST') {
      const fault = this.faults.get('upload')?.shift();
      const failing = fault?.type === 'status' ? (fault.status ?? 500) : this.outageStatus;
      const r =
        failing !== null
          ? { status: failing, text: 'upload failed' }
          : await this.files.receive(upload[1]!, bytes, req.headers['content-type'] ?? '');
      this.uploads.push({ ticket: upload[1]!, bytes: bytes.length, status: r.status });
      res.writeHead(r.status, { 'content-type': 'text/plain' }).end(r.text);
      return;
    }
    if (url.pathname.startsWith('/response_url/')) {
      this.responses.push({ path: url.pathname, body: raw ? JSON.parse(raw) : null });
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      return;
    }
    if (url.pathname.startsWith('/_emulator/')) {
      await this.devEndpoint(url.pathname, raw, res);
      return;
    }
    const m = /^\/api\/([a-zA-Z.]+)$/.exec(url.pathname);
    if (!m || req.method !== 'POST') {
      res.writeHead(404).end('not found');
      return;
    }
    const contentType = req.headers['content-type'] ?? '';
    let args: Record<string, unknown> = {};
    if (contentType.startsWith('application/json')) {
      args = raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
    } else {
      for (const [k, v] of new URLSearchParams(raw)) args[k] = v;
      for (const k of ['blocks', 'metadata', 'attachments']) {
        if (typeof args[k] === 'string') {
          try {
            args[k] = JSON.parse(args[k] as string);
          } catch {
            args[k] = { invalid: args[k] };
          }
        }
      }
    }
    const r = this.dispatch(m[1]!, args, req.headers.authorization ?? null, contentType);
    if (this.opts.verbose)
      process.stderr.write(
        `${new Date(this.now()).toISOString()} ${m[1]} ${r.status} ${r.body?.ok === false ? String(r.body.error) : ''}\n`,
      );
    if (r.after === 'drop') {
      res.socket?.destroy();
      return;
    }
    if (r.after === 'hang') {
      this.hung.add(res);
      return;
    }
    if (r.body === null) {
      res.writeHead(r.status, { 'content-type': 'text/html', ...r.headers }).end('<html>internal error</html>');
      return;
    }
    res.writeHead(r.status, { 'content-type': 'application/json; charset=utf-8', ...r.headers }).end(JSON.stringify(r.body));
  }

  /**
   * Answers one Web API call (the HTTP handler and in-process simulations share it): faults,
   * outage, tokens, channel, rate limits and Block Kit checks, then the method's effect.
   */
  dispatch(method: string, args: Record<string, unknown>, auth: string | null, contentType = 'application/json'): ApiReply {
    const record: CallRecord = {
      method,
      at: this.now(),
      auth: auth ? `${auth.slice(0, 12)}…` : null,
      contentType,
      args,
      status: 200,
      ok: true,
    };
    this.calls.push(record);
    const reply = (
      status: number,
      body: Record<string, unknown> | null,
      headers: Record<string, string> = {},
      after?: ApiReply['after'],
    ): ApiReply => {
      record.status = after ? 0 : status;
      record.ok = !after && status === 200 && body?.ok === true;
      if (body?.error) record.error = String(body.error);
      if (after) record.error = after === 'drop' ? 'dropped' : 'hung';
      return { status, body, headers, after };
    };
    if (this.outageStatus !== null) return reply(this.outageStatus, null);

    const fault = this.faults.get(method)?.shift();
    if (fault?.type === 'status') {
      if (fault.status === 429)
        return reply(
          429,
          { ok: false, error: 'ratelimited' },
          fault.retryAfter === undefined ? {} : { 'retry-after': String(fault.retryAfter) },
        );
      return reply(fault.status ?? 500, null);
    }
    if (fault?.type === 'error') return reply(200, { ok: false, error: fault.error ?? 'internal_error' });

    const token = /^Bearer (.+)$/.exec(auth ?? '')?.[1] ?? (typeof args.token === 'string' ? args.token : undefined);
    if (method === 'apps.connections.open') {
      if (!auth) return reply(200, { ok: false, error: 'not_authed' });
      if (!token?.startsWith('xapp-')) return reply(200, { ok: false, error: 'not_allowed_token_type' });
      if (token !== this.opts.appToken) return reply(200, { ok: false, error: 'invalid_auth' });
      this.connectionsOpened++;
      return reply(200, {
        ok: true,
        url: `ws://127.0.0.1:${(this.server.address() as AddressInfo | null)?.port ?? 0}/link/?ticket=t${++this.ticket}&app_id=A0TEST`,
      });
    }
    if (!token) return reply(200, { ok: false, error: 'not_authed' });
    if (token.startsWith('xapp-')) return reply(200, { ok: false, error: 'not_allowed_token_type' });
    if (token !== this.opts.botToken) return reply(200, { ok: false, error: 'invalid_auth' });

    const channel = typeof args.channel === 'string' ? args.channel : '';
    const channelOk = () => this.opts.channels === null || this.opts.channels === undefined || this.opts.channels.includes(channel);
    const checkBlocks = (): Record<string, unknown> | null => {
      if (args.blocks === undefined) return null;
      const v = validateBlocks(args.blocks);
      if (v === 'format') return { ok: false, error: 'invalid_blocks_format' };
      if (v.length) return { ok: false, error: 'invalid_blocks', errors: v, response_metadata: { messages: v.map((e) => `[ERROR] ${e}`) } };
      return null;
    };

    switch (method) {
      case 'auth.test':
        return reply(
          200,
          {
            ok: true,
            url: 'https://emulator.slack.test/',
            team: 'Emulator',
            user: 'chatops',
            team_id: 'T0TEST',
            user_id: 'U0BOT',
            bot_id: 'B0BOT',
            is_enterprise_install: false,
          },
          { 'x-oauth-scopes': this.opts.scopes.join(',') },
        );
      case 'files.getUploadURLExternal': {
        const r = this.files.getUploadURL(args, this.opts.scopes, this.url);
        return reply(r.status, r.body);
      }
      case 'files.completeUploadExternal': {
        const sharedTo = typeof args.channel_id === 'string' ? args.channel_id : '';
        const r = this.files.complete(args, this.opts.channels == null || this.opts.channels.includes(sharedTo), (ch, ts) =>
          this.messages.some((x) => x.ts === ts && x.channel === ch && x.threadTs === null),
        );
        if (r.files) {
          const threadTs = typeof args.thread_ts === 'string' ? args.thread_ts : null;
          const comment = typeof args.initial_comment === 'string' ? args.initial_comment : '';
          this.messages.push({
            channel: String(args.channel_id),
            ts: this.nextTs(),
            threadTs,
            text: comment,
            blocks: [],
            metadata: null,
            botId: 'B0BOT',
            updates: 0,
            files: r.files,
          });
        }
        return reply(r.status, r.body);
      }
      case 'chat.postMessage': {
        if (!channelOk()) return reply(200, { ok: false, error: 'channel_not_found' });
        const wait = this.take(`post:${channel}`, this.opts.postRate);
        if (wait) return reply(429, { ok: false, error: 'ratelimited' }, { 'retry-after': String(wait) });
        const bad = checkBlocks();
        if (bad) return reply(200, bad);
        const text = typeof args.text === 'string' ? args.text : '';
        if (!text && !Array.isArray(args.blocks)) return reply(200, { ok: false, error: 'no_text' });
        const threadTs = typeof args.thread_ts === 'string' ? args.thread_ts : null;
        if (threadTs && !this.messages.some((x) => x.ts === threadTs && x.channel === channel && x.threadTs === null))
          return reply(200, { ok: false, error: 'thread_not_found' });
        const meta = args.metadata as StoredMessage['metadata'] | undefined;
        const msg: StoredMessage = {
          channel,
          ts: this.nextTs(),
          threadTs,
          text: text.slice(0, 40_000),
          blocks: (args.blocks as Record<string, unknown>[]) ?? [],
          metadata: meta && typeof meta === 'object' && 'event_type' in meta ? meta : null,
          botId: 'B0BOT',
          updates: 0,
        };
        this.messages.push(msg);
        if (fault?.type === 'drop' || fault?.type === 'hang') return reply(200, null, {}, fault.type);
        return reply(200, {
          ok: true,
          channel,
          ts: msg.ts,
          message: { type: 'message', subtype: 'bot_message', text: msg.text, ts: msg.ts, bot_id: 'B0BOT' },
        });
      }
      case 'chat.update': {
        if (!channelOk()) return reply(200, { ok: false, error: 'channel_not_found' });
        // Tier 3: counted per method across the workspace, not per channel.
        const wait = this.take('update', this.opts.updateRate);
        if (wait) return reply(429, { ok: false, error: 'ratelimited' }, { 'retry-after': String(wait) });
        const target = this.messages.find((x) => x.ts === args.ts && x.channel === channel);
        if (!target) return reply(200, { ok: false, error: 'message_not_found' });
        if (typeof args.text === 'string' && args.text.length > 4000) return reply(200, { ok: false, error: 'msg_too_long' });
        const bad = checkBlocks();
        if (bad) return reply(200, bad);
        if (typeof args.text === 'string') target.text = args.text;
        if (Array.isArray(args.blocks)) target.blocks = args.blocks as Record<string, unknown>[];
        target.updates++;
        return reply(200, { ok: true, channel, ts: target.ts, text: target.text });
      }
      case 'chat.postEphemeral': {
        if (!channelOk()) return reply(200, { ok: false, error: 'channel_not_found' });
        if (typeof args.user !== 'string' || !args.user) return reply(200, { ok: false, error: 'user_not_in_channel' });
        const bad = checkBlocks();
        if (bad) return reply(200, bad);
        this.ephemerals.push({
          channel,
          user: args.user,
          text: String(args.text ?? ''),
          threadTs: typeof args.thread_ts === 'string' ? args.thread_ts : null,
        });
        return reply(200, { ok: true, message_ts: this.nextTs() });
      }
      case 'conversations.info': {
        // `chatops config check` asks whether each configured channel exists and has the bot.
        if (!channelOk()) return reply(200, { ok: false, error: 'channel_not_found' });
        return reply(200, { ok: true, channel: { id: channel, name: channel.toLowerCase(), is_channel: true, is_member: true } });
      }
      case 'conversations.replies': {
        if (!channelOk()) return reply(200, { ok: false, error: 'channel_not_found' });
        const parent = this.messages.find((x) => x.ts === args.ts && x.channel === channel && x.threadTs === null);
        if (!parent) return reply(200, { ok: false, error: 'thread_not_found' });
        const withMeta = args.include_all_metadata === true || args.include_all_metadata === 'true';
        const limit = Math.min(1000, Number(args.limit ?? 100) || 100);
        const all = [parent, ...this.replies(parent.ts)];
        const start = Number(args.cursor ?? 0) || 0;
        const page = all.slice(start, start + limit).map((x) => ({
          type: 'message',
          ts: x.ts,
          thread_ts: parent.ts,
          text: x.text,
          bot_id: x.botId,
          ...(withMeta && x.metadata ? { metadata: x.metadata } : {}),
        }));
        const more = start + limit < all.length;
        return reply(200, {
          ok: true,
          messages: page,
          has_more: more,
          response_metadata: { next_cursor: more ? String(start + limit) : '' },
        });
      }
      case 'conversations.history': {
        if (!channelOk()) return reply(200, { ok: false, error: 'channel_not_found' });
        const oldest = Number(args.oldest ?? 0);
        const limit = Math.min(1000, Number(args.limit ?? 100) || 100);
        const withMeta = args.include_all_metadata === true || args.include_all_metadata === 'true';
        const all = this.topMessages(channel)
          .filter((x) => Number(x.ts) >= oldest)
          .reverse();
        const start = Number(args.cursor ?? 0) || 0;
        const page = all.slice(start, start + limit).map((x) => ({
          type: 'message',
          ts: x.ts,
          text: x.text,
          bot_id: x.botId,
          ...(withMeta && x.metadata ? { metadata: x.metadata } : {}),
        }));
        const more = start + limit < all.length;
        return reply(200, {
          ok: true,
          messages: page,
          has_more: more,
          response_metadata: { next_cursor: more ? String(start + limit) : '' },
        });
      }
      default:
        return reply(200, { ok: false, error: 'unknown_method' });
    }
  }
}

// Dev entry point: a local Slack to run the daemon against.
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const emu = await SlackEmulator.start({ port: Number(process.env.EMULATOR_PORT ?? 0), channels: null, verbose: true });
  process.stdout.write(`Slack emulator on ${emu.url}
Run the daemon against it with:
  SLACK_API_URL=${emu.apiUrl} SLACK_BOT_TOKEN=xoxb-test SLACK_APP_TOKEN=xapp-1-A0TEST-1-abc SLACK_CHANNEL=C0OPS chatops daemon
See what was posted:  curl -s ${emu.url}/_emulator/messages
Press a button:       curl -s -XPOST ${emu.url}/_emulator/click -d '{"ts":"<message ts>","action_id":"chatops:ack","user":"U0ALICE"}'
`);
  const shutdown = () => void emu.stop().then(() => process.exit(0));
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}
