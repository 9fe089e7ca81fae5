/**
 * Idempotent posting: a message goes out at most once however often its call's outcome is
 * uncertain (a timeout, a dropped connection, a crash between the post and storing its ts).
 * Before a post the start is recorded; a post started before and never confirmed is first
 * looked up by its metadata (conversations.history for top-level messages,
 * conversations.replies in a thread) and only posted again when Slack has no such message.
 */
import type { Logger } from 'pino';
import type { SlackMessage } from '../../adapters/slack/blocks.js';
import type { MessageMetadata, SlackApi } from '../../adapters/slack/web-api.js';
import { POST, UPDATE, type Pacer } from './pacer.js';
import type { Timers } from './timers.js';

export interface PostTarget {
  channel: string;
  /** Post as a reply in this thread; absent: top-level. */
  threadTs?: string | null;
  metadata: { event_type: string; key: string; value: string | number };
  /** When an earlier post of this message started and was never confirmed (look it up first), or null. */
  startedAt: number | null;
  /** Records that a post starts now (before the call). */
  start(now: number): void;
  /** Records the message's ts. */
  done(ts: string, now: number): void;
}

export class Poster {
  constructor(
    private readonly api: SlackApi,
    private readonly pacer: Pacer,
    private readonly timers: Timers,
    private readonly logger: Logger,
    private readonly stopped: () => boolean,
  ) {}

  /** Posts once: returns the ts of the message, found or new. `render` runs just before the call. */
  async postOnce(target: PostTarget, render: () => SlackMessage): Promise<string> {
    const { channel, threadTs, metadata } = target;
    if (target.startedAt !== null) {
      const found = threadTs
        ? await this.pacer.call(
            null,
            'conversations.replies',
            () => this.api.findReply(channel, threadTs, metadata.event_type, metadata.key, metadata.value),
            this.stopped,
          )
        : await this.pacer.call(
            null,
            'conversations.history',
            () => this.api.findByMetadata(channel, metadata.event_type, metadata.key, metadata.value, target.startedAt!),
            this.stopped,
          );
      if (found) {
        this.logger.info({ channel, metadata, ts: found }, 'found the earlier post of uncertain outcome; not posting again');
        target.done(found, this.timers.now());
        return found;
      }
    }
    const meta: MessageMetadata = { event_type: metadata.event_type, event_payload: { [metadata.key]: metadata.value } };
    const r = await this.pacer.call(
      channel,
      POST,
      () => {
        target.start(this.timers.now());
        return this.api.post({ channel, ...render(), threadTs: threadTs ?? undefined, metadata: meta });
      },
      this.stopped,
    );
    target.done(r.ts, this.timers.now());
    return r.ts;
  }

  /** Updates a message in place, rendered when the call goes out (after any wait for its slot). */
  async update(channel: string, ts: string, render: () => SlackMessage): Promise<void> {
    await this.pacer.call(channel, UPDATE, () => this.api.update({ channel, ts, ...render() }), this.stopped);
  }
}
