/**
 * The terminal UI's composition: opens the store, builds the UI's collaborators and runs the
 * Ink app on the alternate screen, so quitting gives the terminal back as it was.
 */
import { render } from 'ink';
import type { IncidentQuery } from '../adapters/store/incident-browser.js';
import { openExisting } from '../cli/context.js';
import type { GlobalOptions } from '../cli/command-log.js';
import { terminalIdentity } from '../cli/identity.js';
import { App } from './app.js';
import { runtimeDeps, type TuiDeps } from './source.js';

const ALT_SCREEN_ON = '\x1b[?1049h\x1b[H';
const ALT_SCREEN_OFF = '\x1b[?1049l';

export async function runScreen(globals: GlobalOptions, opts: { query?: IncidentQuery; graph?: boolean } = {}): Promise<number> {
  const rt = openExisting(globals);
  const who = terminalIdentity(rt.loaded.config.users);
  const deps: TuiDeps = {
    ...runtimeDeps(rt, { id: who.actor, source: 'tui' }),
    // The open incident's graph, from its cluster's Prometheus.
    graph:
      opts.graph === false || !rt.clusters.all.some((c) => c.config.prometheus.url)
        ? undefined
        : async (incident, alerts, width) => {
            const { incidentGraph } = await import('../cli/incident-graph.js');
            return incidentGraph(rt.loaded.config.graphs, rt.clusters.prometheusOf(incident), incident, alerts, {
              width,
              height: 8,
              now: rt.clock.now(),
            });
          },
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
