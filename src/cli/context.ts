/** What every command needs: configuration from the global flags, a logger, the runtime. */
import { loadConfig, loadSystemConfig, type LoadedConfig } from '../config/load.js';
import { invocation } from '../config/trust.js';
import type { Logger } from '../logger.js';
import { openRuntime, type Runtime } from '../app.js';

export interface GlobalOptions {
  config?: string;
  debug?: boolean;
}

/**
 * The configuration for this invocation. Run on someone's behalf as the service account (sudo),
 * only the system configuration counts: --config, flags, CHATOPS_*, KUBECONFIG and the working
 * directory are the caller's and are ignored (see src/config/trust.ts).
 */
export function load(globals: GlobalOptions, overrides: Record<string, string | undefined> = {}): LoadedConfig {
  const inv = invocation();
  if (inv.kind === 'privileged') return loadSystemConfig(inv);
  return loadConfig({ configPath: globals.config, overrides });
}

/** Commands log only with --debug (stdout stays clean for output and --json). */
export async function commandLogger(globals: GlobalOptions): Promise<Logger> {
  // pino is loaded only when a command needs it: quick commands stay quick.
  const { createLogger, silentLogger } = await import('../logger.js');
  return globals.debug ? createLogger({ level: 'debug', pretty: process.stderr.isTTY }) : silentLogger();
}

/** Opens the runtime for a command that reads or acts on existing state. */
export function openExisting(globals: GlobalOptions): Runtime {
  return openRuntime(load(globals), { mustExist: true });
}
