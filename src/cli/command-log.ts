/**
 * The global options and the command logger: all `main.ts` needs before a command runs, kept
 * apart from context.ts so that `--help` and unknown commands load no configuration, database
 * or runtime code.
 */
import type { Logger } from '../logger.js';

/** The log calls commands make; pino's Logger with --debug, a no-op without it. */
export type CommandLog = Pick<Logger, 'debug' | 'info' | 'warn' | 'error'>;

export interface GlobalOptions {
  config?: string;
  debug?: boolean;
  /** Debug logs on stderr with --debug (set by the CLI before each command runs). */
  log?: CommandLog;
}

const quiet: CommandLog = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

/** The command's logger: real with --debug, otherwise one that drops everything (and loads nothing). */
export const logOf = (globals: GlobalOptions): CommandLog => globals.log ?? quiet;

/** Commands log only with --debug, on stderr (stdout stays clean for output and --json). */
export async function commandLogger(debug: boolean | undefined): Promise<CommandLog> {
  if (!debug) return quiet;
  // pino is loaded only when asked for: quick commands stay quick.
  const { createLogger } = await import('../logger.js');
  return createLogger({ level: 'debug', pretty: process.stderr.isTTY });
}
