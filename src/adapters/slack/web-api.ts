/**
 * SlackWebApi: the few Web API calls the outbox worker makes, on a WebClient that never
 * retries or pauses by itself (rejectRateLimitedCalls, retries 0), so pacing, 429
 * Retry-After and retries are decided in one place, per channel and per method.
 */
import { ErrorCode, LogLevel, WebClient, type Logger as SlackLogger } from '@slack/web-api';
import type { KnownBlock } from '@slack/types';
import type { Logger } from 'pino';

/** What a failed call means for the caller. */
export type CallFailure =
  | { kind: 'rate_limited'; retryAfterMs: number; error: string }
  /** The request may or may not have taken effect (network error, timeout, 5xx). */
  | { kind: 'uncertain'; error: string }
  /** Slack refused it for good (channel_not_found, invalid_blocks …): retrying will not help. */
  | { kind: 'permanent'; error: string };

export class SlackCallError extends Error {
  constructor(
    readonly method: string,
    readonly failure: CallFailure,
  ) {
    super(`${method}: ${failure.error}`);
    this.name = 'SlackCallError';
  }
}

const TRANSIENT_PLATFORM = new Set(['internal_error', 'fatal_error', 'service_unavailable', 'request_timeout', 'team_added_to_org']);

/** Maps a web-api error to what it means; exported for tests. */
function classifyError(e: unknown): CallFailure {
  const err = e as { code?: string; retryAfter?: number; statusCode?: number; data?: { error?: string }; message?: string };
  switch (err?.code) {
    case ErrorCode.RateLimitedError:
      return { kind: 'rate_limited', retryAfterMs: Math.max(1, err.retryAfter ?? 1) * 1000, error: 'rate limited (429)' };
    case ErrorCode.PlatformError: {
      const code = err.data?.error ?? 'unknown_error';
      if (code === 'ratelimited' || code === 'rate_limited') return { kind: 'rate_limited', retryAfterMs: 1000, error: code };
      if (TRANSIENT_PLATFORM.has(code)) return { kind: 'uncertain', error: code };
      return { kind: 'permanent', error: code };
    }
    case ErrorCode.HTTPError:
      return (err.statusCode ?? 500) >= 500
        ? { kind: 'uncertain', error: `HTTP ${err.statusCode}` }
        : { kind: 'permanent', error: `HTTP ${err.statusCode}` };
    case ErrorCode.RequestError:
      return { kind: 'uncertain', error: `request failed: ${err.message ?? 'network error'}` };
    default:
      // A 429 without Retry-After arrives as a plain Error; treat it as a short rate limit.
      if (/rate limit|Retry header/i.test(err?.message ?? ''))
        return { kind: 'rate_limited', retryAfterMs: 1000, error: err.message ?? 'rate limited' };
      return { kind: 'uncertain', error: err?.message ?? String(e) };
  }
}

/** Bridges the SDK's logger to pino (its debug lines go to trace: they are chatty). */
export function slackLogger(logger: Logger, name = 'slack'): SlackLogger {
  const child = logger.child({ component: name });
  let level = LogLevel.INFO;
  return {
    debug: (...msg: unknown[]) => child.trace(msg.map(String).join(' ')),
    info: (...msg: unknown[]) => child.debug(msg.map(String).join(' ')),
    warn: (...msg: unknown[]) => child.warn(msg.map(String).join(' ')),
    error: (...msg: unknown[]) => child.error(msg.map(String).join(' ')),
    setLevel: (l: LogLevel) => {
      level = l;
    },
    getLevel: () => level,
    setName: () => {},
  };
}

export interface SlackWebApiOptions {
  token: string;
  apiUrl?: string;
  timeoutMs: number;
  logger: Logger;
  /** Called once per call with its method and outcome (ok, rate_limited, uncertain, permanent). */
  onCall?: (method: string, outcome: string) => void;
  /** The HTTP transport (default: global fetch); the fake-clock tests answer in process. */
  fetch?: typeof fetch;
}

/** One file to share in a thread (a chart PNG). */
export interface FileToShare {
  data: Buffer;
  filename: string;
  title: string;
  /** What the image shows, for screen readers. */
  altText: string;
}

export const INCIDENT_EVENT = 'chatops_incident';
export const DIGEST_EVENT = 'chatops_digest';
export const REPLY_EVENT = 'chatops_reply';
export const REQUEST_EVENT = 'chatops_request';

/** Message metadata: how chatops finds its own messages again after an uncertain outcome. */
export interface MessageMetadata {
  event_type: string;
  event_payload: Record<string, string | number>;
}

/**
 * The Web API calls the outbox makes. Every failure is a SlackCallError naming what it means
 * (rate limited, uncertain, permanent); SlackWebApi is the implementation over @slack/web-api.
 */
export interface SlackApi {
  post(args: {
    channel: string;
    text: string;
    blocks: KnownBlock[];
    threadTs?: string;
    metadata?: MessageMetadata;
  }): Promise<{ ts: string; channel: string }>;
  update(args: { channel: string; ts: string; text: string; blocks: KnownBlock[] }): Promise<void>;
  ephemeral(args: { channel: string; user: string; text: string; threadTs?: string }): Promise<void>;
  /** The ts of an earlier top-level message carrying this metadata, posted at or after `sinceMs`, or null. */
  findByMetadata(channel: string, eventType: string, key: string, value: string | number, sinceMs: number): Promise<string | null>;
  /** The ts of a reply in a thread carrying this metadata key and value, or null. */
  findReply(channel: string, threadTs: string, eventType: string, key: string, value: string | number): Promise<string | null>;
}

const sameValue = (stored: unknown, wanted: string | number) =>
  typeof wanted === 'number' ? Number(stored) === wanted : String(stored) === wanted;

export class SlackWebApi implements SlackApi {
  readonly client: WebClient;
  private readonly onCall: (method: string, outcome: string) => void;

  constructor(opts: SlackWebApiOptions) {
    this.client = new WebClient(opts.token, {
      slackApiUrl: opts.apiUrl ? withSlash(opts.apiUrl) : undefined,
      rejectRateLimitedCalls: true,
      retryConfig: { retries: 0 },
      timeout: opts.timeoutMs,
      logger: slackLogger(opts.logger, 'slack-web'),
      fetch: opts.fetch,
    });
    this.onCall = opts.onCall ?? (() => {});
  }

  private async call<T>(method: string, fn: () => Promise<T>): Promise<T> {
    try {
      const r = await fn();
      this.onCall(method, 'ok');
      return r;
    } catch (e) {
      const failure = classifyError(e);
      this.onCall(method, failure.kind);
      throw new SlackCallError(method, failure);
    }
  }

  async post(args: {
    channel: string;
    text: string;
    blocks: KnownBlock[];
    threadTs?: string;
    metadata?: MessageMetadata;
  }): Promise<{ ts: string; channel: string }> {
    const r = await this.call('chat.postMessage', () =>
      this.client.chat.postMessage({
        channel: args.channel,
        text: args.text,
        blocks: args.blocks,
        thread_ts: args.threadTs,
        metadata: args.metadata,
        unfurl_links: false,
        unfurl_media: false,
      }),
    );
    return { ts: r.ts as string, channel: (r.channel as string) ?? args.channel };
  }

  async update(args: { channel: string; ts: string; text: string; blocks: KnownBlock[] }): Promise<void> {
    await this.call('chat.update', () =>
      this.client.chat.update({ channel: args.channel, ts: args.ts, text: args.text, blocks: args.blocks }),
    );
  }

  async ephemeral(args: { channel: string; user: string; text: string; threadTs?: string }): Promise<void> {
    await this.call('chat.postEphemeral', () =>
      this.client.chat.postEphemeral({ channel: args.channel, user: args.user, text: args.text, thread_ts: args.threadTs }),
    );
  }

  /**
   * Shares files in a thread with Slack's external upload flow (filesUploadV2:
   * files.getUploadURLExternal per file, the bytes to each upload URL, then one
   * files.completeUploadExternal that binds them to the channel and thread). Needs `files:write`.
   */
  async uploadFiles(args: {
    channel: string;
    threadTs: string;
    comment?: string;
    files: readonly FileToShare[];
  }): Promise<{ fileIds: string[] }> {
    const r = await this.call('files.uploadV2', () =>
      this.client.filesUploadV2({
        channel_id: args.channel,
        thread_ts: args.threadTs,
        initial_comment: args.comment,
        file_uploads: args.files.map((f) => ({ file: f.data, filename: f.filename, title: f.title, alt_text: f.altText })),
      }),
    );
    const completed = (r.files ?? []) as { files?: { id?: string }[] }[];
    return { fileIds: completed.flatMap((c) => (c.files ?? []).map((f) => f.id ?? '')).filter(Boolean) };
  }

  async findByMetadata(channel: string, eventType: string, key: string, value: string | number, sinceMs: number): Promise<string | null> {
    let cursor: string | undefined;
    for (let page = 0; page < 10; page++) {
      const r = await this.call('conversations.history', () =>
        this.client.conversations.history({
          channel,
          oldest: String(Math.floor(sinceMs / 1000) - 60),
          include_all_metadata: true,
          limit: 200,
          cursor,
        }),
      );
      for (const m of r.messages ?? []) {
        const meta = (m as { metadata?: { event_type?: string; event_payload?: Record<string, unknown> } }).metadata;
        if (meta?.event_type === eventType && sameValue(meta.event_payload?.[key], value) && m.ts) return m.ts;
      }
      cursor = r.response_metadata?.next_cursor || undefined;
      if (!cursor) break;
    }
    return null;
  }

  async findReply(channel: string, threadTs: string, eventType: string, key: string, value: string | number): Promise<string | null> {
    let cursor: string | undefined;
    for (let page = 0; page < 10; page++) {
      const r = await this.call('conversations.replies', () =>
        this.client.conversations.replies({ channel, ts: threadTs, include_all_metadata: true, limit: 200, cursor }),
      );
      for (const m of r.messages ?? []) {
        const meta = (m as { metadata?: { event_type?: string; event_payload?: Record<string, unknown> } }).metadata;
        if (m.ts !== threadTs && meta?.event_type === eventType && sameValue(meta.event_payload?.[key], value)) return m.ts ?? null;
      }
      cursor = r.response_metadata?.next_cursor || undefined;
      if (!cursor) break;
    }
    return null;
  }
}

function withSlash(url: string): string {
  return url.endsWith('/') ? url : `${url}/`;
}
