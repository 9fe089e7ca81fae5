/**
 * The composition root: the one place that builds adapters from configuration and hands
 * them to the core. Every face (daemon, CLI, TUI) gets its collaborators from here.
 */
import { ElasticsearchSink } from './adapters/audit-sinks/elasticsearch.js';
import { FileSink } from './adapters/audit-sinks/file.js';
import { LokiSink } from './adapters/audit-sinks/loki.js';
import type { AuditSink } from './adapters/audit-sinks/sink.js';
import { SqliteStore } from './adapters/store/sqlite-store.js';
import type { LoadedConfig } from './config/load.js';
import type { ActionContext } from './core/incident-actions.js';
import type { IngestContext } from './core/ingest.js';
import type { Clock } from './core/ports.js';

export interface Runtime {
  loaded: LoadedConfig;
  store: SqliteStore;
  clock: Clock;
  /** Slack is configured: state changes also write outbox rows for the daemon to deliver. */
  notify: boolean;
  ingest: IngestContext;
  actions: ActionContext;
  close(): void;
}

export const systemClock: Clock = { now: () => Date.now() };

export function slackConfigured(loaded: LoadedConfig): boolean {
  return Boolean(loaded.secrets.slackBotToken && loaded.secrets.slackAppToken);
}

export function openRuntime(loaded: LoadedConfig, options: { mustExist?: boolean; clock?: Clock } = {}): Runtime {
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
  const notify = slackConfigured(loaded);
  return {
    loaded,
    store,
    clock,
    notify,
    ingest: {
      store,
      clock,
      notify,
      lifecycle: { keyLabels: config.incidents.key_labels, reopenWindowMs: config.incidents.reopen_window },
    },
    actions: { store, clock, notify },
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
