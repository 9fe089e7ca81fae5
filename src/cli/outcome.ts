/**
 * The CLI face of the operator service: an Outcome becomes lines (or one JSON document) and an
 * exit code. The exit code comes from the outcome's kind here and nowhere else.
 */
import { isSetback, leadOf, type Outcome, type OutcomeKind } from '../core/outcome.js';
import { EXIT } from './errors.js';
import { clean } from './format.js';
import type { Output } from './output.js';

export const EXIT_OF: Readonly<Record<OutcomeKind, number>> = {
  done: EXIT.ok,
  unchanged: EXIT.ok,
  pending: EXIT.waiting,
  refused: EXIT.refused,
  conflict: EXIT.failed,
  failed: EXIT.actionFailed,
};

/** How one command shows its outcome's data. */
export interface OutcomeView<D> {
  /** The data as the fields of `--json` (after `kind`, `message`, `hint`). */
  json(data: D): Record<string, unknown>;
  /** What stdout carries instead of the message (a read's lines, a pending request's id); null for the message. */
  body?(o: Outcome<D>): string | null;
  /** Indented lines under the message (a dry run's changes, a request's preview). */
  details?(o: Outcome<D>): string[];
}

/** The message as a line: the refusal's lead, then the sentence. */
export function outcomeLine(o: Pick<Outcome, 'kind' | 'lead' | 'message'>): string {
  const lead = leadOf(o);
  return clean(lead ? `${lead}: ${o.message}` : o.message);
}

/**
 * Prints an outcome and returns the exit code. Setbacks (refused, conflict, failed) are one
 * sentence on stderr, prefixed like every CLI error; a pending request says so on stderr and
 * leaves stdout to its id; done and unchanged go to stdout. `--json` adds one document on stdout.
 */
export function printOutcome<D>(o: Outcome<D>, view: OutcomeView<D>, opts: { json?: boolean }, io: Output): number {
  const details = (view.details?.(o) ?? []).map((l) => `  ${clean(l)}\n`).join('');
  const hint = o.hint ? `  ${clean(o.hint)}\n` : '';
  if (opts.json) {
    io.json({ kind: o.kind, message: o.message, hint: o.hint, ...(o.lead ? { lead: o.lead } : {}), ...view.json(o.data) });
    if (isSetback(o.kind)) io.error(outcomeLine(o));
    return EXIT_OF[o.kind];
  }
  const body = view.body?.(o) ?? null;
  if (isSetback(o.kind)) {
    io.error(outcomeLine(o));
    io.note(`${details}${hint}`);
  } else if (o.kind === 'pending') {
    if (body !== null) io.text(body);
    io.note(`${outcomeLine(o)}\n${details}${hint}`);
  } else {
    io.raw(`${body ?? outcomeLine(o)}\n${details}${hint}`);
  }
  return EXIT_OF[o.kind];
}
