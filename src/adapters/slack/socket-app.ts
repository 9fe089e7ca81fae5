/**
 * The Bolt app over Socket Mode: outbound WebSocket only. Acks every interaction at once and
 * hands the click to a callback; keeps its connection state for /ready; a watchdog rebuilds
 * the whole client when it stays disconnected (the SDK has known reconnect-loop bugs:
 * bolt-js #929, node-slack-sdk #1495/#1500).
 */
import type { Logger } from 'pino';
import { refusedToken, type TokenKind } from './token-refusal.js';
import { slackLogger } from './web-api.js';

/** One click on one of our buttons or menus, as the handlers see it. */
export interface Click {
  actionId: string;
  /** The button value or the selected option's value: an opaque id. */
  value: string;
  userId: string;
  channelId: string | null;
  messageTs: string | null;
  threadTs: string | null;
}

export type SocketState = 'starting' | 'connected' | 'disconnected' | 'stopped';

export interface SlackSocketAppOptions {
  botToken: string;
  appToken: string;
  apiUrl?: string;
  /** clientPingTimeout of the socket-mode client (also its reconnect delay unit). */
  pingTimeoutMs: number;
  /** Rebuild the client after this long without a connection. */
  watchdogMs: number;
  logger: Logger;
  onAction(click: Click): Promise<void>;
  /**
   * Slack refused a token (invalid_auth …): the client is not rebuilt again (no retry can
   * succeed with that token) and the owner reports it.
   */
  onTokenRefused(kind: TokenKind, error: string): void;
  /** Told every change of state, with why when it is not connected (e.g. `link_disabled`, `invalid_auth`). */
  onStateChange?(state: SocketState, detail: string | null): void;
}

interface Built {
  app: { start(): Promise<unknown>; stop(): Promise<unknown>; init(): Promise<void> };
  generation: number;
}

const withSlash = (url: string) => (url.endsWith('/') ? url : `${url}/`);

/** The reason of a Slack `disconnect` frame (`warning`, `refresh_requested`, `link_disabled`), or null. */
function disconnectFrameReason(data: unknown, isBinary: boolean): string | null {
  if (isBinary) return null;
  try {
    const frame = JSON.parse(typeof data === 'string' ? data : new TextDecoder().decode(data as Uint8Array)) as {
      type?: unknown;
      reason?: unknown;
    };
    return frame.type === 'disconnect' ? String(frame.reason ?? 'disconnect') : null;
  } catch {
    return null;
  }
}

function timeout<T>(p: Promise<T>, ms: number): Promise<T | undefined> {
  return Promise.race([p, new Promise<undefined>((r) => setTimeout(() => r(undefined), ms).unref())]);
}

export class SlackSocketApp {
  private stateValue: SocketState = 'starting';
  private since = Date.now();
  private built: Built | null = null;
  private generation = 0;
  private watchdog: NodeJS.Timeout | null = null;
  private stopped = false;
  /** Set once Slack refuses a token: nothing is retried with it. */
  private refused = false;
  /** The reason of the last `disconnect` frame from Slack, reported with the next disconnection. */
  private disconnectReason: string | null = null;
  /** How many times the watchdog rebuilt the client (for tests and metrics). */
  rebuilds = 0;

  constructor(private readonly opts: SlackSocketAppOptions) {}

  get state(): SocketState {
    return this.stateValue;
  }

  /** Why /ready should say no, or null when connected. */
  notReadyReason(): string | null {
    if (this.stateValue === 'connected') return null;
    return `the Slack socket is ${this.stateValue} (for ${Math.round((Date.now() - this.since) / 1000)} s)`;
  }

  private setState(s: SocketState, generation: number, detail: string | null = null): void {
    if (generation !== this.generation || this.stopped) return;
    if (s !== this.stateValue) this.enter(s, detail);
  }

  private enter(s: SocketState, detail: string | null): void {
    this.stateValue = s;
    this.since = Date.now();
    if (s === 'connected') this.disconnectReason = null;
    this.opts.logger.info({ state: s, ...(detail ? { detail } : {}) }, `slack socket ${s}`);
    this.opts.onStateChange?.(s, s === 'connected' ? null : detail);
  }

  /** Starts connecting in the background; never throws (failures are retried, state shows them). */
  start(): void {
    const every = Math.max(250, Math.min(5000, Math.floor(this.opts.watchdogMs / 4)));
    this.watchdog = setInterval(() => {
      // Not guarded by an in-flight rebuild: a start() waiting for a `hello` that never comes
      // must be preempted too. Each rebuild resets `since`, so rebuilds are watchdogMs apart.
      if (this.stopped || this.refused || this.stateValue === 'connected') return;
      if (Date.now() - this.since >= this.opts.watchdogMs) {
        this.opts.logger.warn({ state: this.stateValue, forMs: Date.now() - this.since }, 'slack socket stuck; rebuilding the client');
        this.rebuilds++;
        void this.rebuild();
      }
    }, every);
    this.watchdog.unref();
    void this.rebuild();
  }

  private async rebuild(): Promise<void> {
    const old = this.built;
    this.built = null;
    const generation = ++this.generation;
    this.enter('starting', this.generation > 1 ? `client rebuilt after ${this.disconnectReason ?? 'no connection'}` : null);
    if (old)
      await timeout(
        old.app.stop().catch(() => undefined),
        5000,
      );
    if (this.stopped || this.refused) return;
    try {
      const built = await this.build(generation);
      if (this.stopped || generation !== this.generation) {
        await timeout(
          built.app.stop().catch(() => undefined),
          5000,
        );
        return;
      }
      this.built = built;
      await this.refusing('bot', () => built.app.init()); // auth.test
      // start() resolves on `hello`; the state events below track the socket after that.
      await this.refusing('app', () => built.app.start()); // apps.connections.open
      this.setState('connected', generation);
    } catch (e) {
      if (this.refused) {
        this.setState('disconnected', generation, this.disconnectReason);
        await timeout(this.built?.app.stop().catch(() => undefined) ?? Promise.resolve(), 5000);
        return;
      }
      // Unrecoverable for this client (invalid_auth, retries exhausted): the watchdog builds a new one.
      // A superseded client's start() rejects (with undefined, even) when it is stopped: ignore it.
      if (generation !== this.generation || this.stopped) return;
      const err = e as { message?: string; code?: string; data?: { error?: string } } | undefined;
      this.opts.logger.error(
        { err: { message: err?.message ?? String(e), code: err?.code } },
        'slack socket could not start; the watchdog will rebuild it',
      );
      this.disconnectReason = err?.data?.error ?? err?.message ?? 'could not start';
      this.setState('disconnected', generation, this.disconnectReason);
    }
  }

  /** Runs a step that uses one token; a refusal of that token stops all retries. */
  private async refusing<T>(kind: TokenKind, step: () => Promise<T>): Promise<T> {
    // Another client (one the watchdog replaced) may have been refused meanwhile.
    if (this.refused) throw new Error('a Slack token was refused');
    try {
      return await step();
    } catch (e) {
      const code = refusedToken(e);
      if (code) {
        this.refused = true;
        this.disconnectReason = `${kind} token refused: ${code}`;
        if (this.watchdog) clearInterval(this.watchdog);
        this.opts.onTokenRefused(kind, code);
      }
      throw e;
    }
  }

  private async build(generation: number): Promise<Built> {
    const { App, SocketModeReceiver } = await import('@slack/bolt');
    const slackApiUrl = this.opts.apiUrl ? withSlash(this.opts.apiUrl) : undefined;
    // Separate option objects: the socket-mode client writes its retry policy into the object
    // it gets, and headers set here would leak the bot token into apps.connections.open.
    const receiver = new SocketModeReceiver({
      appToken: this.opts.appToken,
      clientPingTimeout: this.opts.pingTimeoutMs,
      logger: slackLogger(this.opts.logger, 'slack-socket'),
      installerOptions: { clientOptions: { slackApiUrl } },
    });
    const app = new App({
      token: this.opts.botToken,
      receiver,
      clientOptions: { slackApiUrl, retryConfig: { retries: 2 } },
      logger: slackLogger(this.opts.logger, 'bolt'),
      deferInitialization: true,
    });
    const client = receiver.client;
    const self = this;
    // The SDK parses each frame in an async listener: a malformed envelope (an events_api
    // envelope without payload.event, docs/protocols.md trap 3) rejects there, unhandled, and would take
    // the whole process down. Re-register the listener so such a frame is logged and dropped.
    const onFrame = client.listeners('ws_message') as ((data: unknown, isBinary: boolean) => Promise<void>)[];
    client.removeAllListeners('ws_message');
    client.on('ws_message', (data: unknown, isBinary: boolean) => {
      const reason = disconnectFrameReason(data, isBinary);
      if (reason) this.disconnectReason = reason;
      for (const listener of onFrame) {
        void Promise.resolve()
          .then(() => listener(data, isBinary))
          .catch((err: unknown) =>
            this.opts.logger.warn({ err: (err as Error)?.message ?? String(err) }, 'slack socket frame ignored: malformed envelope'),
          );
      }
    });
    // The SDK retries a lost connection through delayReconnectAttempt and never observes the
    // promise of the retried call: a retry that fails, or that a stop cuts short (the watchdog
    // replacing a client stuck before `hello`), rejects unhandled — with undefined — and kills
    // the process (node-slack-sdk #2656). Observe it: log it and leave the client to the watchdog.
    const sdk = client as unknown as { delayReconnectAttempt(cb: (...args: unknown[]) => Promise<unknown>): Promise<unknown> };
    const delayReconnect = sdk.delayReconnectAttempt.bind(client);
    sdk.delayReconnectAttempt = (cb) =>
      delayReconnect(function (this: unknown, ...args: unknown[]) {
        return cb.apply(this, args).catch((e: unknown) => {
          if (generation === self.generation && !self.stopped)
            self.opts.logger.warn(
              { err: (e as Error | undefined)?.message ?? String(e) },
              'slack socket reconnect failed; the watchdog will rebuild the client',
            );
          return new Promise<never>(() => {});
        });
      });
    client.on('connected', () => this.setState('connected', generation));
    const down = () => this.setState('disconnected', generation, this.disconnectReason ?? 'socket closed');
    client.on('reconnecting', down);
    client.on('disconnected', down);
    client.on('disconnecting', down);

    app.action(/^chatops:/, async ({ ack, body, action }) => {
      // Ack first (Slack's deadline is 3 s); the work happens after and answers through the outbox.
      await ack();
      const b = body as {
        user?: { id?: string };
        channel?: { id?: string };
        container?: { message_ts?: string; thread_ts?: string };
        message?: { ts?: string; thread_ts?: string };
      };
      const a = action as { action_id: string; value?: string; selected_option?: { value?: string } };
      const click: Click = {
        actionId: a.action_id,
        value: a.value ?? a.selected_option?.value ?? '',
        userId: b.user?.id ?? '',
        channelId: b.channel?.id ?? null,
        messageTs: b.container?.message_ts ?? b.message?.ts ?? null,
        threadTs: b.message?.thread_ts ?? null,
      };
      this.opts.onAction(click).catch((e: unknown) => this.opts.logger.error({ err: e, actionId: click.actionId }, 'slack action failed'));
    });
    app.error(async (e) => {
      this.opts.logger.error({ err: { message: e?.message, code: (e as { code?: string } | undefined)?.code } }, 'bolt error');
    });
    return { app, generation };
  }

  async stop(): Promise<void> {
    if (this.watchdog) clearInterval(this.watchdog);
    this.enter('stopped', null);
    this.stopped = true;
    const built = this.built;
    this.built = null;
    if (built)
      await timeout(
        built.app.stop().catch(() => undefined),
        5000,
      );
  }
}
