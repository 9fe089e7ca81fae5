/**
 * Holds Slack calls once Slack has refused a token (auth.test confirming what a call's
 * invalid_auth suggests). The first refusal is logged once, as an error naming the token and
 * the fix, and becomes /ready's reason. After a refused bot token the
 * Web API calls the outbox makes are held (answered as a long rate limit, so the outbox waits
 * without counting attempts or giving rows up) instead of being sent again with that token; the
 * rows go out after a restart with a good one.
 */
import type { Logger } from 'pino';
import { refusedToken, tokenRefusalMessage, type TokenKind } from '../adapters/slack/token-refusal.js';
import { SlackCallError, type SlackWebApi } from '../adapters/slack/web-api.js';

/** How long a held call waits before asking the gate again (it stays closed until restart). */
const HOLD_MS = 60_000;

export class SlackTokenGate {
  private readonly refused = new Map<TokenKind, string>();

  constructor(private readonly logger: Logger) {}

  /** Records a refusal (once per token) and logs it. */
  refuse(kind: TokenKind, error: string): void {
    if (this.refused.has(kind)) return;
    const message = tokenRefusalMessage(kind, error);
    this.refused.set(kind, message);
    this.logger.error({ token: kind === 'bot' ? 'SLACK_BOT_TOKEN' : 'SLACK_APP_TOKEN', error }, message);
  }

  isRefused(kind: TokenKind): boolean {
    return this.refused.has(kind);
  }

  /** The refusal /ready reports, or null. */
  reason(): string | null {
    return this.refused.get('bot') ?? this.refused.get('app') ?? null;
  }

  /** The Web API client with its calls held after the bot token is refused. */
  guard(api: SlackWebApi): SlackWebApi {
    const hold = (method: string) =>
      new SlackCallError(method, {
        kind: 'rate_limited',
        retryAfterMs: HOLD_MS,
        error: 'SLACK_BOT_TOKEN refused: held until chatops restarts',
      });
    return new Proxy(api, {
      get: (target, prop, receiver) => {
        const value = Reflect.get(target, prop, receiver) as unknown;
        if (typeof value !== 'function') return value;
        const method = String(prop);
        return async (...args: unknown[]) => {
          if (this.isRefused('bot')) throw hold(method);
          try {
            return await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
          } catch (e) {
            const code = e instanceof SlackCallError && e.failure.kind === 'permanent' ? refusedToken(e.failure.error) : null;
            if (!code) throw e;
            // One call's invalid_auth may be that call's own trouble: the token is refused only
            // when auth.test, the call that checks nothing but the token, says so too.
            const confirmed = await target.client.auth.test().then(
              () => null,
              (err: unknown) => refusedToken(err),
            );
            if (!confirmed) throw e;
            this.refuse('bot', confirmed);
            throw hold(method);
          }
        };
      },
    });
  }
}
