/** `chatops silence <incident> [--duration 2h] [--comment ..]`: an Alertmanager silence for its alerts. */
import { openExisting, type GlobalOptions } from '../context.js';
import { parseDuration, formatDuration } from '../../core/duration.js';
import { ChatopsError } from '../../core/errors.js';
import { silenceIncident } from '../../services/silence.js';
import { terminalIdentity } from '../identity.js';
import type { Io } from '../main.js';
import { parseIncidentId } from './incidents.js';

export async function silenceCommand(globals: GlobalOptions, idText: string, opts: { duration?: string; comment?: string; json?: boolean }, io: Io): Promise<void> {
  const id = parseIncidentId(idText);
  const ms = parseDuration(opts.duration ?? '2h');
  if (ms === null || ms <= 0) throw new ChatopsError('usage', `--duration ${JSON.stringify(opts.duration)} is not a duration: use e.g. 30m, 2h or 1d.`);
  const rt = openExisting(globals);
  try {
    const who = terminalIdentity(rt.loaded.config.users);
    const r = await silenceIncident(rt.silences, id, ms, { id: who.actor, source: 'cli' }, opts.comment);
    const s = r.silence;
    if (opts.json) {
      io.stdout(`${JSON.stringify({ outcome: r.outcome, silenceId: s.id, incidentId: id, endsAt: new Date(s.endsAt).toISOString(), matchers: s.matchers }, null, 2)}\n`);
    } else if (r.outcome === 'already') {
      io.stdout(`Incident ${id} is already silenced until ${new Date(s.endsAt).toISOString()} (silence ${s.id}).\n`);
    } else {
      io.stdout(`Incident ${id} silenced for ${formatDuration(s.endsAt - s.startsAt)} (silence ${s.id}).\n`);
    }
  } finally {
    rt.close();
  }
}
