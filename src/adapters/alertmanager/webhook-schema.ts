/**
 * The Alertmanager webhook (version "4") schema. Tolerant of extra fields (newer
 * Alertmanagers add notification_reason, routeLabels); strict on what we rely on.
 */
import * as z from 'zod';
import { ChatopsError } from '../../core/errors.js';
import type { AlertEvent, Delivery, Labels } from '../../core/types.js';

/** Alertmanager's "not set" time for a firing alert's endsAt. */
const ZERO_TIME = /^0001-01-01T00:00:00(\.0+)?Z$/;
/** Farthest in the future a startsAt may lie: beyond that it is a broken clock, and it would make every later event look stale. */
const MAX_FUTURE_MS = 24 * 3_600_000;
/** How many schema problems one error names. */
const MAX_NAMED_PROBLEMS = 10;

const labelSet = z.record(z.string(), z.string());

const alertSchema = z.object({
  status: z.enum(['firing', 'resolved']),
  labels: labelSet,
  annotations: labelSet.default({}),
  startsAt: z.string(),
  endsAt: z.string().default('0001-01-01T00:00:00Z'),
  generatorURL: z.string().default(''),
  // Alertmanager writes a fingerprint as 16 hex digits; anything else (escape sequences, bidi
  // overrides…) is not an Alertmanager fingerprint and would reach terminals as an id.
  fingerprint: z.string().regex(/^[0-9a-f]{1,64}$/i, 'expected hex digits, as Alertmanager writes a fingerprint'),
});

const payloadSchema = z.object({
  version: z.string(),
  receiver: z.string().default(''),
  status: z.enum(['firing', 'resolved']),
  alerts: z.array(alertSchema),
  groupLabels: labelSet.default({}),
  commonLabels: labelSet.default({}),
  commonAnnotations: labelSet.default({}),
  externalURL: z.string().default(''),
  groupKey: z.string().min(1),
  truncatedAlerts: z.number().int().nonnegative().default(0),
});

function pathOf(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out ? `.${String(p)}` : String(p);
  return out || '(body)';
}

function parseTime(text: string, where: string, now: number, zeroIsNull: boolean): number | null {
  if (zeroIsNull && ZERO_TIME.test(text)) return null;
  const ms = Date.parse(text);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(text) || Number.isNaN(ms)) {
    throw new ChatopsError('usage', `${where} is not an RFC 3339 time: ${JSON.stringify(text.slice(0, 40))}.`);
  }
  if (ms < 0) throw new ChatopsError('usage', `${where} lies before 1970 (${text}): check the sender's clock.`);
  if (ms > now + MAX_FUTURE_MS)
    throw new ChatopsError('usage', `${where} lies more than 24h in the future (${text}): check the sender's clock.`);
  return ms;
}

/**
 * Validates a parsed JSON body as a version-4 webhook payload and normalises it.
 * Throws ChatopsError('usage') naming the first bad field.
 */
export function parseWebhookPayload(body: unknown, now: number): Delivery {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new ChatopsError('usage', 'The body must be a JSON object (an Alertmanager webhook payload).');
  }
  const version = (body as { version?: unknown }).version;
  if (version !== '4') {
    throw new ChatopsError('usage', `version must be "4" (Alertmanager webhook v4), got ${JSON.stringify(version ?? null)}.`);
  }
  checkReservedNames(body as Record<string, unknown>);
  const parsed = payloadSchema.safeParse(body);
  if (!parsed.success) {
    // Every problem by name (up to a bound, so a payload of a thousand bad alerts stays one line).
    const issues = parsed.error.issues;
    const named = issues.slice(0, MAX_NAMED_PROBLEMS).map((i) => `${pathOf(i.path)}: ${i.message}`);
    const rest = issues.length - named.length;
    throw new ChatopsError('usage', `${named.join('; ')}${rest > 0 ? `; and ${rest} more like them` : ''}.`);
  }
  const p = parsed.data;
  const seen = new Map<string, number>();
  const alerts: AlertEvent[] = p.alerts.map((a, i) => {
    const at = `alerts[${i}]`;
    const startsAt = parseTime(a.startsAt, `${at}.startsAt`, now, false)!;
    const endsAt = parseTime(a.endsAt, `${at}.endsAt`, Number.MAX_SAFE_INTEGER, true);
    if (seen.has(a.fingerprint)) {
      throw new ChatopsError(
        'usage',
        `${at}.fingerprint repeats alerts[${seen.get(a.fingerprint)}].fingerprint (${a.fingerprint}): one delivery reports each alert once.`,
      );
    }
    seen.set(a.fingerprint, i);
    return {
      fingerprint: a.fingerprint,
      status: a.status,
      labels: a.labels as Labels,
      annotations: a.annotations as Labels,
      startsAt,
      endsAt,
      generatorURL: a.generatorURL,
    };
  });
  return {
    receiver: p.receiver,
    status: p.status,
    groupKey: p.groupKey,
    groupLabels: p.groupLabels,
    commonLabels: p.commonLabels,
    commonAnnotations: p.commonAnnotations,
    externalURL: p.externalURL,
    truncatedAlerts: p.truncatedAlerts,
    alerts,
  };
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Decodes a request body, refusing bytes that are not UTF-8 rather than mangling them. */
export function decodeBody(bytes: Uint8Array): string {
  try {
    return utf8.decode(bytes);
  } catch {
    throw new ChatopsError('usage', 'The body is not valid UTF-8 (Alertmanager sends UTF-8 JSON).');
  }
}

/**
 * Label and annotation names starting with "__" are reserved by Prometheus and never reach
 * Alertmanager's receivers; refusing them also keeps "__proto__" away from every object.
 */
function checkReservedNames(body: Record<string, unknown>): void {
  const check = (set: unknown, where: string) => {
    if (set === null || typeof set !== 'object') return;
    for (const key of Object.keys(set)) {
      if (key.startsWith('__'))
        throw new ChatopsError(
          'usage',
          `${where}: ${JSON.stringify(key)} is a reserved name (names starting with "__" are Prometheus-internal).`,
        );
    }
  };
  for (const k of ['groupLabels', 'commonLabels', 'commonAnnotations']) check(body[k], k);
  if (Array.isArray(body.alerts)) {
    body.alerts.forEach((a, i) => {
      if (a && typeof a === 'object') {
        check((a as Record<string, unknown>).labels, `alerts[${i}].labels`);
        check((a as Record<string, unknown>).annotations, `alerts[${i}].annotations`);
      }
    });
  }
}

/** Parses raw bytes: JSON first (400 when it is not), then the schema. */
export function parseWebhookBody(raw: string, now: number): Delivery {
  let body: unknown;
  try {
    body = JSON.parse(raw);
  } catch (e) {
    throw new ChatopsError('usage', `The body is not valid JSON (${(e as Error).message}).`);
  }
  // A surrogate escape may hide a lone surrogate: not Unicode text, and Alertmanager never sends one.
  if (/\\u[dD][89a-fA-F]/.test(raw)) refuseLoneSurrogates(body);
  return parseWebhookPayload(body, now);
}

/** Iterative (a hostile body may nest deeper than the stack). */
function refuseLoneSurrogates(body: unknown): void {
  const stack: unknown[] = [body];
  while (stack.length) {
    const node = stack.pop();
    if (typeof node === 'string') {
      if (!node.isWellFormed())
        throw new ChatopsError(
          'usage',
          `The body holds a lone UTF-16 surrogate (${JSON.stringify(node.slice(0, 40))}): send Unicode text.`,
        );
    } else if (node !== null && typeof node === 'object') {
      for (const [k, v] of Object.entries(node)) {
        stack.push(k, v);
      }
    }
  }
}
