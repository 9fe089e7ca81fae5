/**
 * Block Kit building pieces shared by the renderers: typed with @slack/types, every text cut
 * to its limit. Alert-supplied text must be escaped (text.ts `safe`) before it gets here.
 */
import type { Button, KnownBlock, MrkdwnElement, PlainTextElement, PlainTextOption, SectionBlock } from '@slack/types';
import { cut, escapeMrkdwn, LIMITS, plain } from './text.js';

export type { KnownBlock };

export interface SlackMessage {
  /** Notification text (push, screen readers, clients without blocks). */
  text: string;
  blocks: KnownBlock[];
}

/** A button on a message. `value` is an opaque id, never a command. */
export interface ActionButton {
  actionId: string;
  text: string;
  value: string;
  style?: 'primary' | 'danger';
  confirm?: { title: string; text: string; confirm: string; deny: string };
}

/** Action ids of the built-in controls (the interaction handlers dispatch on these). */
export const ACTION = {
  ack: 'chatops:ack',
  approve: 'chatops:approve',
  deny: 'chatops:deny',
  silence: 'chatops:silence',
  unsilence: 'chatops:unsilence',
  runbook: 'chatops:runbook',
  link: 'chatops:link',
  /** Digest: post the chosen incident's own message (its thread, with every button). */
  digestOpen: 'chatops:digest:open',
  /** Digest: acknowledge the chosen incident. */
  digestAck: 'chatops:digest:ack',
} as const;

/** The Silence menu: durations, and "until the incident resolves" (values the core's parseSilenceLength reads). */
export const SILENCE_CHOICES = ['1h', '4h', '24h', 'resolved'] as const;
export const silenceChoiceText = (c: (typeof SILENCE_CHOICES)[number]): string =>
  c === 'resolved' ? 'Silence until resolved' : `Silence ${c}`;

/** A Slack user id is shown as a mention; anything else (cli:alice) as escaped text. */
export function who(actor: string): string {
  return /^[UW][A-Z0-9]{2,20}$/.test(actor) ? `<@${actor}>` : escapeMrkdwn(actor);
}

/** Slack's own date formatting, with an ISO fallback for clients that cannot render it. */
export function when(ms: number): string {
  const iso = new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
  return `<!date^${Math.floor(ms / 1000)}^{date_short_pretty} {time}|${iso}>`;
}

export const plainText = (text: string, max: number): PlainTextElement => ({ type: 'plain_text', text: plain(text, max) });
export const mrkdwn = (text: string, max: number = LIMITS.section): MrkdwnElement => ({ type: 'mrkdwn', text: cut(text, max) });
export const section = (text: string): SectionBlock => ({ type: 'section', text: mrkdwn(text) });
export const option = (text: string, value: string): PlainTextOption => ({
  text: plainText(text, LIMITS.optionText),
  value: cut(value, 150),
});

export function button(b: ActionButton): Button {
  const out: Button = {
    type: 'button',
    action_id: cut(b.actionId, 255),
    text: plainText(b.text, LIMITS.buttonText),
    value: cut(b.value, LIMITS.buttonValue),
  };
  if (b.style) out.style = b.style;
  if (b.confirm) {
    out.confirm = {
      title: plainText(b.confirm.title, 100),
      text: plainText(b.confirm.text, 300),
      confirm: plainText(b.confirm.confirm, 30),
      deny: plainText(b.confirm.deny, 30),
    };
  }
  return out;
}
