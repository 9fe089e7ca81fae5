/**
 * Storm digests: which incidents get a message of their own and which a line in the channel's
 * digest (decided once, at arrival rate), and keeping each digest message up to date.
 *
 * - The first `storm.threshold` incidents opening in a channel within `storm.window` get their
 *   own message; later ones join the channel's open digest (a new one when it is full).
 * - A digest with lines not yet shown is synced at most every `interval` (so a lasting storm
 *   cannot take every chat.update), status-only changes wait behind fresher work.
 * - A digest is first posted only after the channel's own messages opened before it, so the
 *   channel reads in order.
 */
import { DIGEST_EVENT } from '../../adapters/slack/web-api.js';
import { renderDigest, routeChannel, stormDecision, type ChannelRoute } from '../../adapters/slack/render.js';
import type { DigestRow, SlackStore } from '../../adapters/store/slack-store.js';
import type { SqliteStore } from '../../adapters/store/sqlite-store.js';
import { clusterOfIncident } from '../../core/clusters.js';
import type { Incident } from '../../core/types.js';
import type { Poster } from './poster.js';

/** Incidents per digest message: their lines and menu options stay within Block Kit's limits. */
const DIGEST_CAPACITY = 400;

export interface DigestConfig {
  defaultChannel: string;
  routes: readonly ChannelRoute[];
  /** Named clusters: each digest line names its incident's cluster. */
  showCluster?: boolean;
  stormThreshold: number;
  stormWindowMs: number;
  /** Least time between two syncs of a growing digest. */
  intervalMs: number;
}

/** Where an incident's Slack effects go. */
export type Assignment = { kind: 'own'; channel: string } | { kind: 'digest'; channel: string; digestId: number } | { kind: 'none' };

export class Digests {
  constructor(
    private readonly store: SqliteStore,
    private readonly slack: SlackStore,
    private readonly config: DigestConfig,
  ) {}

  /**
   * The incident's place in Slack, deciding it on first sight: routing, then the storm rule.
   * An incident first seen resolved (it opened and ended while Slack was off) gets none.
   */
  assign(incidentId: number, now: number): Assignment {
    const { slack, config } = this;
    let msg = slack.messageOf(incidentId);
    if (!msg) {
      const incident = this.store.getIncident(incidentId);
      if (!incident || incident.status === 'resolved') return { kind: 'none' };
      const channel = routeChannel(incident.labels, config.routes, config.defaultChannel, clusterOfIncident(incident));
      slack.transaction(() => {
        if (slack.messageOf(incidentId)) return;
        const since = now - config.stormWindowMs;
        const open = slack.openDigest(channel, since);
        const decision = stormDecision({
          ownInWindow: slack.ownMessagesSince(channel, since),
          threshold: config.stormThreshold,
          openDigest: open !== null,
        });
        if (decision === 'digest') {
          const digestId = open && slack.digestSize(open.id) < DIGEST_CAPACITY ? open.id : slack.createDigest(channel, now);
          slack.createMessage(incidentId, channel, digestId, now);
          slack.touchDigest(digestId, now, true);
        } else {
          slack.createMessage(incidentId, channel, null, now);
        }
      });
      msg = slack.messageOf(incidentId)!;
    }
    if (msg.digestId !== null && msg.promotedAt === null) return { kind: 'digest', channel: msg.channel, digestId: msg.digestId };
    return { kind: 'own', channel: msg.channel };
  }

  /** Digests with work, and whether it makes incidents visible (else it only refreshes statuses). */
  due(now: number): { digest: DigestRow; visibility: boolean; readyAt: number }[] {
    const out: { digest: DigestRow; visibility: boolean; readyAt: number }[] = [];
    const seen = new Set<number>();
    for (const d of this.slack.dirtyDigests()) {
      seen.add(d.id);
      const unshown = this.slack.digestUnshown(d.id) > 0;
      // In order: not above the channel's own messages that opened before it.
      if (!d.ts && this.slack.ownPostsPendingBefore(d.channel, d.openedAt) > 0) continue;
      const readyAt = d.syncedAt === null ? now : d.syncedAt + this.config.intervalMs;
      out.push({ digest: d, visibility: unshown, readyAt });
    }
    return out;
  }

  /** Posts or updates a digest from the current state of its incidents; marks the lines shown. */
  async sync(poster: Poster, digestId: number, now: () => number): Promise<void> {
    const { store, slack } = this;
    const digest = slack.digest(digestId);
    if (!digest) return;
    // Clean before rendering: additions while the call is in flight mark it dirty again.
    slack.markDigestClean(digestId, now());
    let shown: number[] | null = null;
    const render = () => {
      const incidents = slack
        .digestIncidentIds(digestId)
        .map((id) => store.getIncident(id))
        .filter((i): i is Incident => i !== null);
      shown = incidents.map((i) => i.id);
      return renderDigest(incidents, digest.openedAt, {
        promoted: new Set(slack.digestPromoted(digestId)),
        showCluster: this.config.showCluster,
      });
    };
    try {
      if (!digest.ts) {
        await poster.postOnce(
          {
            channel: digest.channel,
            metadata: { event_type: DIGEST_EVENT, key: 'digest_id', value: digestId },
            startedAt: digest.postStartedAt,
            start: (at) => slack.markDigestPostStarted(digestId, at),
            done: (ts, at) => slack.setDigestTs(digestId, ts, at),
          },
          render,
        );
      } else {
        await poster.update(digest.channel, digest.ts, render);
      }
    } catch (e) {
      slack.touchDigest(digestId, now(), false);
      throw e;
    }
    // Found after an uncertain post instead of posted: render it once more to be sure it is current.
    if (shown === null) slack.touchDigest(digestId, now(), false);
    else slack.markDigestSynced(digestId, shown, now());
  }
}
