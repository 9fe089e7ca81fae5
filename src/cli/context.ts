/** What every command needs: configuration from the global flags, a logger, the runtime. */
import { loadConfig, loadSystemConfig, type LoadedConfig } from '../config/load.js';
import { invocation } from '../config/trust.js';
import { logOf, type GlobalOptions } from './command-log.js';
import { openRuntime, type Runtime } from '../app.js';

/** The flag that sets each configuration key, for error messages. */
const FLAG_NAMES: Record<string, string> = { 'webhook.listen': '--listen' };

/**
 * The configuration for this invocation. Run on someone's behalf as the service account (sudo),
 * only the system configuration counts: --config, flags, CHATOPS_*, KUBECONFIG and the working
 * directory are the caller's and are ignored (see src/config/trust.ts).
 */
export function load(globals: GlobalOptions, overrides: Record<string, string | undefined> = {}): LoadedConfig {
  const inv = invocation();
  const loaded =
    inv.kind === 'privileged' ? loadSystemConfig(inv) : loadConfig({ configPath: globals.config, overrides, flagNames: FLAG_NAMES });
  logOf(globals).debug(
    { file: loaded.file ?? '(embedded defaults)', db: loaded.config.store.path, privileged: inv.kind === 'privileged' },
    'configuration loaded',
  );
  return loaded;
}

/** Opens the runtime (creating the database when needed) and logs what it opened. */
export function open(globals: GlobalOptions, loaded: LoadedConfig, options: { mustExist?: boolean } = {}): Runtime {
  const rt = openRuntime(loaded, options);
  logOf(globals).debug(
    { db: rt.store.path, schema: rt.store.db.pragma('user_version', { simple: true }), slackOutbox: rt.notify },
    'database opened',
  );
  return rt;
}

/** Opens the runtime for a command that reads or acts on existing state. */
export function openExisting(globals: GlobalOptions): Runtime {
  return open(globals, load(globals), { mustExist: true });
}
