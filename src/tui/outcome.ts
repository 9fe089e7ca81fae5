/**
 * The terminal's one renderer of outcomes: what the status line says (and in which tone) for
 * an operator outcome or an unexpected error, and the lines a read leaves for the result pane.
 */
import { isChatopsError } from '../core/errors.js';
import type { OperatorOutcome } from '../core/operator-ports.js';
import { clean } from '../cli/format.js';

export type Tone = 'ok' | 'pending' | 'error' | 'info';

export interface Status {
  tone: Tone;
  text: string;
}

export const TONE_COLOR: Record<Tone, string | undefined> = { ok: 'green', pending: 'yellow', error: 'red', info: undefined };
export const TONE_MARK: Record<Tone, string> = { ok: '✓', pending: '…', error: '✗', info: '·' };

/** A refusal on the status line; the reason is the core's face-neutral sentence. */
export const refusal = (reason: string): string => `refused: ${clean(reason)}`;

export function outcomeStatus(o: OperatorOutcome): Status {
  switch (o.outcome) {
    case 'done':
      return { tone: 'ok', text: clean(o.message) };
    case 'pending':
      return { tone: 'pending', text: clean(o.message) };
    case 'failed':
      return { tone: 'error', text: `failed: ${clean(o.reason)}` };
    case 'refused':
      return { tone: 'error', text: refusal(o.reason) };
  }
}

/** The lines of a read (pods, events, logs) for the result pane, or null when there is nothing to show there. */
export function outcomeLines(o: OperatorOutcome): string[] | null {
  return o.outcome === 'done' && o.lines && o.lines.length > 0 ? o.lines.map(clean) : null;
}

export function errorStatus(e: unknown): Status {
  if (isChatopsError(e)) return { tone: 'error', text: clean(e.message) };
  return { tone: 'error', text: `unexpected error: ${clean((e as Error)?.message ?? String(e))} (a bug; please report it)` };
}
