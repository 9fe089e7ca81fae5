/**
 * The terminal's one renderer of the operator service's Outcome: the status line (tone, the
 * refusal's lead, the sentence, the next step apart) and, for a read (pods, events, logs), the
 * result pane with its lines. Also the one funnel for what an action throws.
 */
import { targetText } from '../core/actions.js';
import { isChatopsError } from '../core/errors.js';
import { isRequestData } from '../core/operator.js';
import { leadOf, type Outcome, type OutcomeKind } from '../core/outcome.js';
import { clean } from '../text/terminal.js';
import type { Pane } from './state.js';

export type Tone = 'ok' | 'pending' | 'error' | 'info';

export interface Status {
  tone: Tone;
  text: string;
  /** The next step, shown after the text, dimmed. */
  hint?: string | null;
}

export const TONE_COLOR: Record<Tone, string | undefined> = { ok: 'green', pending: 'yellow', error: 'red', info: undefined };
export const TONE_MARK: Record<Tone, string> = { ok: '✓', pending: '…', error: '✗', info: '·' };

const TONE_OF: Record<OutcomeKind, Tone> = {
  done: 'ok',
  unchanged: 'info',
  pending: 'pending',
  refused: 'error',
  conflict: 'error',
  failed: 'error',
};

/** A refusal on the status line; the reason is the core's face-neutral sentence. */
export const refusal = (reason: string): string => `refused: ${clean(reason)}`;

/** What an action's result puts on screen: the status line, and for a read the pane that replaces the body. */
export interface Shown {
  status: Status;
  pane?: Pane;
}

/**
 * The words before the sentence, in the status line's lower case: the refusal's own lead
 * ("refused before anyone approves"), "refused" for a refusal or a state that does not allow
 * it, "failed" for a run that failed; none otherwise.
 */
function leadText(o: Outcome): string | null {
  const lead = leadOf(o) ?? (o.kind === 'conflict' ? 'refused' : o.kind === 'failed' ? 'failed' : null);
  return lead && lead.charAt(0).toLowerCase() + lead.slice(1);
}

export function renderOutcome(o: Outcome): Shown {
  const read = o.kind === 'done' && isRequestData(o.data) ? o.data : null;
  if (read?.read && read.read.lines.length > 0) {
    const title = clean(`${read.action} ${targetText(read.target)}`);
    const lines = read.read.lines.map(clean);
    return {
      pane: { title, lines, scroll: 0 },
      status: { tone: 'ok', text: `${title}: ${lines.length} line(s) below (↑↓ scroll, Esc closes).` },
    };
  }
  const lead = leadText(o);
  return { status: { tone: TONE_OF[o.kind], text: clean(lead ? `${lead}: ${o.message}` : o.message), hint: o.hint && clean(o.hint) } };
}

function errorStatus(e: unknown): Status {
  if (isChatopsError(e)) return { tone: 'error', text: clean(e.message) };
  return { tone: 'error', text: `unexpected error: ${clean((e as Error)?.message ?? String(e))} (a bug; please report it)` };
}

/** Runs an action and says what it did, or what went wrong. */
export async function settle(run: () => Promise<Outcome>): Promise<Shown> {
  try {
    return renderOutcome(await run());
  } catch (e) {
    return { status: errorStatus(e) };
  }
}
