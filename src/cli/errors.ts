/** The CLI's one error funnel: exit code + one sentence on stderr. */
import { CommanderError } from 'commander';
import { isChatopsError, type ErrorKind } from '../core/errors.js';
import type { Output } from './output.js';

export const EXIT = { ok: 0, failed: 1, usage: 2, waiting: 3, refused: 4, actionFailed: 5 } as const;

const CODES: Record<ErrorKind, number> = {
  usage: EXIT.usage, config: EXIT.usage, not_found: EXIT.failed, conflict: EXIT.failed,
  refused: EXIT.refused, unavailable: EXIT.failed, failed: EXIT.actionFailed,
};

const SQLITE_BUSY = /^SQLITE_(BUSY|LOCKED)/;

export function reportError(err: unknown, debug: boolean, out: Output): number {
  if (err instanceof CommanderError) {
    // commander already printed its message.
    return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
  }
  if (isChatopsError(err)) {
    out.error(err.message);
    if (debug && err.cause) out.note(`${String((err.cause as Error).stack ?? err.cause)}\n`);
    return CODES[err.kind];
  }
  const code = (err as { code?: string })?.code;
  if (typeof code === 'string' && SQLITE_BUSY.test(code)) {
    out.error('the database is locked by another process for too long; try again, or raise store.busy_timeout.');
    return EXIT.failed;
  }
  if (typeof code === 'string' && /^SQLITE_READONLY/.test(code)) {
    out.error(`the database is read-only for this user (${code}): run the command as the account that owns it (sudo -u chatops chatops …), or make the database and its directory writable.`);
    return EXIT.failed;
  }
  if (code === 'EACCES' || code === 'SQLITE_CANTOPEN') {
    out.error(`cannot open the database (${code}): run as the chatops account (sudo -u chatops chatops …) or fix store.path.`);
    return EXIT.failed;
  }
  out.error(`unexpected error: ${(err as Error)?.message ?? String(err)} (this is a bug; rerun with --debug and report it).`);
  if (debug) out.note(`${(err as Error)?.stack ?? ''}\n`);
  return EXIT.failed;
}
