/** Wires Slack into the daemon: Web API client, outbox worker, Socket Mode app, metrics. */
import { Gauge } from 'prom-client';
import type { Logger } from 'pino';
import { messageSettings } from '../adapters/slack/controls.js';
import { SlackSocketApp, type SocketState } from '../adapters/slack/socket-app.js';
import { SlackWebApi } from '../adapters/slack/web-api.js';
import { ExtrasStore } from '../adapters/store/extras-store.js';
import { SLACK_SOCKET_META, type Runtime } from '../app.js';
import type { Config } from '../config/schema.js';
import { ChatopsError } from '../core/errors.js';
import type { Metrics } from './metrics.js';
import { OutboxWorker } from './outbox/worker.js';
import { systemTimers, type Timers } from './outbox/timers.js';
import { digestHandlers } from './slack-digest-actions.js';
import { builtinHandlers, createActionDispatcher, type ActionHandler } from './slack-interactions.js';
import { extrasConfig, IncidentExtras } from './incident-extras.js';
import { SlackTokenGate } from './slack-token-gate.js';

export interface RunningSlack {
  notReadyReason(): string | null;
  /** Why Slack is behind its visibility bound, or null. */
  behindReason(): string | null;
  nudge(): void;
  /** The policy in force changed: re-render open incidents (their controls follow it). */
  policyChanged(): void;
  stop(): Promise<void>;
  socket: SlackSocketApp;
}

export interface SlackExtensions {
  /** Handlers for extra buttons' action ids (the remediation seam). */
  handlers?: Map<string, ActionHandler>;
}

/** A growing digest is synced at most this many update intervals apart. */
const DIGEST_INTERVAL_UPDATES = 5;

/**
 * How long an incident may wait to become visible in Slack (its own message or its digest line)
 * while Slack answers: the own messages ahead of it (at most storm.threshold per channel and
 * window, one per post_interval), one digest interval, and one call already in flight.
 */
export function visibilityBoundMs(slack: Config['slack']): number {
  return slack.storm.threshold * slack.post_interval + (DIGEST_INTERVAL_UPDATES + 1) * slack.update_interval + slack.request_timeout;
}

export async function startSlack(
  rt: Runtime,
  metrics: Metrics,
  logger: Logger,
  ext: SlackExtensions = {},
  timers: Timers = { ...systemTimers, now: rt.clock.now },
): Promise<RunningSlack> {
  const { config, secrets } = rt.loaded;
  const botToken = secrets.slackBotToken!;
  const appToken = secrets.slackAppToken!;
  if (!botToken.startsWith('xoxb-'))
    throw new ChatopsError('config', 'SLACK_BOT_TOKEN must be a bot token (xoxb-…): copy it from OAuth & Permissions of the Slack app.');
  if (!appToken.startsWith('xapp-'))
    throw new ChatopsError(
      'config',
      'SLACK_APP_TOKEN must be an app-level token (xapp-…) with connections:write: create it under Basic Information → App-Level Tokens.',
    );
  const channel = config.slack.channel;
  if (!channel)
    throw new ChatopsError(
      'config',
      'Slack is on but has no channel: set SLACK_CHANNEL (or slack.channel) to the channel id for incidents, and invite the bot there.',
    );
  const log = logger.child({ component: 'slack' });
  // A token Slack refuses is reported once and never used again by this process.
  const gate = new SlackTokenGate(log);

  const api = gate.guard(
    new SlackWebApi({
      token: botToken,
      apiUrl: config.slack.api_url,
      timeoutMs: config.slack.request_timeout,
      logger: log,
      onCall: (method, outcome) => metrics.slackCalls.inc({ method, outcome }),
    }),
  );
  const extrasStore = new ExtrasStore(rt.store);
  let nudge = () => {};
  const extras = new IncidentExtras({
    store: rt.store,
    extras: extrasStore,
    files: api,
    clock: timers,
    sleep: (ms) => timers.sleep(ms),
    logger: log.child({ component: 'extras' }),
    config: extrasConfig(config, rt.clusters),
    remediation: rt.remediation,
    onEnqueued: () => nudge(),
  });
  const worker = new OutboxWorker({
    extras: { runner: extras, store: extrasStore },
    store: rt.store,
    slack: rt.slack,
    api,
    timers,
    logger: log,
    config: {
      defaultChannel: channel,
      routes: config.slack.routes,
      stormThreshold: config.slack.storm.threshold,
      stormWindowMs: config.slack.storm.window,
      intervalMs: DIGEST_INTERVAL_UPDATES * config.slack.update_interval,
      postIntervalMs: config.slack.post_interval,
      updateIntervalMs: config.slack.update_interval,
      // The incident's cluster's Prometheus (each cluster's queries under their own concurrency).
      prometheusOf: (incident) => rt.clusters.prometheusOf(incident),
      showCluster: rt.clusters.set.multi,
      messages: () => messageSettings(rt.remediation.policy, config), // the policy in force at each render (SIGHUP swaps it)
    },
  });
  const handlers = builtinHandlers(rt);
  for (const [id, h] of ext.handlers ?? []) handlers.set(id, h);
  for (const [id, h] of digestHandlers(rt)) handlers.set(id, h);
  const socket = new SlackSocketApp({
    botToken,
    appToken,
    apiUrl: config.slack.api_url,
    pingTimeoutMs: config.slack.ping_timeout,
    watchdogMs: config.slack.watchdog,
    logger: log,
    onAction: createActionDispatcher(rt, handlers, log, () => worker.nudge()),
    onTokenRefused: (kind, error) => gate.refuse(kind, error),
    onStateChange: (state, detail) => recordSocketState(rt, log, state, detail),
  });
  nudge = () => worker.nudge();
  metrics.setSlackState(() => socket.state === 'connected');
  extras.resume((id) => {
    const m = rt.slack.messageOf(id);
    return m?.ts ? { channel: m.channel, ts: m.ts } : null;
  });

  const boundMs = visibilityBoundMs(config.slack);
  const lagMs = () => {
    const oldest = rt.slack.oldestInvisible();
    return oldest ? { ...oldest, ms: Math.max(0, timers.now() - oldest.since) } : null;
  };
  new Gauge({
    name: 'chatops_slack_visibility_lag_seconds',
    help: 'How long the incident waiting longest to appear in Slack (own message or digest line) has waited; 0 when none waits.',
    registers: [metrics.registry],
    collect() {
      this.set((lagMs()?.ms ?? 0) / 1000);
    },
  });
  new Gauge({
    name: 'chatops_slack_visibility_bound_seconds',
    help: 'The documented bound on that wait while Slack answers (storm.threshold × post_interval + 6 × update_interval + request_timeout).',
    registers: [metrics.registry],
    collect() {
      this.set(boundMs / 1000);
    },
  });

  // The outbox drains even while the socket is down: posting needs only the Web API.
  worker.start();
  socket.start();
  return {
    socket,
    notReadyReason: () => gate.reason() ?? socket.notReadyReason(),
    behindReason: () => {
      const lag = lagMs();
      if (!lag || lag.ms <= boundMs) return null;
      const why = worker.pacer.health.outage ? ' (Slack is unreachable)' : '';
      return `Slack is behind: incident #${lag.incidentId} has waited ${Math.round(lag.ms / 1000)} s to appear in Slack, more than the ${Math.round(boundMs / 1000)} s bound${why}`;
    },
    nudge: () => worker.nudge(),
    policyChanged: () => worker.rerenderAll(),
    async stop() {
      await socket.stop();
      await extras.stop();
      await worker.stop();
    },
  };
}

/**
 * Writes the socket's state where every process on the database reads it (the TUI header):
 * meta `slack.socket` = {state, detail, since}. The daemon writes {state: "off"} when Slack is off.
 */
export function recordSocketState(rt: Runtime, log: Logger, state: SocketState | 'off', detail: string | null = null): void {
  const now = rt.clock.now();
  try {
    rt.store.setMeta(SLACK_SOCKET_META, JSON.stringify({ state, detail, since: now }), now);
  } catch (e) {
    log.warn({ err: e, state }, 'slack socket state not recorded');
  }
}
