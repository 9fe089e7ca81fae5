/**
 * `chatops daemon`: webhook ingress, health and metrics in every daemon; Slack (socket,
 * outbox), request expiry and recovery, the until-resolved silence sweep, pruning, audit
 * shipping and reconciliation with Alertmanager only in the one that holds the database lease.
 * A second daemon on the same database stands by (ingesting webhooks, /ready 503 naming the
 * holder) and takes over within LEASE_POLL_MS after the holder stops or dies.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { startWebhookParser } from '../adapters/alertmanager/webhook-parser.js';
import { startCheckpointer } from '../adapters/store/checkpointer.js';
import { GroupCommitIngest } from '../adapters/store/group-commit.js';
import { buildAuditSinks, openRuntime, SLACK_ENABLED_META, slackConfigured, type ClusterRuntime, type Runtime } from '../app.js';
import { DaemonLease } from '../adapters/store/daemon-lease.js';
import { displayUrl } from '../adapters/alertmanager/http.js';
import { AuditShipper } from './audit-shipper.js';
import { ReconcileMetrics, Reconciler } from './reconciler.js';
import { registerRequestMetrics } from './request-metrics.js';
import { isLoopback, type LoadedConfig } from '../config/load.js';
import { ChatopsError } from '../core/errors.js';
import { policyFromConfig } from '../core/policy.js';
import { expireRequests, recoverInterrupted } from '../core/remediation.js';
import { createHttpApp } from './http.js';
import { Metrics } from './metrics.js';
import { UntilResolvedSweep } from './silence-sweep.js';
import { recordSocketState, startSlack, type RunningSlack } from './slack.js';
import { remediationExtensions } from './slack-remediation.js';

export interface RunningDaemon {
  url: string;
  runtime: Runtime;
  /** Puts a re-read configuration's policy in force (SIGHUP); other settings need a restart. */
  reloadPolicy(next: LoadedConfig): void;
  stop(): Promise<void>;
  /** Resolves (with the reason) if this daemon loses the database lease it held: stop and exit non-zero. */
  lost: Promise<string>;
}

const HEARTBEAT_MS = 2000;
/** How often a standby tries the lease (so it takes over within this long after the holder stops). */
const LEASE_POLL_MS = 1000;
const PRUNE_MS = 3_600_000;
/** How often pending action requests past policy.approval_ttl are expired (and Slack told), and until-resolved silences of resolved incidents ended. */
const EXPIRY_SWEEP_MS = 5000;

export async function startDaemon(loaded: LoadedConfig, logger: Logger): Promise<RunningDaemon> {
  const { config, secrets } = loaded;
  const { host, port } = config.webhook.listen;
  if (!isLoopback(host) && !secrets.webhookToken) {
    throw new ChatopsError(
      'config',
      `Refusing to listen on ${host}:${port} without a webhook token: anyone who reaches that address could inject alerts. Set CHATOPS_WEBHOOK_TOKEN (or webhook.token_file), or listen on 127.0.0.1.`,
    );
  }
  const runtime = openRuntime(loaded, { notify: slackConfigured(loaded) });
  const { store, clock } = runtime;
  // Loading client-node holds this thread for about a second: do it while starting, not in
  // the middle of the first approved action (webhooks wait, Slack's pings time out).
  if (runtime.clusters.all.some((c) => c.config.kubernetes !== null)) await import('../adapters/kube/kube-executor.js');
  const checkpointer = startCheckpointer(store, logger, {
    synchronous: config.store.synchronous,
    busyTimeoutMs: config.store.busy_timeout,
  });
  const multi = runtime.clusters.set.multi;
  const metrics = new Metrics(store, clock.now, { clusters: multi });
  registerRequestMetrics(metrics.registry, store, { clusters: multi ? runtime.clusters.all.map((c) => c.name) : undefined });
  // Concurrent deliveries share one commit (and one fsync); each is answered after it.
  const ingest = new GroupCommitIngest(store, runtime.ingest, { onCommit: (n) => metrics.ingestBatch.observe(n) });
  const parser = startWebhookParser((e) => logger.error({ err: e }, 'webhook parser thread failed; parsing on the main thread instead'));
  const lease = new DaemonLease(store, config.store.mode);
  const reconciled = reconciledClusters(runtime);
  const reconcileMetrics =
    reconciled.length > 0
      ? new ReconcileMetrics(
          metrics.registry,
          reconciled.map((c) => ({
            cluster: runtime.clusters.set.multi ? c.name : null,
            urls: c.config.alertmanager.urls.map(displayUrl),
          })),
        )
      : null;
  // Set while this daemon holds the lease and runs everything that must run once per database.
  let active: ActiveServices | null = null;
  let standbyReason: string | null = null;
  metrics.setActive(() => active !== null);
  const app = createHttpApp({
    parse: (body, now) => parser.parse(body, now),
    // A standby ingests too: SQLite serialises writers, and the holder delivers what it writes.
    ingest: async (delivery, raw) => {
      const result = await ingest.ingest(delivery, raw, {
        source: 'webhook',
        actor: `alertmanager:${delivery.receiver || 'unknown'}`,
        auditSource: 'alertmanager',
      });
      active?.slack?.nudge();
      if (result.incidents.some((i) => i.status === 'resolved')) active?.sweepSilences();
      return result;
    },
    now: clock.now,
    metrics,
    logger,
    readiness: {
      notReadyReason: () => {
        try {
          store.ping();
        } catch (e) {
          return `the store does not answer: ${(e as Error).message}`;
        }
        if (!active) return standbyReason ?? 'starting';
        return active.slack ? active.slack.notReadyReason() : null;
      },
      details: () =>
        [active?.slack?.behindReason(), ...(active?.reconcilers ?? []).map((r) => r.degraded())].filter((d): d is string => Boolean(d)),
    },
    webhookToken: secrets.webhookToken,
    maxBodyBytes: config.webhook.max_body,
  });

  // Check for expired request/header timeouts every second (Node's default is every 30 s).
  const server = http.createServer({ connectionsCheckingInterval: 1000 }, app);
  // Cut off slow clients (slowloris) instead of holding sockets forever.
  server.requestTimeout = config.webhook.request_timeout;
  server.headersTimeout = Math.min(config.webhook.request_timeout, 10_000);
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) => {
      reject(
        e.code === 'EADDRINUSE'
          ? new ChatopsError(
              'config',
              `${host}:${port} is already in use: stop the other process or set CHATOPS_LISTEN / webhook.listen to a free port.`,
            )
          : e.code === 'EADDRNOTAVAIL'
            ? new ChatopsError('config', `${host} is not an address of this host: fix CHATOPS_LISTEN / webhook.listen.`)
            : e,
      );
    });
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const url = `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;

  let stopping: Promise<void> | null = null;
  let onLost: (reason: string) => void = () => {};
  const lost = new Promise<string>((resolve) => {
    onLost = resolve;
  });
  const activate = async () => {
    standbyReason = null;
    active = await startActive(runtime, lease, metrics, reconcileMetrics, logger, url, (reason) => {
      logger.error({ reason }, 'lost the database lease; stopping so that only one daemon delivers');
      onLost(reason);
    });
  };
  let standbyPoll: NodeJS.Timeout | null = null;
  if (lease.tryAcquire()) {
    await activate();
  } else {
    const describe = () => {
      const h = lease.holder();
      const who = h
        ? `pid ${h.pid} on ${h.host}${h.url ? ` (${h.url})` : ''}, heartbeat ${Math.round((clock.now() - h.heartbeatAt) / 1000)} s ago`
        : 'another process';
      return `standby: the database ${store.path} is held by the chatops daemon ${who}; this daemon takes over within ${LEASE_POLL_MS / 1000} s after that one stops`;
    };
    standbyReason = describe();
    logger.warn({ db: store.path, holder: lease.holder() }, standbyReason);
    standbyPoll = setInterval(() => {
      if (active || stopping) return;
      try {
        if (!lease.tryAcquire()) {
          standbyReason = describe();
          return;
        }
      } catch (e) {
        logger.warn({ err: e }, 'could not try the database lease; will retry');
        return;
      }
      if (standbyPoll) clearInterval(standbyPoll);
      logger.info({ db: store.path }, 'took over the database lease: this daemon now delivers');
      activate().catch((e: unknown) => {
        logger.error({ err: e }, 'could not start after taking over the lease');
        onLost((e as Error).message);
      });
    }, LEASE_POLL_MS);
    standbyPoll.unref();
  }

  logger.info({ url, db: store.path, config: loaded.file ?? '(embedded defaults)', role: active ? 'active' : 'standby' }, 'listening');
  if (!slackConfigured(loaded)) {
    logger.info('Slack is off: set SLACK_BOT_TOKEN (xoxb-) and SLACK_APP_TOKEN (xapp-) to keep one thread per incident in Slack');
  }
  if (!runtime.clusters.set.multi && !config.kubernetes.enabled) {
    logger.info('Kubernetes is off: set kubernetes.enabled: true (and KUBECONFIG or kubernetes.kubeconfig) to run approved remediation');
  }
  if (runtime.clusters.set.multi) {
    logger.info(
      {
        clusters: runtime.clusters.all.map((c) => ({
          name: c.name,
          kubernetes: c.config.kubernetes !== null,
          alertmanagers: c.config.alertmanager.urls.length,
          prometheus: Boolean(c.config.prometheus.url),
        })),
      },
      'clusters',
    );
  }

  const stop = () => {
    stopping ??= (async () => {
      if (standbyPoll) clearInterval(standbyPoll);
      const wasActive = active;
      active = null;
      await wasActive?.stop();
      // Stop accepting, let in-flight requests finish, then close the database.
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      if (wasActive) {
        try {
          lease.heartbeat(url, wasActive.startedAt, clock.now(), clock.now());
        } catch {
          // The store may be the reason we stop.
        }
      }
      lease.release();
      await parser.close();
      await checkpointer.stop();
      runtime.close();
      logger.info('stopped');
    })();
    return stopping;
  };
  const reloadPolicy = (next: LoadedConfig) => {
    // Requests, clicks and buttons read ctx.policy at every use, so swapping it is enough.
    runtime.remediation.policy = policyFromConfig(next.config.policy, next.config.clusters);
    // The controls on open incidents' messages follow the policy in force.
    active?.slack?.policyChanged();
    logger.info(
      { config: next.file ?? '(embedded defaults)', maxRisk: next.config.policy.max_risk, namespaces: next.config.policy.namespaces },
      'policy reloaded',
    );
  };
  return { url, runtime, reloadPolicy, stop, lost };
}

/** The clusters whose incidents are reconciled: those with an Alertmanager, when reconciliation is on. */
function reconciledClusters(runtime: Runtime): ClusterRuntime[] {
  return runtime.clusters.all.filter((c) => c.config.alertmanager.urls.length > 0 && c.config.alertmanager.reconcile.intervalMs > 0);
}

interface ActiveServices {
  startedAt: number;
  slack: RunningSlack | null;
  /** One per cluster with an Alertmanager: each runs on its own, so one cluster's outage never delays another's. */
  reconcilers: Reconciler[];
  /** Ends until-resolved silences of incidents that resolved (runs after the current pass). */
  sweepSilences(): void;
  stop(): Promise<void>;
}

/**
 * What runs once per database, in the lease holder only: Slack (socket and outbox), the
 * heartbeat, request expiry, audit shipping, pruning and reconciliation with Alertmanager.
 */
async function startActive(
  runtime: Runtime,
  lease: DaemonLease,
  metrics: Metrics,
  reconcileMetrics: ReconcileMetrics | null,
  logger: Logger,
  url: string,
  lost: (reason: string) => void,
): Promise<ActiveServices> {
  const { loaded, store, clock } = runtime;
  const { config } = loaded;
  const startedAt = clock.now();
  const slack: RunningSlack | null = slackConfigured(loaded)
    ? await startSlack(runtime, metrics, logger, remediationExtensions(runtime))
    : null;
  store.setMeta(SLACK_ENABLED_META, slack ? '1' : '0', clock.now());
  if (!slack) recordSocketState(runtime, logger, 'off');
  let anchorDiverged = false;
  const beat = () => {
    const reason = lease.lostReason();
    if (reason) {
      lost(reason);
      return;
    }
    try {
      lease.heartbeat(url, startedAt, clock.now());
    } catch (e) {
      logger.warn({ err: e }, 'heartbeat not written');
    }
    try {
      // The audit chain's head, kept outside the database (see audit-anchor.ts).
      const anchored = runtime.checkpointAudit();
      if (anchored === 'diverged' && !anchorDiverged)
        logger.error(
          'the audit chain no longer holds the row its anchor records: rows were deleted or rewritten; run chatops audit verify',
        );
      anchorDiverged = anchored === 'diverged';
    } catch (e) {
      logger.warn({ err: e }, 'audit anchor not written');
    }
  };
  beat();
  const heartbeat = setInterval(beat, HEARTBEAT_MS);
  heartbeat.unref();
  const shipper = new AuditShipper(store, buildAuditSinks(loaded), logger, metrics.registry, clock.now);
  shipper.start();
  const sweepExpired = () => {
    try {
      const n = expireRequests(runtime.remediation);
      if (n > 0) logger.info({ expired: n }, 'action requests expired');
      // Longer than any CLI or daemon could still be following the rollout, in the slowest cluster.
      const follow = Math.max(
        ...runtime.clusters.all.map((c) => {
          const k = c.config.kubernetes;
          return k
            ? k.rolloutTimeoutMs + 3 * k.requestTimeoutMs
            : config.kubernetes.rollout_timeout + 3 * config.kubernetes.request_timeout;
        }),
      );
      const closed = recoverInterrupted(runtime.remediation, { approvedStaleMs: 2 * 60_000, runningStaleMs: follow + 2 * 60_000 });
      if (closed > 0) logger.warn({ closed }, 'action requests left behind by a stopped process were closed as failed');
    } catch (e) {
      logger.warn({ err: e }, 'expiry sweep failed');
    }
  };
  // "Silence until resolved": expired once the incident resolves, however it resolved.
  const untilResolved = new UntilResolvedSweep(runtime, logger);
  const sweepSilences = () =>
    void untilResolved.run().catch((e: unknown) => logger.warn({ err: e }, 'until-resolved silence sweep failed'));
  sweepExpired();
  sweepSilences();
  const expirySweep = setInterval(() => {
    sweepExpired();
    sweepSilences();
  }, EXPIRY_SWEEP_MS);
  expirySweep.unref();
  // Raw deliveries and delivered outbox rows are kept for store.retention (0 = forever).
  const prune = () => {
    if (config.store.retention <= 0) return;
    try {
      const n = store.prune(clock.now() - config.store.retention);
      if (n.deliveries + n.outbox > 0) logger.info(n, 'pruned rows older than store.retention');
    } catch (e) {
      logger.warn({ err: e }, 'prune failed; will retry');
    }
  };
  prune();
  const pruneTimer = setInterval(prune, PRUNE_MS);
  pruneTimer.unref();
  const multi = runtime.clusters.set.multi;
  const reconcilers = reconcileMetrics
    ? reconciledClusters(runtime).map((c) => {
        const am = c.config.alertmanager;
        const log = logger.child({ component: 'reconcile', ...(multi ? { cluster: c.name } : {}) });
        return new Reconciler(
          runtime,
          reconcileMetrics,
          log,
          {
            cluster: multi ? c.name : null,
            urls: am.urls,
            timeoutMs: am.timeoutMs,
            intervalMs: am.reconcile.intervalMs,
            warmupMs: am.reconcile.warmupMs,
          },
          () => {
            slack?.nudge();
            sweepSilences();
          },
        );
      })
    : [];
  for (const r of reconcilers) r.start();
  return {
    startedAt,
    slack,
    reconcilers,
    sweepSilences,
    async stop() {
      await Promise.all(reconcilers.map((r) => r.stop()));
      clearInterval(heartbeat);
      await shipper.stop();
      clearInterval(expirySweep);
      clearInterval(pruneTimer);
      await untilResolved.idle();
      await slack?.stop();
    },
  };
}
