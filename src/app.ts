/**
 * The composition root: the one place that builds adapters from configuration and hands
 * them to the core. Every face (daemon, CLI, TUI) gets its collaborators from here.
 */
import { ElasticsearchSink } from './adapters/audit-sinks/elasticsearch.js';
import { FileSink } from './adapters/audit-sinks/file.js';
import { LokiSink } from './adapters/audit-sinks/loki.js';
import type { AuditSink } from './adapters/audit-sinks/sink.js';
import { SlackStore } from './adapters/store/slack-store.js';
import { SqliteStore } from './adapters/store/sqlite-store.js';
import type { LoadedConfig } from './config/load.js';
import type { ActionContext } from './core/incident-actions.js';
import type { IngestContext } from './core/ingest.js';
import type { Clock } from './core/ports.js';
import type { SilenceDeps } from './services/silence.js';

export interface Runtime {
  loaded: LoadedConfig;
  store: SqliteStore;
  /** Slack messages, digests and silences, in the same database. */
  slack: SlackStore;
  clock: Clock;
  /** Slack is configured: state changes also write outbox rows for the daemon to deliver. */
  notify: boolean;
  ingest: IngestContext;
  actions: ActionContext;
  silences: SilenceDeps;
  close(): void;
}

export const systemClock: Clock = { now: () => Date.now() };

/** Meta key the daemon sets to '1' when it runs with Slack and '0' when it runs without. */
export const SLACK_ENABLED_META = 'slack.enabled';

export function slackConfigured(loaded: LoadedConfig): boolean {
  return Boolean(loaded.secrets.slackBotToken && loaded.secrets.slackAppToken);
}

/** `notify` forces whether outbox rows are written (the daemon knows; CLI processes ask the database). */
export function openRuntime(loaded: LoadedConfig, options: { mustExist?: boolean; clock?: Clock; notify?: boolean } = {}): Runtime {
  const { config } = loaded;
  const store = new SqliteStore({
    path: config.store.path,
    mode: config.store.mode,
    group: config.store.group,
    busyTimeoutMs: config.store.busy_timeout,
    synchronous: config.store.synchronous,
    mustExist: options.mustExist,
  });
  const clock = options.clock ?? systemClock;
  // A CLI process without the Slack tokens in its environment still writes outbox rows when
  // the daemon on this database runs Slack (it records that at start), so `chatops ack` or
  // `chatops silence` on the bastion shows up in the incident's thread.
  const notify = options.notify ?? (slackConfigured(loaded) || store.getMeta(SLACK_ENABLED_META)?.value === '1');
  const slack = new SlackStore(store);
  return {
    loaded,
    store,
    slack,
    clock,
    notify,
    ingest: {
      store,
      clock,
      notify,
      lifecycle: { keyLabels: config.incidents.key_labels, reopenWindowMs: config.incidents.reopen_window },
    },
    actions: { store, clock, notify },
    silences: { store, slack, clock, notify, alertmanagerUrl: config.alertmanager.url, timeoutMs: config.alertmanager.timeout },
    close: () => store.close(),
  };
}

/** The audit sinks configured under audit.sinks. */
export function buildAuditSinks(loaded: LoadedConfig): AuditSink[] {
  return loaded.config.audit.sinks.map((s) => {
    switch (s.type) {
      case 'loki':
        return new LokiSink(s.url, s.labels);
      case 'elasticsearch':
        return new ElasticsearchSink(s.url, s.index);
      case 'file':
        return new FileSink(s.path);
    }
  });
}
