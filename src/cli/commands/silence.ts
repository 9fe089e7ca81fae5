/** `chatops silence <incident>`. */
import { parseDuration } from '../../core/duration.js';
import { ChatopsError } from '../../core/errors.js';
import { silenceIncident } from '../../core/silence.js';
import { openExisting, type GlobalOptions } from '../context.js';
import { EXIT } from '../errors.js';
import { terminalIdentity } from '../identity.js';
import type { Output } from '../output.js';
import { parseIncidentId } from './incidents.js';

export async function silenceCommand(globals: GlobalOptions, idText: string, opts: { duration?: string; comment?: string; json?: boolean }, io: Output): Promise<number> {
  const id = parseIncidentId(idText);
  const durationMs = opts.duration === undefined ? undefined : parseDuration(opts.duration);
  if (durationMs === null) throw new ChatopsError('usage', `--duration ${JSON.stringify(opts.duration)} is not a duration: write 30m, 2h or 1d.`);
  const rt = openExisting(globals);
  try {
    const who = terminalIdentity(rt.loaded.config.users);
    const out = await silenceIncident(rt.silences, id, { durationMs, comment: opts.comment }, { id: who.actor, source: 'cli' });
    if (out.kind === 'refused') {
      if (opts.json) io.json({ outcome: 'refused', reason: out.reason });
      io.error(out.reason);
      return EXIT.refused;
    }
    if (opts.json) io.json({ outcome: 'silenced', silenceId: out.silenceId, endsAt: new Date(out.endsAt).toISOString(), matchers: out.matchers });
    else io.text(`Incident ${id} silenced until ${new Date(out.endsAt).toISOString()} (silence ${out.silenceId}, matching ${out.matchers.map((m) => `${m.name}="${m.value}"`).join(', ')}).`);
    return EXIT.ok;
  } finally {
    rt.close();
  }
}
