/**
 * The composition root: the one place that builds adapters from configuration and hands
 * them to the core. Every face (daemon, CLI, TUI) gets its collaborators from here.
 */
import { ElasticsearchSink } from './adapters/audit-sinks/elasticsearch.js';
import { FileSink } from './adapters/audit-sinks/file.js';
import { LokiSink } from './adapters/audit-sinks/loki.js';
import type { AuditSink } from './adapters/audit-sinks/sink.js';
import { SlackStore } from './adapters/store/slack-store.js';
import { advanceAnchor, anchorPath, type AnchorWrite } from './adapters/store/audit-anchor.js';
import { SqliteStore } from './adapters/store/sqlite-store.js';
import type { LoadedConfig } from './config/load.js';
import type { IngestContext } from './core/ingest.js';
import type { Clock } from './core/ports.js';
import { randomBytes } from 'node:crypto';
import { ChatopsError } from './core/errors.js';
import { policyFromConfig } from './core/policy.js';
import { operatorService, type OperatorContext, type OperatorService } from './core/operator.js';
import type { Silencer } from './core/silence.js';
import type { Executor } from './core/requests.js';

export interface Runtime {
  loaded: LoadedConfig;
  store: SqliteStore;
  /** Slack messages and storm digests, in the same database. */
  slack: SlackStore;
  clock: Clock;
  /** Slack is configured: state changes also write outbox rows for the daemon to deliver. */
  notify: boolean;
  ingest: IngestContext;
  /** Policy (swapped in place on reload), requests, the Kubernetes executor and the Alertmanager silencer (built on first use). */
  remediation: OperatorContext;
  /** Acknowledge, silence, request, approve, deny: what every face calls. */
  operator: OperatorService;
  /** Moves the audit anchor to the chain head; null when this process may not write it. */
  checkpointAudit(): AnchorWrite | null;
  close(): void;
}

export const systemClock: Clock = { now: () => Date.now() };

/** Meta key the daemon sets to '1' when it runs with Slack and '0' when it runs without. */
export const SLACK_ENABLED_META = 'slack.enabled';
/** Meta key where the daemon records its Slack socket's state: JSON {state, detail, since}. */
export const SLACK_SOCKET_META = 'slack.socket';

export function slackConfigured(loaded: LoadedConfig): boolean {
  return Boolean(loaded.secrets.slackBotToken && loaded.secrets.slackAppToken);
}

const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';

/** An opaque request id: `r-` + 16 base32 characters (80 random bits). */
export function newRequestId(): string {
  const bytes = randomBytes(10);
  let bits = 0;
  let value = 0;
  let out = '';
  for (const b of bytes) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  return `r-${out}`;
}

/** Builds the KubeExecutor on first use, so commands that never touch Kubernetes never load client-node. */
export function lazyExecutor(loaded: LoadedConfig, env: NodeJS.ProcessEnv = process.env): () => Promise<Executor> {
  let made: Promise<Executor> | null = null;
  return () => {
    const k = loaded.config.kubernetes;
    if (!k.enabled) {
      return Promise.reject(new ChatopsError('config', 'Kubernetes is off: set kubernetes.enabled: true and KUBECONFIG (or kubernetes.kubeconfig) to run Kubernetes actions.'));
    }
    made ??= import('./adapters/kube/kube-executor.js').then(({ KubeExecutor }) => new KubeExecutor({
      kubeconfig: k.kubeconfig,
      inCluster: !k.kubeconfig && !loaded.privileged && Boolean(env.KUBERNETES_SERVICE_HOST),
      context: k.context,
      allowExecPlugins: k.allow_exec_plugins,
      requestTimeoutMs: k.request_timeout,
      rolloutTimeoutMs: k.rollout_timeout,
      pollIntervalMs: k.poll_interval,
    }));
    return made;
  };
}

const NO_ALERTMANAGER = 'Alertmanager is not configured: set ALERTMANAGER_URL (or alertmanager.url) to silence alerts.';

/** Why this configuration cannot silence alerts (the missing setting), or null when it can. */
export function silencesUnavailable(loaded: LoadedConfig): string | null {
  return loaded.config.alertmanager.urls.length > 0 ? null : NO_ALERTMANAGER;
}

/** The Alertmanager silencer, or a configuration error naming the missing setting. */
export function lazySilencer(loaded: LoadedConfig): () => Promise<Silencer> {
  return async () => {
    const am = loaded.config.alertmanager;
    if (am.urls.length === 0) throw new ChatopsError('config', NO_ALERTMANAGER);
    const { AlertmanagerSilencer } = await import('./adapters/alertmanager/silences.js');
    return new AlertmanagerSilencer(am.urls, am.timeout);
  };
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
  const remediation: OperatorContext = {
    store, clock, notify, policy: policyFromConfig(config.policy), executor: lazyExecutor(loaded), silencer: lazySilencer(loaded), newId: newRequestId,
  };
  return {
    loaded,
    store,
    slack: new SlackStore(store),
    clock,
    notify,
    ingest: {
      store,
      clock,
      notify,
      lifecycle: { keyLabels: config.incidents.key_labels, reopenWindowMs: config.incidents.reopen_window },
    },
    remediation,
    operator: operatorService(remediation),
    checkpointAudit: () => checkpointAudit(store, anchorPath(store.path, config.audit.anchor), clock),
    close: () => {
      // A process that appended to the chain moves the anchor, when it is the account that may.
      if (store.auditAppended > 0) checkpointAudit(store, anchorPath(store.path, config.audit.anchor), clock);
      store.close();
    },
  };
}

/** Null when the file cannot be written here (not the service account, a read-only or vanished directory). */
function checkpointAudit(store: SqliteStore, file: string, clock: Clock): AnchorWrite | null {
  try {
    return advanceAnchor(store, file, clock.now());
  } catch (e) {
    if (typeof (e as NodeJS.ErrnoException).code === 'string') return null;
    throw e;
  }
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
