/** `chatops silence <incident>` and `chatops unsilence <incident>`. */
import { ChatopsError } from '../../core/errors.js';
import type { SilenceData } from '../../core/operator.js';
import { parseSilenceLength, type SilenceLength } from '../../core/silence.js';
import { iso } from '../../core/time.js';
import { openExisting } from '../context.js';
import type { GlobalOptions } from '../command-log.js';
import { terminalIdentity } from '../identity.js';
import type { Output } from '../output.js';
import { printOutcome, type OutcomeView } from '../outcome.js';
import { parseIncidentId } from './incidents.js';

const silenceView: OutcomeView<SilenceData> = {
  json: (d) => ({
    incidentId: d.incident.id,
    silenceId: d.silenceId,
    endsAt: iso(d.endsAt),
    untilResolved: d.untilResolved,
    createdBy: d.createdBy,
    matchers: d.matchers,
    extendedFrom: iso(d.extendedFrom),
  }),
};

function lengthOf(opts: { duration?: string; untilResolved?: boolean }): SilenceLength | undefined {
  if (opts.untilResolved && opts.duration !== undefined) throw new ChatopsError('usage', 'Give --duration or --until-resolved, not both.');
  if (opts.untilResolved) return { untilResolved: true };
  if (opts.duration === undefined) return undefined;
  const length = parseSilenceLength(opts.duration);
  if (!length)
    throw new ChatopsError(
      'usage',
      `--duration ${JSON.stringify(opts.duration)} is not a duration: write 30m, 2h or 1d (or use --until-resolved).`,
    );
  return length;
}

export async function silenceCommand(
  globals: GlobalOptions,
  idText: string,
  opts: { duration?: string; untilResolved?: boolean; comment?: string; json?: boolean },
  io: Output,
): Promise<number> {
  const id = parseIncidentId(idText);
  const length = lengthOf(opts);
  const rt = openExisting(globals);
  try {
    const who = terminalIdentity(rt.loaded.config.users);
    return printOutcome(
      await rt.operator.silence(id, { id: who.actor, source: 'cli' }, { length, comment: opts.comment }),
      silenceView,
      opts,
      io,
    );
  } finally {
    rt.close();
  }
}

export async function unsilenceCommand(globals: GlobalOptions, idText: string, opts: { json?: boolean }, io: Output): Promise<number> {
  const id = parseIncidentId(idText);
  const rt = openExisting(globals);
  try {
    const who = terminalIdentity(rt.loaded.config.users);
    return printOutcome(await rt.operator.unsilence(id, { id: who.actor, source: 'cli' }), silenceView, opts, io);
  } finally {
    rt.close();
  }
}
