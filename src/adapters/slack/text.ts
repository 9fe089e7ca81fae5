/**
 * Text safety for Slack: escaping for mrkdwn, URL vetting and cutting to Block Kit limits.
 * Pure functions; every alert-supplied string passes through here before it reaches Slack.
 */

/** Block Kit limits (docs/protocols.md §3). */
export const LIMITS = {
  blocks: 50,
  header: 150,
  section: 3000,
  field: 2000,
  fields: 10,
  buttonText: 75,
  buttonValue: 2000,
  url: 3000,
  actionsElements: 25,
  contextElements: 10,
  contextText: 2000,
  optionText: 75,
  placeholder: 150,
  /** Top-level `text`: chat.update refuses more than 4 000 characters. */
  fallbackText: 4000,
} as const;

/**
 * Escapes text for mrkdwn: `&`, `<`, `>` become entities, so `<!channel>`, `<@U123>` and
 * `<https://x|y>` in an annotation render as plain characters and never ping or link.
 */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** What a cut text ends with. Lengths are UTF-16 code units, as Slack counts them. */
const MARK = '…';

/**
 * Cuts text to at most `max` characters, ending with `marker` when cut. Never splits a
 * surrogate pair or an entity (`&amp;`) that escapeMrkdwn produced.
 */
export function cut(text: string, max: number, marker = MARK): string {
  if (text.length <= max) return text;
  let end = Math.max(0, max - marker.length);
  // Do not split a surrogate pair.
  const code = text.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end--;
  // Do not split an entity: an '&' within the last 4 characters without its ';'.
  const amp = text.lastIndexOf('&', end - 1);
  if (amp >= 0 && amp >= end - 4 && !text.slice(amp, end).includes(';')) end = amp;
  return text.slice(0, end) + marker;
}

/** Escapes, then cuts: for mrkdwn text built from alert data. */
export function safe(text: string, max: number, marker?: string): string {
  return cut(escapeMrkdwn(text), max, marker);
}

/** Plain text (header, button labels) is not parsed for mentions; it only needs a length cut and no empty value. */
export function plain(text: string, max: number): string {
  const t = text.replace(/\s+/g, ' ').trim();
  return cut(t || '-', max);
}

/** Only absolute http(s) URLs within the URL limit become links or URL buttons. */
export function httpUrl(value: string | undefined | null): string | null {
  if (!value) return null;
  const v = value.trim();
  if (v.length > LIMITS.url || /[\s<>]/.test(v)) return null;
  try {
    const u = new URL(v);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.toString() : null;
  } catch {
    return null;
  }
}

/** A mrkdwn link whose label is escaped; `<url|label>` needs `|` and `>` kept out of the label too. */
export function link(url: string, label: string): string {
  return `<${url.replace(/\|/g, '%7C')}|${escapeMrkdwn(label).replace(/\|/g, '¦')}>`;
}

/**
 * Fills `{{label}}` placeholders in a link template from labels, URL-encoded. A placeholder
 * with no such label becomes empty. Returns null when the result is not an http(s) URL.
 */
export function fillTemplate(template: string, labels: Record<string, string>): string | null {
  const filled = template.replace(/\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g, (_m, name: string) =>
    encodeURIComponent(Object.hasOwn(labels, name) ? labels[name]! : ''),
  );
  return httpUrl(filled);
}
