/**
 * `chatops incidents` on a terminal: opens the store, builds the UI's collaborators and runs
 * the Ink app on the alternate screen, so quitting gives the terminal back as it was.
 * Imported lazily by the CLI: no other command loads Ink or React.
 */
import { render } from 'ink';
import type { IncidentQuery } from '../adapters/store/incident-browser.js';
import { unavailableRemediation, unavailableSilences } from '../core/operator-ports.js';
import type { LoadedConfig } from '../config/load.js';
import { openExisting, type GlobalOptions } from '../cli/context.js';
import { terminalIdentity } from '../cli/identity.js';
import { App } from './app.js';
import { storePendingApprovals, storeSource, type TuiDeps } from './source.js';

/** Remediation is bound here once the approvals core exists; until then it says so. */
export const REMEDIATION_UNAVAILABLE = 'remediation is not available in this build of chatops (the approvals core is not installed).';

/** Silences are bound here once the Alertmanager silence adapter exists; until then, why not. */
export function silenceUnavailableReason(loaded: LoadedConfig): string {
  return loaded.config.alertmanager.url
    ? 'silencing from the terminal UI is not available in this build of chatops.'
    : 'silence needs alertmanager.url: set it in the config file or ALERTMANAGER_URL.';
}

const ALT_SCREEN_ON = '\x1b[?1049h\x1b[H';
const ALT_SCREEN_OFF = '\x1b[?1049l';

export async function runTui(globals: GlobalOptions, opts: { query?: IncidentQuery } = {}): Promise<number> {
  const rt = openExisting(globals);
  const who = terminalIdentity(rt.loaded.config.users);
  const deps: TuiDeps = {
    source: storeSource(rt.store),
    actions: rt.actions,
    actor: { id: who.actor, source: 'tui' },
    clock: rt.clock,
    pending: storePendingApprovals(rt.store, rt.clock),
    remediation: unavailableRemediation(REMEDIATION_UNAVAILABLE),
    silences: unavailableSilences(silenceUnavailableReason(rt.loaded)),
  };
  const out = process.stdout;
  out.write(ALT_SCREEN_ON);
  let restored = false;
  const restore = () => {
    if (restored) return;
    restored = true;
    out.write(ALT_SCREEN_OFF);
  };
  // Whatever ends the process, the user gets their screen back.
  process.once('exit', restore);
  const app = render(<App deps={deps} initialQuery={opts.query} />, { exitOnCtrlC: true, patchConsole: true });
  const stop = () => app.unmount();
  process.once('SIGTERM', stop);
  process.once('SIGHUP', stop);
  try {
    await app.waitUntilExit();
  } finally {
    process.off('SIGTERM', stop);
    process.off('SIGHUP', stop);
    restore();
    rt.close();
  }
  return 0;
}
