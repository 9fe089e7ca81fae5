/**
 * The Slack outbox worker: turns outbox rows into Slack calls, one call in flight per channel.
 *
 * Each step (on a nudge, when a call ends, or every 200 ms — CLI processes write rows too):
 * 1. assigns incidents seen for the first time (digest.ts: own message or digest line);
 * 2. builds the channel's work — post a top message, sync a digest, update a top message,
 *    post or update a request message, post a thread reply — coalescing every pending change
 *    of one message into one call rendered from the current state;
 * 3. per idle channel, starts the most urgent item whose slot is free (pacer.ts): first the
 *    posts that make an incident visible (own messages, which the storm rule bounds), then a
 *    digest with new lines (at most every digest interval), then everything else oldest first.
 *    That order is what bounds the time until every incident is visible however long a storm
 *    lasts, while updates and replies still get every slot the visibility work leaves.
 * A failed call backs off its rows (retry-policy.ts); a 429 only waits; after an outage the
 * first call that succeeds makes every row that backed off meanwhile due again.
 */
import type { Logger } from 'pino';
import { incidentMessage, type MessageSettings } from '../../adapters/slack/controls.js';
import {
  renderReply,
  renderRequestMessage,
  renderRequestReply,
  type Enrichment,
  type ReplyKind,
  type RequestNote,
  type SlackMessage,
} from '../../adapters/slack/render.js';
import { noteOf } from '../../adapters/slack/render-request.js';
import {
  INCIDENT_EVENT,
  REPLY_EVENT,
  REQUEST_EVENT,
  SlackCallError,
  type CallFailure,
  type SlackApi,
} from '../../adapters/slack/web-api.js';
import { renderNote, renderWorkload } from '../../adapters/slack/render-extras.js';
import type { ExtrasStore } from '../../adapters/store/extras-store.js';
import type { OutboxRow, SlackStore } from '../../adapters/store/slack-store.js';
import type { SqliteStore } from '../../adapters/store/sqlite-store.js';
import { actionSpec } from '../../core/actions.js';
import { activeSilence } from '../../core/silence.js';
import type { SloLine } from '../../core/slo.js';
import { NOTE_EVENT, WORKLOAD_EVENT, type IncidentExtras } from '../incident-extras.js';
import { Digests, type DigestConfig } from './digest.js';
import { Enricher, type EnricherConfig } from './enricher.js';
import { Pacer, POST, UPDATE, type PacerConfig } from './pacer.js';
import { Poster } from './poster.js';
import { afterFailure, rowBackoffMs } from './retry-policy.js';
import type { Timers } from './timers.js';

export interface OutboxConfig extends DigestConfig, PacerConfig, EnricherConfig {
  /** The controls and links of incident messages, read at every render (the policy can be reloaded). */
  messages: () => MessageSettings;
}

export interface OutboxDeps {
  store: SqliteStore;
  slack: SlackStore;
  api: SlackApi;
  timers: Timers;
  logger: Logger;
  config: OutboxConfig;
  /** Graphs, workload state and SLO (incident-extras.ts), started once an incident's message is posted, and on resolve. */
  extras?: { runner: IncidentExtras; store: ExtrasStore };
}

/** Kinds whose effect includes bringing the top message up to date. */
const UPDATE_KINDS = new Set([
  'incident.opened',
  'incident.updated',
  'incident.reopened',
  'incident.resolved',
  'alert.joined',
  'alert.refired',
  'incident.silenced',
  'incident.unsilenced',
  'incident.enriched',
  'incident.promoted',
  'slack.rerender',
]);
/** Kinds that also reply in the incident's thread. */
const REPLY_KINDS = new Set([
  'alert.joined',
  'alert.refired',
  'incident.reopened',
  'incident.resolved',
  'incident.silenced',
  'incident.unsilenced',
  NOTE_EVENT,
  WORKLOAD_EVENT,
]);
const REQUEST_KINDS = new Set(['request.created', 'request.decided', 'request.result']);
const UPDATE_ONLY = [...UPDATE_KINDS].filter((k) => !REPLY_KINDS.has(k));
const EPHEMERAL = 'slack.ephemeral';
/** Lane of ephemeral notes (chat.postEphemeral is paced by Slack per method, not per channel). */
const EPHEMERAL_LANE = '#ephemeral';
const POLL_MS = 200;
/** Least time between two steps. */
const MIN_STEP_MS = 20;
const CATCH_UP_MS = 60_000;

/** Urgency classes: lower goes first. */
const VISIBLE = 0;
const SOON = 1;
const FRESH = 2;

/** One unit of work: a Slack call (with its lookup, if any) for one message. */
interface WorkItem {
  channel: string;
  cls: number;
  /** When its oldest row was written: older goes first within a class. */
  age: number;
  method: string;
  /** Not before (a digest's interval or backoff). */
  notBefore: number;
  /** The rows it delivers (backed off together if it fails); none for a digest. */
  rows: OutboxRow[];
  /** The incident whose top message it posts (given up for good: never visible). */
  postOf?: number;
  digestId?: number;
  run(): Promise<void>;
}

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

const ids = (rows: readonly OutboxRow[]) => rows.map((r) => r.id);

export class OutboxWorker {
  private stopped = false;
  private loop: Promise<void> | null = null;
  private wake: (() => void) | null = null;
  private woken = false;
  private readonly busy = new Set<string>();
  private readonly running = new Set<Promise<void>>();
  /** Rows that backed off on an uncertain failure: released when Slack is reachable again. */
  private readonly troubled = new Set<number>();
  private readonly digestRetryAt = new Map<number, { at: number; failures: number }>();
  private nextCatchUp = 0;
  private outageLogged = false;
  readonly pacer: Pacer;
  private readonly poster: Poster;
  private readonly digests: Digests;
  private readonly enricher: Enricher;

  constructor(private readonly deps: OutboxDeps) {
    const { store, slack, api, timers, logger, config } = deps;
    const stopped = () => this.stopped;
    this.pacer = new Pacer(timers, config, () => this.recovered());
    this.poster = new Poster(api, this.pacer, timers, logger, stopped);
    this.digests = new Digests(store, slack, config);
    this.enricher = new Enricher(store, slack, timers, logger, config, stopped, () => this.nudge());
  }

  start(): void {
    // Backoffs belonged to the process that stopped: everything undelivered is due now.
    this.deps.slack.releaseAll(this.deps.timers.now());
    this.loop = this.run();
  }

  /** Something was enqueued in this process: look now instead of at the next poll. */
  nudge(): void {
    this.woken = true;
    this.wake?.();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.nudge();
    await this.loop;
    await Promise.allSettled([...this.running]);
  }

  /** The policy changed: every open incident's message is rendered again (its controls follow the policy). */
  rerenderAll(): void {
    const { store, slack, timers } = this.deps;
    const now = timers.now();
    store.transaction(() => {
      for (const id of slack.postedOpenIncidents()) store.enqueue({ kind: 'slack.rerender', incidentId: id, payload: {} }, now);
    });
    this.nudge();
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      const now = this.deps.timers.now();
      let next = now + POLL_MS;
      try {
        next = Math.min(next, this.step(now));
      } catch (e) {
        this.deps.logger.error({ err: e }, 'slack outbox step failed');
      }
      // Nudges (webhooks, calls ending) within MIN_STEP_MS share one step: a step reads the due rows.
      next = Math.max(next, now + MIN_STEP_MS);
      if (!this.woken) {
        await new Promise<void>((resolve) => {
          this.wake = resolve;
          void this.deps.timers.sleep(next - now).then(resolve);
        });
        this.wake = null;
      }
      this.woken = false;
      const early = now + MIN_STEP_MS - this.deps.timers.now();
      if (early > 0 && !this.stopped) await this.deps.timers.sleep(early);
    }
  }

  /** One pass; returns when something next becomes ready. */
  private step(now: number): number {
    const { slack } = this.deps;
    if (now >= this.nextCatchUp) {
      this.catchUp(now);
      this.nextCatchUp = now + CATCH_UP_MS;
    }
    const ephemerals: OutboxRow[] = [];
    // One transaction for the reading and bookkeeping (rows done because digested, digests
    // touched): one commit per step, not one fsync per row (hundreds per step in a storm, on the
    // thread that also ingests). The calls start after it.
    const items = slack.transaction(() => this.collect(now, ephemerals));
    if (ephemerals.length && !this.busy.has(EPHEMERAL_LANE)) this.startEphemerals(ephemerals);
    return this.dispatch(items, now);
  }

  /** The work of one step, from the due rows; fills `ephemerals`. */
  private collect(now: number, ephemerals: OutboxRow[]): WorkItem[] {
    const { slack, config } = this.deps;
    const byIncident = new Map<number, OutboxRow[]>();
    const orphans = new Map<string, OutboxRow[]>();
    for (const row of slack.dueOutbox(now).map(normalise)) {
      if (row.kind === EPHEMERAL) {
        ephemerals.push(row);
      } else if (row.incidentId === null) {
        // A request made without --incident has no thread: its message goes top-level to the default channel.
        if (REQUEST_KINDS.has(row.kind)) push(orphans, String(row.payload.requestId), row);
        else slack.markDone([row.id], now);
      } else {
        push(byIncident, row.incidentId, row);
      }
    }
    const items: WorkItem[] = [];
    for (const [incidentId, rows] of byIncident) {
      if (this.busy.has(slack.messageOf(incidentId)?.channel ?? '')) continue; // its rows may be in flight
      let a = this.digests.assign(incidentId, now);
      // A request needs a thread to ask in: a digested incident gets its own message.
      if (a.kind === 'digest' && rows.some((r) => REQUEST_KINDS.has(r.kind)) && slack.promote(incidentId, now))
        a = { kind: 'own', channel: a.channel };
      if (a.kind === 'own') {
        items.push(...this.incidentItems(a.channel, incidentId, rows, now));
      } else {
        // Digested (the digest was marked dirty) or never shown: nothing of its own to post.
        slack.markDone(ids(rows), now);
        if (a.kind === 'digest') slack.touchDigest(a.digestId, now, false);
      }
    }
    if (!this.busy.has(config.defaultChannel)) {
      for (const rows of orphans.values()) items.push(...this.requestItems(config.defaultChannel, null, rows, now));
    }
    for (const d of this.digests.due(now)) {
      const retry = this.digestRetryAt.get(d.digest.id);
      items.push({
        channel: d.digest.channel,
        cls: d.visibility ? SOON : FRESH,
        age: d.digest.openedAt,
        method: d.digest.ts ? UPDATE : POST,
        notBefore: Math.max(d.readyAt, retry?.at ?? 0),
        rows: [],
        digestId: d.digest.id,
        run: async () => {
          await this.digests.sync(this.poster, d.digest.id, () => this.deps.timers.now());
          this.digestRetryAt.delete(d.digest.id);
        },
      });
    }
    return items;
  }

  /** Per idle channel, starts its most urgent item that may go now; returns when the next one may. */
  private dispatch(items: WorkItem[], now: number): number {
    let next = Number.POSITIVE_INFINITY;
    const byChannel = new Map<string, WorkItem[]>();
    for (const item of items) push(byChannel, item.channel, item);
    for (const [channel, list] of byChannel) {
      if (this.busy.has(channel)) continue;
      list.sort((a, b) => a.cls - b.cls || a.age - b.age);
      let started = false;
      for (const item of list) {
        const readyAt = Math.max(item.notBefore, this.pacer.readyAt(channel, item.method));
        if (readyAt <= now) {
          this.startItem(item);
          started = true;
          break;
        }
        next = Math.min(next, readyAt);
      }
      if (started) next = now;
    }
    return next;
  }

  private startItem(item: WorkItem): void {
    this.busy.add(item.channel);
    const p = item
      .run()
      .catch((e: unknown) => this.failed(item, e))
      .finally(() => {
        this.busy.delete(item.channel);
        this.running.delete(p);
        this.nudge();
      });
    this.running.add(p);
  }

  /** Open incidents with no message (they opened while Slack was off) go through the normal path. */
  private catchUp(now: number): void {
    const { store, slack, logger } = this.deps;
    const missing = slack.openIncidentsWithoutMessage(500);
    if (missing.length === 0) return;
    store.transaction(() => {
      for (const id of missing) store.enqueue({ kind: 'incident.opened', incidentId: id, payload: { catchUp: true } }, now);
    });
    logger.info({ incidents: missing.length }, 'open incidents without a Slack message: posting them (storm rules apply)');
  }

  // --- work items -----------------------------------------------------------------------------

  private message(incidentId: number): SlackMessage {
    const { store, slack, timers, config } = this.deps;
    const incident = store.getIncident(incidentId)!;
    const now = timers.now();
    const stored = slack.messageOf(incidentId)?.enrichment ?? null;
    const slo = this.deps.extras?.store.get(incidentId, 'slo')?.data as { lines?: SloLine[] } | null | undefined;
    return incidentMessage(
      config.messages(),
      {
        incident,
        alerts: store.alertsOf(incidentId),
        silence: activeSilence(store.auditOf(incidentId), now),
        enrichment: stored ? (JSON.parse(stored) as Enrichment | Enrichment[]) : null,
        slo: slo?.lines ?? [],
      },
      now,
    );
  }

  private incidentItems(channel: string, incidentId: number, rows: OutboxRow[], now: number): WorkItem[] {
    const { store, slack, timers } = this.deps;
    const msg = slack.messageOf(incidentId);
    if (!msg || !store.getIncident(incidentId)) {
      slack.markDone(ids(rows), now);
      return [];
    }
    if (!msg.ts) {
      return [
        {
          channel,
          cls: VISIBLE,
          age: msg.promotedAt ?? msg.createdAt,
          method: POST,
          notBefore: 0,
          rows,
          postOf: incidentId,
          run: async () => {
            let upto = 0;
            const posted = await this.poster.postOnce(
              {
                channel,
                metadata: { event_type: INCIDENT_EVENT, key: 'incident_id', value: incidentId },
                startedAt: msg.postStartedAt,
                start: (at) => slack.markPostStarted(incidentId, at),
                done: (ts, at) => slack.setTs(incidentId, ts, at),
              },
              () => {
                upto = slack.maxOutboxId();
                return this.message(incidentId);
              },
            );
            // The post shows the state as of `upto`: it covers every pending update up to there.
            if (upto > 0) slack.coalesceUpdates(incidentId, upto, UPDATE_ONLY, [...REPLY_KINDS], timers.now());
            this.enricher.schedule(incidentId); // after the post, never before it
            this.deps.extras?.runner.opened(incidentId, channel, posted); // graphs, workload state, SLO: likewise
          },
        },
      ];
    }
    const ts = msg.ts;
    const items: WorkItem[] = [];
    const unknown = rows.filter((r) => !UPDATE_KINDS.has(r.kind) && !REPLY_KINDS.has(r.kind) && !REQUEST_KINDS.has(r.kind));
    if (unknown.length) slack.markDone(ids(unknown), now); // written by a newer version: nothing to show here
    const updates = rows.filter((r) => UPDATE_KINDS.has(r.kind) && !r.payload.topUpdated);
    if (updates.length) {
      items.push({
        channel,
        cls: FRESH,
        age: updates[0]!.createdAt,
        method: UPDATE,
        notBefore: 0,
        rows: updates,
        run: async () => {
          // Coalesced: however many changes are pending, one update rendered from the state as it
          // is when the call goes out; every row written before that render is covered by it.
          let upto = 0;
          await this.poster.update(channel, ts, () => {
            upto = slack.maxOutboxId();
            return this.message(incidentId);
          });
          slack.coalesceUpdates(incidentId, upto, UPDATE_ONLY, [...REPLY_KINDS], timers.now());
          if (msg.enrichment === null) this.enricher.schedule(incidentId); // also picks up one a restart interrupted
        },
      });
    }
    const requests = new Map<string, OutboxRow[]>();
    for (const r of rows) if (REQUEST_KINDS.has(r.kind)) push(requests, String(r.payload.requestId), r);
    for (const list of requests.values()) items.push(...this.requestItems(channel, ts, list, now));
    // Thread replies, after the top message is up to date: joined/re-fired alerts coalesce into one reply per kind.
    const replies = new Map<string, OutboxRow[]>();
    for (const r of rows) {
      if (!REPLY_KINDS.has(r.kind) || (UPDATE_KINDS.has(r.kind) && !r.payload.topUpdated)) continue;
      const sent = typeof r.payload.replyKey === 'number' ? `@${r.payload.replyKey}` : '';
      push(replies, sent || (r.kind === 'alert.joined' || r.kind === 'alert.refired' ? r.kind : `${r.kind}#${r.id}`), r);
    }
    for (const group of replies.values()) {
      const kind = group[0]!.kind as ReplyKind;
      const first = group[0]!.payload;
      if (group[0]!.kind === NOTE_EVENT || group[0]!.kind === WORKLOAD_EVENT) {
        items.push(
          this.replyItem(channel, ts, group, () =>
            group[0]!.kind === NOTE_EVENT
              ? renderNote(String(first.text ?? ''))
              : renderWorkload(String(first.target ?? ''), (first.lines as string[] | undefined) ?? []),
          ),
        );
        continue;
      }
      // The recovery graph follows the thread's "resolved" reply.
      const after = kind === 'incident.resolved' ? () => this.deps.extras?.runner.resolved(incidentId, channel, ts) : undefined;
      items.push(
        this.replyItem(
          channel,
          ts,
          group,
          () => {
            const p = group[0]!.payload as {
              actor?: string;
              silenceId?: string;
              endsAt?: number;
              untilResolved?: boolean;
              extended?: boolean;
              reason?: string;
            };
            return renderReply(kind, store.getIncident(incidentId)!, store.alertsOf(incidentId), {
              // A row names its delivery's alerts (`fingerprints`); rows written before that, one each.
              fingerprints: group.flatMap((r) =>
                Array.isArray(r.payload.fingerprints) ? r.payload.fingerprints.map(String) : [String(r.payload.fingerprint ?? '')],
              ),
              actor: p.actor,
              silenceId: p.silenceId,
              endsAt: p.endsAt,
              untilResolved: p.untilResolved,
              extended: p.extended,
              reason: p.reason,
            });
          },
          after,
        ),
      );
    }
    return items;
  }

  /** A thread reply, posted once (found by its reply key after an uncertain outcome). */
  private replyItem(channel: string, threadTs: string | null, rows: OutboxRow[], render: () => SlackMessage, after?: () => void): WorkItem {
    const { slack } = this.deps;
    const sent = rows.find((r) => typeof r.payload.replyKey === 'number');
    const replyKey = (sent?.payload.replyKey as number | undefined) ?? Math.min(...ids(rows));
    return {
      channel,
      cls: FRESH,
      age: rows[0]!.createdAt,
      method: POST,
      notBefore: 0,
      rows,
      run: async () => {
        await this.poster.postOnce(
          {
            channel,
            threadTs,
            metadata: { event_type: REPLY_EVENT, key: 'reply_key', value: replyKey },
            startedAt: sent ? sent.createdAt : null,
            start: () => slack.setReplyKey(ids(rows), replyKey),
            done: (_ts, at) => slack.markDone(ids(rows), at),
          },
          render,
        );
        after?.();
      },
    };
  }

  /** What a request message shows: the request as it stands now. */
  private requestNote(requestId: string, fallback: OutboxRow): RequestNote {
    const r = this.deps.store.getRequest(requestId);
    return r ? noteOf(r, actionSpec(r.action).preview(r.target, r.params)) : (fallback.payload as unknown as RequestNote);
  }

  /**
   * A request's message (posted in the incident's thread, or top-level without an incident),
   * updated in place when the request is decided, expires, runs or fails; each step is also a
   * thread reply.
   */
  private requestItems(channel: string, threadTs: string | null, rows: OutboxRow[], now: number): WorkItem[] {
    const { slack, timers } = this.deps;
    const requestId = String(rows[0]!.payload.requestId);
    const rm = slack.requestMessage(requestId);
    const created = rows.filter((r) => r.kind === 'request.created');
    const later = rows.filter((r) => r.kind !== 'request.created');
    if (!rm?.ts && (created.length > 0 || rm)) {
      return [
        {
          channel,
          cls: SOON,
          age: rows[0]!.createdAt,
          method: POST,
          notBefore: 0,
          rows,
          run: async () => {
            let rendered = false;
            await this.poster.postOnce(
              {
                channel,
                threadTs,
                metadata: { event_type: REQUEST_EVENT, key: 'request_id', value: requestId },
                startedAt: rm?.postStartedAt ?? null,
                start: (at) => slack.startRequestPost(requestId, channel, threadTs, at),
                done: (ts, at) => slack.setRequestTs(requestId, ts, at),
              },
              () => {
                rendered = true;
                return renderRequestMessage(this.requestNote(requestId, rows[0]!));
              },
            );
            slack.transaction(() => {
              slack.markDone(ids(created), timers.now());
              // Posted from the current state: the decisions so far need no update, only their replies.
              if (rendered) slack.markTopUpdated(ids(later));
            });
          },
        },
      ];
    }
    if (created.length) slack.markDone(ids(created), now);
    const items: WorkItem[] = [];
    const pending = rm?.ts ? later.filter((r) => !r.payload.topUpdated) : [];
    if (rm?.ts && pending.length) {
      const ts = rm.ts;
      items.push({
        channel,
        cls: FRESH,
        age: pending[0]!.createdAt,
        method: UPDATE,
        notBefore: 0,
        rows: pending,
        run: async () => {
          await this.poster.update(rm.channel, ts, () => renderRequestMessage(this.requestNote(requestId, pending[0]!)));
          slack.markTopUpdated(ids(pending));
        },
      });
    }
    const replyThread = threadTs ?? rm?.ts ?? null;
    for (const r of later) {
      if (rm?.ts && !r.payload.topUpdated) continue;
      items.push(
        this.replyItem(channel, replyThread, [r], () =>
          renderRequestReply(r.kind as 'request.decided', r.payload as unknown as RequestNote),
        ),
      );
    }
    return items;
  }

  private startEphemerals(rows: OutboxRow[]): void {
    const { slack, api, timers } = this.deps;
    this.startItem({
      channel: EPHEMERAL_LANE,
      cls: FRESH,
      age: 0,
      method: 'chat.postEphemeral',
      notBefore: 0,
      rows: [],
      run: async () => {
        for (const row of rows) {
          if (this.stopped) return;
          const p = row.payload as { channel?: string; user?: string; text?: string; threadTs?: string };
          try {
            if (p.channel && p.user && p.text) {
              await this.pacer.call(
                null,
                'chat.postEphemeral',
                () => api.ephemeral({ channel: p.channel!, user: p.user!, text: p.text!, threadTs: p.threadTs }),
                () => this.stopped,
              );
            }
            slack.markDone([row.id], timers.now());
          } catch (e) {
            this.failed(
              { channel: EPHEMERAL_LANE, cls: FRESH, age: 0, method: 'chat.postEphemeral', notBefore: 0, rows: [row], run: async () => {} },
              e,
            );
          }
        }
      },
    });
  }

  // --- failures -------------------------------------------------------------------------------

  /** Backs off (or gives up) the rows of a failed item; a 429 only waits. */
  private failed(item: WorkItem, e: unknown): void {
    if (this.stopped) return; // shutting down: the rows stay due, no attempt counted
    const { slack, timers, logger } = this.deps;
    const now = timers.now();
    const failure: CallFailure = e instanceof SlackCallError ? e.failure : { kind: 'uncertain', error: (e as Error).message };
    if (!(e instanceof SlackCallError)) logger.error({ err: e }, 'slack outbox step failed');
    if (this.pacer.health.outage && !this.outageLogged) {
      this.outageLogged = true;
      logger.warn({ error: failure.error }, 'slack is unreachable; calls pause and probe until one succeeds');
    }
    if (item.rows.length === 0) {
      if (item.digestId === undefined || failure.kind === 'rate_limited') return;
      const failures = (this.digestRetryAt.get(item.digestId)?.failures ?? 0) + 1;
      this.digestRetryAt.set(item.digestId, { at: now + rowBackoffMs(failures), failures });
      logger.warn({ error: failure.error, kind: failure.kind, digest: item.digestId }, 'slack digest call failed; will retry');
      return;
    }
    const attempts = Math.max(...item.rows.map((r) => r.attempts)) + 1;
    const decision = afterFailure(failure, attempts);
    const rowIds = ids(item.rows);
    if (decision.kind === 'rate-limited') return;
    if (decision.kind === 'give-up') {
      logger.error({ error: failure.error, rows: rowIds }, 'slack refused these outbox rows repeatedly; giving up on them');
      slack.transaction(() => {
        slack.defer(rowIds, now, { error: `gave up: ${failure.error}` });
        slack.markDone(rowIds, now);
        if (item.postOf !== undefined) slack.markGaveUp(item.postOf, now);
      });
      return;
    }
    logger.warn(
      { error: failure.error, kind: failure.kind, attempts, retryInMs: decision.delayMs, rows: rowIds },
      'slack call failed; will retry',
    );
    slack.defer(rowIds, now + decision.delayMs, { error: failure.error });
    if (failure.kind === 'uncertain') for (const id of rowIds) this.troubled.add(id);
  }

  /** The first call after an outage worked: what backed off meanwhile is due again. */
  private recovered(): void {
    const { slack, timers, logger } = this.deps;
    const released = slack.release([...this.troubled], timers.now());
    this.troubled.clear();
    this.digestRetryAt.clear();
    this.outageLogged = false;
    logger.info({ released }, "slack is reachable again; the backlog drains at the rate limits' pace");
    this.nudge();
  }
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
