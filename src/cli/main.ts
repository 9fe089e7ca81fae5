/**
 * The `chatops` command line. Each action imports what it needs when it runs, so a quick
 * command never pays for Bolt, client-node or Ink.
 */
import { readFileSync } from 'node:fs';
import { Command, InvalidArgumentError, Option } from 'commander';
import { commandLogger, logOf, type GlobalOptions } from './command-log.js';
import { reportError } from './errors.js';
import { stdOutput, type Output } from './output.js';

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

function positiveInt(name: string) {
  return (v: string): number => {
    if (!/^\d+$/.test(v)) throw new InvalidArgumentError(`${name} must be a whole number.`);
    return Number(v);
  };
}

/** The full name of a command, e.g. `audit export`. */
function commandPath(cmd: Command): string {
  const names: string[] = [];
  for (let c: Command | null = cmd; c?.parent; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

export function buildProgram(out: Output, setExit: (code: number) => void): Command {
  const program = new Command('chatops')
    .description('Incident ChatOps: Alertmanager → SQLite incidents → Slack threads, approvals and remediation.')
    .version(version(), '-V, --version')
    .option('-c, --config <file>', 'config file (default: $CHATOPS_CONFIG, else ./config/chatops.yaml, else embedded defaults)')
    .option('--debug', 'log to stderr and show stack traces')
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ writeOut: (s) => out.raw(s), writeErr: (s) => out.note(s) })
    .exitOverride();
  const globals = (): GlobalOptions => program.opts<GlobalOptions>();
  // --debug: every command logs on stderr, starting with what it was asked to do.
  program.hook('preAction', async (_program, action) => {
    const log = await commandLogger(globals().debug);
    program.setOptionValue('log', log);
    log.debug({ command: commandPath(action), args: action.args, options: action.opts() }, 'command start');
  });

  program
    .command('daemon')
    .description('receive Alertmanager webhooks, keep Slack threads, run approved actions')
    .option('--listen <host:port>', 'webhook listen address (default 127.0.0.1:9095; env CHATOPS_LISTEN)')
    .action(async (opts: { listen?: string }) => {
      const { runDaemonCommand } = await import('./commands/daemon.js');
      setExit(await runDaemonCommand(globals(), opts));
    });

  const incidents = program.command('incidents').description('incidents: on a terminal the live UI, otherwise the list');
  // The default subcommand keeps `chatops incidents [--json]` working without giving the parent
  // options of its own (which would swallow `incidents list --json`).
  incidents
    .command('ui', { isDefault: true, hidden: true })
    .addOption(new Option('--status <list>', 'comma-separated: firing, acknowledged, resolved (or open)'))
    .option('--cluster <names>', 'only incidents of these clusters (comma-separated)')
    .option('--json', 'one JSON array on stdout')
    .option('--limit <n>', 'at most n incidents', positiveInt('--limit'))
    .option('--no-graph', "the UI: do not query Prometheus for the open incident's graph")
    .action(async (opts: { status?: string; cluster?: string; json?: boolean; limit?: number; graph?: boolean }) => {
      const { listIncidents, parseStatuses } = await import('./commands/incidents.js');
      // The live UI only for a person at a terminal; scripts, pipes and --json get the list.
      if (!opts.json && opts.limit === undefined && out.isTTY && process.stdin.isTTY) {
        const statuses = parseStatuses(opts.status);
        const { runTui } = await import('../tui/run.js');
        // The TUI's filter takes the cluster as `cluster=<name>` (one cluster at a time).
        setExit(
          await runTui(globals(), {
            query: { statuses, ...(opts.cluster ? { text: `cluster=${opts.cluster.split(',')[0]!.trim()}` } : {}) },
            graph: opts.graph,
          }),
        );
        return;
      }
      listIncidents(globals(), opts, out);
    });
  incidents
    .command('list')
    .description('incidents, newest first')
    .addOption(new Option('--status <list>', 'comma-separated: firing, acknowledged, resolved (or open)'))
    .option('--cluster <names>', 'only incidents of these clusters (comma-separated)')
    .option('--json', 'one JSON array on stdout')
    .option('--limit <n>', 'at most n incidents', positiveInt('--limit'))
    .action(async (opts: { status?: string; cluster?: string; json?: boolean; limit?: number }) => {
      const { listIncidents } = await import('./commands/incidents.js');
      listIncidents(globals(), opts, out);
    });
  incidents
    .command('show <id>')
    .description('one incident: alerts, timeline, the SLO at stake and the graph of its query')
    .option('--json', 'one JSON object on stdout')
    .option('--no-graph', 'do not query Prometheus for the graph')
    .action(async (id: string, opts: { json?: boolean; graph?: boolean }) => {
      const { showIncident } = await import('./commands/incidents.js');
      await showIncident(globals(), id, opts, out);
    });

  program
    .command('ack <incident>')
    .description('acknowledge an incident')
    .option('--json', 'print the result as JSON')
    .action(async (id: string, opts: { json?: boolean }) => {
      const { ackIncident } = await import('./commands/incidents.js');
      setExit(await ackIncident(globals(), id, opts, out));
    });

  program
    .command('render <payload-file>')
    .description("print the Slack message(s) a webhook payload would produce ('-' for stdin), for template work")
    .option('--json', 'the Block Kit JSON as posted')
    .action(async (file: string, opts: { json?: boolean }) => {
      const { renderPayload } = await import('./commands/render.js');
      await renderPayload(globals(), file, opts, out);
    });

  const alerts = program.command('alerts').description('alerts');
  alerts
    .command('ingest <file>')
    .description("ingest an Alertmanager webhook payload from a file or '-' (stdin): the webhook's one-shot twin")
    .option('--json', 'print the result as JSON')
    .action(async (file: string, opts: { json?: boolean }) => {
      const { ingestFile } = await import('./commands/alerts.js');
      await ingestFile(globals(), file, opts, out);
    });

  program
    .command('silence <incident>')
    .description("silence an incident's alerts in Alertmanager (policy risk: low); an active silence is extended, not duplicated")
    .option('--duration <d>', 'how long, e.g. 30m, 2h (default 2h, at most 7d)')
    .option('--until-resolved', 'until the incident resolves (the daemon expires it then; at most 7d)')
    .option('--comment <text>', 'why, shown in Alertmanager and the audit trail')
    .option('--json', 'print the result as JSON')
    .action(async (id: string, opts: { duration?: string; untilResolved?: boolean; comment?: string; json?: boolean }) => {
      const { silenceCommand } = await import('./commands/silence.js');
      setExit(await silenceCommand(globals(), id, opts, out));
    });

  program
    .command('unsilence <incident>')
    .description("expire the incident's active chatops silence in Alertmanager")
    .option('--json', 'print the result as JSON')
    .action(async (id: string, opts: { json?: boolean }) => {
      const { unsilenceCommand } = await import('./commands/silence.js');
      setExit(await unsilenceCommand(globals(), id, opts, out));
    });

  program
    .command('remediate <action> <target>')
    .description(
      'request (and, where policy allows, run) an action on [<cluster>/]<namespace>/<deployment>: pods, events, logs, rollout-restart, scale, rollout-undo',
    )
    .option(
      '--cluster <name>',
      'the cluster the deployment is in (or write <cluster>/<namespace>/<deployment>; with --incident, its cluster)',
    )
    .option('--incident <id>', 'the incident this is for (its Slack thread hears of it)', positiveInt('--incident'))
    .option('--replicas <n>', 'scale: the desired replica count', positiveInt('--replicas'))
    .option('--tail <n>', 'logs: lines per pod (default 50)', positiveInt('--tail'))
    .option('--reason <text>', 'why, for the approver and the audit trail')
    .option('--wait', 'show progress; for a request needing approval, wait until it is decided and has run')
    .option('--dry-run', 'only check policy and permissions and run the server-side dry run')
    .option('--json', 'print the outcome as one JSON object')
    .action(
      async (
        action: string,
        target: string,
        opts: {
          cluster?: string;
          incident?: number;
          replicas?: number;
          tail?: number;
          reason?: string;
          wait?: boolean;
          dryRun?: boolean;
          json?: boolean;
        },
      ) => {
        const { remediate } = await import('./commands/remediate.js');
        setExit(await remediate(globals(), action, target, opts, out));
      },
    );

  program
    .command('approvals')
    .description('pending action requests, oldest first')
    .option('--all', 'every request, not only pending ones')
    .option('--json', 'one JSON array on stdout')
    .option('--limit <n>', 'at most the last n requests', positiveInt('--limit'))
    .action(async (opts: { all?: boolean; json?: boolean; limit?: number }) => {
      const { listApprovals } = await import('./commands/remediate.js');
      listApprovals(globals(), opts, out);
    });

  program
    .command('approve <request>')
    .description("approve someone else's request; it runs here, at most once")
    .option('--reason <text>', 'a note for the audit trail')
    .option('--json', 'print the outcome as one JSON object')
    .action(async (id: string, opts: { reason?: string; json?: boolean }) => {
      const { decideRequest } = await import('./commands/remediate.js');
      setExit(await decideRequest(globals(), 'approve', id, opts, out));
    });

  program
    .command('deny <request>')
    .description('deny a request (or cancel your own)')
    .option('--reason <text>', 'why, for the requester and the audit trail')
    .option('--json', 'print the outcome as one JSON object')
    .action(async (id: string, opts: { reason?: string; json?: boolean }) => {
      const { decideRequest } = await import('./commands/remediate.js');
      setExit(await decideRequest(globals(), 'deny', id, opts, out));
    });

  // `audit` has no options of its own: commander gives a parent's options to the parent even
  // when they follow a subcommand, so `audit export --since 1m` lost its --since to `audit`.
  // The listing is a default subcommand instead (as `incidents` does it).
  const audit = program.command('audit').description('the audit trail: list (default), verify, export');
  audit
    .command('list', { isDefault: true })
    .description('audit rows, oldest first')
    .option('--since <time>', 'only rows at or after this time (ISO 8601, or a duration such as 2h)')
    .option('--incident <id>', 'only rows of this incident', positiveInt('--incident'))
    .option('--json', 'one JSON array on stdout')
    .option('--limit <n>', 'at most the last n rows', positiveInt('--limit'))
    .action(async (opts: { since?: string; incident?: number; json?: boolean; limit?: number }) => {
      const { listAudit } = await import('./commands/audit.js');
      listAudit(globals(), opts, out);
    });
  audit
    .command('verify')
    .description('check the hash chain; exit 1 naming the first bad row')
    .option('--json', 'print the verdict as one JSON object')
    .action(async (opts: { json?: boolean }) => {
      const { verifyAudit } = await import('./commands/audit.js');
      setExit(verifyAudit(globals(), opts, out));
    });
  audit
    .command('export')
    .description('write the audit trail to stdout for auditors (one JSON row per line)')
    .addOption(new Option('--format <format>', 'output format').choices(['jsonl']).default('jsonl'))
    .option('--since <time>', 'only rows at or after this time (ISO 8601, or a duration such as 24h)')
    .action(async (opts: { since?: string }) => {
      const { exportAudit } = await import('./commands/audit.js');
      exportAudit(globals(), opts, out);
    });

  program
    .command('config')
    .description('configuration')
    .command('check')
    .description('validate the config, then probe Slack, Prometheus, Alertmanager, Kubernetes, the database and the webhook port')
    .option('--json', 'one JSON object on stdout')
    .action(async (opts: { json?: boolean }) => {
      const { configCheck } = await import('./commands/config-check.js');
      setExit(await configCheck(globals(), opts, out));
    });

  const db = program.command('db').description('the database');
  db.command('backup <file>')
    .description('write a consistent copy of the database while the daemon runs (SQLite online backup)')
    .action(async (file: string) => {
      const { backupDatabase } = await import('./commands/db.js');
      setExit(await backupDatabase(globals(), file, out));
    });

  return program;
}

/** Runs the CLI and returns the exit code. */
export async function main(argv: readonly string[], out: Output = stdOutput()): Promise<number> {
  let exitCode = 0;
  const program = buildProgram(out, (c) => {
    exitCode = c;
  });
  const started = Date.now();
  try {
    await program.parseAsync([...argv]);
  } catch (err) {
    // --json anywhere on the line: the failure is the one document (also for commander's usage errors).
    exitCode = reportError(err, Boolean(program.opts<GlobalOptions>().debug) || argv.includes('--debug'), out, argv.includes('--json'));
  }
  logOf(program.opts<GlobalOptions>()).debug({ exitCode, ms: Date.now() - started }, 'command done');
  return exitCode;
}
