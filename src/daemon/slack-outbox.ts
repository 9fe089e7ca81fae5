/**
 * The Slack outbox worker: drains outbox rows into Slack, one lane per channel.
 *
 * - Assignment (fast, in a transaction): a new incident gets its channel (routing) and either
 *   its own message or a line in the channel's storm digest.
 * - Lanes (one per channel, paced at slack.post_interval per write): post the top message
 *   (with metadata; after an uncertain outcome, look it up before posting again), coalesce
 *   all pending changes of one message into one chat.update rendered from the current state,
 *   post thread replies, and keep digests up to date.
 * - 429: the lane waits Retry-After for that method; other failures back off per row.
 */
import type { Logger } from 'pino';
import { instantQuery } from '../adapters/prometheus/query.js';
import {
  formatQueryResult, renderDigest, renderIncident, renderReply, renderRequestReply, routeChannel, stormDecision,
  type ActionsFor, type Enrichment, type LinkTemplates, type ReplyKind, type RequestNote, type SlackMessage,
} from '../adapters/slack/render.js';
import { DIGEST_EVENT, INCIDENT_EVENT, REPLY_EVENT, SlackCallError, type SlackWebApi } from '../adapters/slack/web-api.js';
import type { OutboxRow, SlackStore } from '../adapters/store/slack-store.js';
import type { SqliteStore } from '../adapters/store/sqlite-store.js';
import type { Clock } from '../core/ports.js';
import { activeSilence } from '../core/silence.js';
import type { Incident } from '../core/types.js';

export interface SlackOutboxConfig {
  defaultChannel: string;
  routes: readonly { match: Record<string, string>; channel: string }[];
  stormThreshold: number;
  stormWindowMs: number;
  postIntervalMs: number;
  /** Workspace-wide spacing of chat.update calls (Tier 3: about 50 a minute). */
  updateIntervalMs: number;
  links: LinkTemplates;
  prometheusUrl?: string;
  prometheusTimeoutMs: number;
  /** The policy lets someone silence (max_risk low or more): offer the Silence menu. */
  silenceEnabled: boolean;
}

export interface SlackOutboxDeps {
  store: SqliteStore;
  slack: SlackStore;
  api: SlackWebApi;
  clock: Clock;
  logger: Logger;
  config: SlackOutboxConfig;
  actionsFor: ActionsFor;
}

/** Kinds whose effect includes bringing the top message up to date. */
const UPDATE_KINDS = new Set(['incident.opened', 'incident.updated', 'incident.reopened', 'incident.resolved', 'alert.joined', 'alert.refired',
  'incident.silenced', 'incident.unsilenced', 'incident.enriched']);
/** Kinds that also reply in the incident's thread. */
const REPLY_KINDS = new Set<string>(['alert.joined', 'alert.refired', 'incident.reopened', 'incident.resolved', 'incident.silenced', 'incident.unsilenced',
  'request.created', 'request.decided', 'request.result']);
const REQUEST_KINDS = new Set(['request.created', 'request.decided', 'request.result']);

/**
 * The core writes a silence as `incident.updated` with reason "silence"; it replies in the
 * thread like the other reply kinds. Rows are normalised once, when read.
 */
function normalise(row: OutboxRow): OutboxRow {
  if (row.kind === 'incident.updated' && row.payload.reason === 'silence') {
    const p = row.payload as { silenceId?: string; endsAt?: string; by?: string };
    return { ...row, kind: 'incident.silenced', payload: { ...row.payload, actor: p.by, endsAt: Date.parse(p.endsAt ?? '') || 0 } };
  }
  return row;
}
const EPHEMERAL = 'slack.ephemeral';
/** A permanent failure (channel_not_found, invalid_blocks …) is retried this often, then given up. */
const MAX_PERMANENT_ATTEMPTS = 8;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, Math.max(0, ms)));

export class SlackOutboxWorker {
  private stopped = false;
  private loop: Promise<void> | null = null;
  private wake: (() => void) | null = null;
  private readonly busyLanes = new Set<string>();
  private readonly lanes = new Set<Promise<void>>();
  private readonly channelNextAt = new Map<string, number>();
  private readonly methodBlockedUntil = new Map<string, number>();
  private readonly methodNextAt = new Map<string, number>();
  private enriching = 0;
  private readonly enrichQueue: number[] = [];
  /** Incidents whose enrichment this process has started (once each). */
  private readonly enrichScheduled = new Set<number>();

  constructor(private readonly deps: SlackOutboxDeps) {}

  start(): void {
    this.loop = this.run();
  }

  /** Something was enqueued in this process: look now instead of at the next poll. */
  nudge(): void {
    this.wake?.();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.nudge();
    await this.loop;
    await Promise.allSettled([...this.lanes]);
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      try {
        this.tick();
      } catch (e) {
        this.deps.logger.error({ err: e }, 'slack outbox tick failed');
      }
      // CLI processes write rows too, so poll; a nudge cuts the wait short.
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 200);
        this.wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
      this.wake = null;
    }
  }

  /** Assigns new incidents, then starts a lane for every channel with work and none running. */
  private tick(): void {
    const { slack, clock } = this.deps;
    const now = clock.now();
    const due = slack.dueOutbox(now).map(normalise);
    const byChannel = new Map<string, Map<number, OutboxRow[]>>();
    const ephemerals: OutboxRow[] = [];
    const orphans: OutboxRow[] = [];
    for (const row of due) {
      if (row.kind === EPHEMERAL) {
        ephemerals.push(row);
        continue;
      }
      if (row.incidentId === null) {
        // A request made without --incident has no thread: it goes top-level to the default channel.
        if (REQUEST_KINDS.has(row.kind)) orphans.push(row);
        else slack.markDone([row.id], now);
        continue;
      }
      const channel = this.assign(row.incidentId, now);
      if (channel === null) {
        slack.markDone([row.id], now); // digested (the digest is marked dirty) or unknown incident
        continue;
      }
      let group = byChannel.get(channel);
      if (!group) byChannel.set(channel, (group = new Map()));
      const rows = group.get(row.incidentId);
      if (rows) rows.push(row);
      else group.set(row.incidentId, [row]);
    }
    for (const d of slack.dirtyDigests()) if (!byChannel.has(d.channel)) byChannel.set(d.channel, new Map());
    const fallback = this.deps.config.defaultChannel;
    if (orphans.length && !byChannel.has(fallback)) byChannel.set(fallback, new Map());
    if (ephemerals.length && !this.busyLanes.has(EPHEMERAL)) this.startLane(EPHEMERAL, () => this.ephemeralLane(ephemerals));
    for (const [channel, incidents] of byChannel) {
      if (!this.busyLanes.has(channel)) this.startLane(channel, () => this.channelLane(channel, incidents, channel === fallback ? orphans : []));
    }
  }

  private startLane(name: string, fn: () => Promise<void>): void {
    this.busyLanes.add(name);
    const p = fn()
      .catch((e: unknown) => this.deps.logger.error({ err: e, lane: name }, 'slack lane failed'))
      .finally(() => {
        this.busyLanes.delete(name);
        this.lanes.delete(p);
        this.nudge();
      });
    this.lanes.add(p);
  }

  /**
   * The channel an incident's rows go to, creating its message row on first sight (routing and
   * the storm decision happen here, at arrival rate). Null: handled by a digest, or unknown.
   */
  private assign(incidentId: number, now: number): string | null {
    const { slack, store, config } = this.deps;
    let msg = slack.messageOf(incidentId);
    if (!msg) {
      const incident = store.getIncident(incidentId);
      if (!incident) return null;
      const channel = routeChannel(incident.labels, config.routes, config.defaultChannel);
      slack.transaction(() => {
        if (slack.messageOf(incidentId)) return;
        const since = now - config.stormWindowMs;
        const open = slack.openDigest(channel, since);
        const decision = stormDecision({ ownInWindow: slack.ownMessagesSince(channel, since), threshold: config.stormThreshold, openDigest: open !== null });
        if (decision === 'digest') {
          const digestId = open?.id ?? slack.createDigest(channel, now);
          slack.createMessage(incidentId, channel, digestId, now);
          slack.touchDigest(digestId, now, true);
        } else {
          slack.createMessage(incidentId, channel, null, now);
        }
      });
      msg = slack.messageOf(incidentId)!;
    }
    if (msg.digestId !== null) {
      slack.touchDigest(msg.digestId, now, false);
      return null;
    }
    return msg.channel;
  }

  // --- lanes --------------------------------------------------------------------------------

  private async channelLane(channel: string, incidents: Map<number, OutboxRow[]>, orphans: OutboxRow[]): Promise<void> {
    for (const row of orphans) {
      if (this.stopped) return;
      await this.guard(() => this.postOrphan(channel, row), [row]);
    }
    const queue = [...incidents.entries()];
    let digestFailures = 0;
    for (;;) {
      if (this.stopped) return;
      const digest = digestFailures < 3 ? this.deps.slack.dirtyDigests().find((d) => d.channel === channel) : undefined;
      if (digest) {
        if (!(await this.guard(() => this.syncDigest(digest.id), null))) digestFailures++;
        continue;
      }
      const next = queue.shift();
      if (!next) return;
      const [incidentId, rows] = next;
      await this.guard(() => this.syncIncident(channel, incidentId, rows), rows);
    }
  }

  private async ephemeralLane(rows: OutboxRow[]): Promise<void> {
    for (const row of rows) {
      if (this.stopped) return;
      const p = row.payload as { channel?: string; user?: string; text?: string; threadTs?: string };
      await this.guard(async () => {
        if (p.channel && p.user && p.text) {
          await this.call(null, 'chat.postEphemeral', () => this.deps.api.ephemeral({ channel: p.channel!, user: p.user!, text: p.text!, threadTs: p.threadTs }));
        }
        this.deps.slack.markDone([row.id], this.deps.clock.now());
      }, [row]);
    }
  }

  /** Runs one step; on failure backs off the rows involved (a digest stays dirty and is retried). */
  private async guard(fn: () => Promise<void>, rows: OutboxRow[] | null): Promise<boolean> {
    try {
      await fn();
      return true;
    } catch (e) {
      if (this.stopped) return false; // shutting down: the rows stay due, no attempt counted
      const now = this.deps.clock.now();
      const failure = e instanceof SlackCallError ? e.failure : { kind: 'uncertain' as const, error: (e as Error).message };
      if (!(e instanceof SlackCallError)) this.deps.logger.error({ err: e }, 'slack outbox step failed');
      if (rows && rows.length) {
        const attempts = Math.max(...rows.map((r) => r.attempts)) + 1;
        if (failure.kind === 'permanent' && attempts >= MAX_PERMANENT_ATTEMPTS) {
          this.deps.logger.error({ error: failure.error, rows: rows.map((r) => r.id) }, 'slack refused these outbox rows repeatedly; giving up on them');
          this.deps.slack.defer(rows.map((r) => r.id), now, { error: `gave up: ${failure.error}` });
          this.deps.slack.markDone(rows.map((r) => r.id), now);
          return false;
        }
        const backoff = Math.min(300_000, 1000 * 2 ** Math.min(attempts - 1, 9));
        this.deps.logger.warn({ error: failure.error, kind: failure.kind, attempts, retryInMs: backoff, rows: rows.map((r) => r.id) }, 'slack call failed; will retry');
        this.deps.slack.defer(rows.map((r) => r.id), now + backoff, { error: failure.error });
      } else {
        this.deps.logger.warn({ error: failure.error, kind: failure.kind }, 'slack digest call failed; will retry');
        await sleep(1000);
      }
      return false;
    }
  }

  /**
   * One Web API call under pacing: waits for the channel's slot (writes only) and the method's
   * 429 block, and on 429 waits Retry-After and tries again.
   */
  private async call<T>(channel: string | null, method: string, fn: () => Promise<T>): Promise<T> {
    for (;;) {
      if (this.stopped) throw new SlackCallError(method, { kind: 'uncertain', error: 'stopping' });
      const now = this.deps.clock.now();
      const wait = Math.max((channel && this.channelNextAt.get(channel)) || 0, this.methodBlockedUntil.get(method) ?? 0, this.methodNextAt.get(method) ?? 0) - now;
      if (wait > 0) {
        await sleep(Math.min(wait, 500)); // in slices, so that stop() is not held up by a long Retry-After
        continue; // another lane may have taken the method's slot meanwhile
      }
      if (channel) this.channelNextAt.set(channel, now + this.deps.config.postIntervalMs);
      if (method === 'chat.update') this.methodNextAt.set(method, now + this.deps.config.updateIntervalMs);
      try {
        return await fn();
      } catch (e) {
        if (e instanceof SlackCallError && e.failure.kind === 'rate_limited') {
          const until = this.deps.clock.now() + e.failure.retryAfterMs;
          this.methodBlockedUntil.set(method, Math.max(until, this.methodBlockedUntil.get(method) ?? 0));
          if (channel) this.channelNextAt.set(channel, Math.max(until, this.channelNextAt.get(channel) ?? 0));
          this.deps.logger.info({ method, channel, retryAfterMs: e.failure.retryAfterMs }, 'slack rate limited; waiting');
          continue;
        }
        throw e;
      }
    }
  }

  private view(incident: Incident, enrichment: string | null) {
    const { store, clock, config } = this.deps;
    const now = clock.now();
    const silence = activeSilence(store.auditOf(incident.id), now);
    return renderIncident({
      incident,
      alerts: store.alertsOf(incident.id),
      silence,
      silenceEnabled: config.silenceEnabled,
      enrichment: enrichment ? (JSON.parse(enrichment) as Enrichment) : null,
      links: config.links,
      extraActions: incident.status === 'resolved' ? [] : this.deps.actionsFor(incident),
      now,
    });
  }

  /** Posts a top-level message once: looks up an earlier post of uncertain outcome first. */
  private async postOnce(channel: string, kind: 'incident' | 'digest', id: number, postStartedAt: number | null, render: () => SlackMessage): Promise<string> {
    const { slack, api, clock } = this.deps;
    const eventType = kind === 'incident' ? INCIDENT_EVENT : DIGEST_EVENT;
    const key = kind === 'incident' ? 'incident_id' : 'digest_id';
    if (postStartedAt !== null) {
      const found = await this.call(null, 'conversations.history', () => api.findByMetadata(channel, eventType, key, id, postStartedAt));
      if (found) {
        this.deps.logger.info({ kind, id, ts: found }, 'found the earlier post of uncertain outcome; not posting again');
        if (kind === 'incident') slack.setTs(id, found, clock.now());
        else slack.setDigestTs(id, found, clock.now());
        return found;
      }
    }
    if (kind === 'incident') slack.markPostStarted(id, clock.now());
    else slack.markDigestPostStarted(id, clock.now());
    const msg = render();
    const r = await this.call(channel, 'chat.postMessage', () => api.post({ channel, ...msg, metadata: { event_type: eventType, event_payload: { [key]: id } } }));
    if (kind === 'incident') slack.setTs(id, r.ts, clock.now());
    else slack.setDigestTs(id, r.ts, clock.now());
    return r.ts;
  }

  private async syncIncident(channel: string, incidentId: number, rows: OutboxRow[]): Promise<void> {
    const { store, slack, clock, api } = this.deps;
    const incident = store.getIncident(incidentId);
    const msg = slack.messageOf(incidentId);
    if (!incident || !msg) {
      slack.markDone(rows.map((r) => r.id), clock.now());
      return;
    }
    let ts = msg.ts;
    let fresh = false;
    if (!ts) {
      ts = await this.postOnce(channel, 'incident', incidentId, msg.postStartedAt, () => this.view(incident, msg.enrichment));
      fresh = true;
    }
    // After the post, never before it; also picks up an enrichment a restart interrupted.
    if (msg.enrichment === null && incident.status !== 'resolved') this.scheduleEnrichment(incident);
    const pendingUpdate = rows.filter((r) => UPDATE_KINDS.has(r.kind) && !r.payload.topUpdated);
    if (!fresh && pendingUpdate.length) {
      // Coalesced: however many changes are pending, one update rendered from the state as it
      // is when the call goes out (also after a 429 wait); every row written before that
      // render is covered by it.
      let upto = 0;
      await this.call(channel, 'chat.update', () => {
        upto = slack.maxOutboxId();
        const current = store.getIncident(incidentId) ?? incident;
        return api.update({ channel, ts: ts!, ...this.view(current, slack.messageOf(incidentId)?.enrichment ?? null) });
      });
      slack.coalesceUpdates(incidentId, upto, [...UPDATE_KINDS].filter((k) => !REPLY_KINDS.has(k)), [...REPLY_KINDS], clock.now());
    }
    const now = clock.now();
    const replyRows = rows.filter((r) => REPLY_KINDS.has(r.kind));
    slack.transaction(() => {
      slack.markDone(rows.filter((r) => !REPLY_KINDS.has(r.kind)).map((r) => r.id), now);
      slack.markTopUpdated(replyRows.map((r) => r.id));
      for (const r of replyRows) r.payload.topUpdated = 1;
    });
    // Thread replies: joined/re-fired alerts coalesce into one reply per kind.
    const byKind = new Map<string, OutboxRow[]>();
    for (const r of replyRows) {
      const key = r.kind === 'alert.joined' || r.kind === 'alert.refired' ? r.kind : `${r.kind}#${r.id}`;
      const list = byKind.get(key);
      if (list) list.push(r);
      else byKind.set(key, [r]);
    }
    for (const [key, all] of byKind) {
      const kind = key.split('#')[0] as ReplyKind;
      // A reply sent before with an uncertain outcome: find it by its metadata before posting again.
      const sent = all.filter((r) => typeof r.payload.replyKey === 'number');
      if (sent.length) {
        const replyKey = sent[0]!.payload.replyKey as number;
        const found = await this.call(null, 'conversations.replies', () => api.findReply(channel, ts!, REPLY_EVENT, replyKey));
        if (found) {
          slack.markDone(sent.map((r) => r.id), clock.now());
          continue; // the others (if any) go out in the next pass
        }
      }
      const group = all;
      const replyKey = Math.min(...group.map((r) => r.id));
      const current = store.getIncident(incidentId) ?? incident;
      const p = group[0]!.payload as { actor?: string; silenceId?: string; endsAt?: number; untilResolved?: boolean; extended?: boolean; reason?: string };
      const reply = REQUEST_KINDS.has(kind)
        ? renderRequestReply(kind as 'request.created', group[0]!.payload as unknown as RequestNote)
        : renderReply(kind, current, store.alertsOf(incidentId), {
          fingerprints: group.map((r) => String(r.payload.fingerprint ?? '')), actor: p.actor, silenceId: p.silenceId, endsAt: p.endsAt,
          untilResolved: p.untilResolved, extended: p.extended, reason: p.reason,
        });
      slack.setReplyKey(group.map((r) => r.id), replyKey);
      for (const r of group) r.payload.replyKey = replyKey;
      await this.call(channel, 'chat.postMessage', () => api.post({ channel, threadTs: ts!, ...reply, metadata: { event_type: REPLY_EVENT, event_payload: { reply_key: replyKey } } }));
      slack.markDone(group.map((r) => r.id), clock.now());
    }
  }

  /** A request.* row without an incident: a top-level message, looked up by metadata after an uncertain outcome. */
  private async postOrphan(channel: string, row: OutboxRow): Promise<void> {
    const { slack, api, clock } = this.deps;
    if (typeof row.payload.replyKey === 'number') {
      const found = await this.call(null, 'conversations.history', () => api.findByMetadata(channel, REPLY_EVENT, 'reply_key', row.id, row.createdAt));
      if (found) {
        slack.markDone([row.id], clock.now());
        return;
      }
    }
    slack.setReplyKey([row.id], row.id);
    row.payload.replyKey = row.id;
    const msg = renderRequestReply(row.kind as 'request.created', row.payload as unknown as RequestNote);
    await this.call(channel, 'chat.postMessage', () => api.post({ channel, ...msg, metadata: { event_type: REPLY_EVENT, event_payload: { reply_key: row.id } } }));
    slack.markDone([row.id], clock.now());
  }

  private async syncDigest(digestId: number): Promise<void> {
    const { store, slack, clock, api } = this.deps;
    const digest = slack.digest(digestId);
    if (!digest) return;
    // Clean before rendering: additions while the call is in flight mark it dirty again.
    slack.markDigestClean(digestId, clock.now());
    const render = () => {
      const incidents = slack.digestIncidentIds(digestId).map((id) => store.getIncident(id)).filter((i): i is Incident => i !== null);
      return renderDigest(incidents, digest.openedAt);
    };
    try {
      if (!digest.ts) {
        await this.postOnce(digest.channel, 'digest', digestId, digest.postStartedAt, render);
      } else {
        await this.call(digest.channel, 'chat.update', () => api.update({ channel: digest.channel, ts: digest.ts!, ...render() }));
      }
    } catch (e) {
      slack.touchDigest(digestId, clock.now(), false);
      throw e;
    }
  }

  // --- enrichment ---------------------------------------------------------------------------

  /** Queries Prometheus for `promql_query` after the post; the result arrives as an update. */
  private scheduleEnrichment(incident: Incident): void {
    const query = incident.annotations.promql_query?.trim();
    if (!query || !this.deps.config.prometheusUrl || this.enrichScheduled.has(incident.id)) return;
    this.enrichScheduled.add(incident.id);
    this.enrichQueue.push(incident.id);
    this.pumpEnrichment();
  }

  private pumpEnrichment(): void {
    while (this.enriching < 4 && this.enrichQueue.length) {
      const id = this.enrichQueue.shift()!;
      this.enriching++;
      void this.enrich(id).finally(() => {
        this.enriching--;
        this.pumpEnrichment();
      });
    }
  }

  private async enrich(incidentId: number): Promise<void> {
    const { store, slack, clock, config, logger } = this.deps;
    const incident = store.getIncident(incidentId);
    const query = incident?.annotations.promql_query?.trim();
    if (!incident || !query || !config.prometheusUrl) return;
    const outcome = await instantQuery(config.prometheusUrl, query, config.prometheusTimeoutMs);
    const enrichment: Enrichment = outcome.ok
      ? formatQueryResult(query, outcome.data)
      : { query, outcome: 'error', lines: [`${outcome.errorType}: ${outcome.error}`] };
    if (this.stopped) return;
    try {
      const now = clock.now();
      store.transaction(() => {
        slack.setEnrichment(incidentId, JSON.stringify(enrichment), now);
        store.enqueue({ kind: 'incident.enriched', incidentId, payload: { outcome: enrichment.outcome } }, now);
      });
      this.nudge();
    } catch (e) {
      logger.warn({ err: e, incidentId }, 'enrichment not stored');
    }
  }
}
