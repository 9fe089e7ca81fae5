/**
 * The CLI's one error funnel: exit code + one sentence on stderr, and with `--json` the same
 * as one document on stdout (so `--json` always prints exactly one document).
 */
import { CommanderError } from 'commander';
import { isChatopsError, type ErrorKind } from '../core/errors.js';
import { redact } from '../redact.js';
import type { Output } from './output.js';

export const EXIT = { ok: 0, failed: 1, usage: 2, waiting: 3, refused: 4, actionFailed: 5 } as const;

const CODES: Record<ErrorKind, number> = {
  usage: EXIT.usage,
  config: EXIT.usage,
  not_found: EXIT.failed,
  conflict: EXIT.failed,
  refused: EXIT.refused,
  unavailable: EXIT.failed,
  failed: EXIT.actionFailed,
};

const SQLITE_BUSY = /^SQLITE_(BUSY|LOCKED)/;

interface Failure {
  kind: ErrorKind | 'bug';
  exitCode: number;
  /** The sentence (null: commander has printed it already). */
  sentence: string | null;
  /** Shown with --debug. */
  trace?: string;
}

function failureOf(err: unknown): Failure {
  if (err instanceof CommanderError) {
    return { kind: 'usage', exitCode: err.exitCode === 0 ? EXIT.ok : EXIT.usage, sentence: null };
  }
  if (isChatopsError(err)) {
    return {
      kind: err.kind,
      exitCode: CODES[err.kind],
      sentence: err.message,
      trace: err.cause ? String((err.cause as Error).stack ?? err.cause) : undefined,
    };
  }
  const code = (err as { code?: string })?.code;
  if (typeof code === 'string' && SQLITE_BUSY.test(code)) {
    return {
      kind: 'unavailable',
      exitCode: EXIT.failed,
      sentence: 'the database is locked by another process for too long; try again, or raise store.busy_timeout.',
    };
  }
  if (typeof code === 'string' && /^SQLITE_READONLY/.test(code)) {
    return {
      kind: 'unavailable',
      exitCode: EXIT.failed,
      sentence: `the database is read-only for this user (${code}): run the command as the account that owns it (sudo -u chatops chatops …), or make the database and its directory writable.`,
    };
  }
  if (code === 'EACCES' || code === 'SQLITE_CANTOPEN') {
    return {
      kind: 'unavailable',
      exitCode: EXIT.failed,
      sentence: `cannot open the database (${code}): run as the chatops account (sudo -u chatops chatops …) or fix store.path.`,
    };
  }
  return {
    kind: 'bug',
    exitCode: EXIT.failed,
    trace: (err as Error)?.stack,
    sentence: `unexpected error: ${(err as Error)?.message ?? String(err)} (this is a bug; rerun with --debug and report it).`,
  };
}

/**
 * Reports a failed command and returns its exit code. With `json` (the command was given
 * `--json`) and no document printed yet, the failure is also the one document on stdout.
 */
export function reportError(err: unknown, debug: boolean, out: Output, json = false): number {
  const f = failureOf(err);
  if (f.exitCode === EXIT.ok) return EXIT.ok; // --help, --version
  // Every sentence (and stack) passes the one redactor: a configured secret never reaches the terminal.
  if (f.sentence) out.error(redact(f.sentence));
  if (debug && f.trace) out.note(`${redact(f.trace)}\n`);
  if (json && out.documents === 0) {
    const message = redact(f.sentence ?? (err as Error).message.replace(/^error: /, ''));
    // The shape of an operator outcome (kind, message, hint), with what went wrong under `error`.
    out.json({ kind: 'error', message, hint: null, error: { kind: f.kind, exitCode: f.exitCode } });
  }
  return f.exitCode;
}
