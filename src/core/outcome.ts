/**
 * The one value every operator action returns, whichever face asked (Slack, CLI, TUI). Faces
 * render it; none of them re-interprets it. Refusals are outcomes, not exceptions: exceptions are
 * left for what the user cannot act on here (unknown ids, bad input, configuration, a dependency
 * that does not answer), and each face has one funnel for those.
 */

/**
 * - `done`: it happened (acknowledged, silenced, run, denied, read …).
 * - `unchanged`: nothing to do, things already are as asked (already acknowledged, already silenced).
 * - `pending`: stored and waiting for someone else (a second approver).
 * - `refused`: the policy, or Kubernetes' own permissions, said no.
 * - `conflict`: the state does not allow it (the incident resolved, the request was already decided).
 * - `failed`: it ran, and what it ran failed.
 */
export type OutcomeKind = 'done' | 'unchanged' | 'pending' | 'refused' | 'conflict' | 'failed';

export interface Outcome<D = unknown> {
  kind: OutcomeKind;
  /**
   * What happened or why not, as a sentence any face can show: no kind tag ("Refused: "), no
   * command-line flags, no markup. Faces escape it for their medium.
   */
  message: string;
  /** The next step, when there is one; kept apart so each face places it its own way. */
  hint: string | null;
  /**
   * For a refusal, the words that introduce it when they say more than "Refused" (e.g. "Refused
   * before anyone approves"); read it through `leadOf`.
   */
  lead?: string;
  /** What the action touched, for faces that show more than the sentence (JSON, buttons, links). */
  data: D;
}

/** The words a face puts before the message: "Refused" (or the refusal's own lead) for refusals, else none. */
export function leadOf(o: Pick<Outcome, 'kind' | 'lead'>): string | null {
  if (o.lead) return o.lead;
  return o.kind === 'refused' ? 'Refused' : null;
}

/** Kinds where the action did not happen and the user should look at why. */
export function isSetback(kind: OutcomeKind): boolean {
  return kind === 'refused' || kind === 'conflict' || kind === 'failed';
}

export function outcome<D>(kind: OutcomeKind, message: string, data: D, extra: { hint?: string | null; lead?: string } = {}): Outcome<D> {
  const o: Outcome<D> = { kind, message, hint: extra.hint ?? null, data };
  if (extra.lead) o.lead = extra.lead;
  return o;
}
