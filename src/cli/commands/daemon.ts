/** `chatops daemon`: runs until SIGTERM/SIGINT, then shuts down cleanly and exits 0. */
import { createLogger } from '../../logger.js';
import { load } from '../context.js';
import type { GlobalOptions } from '../command-log.js';

export async function runDaemonCommand(globals: GlobalOptions, opts: { listen?: string }): Promise<number> {
  const loaded = load(globals, { 'webhook.listen': opts.listen });
  const logger = await createLogger({ level: globals.debug ? 'debug' : loaded.config.log.level, pretty: process.stderr.isTTY });
  const { startDaemon } = await import('../../daemon/daemon.js');
  const daemon = await startDaemon(loaded, logger);
  // SIGHUP (systemctl reload): re-read the configuration and put its policy in force; a file
  // that does not validate is reported and the policy in force stays.
  const onHup = () => {
    try {
      daemon.reloadPolicy(load(globals, { 'webhook.listen': opts.listen }));
    } catch (e) {
      logger.error({ error: (e as Error).message }, 'reload refused; the previous policy stays in force');
    }
  };
  process.on('SIGHUP', onHup);
  // Runs until a signal, or until it loses the database lease (then it exits 1 so that a
  // supervisor restarts it as a standby; never two daemons delivering).
  const code = await new Promise<number>((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      logger.info({ signal }, 'shutting down');
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
      resolve(0);
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
    void daemon.lost.then(() => resolve(1));
  });
  process.off('SIGHUP', onHup);
  await daemon.stop();
  // Everything of ours is closed. A library timer left behind (the Socket Mode client waits up
  // to 30 s for a close handshake a vanished peer never completes) must not keep a stopped
  // daemon alive: exit shortly unless the process has already ended by itself.
  setTimeout(() => process.exit(code), 2000).unref();
  return code;
}
