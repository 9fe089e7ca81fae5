/** Wires Slack into the daemon: Web API client, outbox worker, Socket Mode app, metrics. */
import type { Logger } from 'pino';
import { noExtraActions, type ActionsFor } from '../adapters/slack/render.js';
import { SlackSocketApp } from '../adapters/slack/socket-app.js';
import { SlackWebApi } from '../adapters/slack/web-api.js';
import type { Runtime } from '../app.js';
import { ChatopsError } from '../core/errors.js';
import type { Metrics } from './metrics.js';
import { builtinHandlers, createActionDispatcher, type ActionHandler } from './slack-interactions.js';
import { SlackOutboxWorker } from './slack-outbox.js';
import { SlackTokenGate } from './slack-token-gate.js';

export interface RunningSlack {
  notReadyReason(): string | null;
  nudge(): void;
  stop(): Promise<void>;
  socket: SlackSocketApp;
}

export interface SlackExtensions {
  /** Extra buttons per incident (the remediation seam). */
  actionsFor?: ActionsFor;
  /** Handlers for those buttons' action ids. */
  handlers?: Map<string, ActionHandler>;
}

export async function startSlack(rt: Runtime, metrics: Metrics, logger: Logger, ext: SlackExtensions = {}): Promise<RunningSlack> {
  const { config, secrets } = rt.loaded;
  const botToken = secrets.slackBotToken!;
  const appToken = secrets.slackAppToken!;
  if (!botToken.startsWith('xoxb-')) throw new ChatopsError('config', 'SLACK_BOT_TOKEN must be a bot token (xoxb-…): copy it from OAuth & Permissions of the Slack app.');
  if (!appToken.startsWith('xapp-')) throw new ChatopsError('config', 'SLACK_APP_TOKEN must be an app-level token (xapp-…) with connections:write: create it under Basic Information → App-Level Tokens.');
  const channel = config.slack.channel;
  if (!channel) throw new ChatopsError('config', 'Slack is on but has no channel: set SLACK_CHANNEL (or slack.channel) to the channel id for incidents, and invite the bot there.');
  const log = logger.child({ component: 'slack' });
  // A token Slack refuses is reported once and never used again by this process.
  const gate = new SlackTokenGate(log);

  const api = gate.guard(new SlackWebApi({
    token: botToken,
    apiUrl: config.slack.api_url,
    timeoutMs: config.slack.request_timeout,
    logger: log,
    onCall: (method, outcome) => metrics.slackCalls.inc({ method, outcome }),
  }));
  const worker = new SlackOutboxWorker({
    store: rt.store,
    slack: rt.slack,
    api,
    clock: rt.clock,
    logger: log,
    actionsFor: ext.actionsFor ?? noExtraActions,
    config: {
      defaultChannel: channel,
      routes: config.slack.routes,
      stormThreshold: config.slack.storm.threshold,
      stormWindowMs: config.slack.storm.window,
      postIntervalMs: config.slack.post_interval,
      updateIntervalMs: config.slack.update_interval,
      links: { dashboard: config.links.dashboard, logs: config.links.logs },
      prometheusUrl: config.prometheus.url,
      prometheusTimeoutMs: config.prometheus.timeout,
      silenceEnabled: ['low', 'mutate', 'destructive'].includes(config.policy.max_risk),
    },
  });
  const handlers = builtinHandlers(rt);
  for (const [id, h] of ext.handlers ?? []) handlers.set(id, h);
  const socket = new SlackSocketApp({
    botToken,
    appToken,
    apiUrl: config.slack.api_url,
    pingTimeoutMs: config.slack.ping_timeout,
    watchdogMs: config.slack.watchdog,
    logger: log,
    onAction: createActionDispatcher(rt, handlers, log, () => worker.nudge()),
    onTokenRefused: (kind, error) => gate.refuse(kind, error),
  });
  metrics.setSlackState(() => socket.state === 'connected');
  // The outbox drains even while the socket is down: posting needs only the Web API.
  worker.start();
  socket.start();
  return {
    socket,
    notReadyReason: () => gate.reason() ?? socket.notReadyReason(),
    nudge: () => worker.nudge(),
    async stop() {
      await socket.stop();
      await worker.stop();
    },
  };
}
