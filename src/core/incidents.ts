/**
 * Incident grouping and lifecycle: pure functions from (current state, delivery) to a plan.
 * The store applies a plan inside one transaction; nothing here touches I/O.
 */
import { clusterKey, type ClusterResolver } from './clusters.js';
import type { AlertEvent, Delivery, Incident, IncidentStatus, Labels, StoredAlert } from './types.js';

/**
 * What the lifecycle reads from a delivery besides its alerts; `cluster`: the cluster a new
 * incident belongs to (set with named clusters; null when none claims its alerts).
 */
export type DeliveryFacts = Pick<Delivery, 'groupKey' | 'externalURL'> &
  Partial<Pick<Delivery, 'truncatedAlerts'>> & { cluster?: string | null };

export interface LifecycleOptions {
  /** Labels that form the incident key; empty = the delivery's groupKey. */
  keyLabels: readonly string[];
  /** A re-fire within this long after resolution reopens the same incident. */
  reopenWindowMs: number;
  /** With named clusters: which cluster an alert belongs to (its incident's key starts with it). Absent: one cluster. */
  clusterOf?: ClusterResolver | null;
}

/**
 * The incident as it stands before the delivery, with its stored alerts by fingerprint — at
 * least those the delivery names (the store need not load the rest: counts and common labels
 * are kept on the incident and updated incrementally, so ingest cost does not grow with it).
 */
export interface IncidentSnapshot {
  incident: Incident;
  alerts: Map<string, StoredAlert>;
}

export type AlertChangeKind =
  | 'new' // first time this fingerprint is seen in the incident, firing
  | 'new-resolved' // first seen, already resolved
  | 'refired' // a newer instance fires after the previous one resolved
  | 'resolved' // was firing, now resolved
  | 'updated' // same state, different details (annotations, newer instance)
  | 'same' // nothing changed (a duplicate delivery)
  | 'stale'; // older than what is stored: ignored (out-of-order delivery)

export interface AlertChange {
  kind: AlertChangeKind;
  alert: AlertEvent;
}

export type IncidentNew = Omit<Incident, 'id'>;

export interface IncidentPlan {
  key: string;
  /** open: insert a new incident; update/reopen: write the existing one; none: nothing to store. */
  action: 'open' | 'reopen' | 'update' | 'none';
  /** The previous incident, when the plan touches or supersedes one. */
  previous: Incident | null;
  /** The incident's state after the delivery (id null until inserted). */
  incident: IncidentNew & { id: number | null };
  /** Alerts to upsert (only those whose stored row changes). */
  upserts: AlertEvent[];
  changes: AlertChange[];
  /** The incident flipped to resolved with this delivery. */
  resolvedNow: boolean;
}

/** Key of the incident an alert belongs to. */
function incidentKey(delivery: Delivery, alert: AlertEvent, keyLabels: readonly string[]): string {
  if (keyLabels.length === 0) return delivery.groupKey;
  return keyLabels.map((l) => `${l}=${JSON.stringify(alert.labels[l] ?? '')}`).join(',');
}

/**
 * Splits a delivery's alerts by incident key, keeping their order. With named clusters
 * (`clusterOf`) the key starts with the alert's cluster, so one Alertmanager group holding
 * alerts of two clusters makes two incidents (`groupFacts` gives each its cluster).
 */
export function groupByIncidentKey(
  delivery: Delivery,
  keyLabels: readonly string[],
  clusterOf?: ClusterResolver | null,
): Map<string, AlertEvent[]> {
  const groups = new Map<string, AlertEvent[]>();
  // The prefixed groupKey per cluster, made once per delivery rather than once per alert.
  const prefixed = clusterOf && keyLabels.length === 0 ? new Map<string | null, string>() : null;
  for (const alert of delivery.alerts) {
    let key: string;
    if (!clusterOf) key = incidentKey(delivery, alert, keyLabels);
    else {
      const cluster = clusterOf(alert.labels, delivery.externalURL);
      if (prefixed) {
        key = prefixed.get(cluster) ?? clusterKey(cluster, delivery.groupKey);
        prefixed.set(cluster, key);
      } else key = clusterKey(cluster, incidentKey(delivery, alert, keyLabels));
    }
    const list = groups.get(key);
    if (list) list.push(alert);
    else groups.set(key, [alert]);
  }
  return groups;
}

/**
 * The facts of a delivery for one key group of it: with named clusters, the group's cluster too
 * (its alerts share it: it is part of their key).
 */
export function groupFacts(delivery: Delivery, events: readonly AlertEvent[], clusterOf?: ClusterResolver | null): DeliveryFacts {
  if (!clusterOf || events.length === 0) return delivery;
  return {
    groupKey: delivery.groupKey,
    externalURL: delivery.externalURL,
    truncatedAlerts: delivery.truncatedAlerts,
    cluster: clusterOf(events[0]!.labels, delivery.externalURL),
  };
}

const sameRecord = (a: Labels, b: Labels): boolean => {
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  return ka.every((k) => a[k] === b[k]);
};

/**
 * Compares an incoming alert with the stored one for the same fingerprint. Instances are told
 * apart by startsAt: Prometheus gives a re-fire a new startsAt, so an event about an older
 * instance than the stored one is stale, and a firing event for an instance Alertmanager
 * already reported resolved is a late (out-of-order) delivery.
 */
export function classifyAlert(stored: (AlertEvent & { reconciled?: boolean }) | undefined, incoming: AlertEvent): AlertChangeKind {
  if (!stored) return incoming.status === 'firing' ? 'new' : 'new-resolved';
  if (incoming.startsAt < stored.startsAt) return 'stale';
  // Reconciliation resolved it because no Alertmanager that answered had it; one that fires it
  // now (a lagging peer) is right, not late.
  if (stored.reconciled && stored.status === 'resolved' && incoming.status === 'firing') return 'refired';
  if (incoming.startsAt > stored.startsAt) {
    if (incoming.status === 'firing') return stored.status === 'resolved' ? 'refired' : 'updated';
    return stored.status === 'firing' ? 'resolved' : 'updated';
  }
  if (stored.status === 'firing' && incoming.status === 'resolved') return 'resolved';
  if (stored.status === 'resolved' && incoming.status === 'firing') return 'stale';
  const same =
    stored.endsAt === incoming.endsAt &&
    stored.generatorURL === incoming.generatorURL &&
    sameRecord(stored.labels, incoming.labels) &&
    sameRecord(stored.annotations, incoming.annotations);
  return same ? 'same' : 'updated';
}

const FIRES: ReadonlySet<AlertChangeKind> = new Set(['new', 'refired']);
const WRITES: ReadonlySet<AlertChangeKind> = new Set(['new', 'new-resolved', 'refired', 'resolved', 'updated']);

/** Labels shared by every alert (same name and value). */
export function commonLabels(sets: readonly Labels[]): Labels {
  if (sets.length === 0) return {};
  const [first, ...rest] = sets;
  // fromEntries defines own properties, so a label named "__proto__" stays a plain label.
  return Object.fromEntries(Object.entries(first!).filter(([k, v]) => rest.every((s) => Object.hasOwn(s, k) && s[k] === v)));
}

const TARGET_LABELS = ['deployment', 'statefulset', 'daemonset', 'service', 'job_name', 'pod', 'instance', 'job'];

/** Descriptive fields from common labels, keeping what the incident already said where they are silent. */
function describeFrom(
  labels: Labels,
  annotations: Labels,
  prev: Pick<Incident, 'alertname' | 'severity' | 'namespace' | 'target'>,
): ReturnType<typeof describe> {
  const own = (name: string): string | undefined => (Object.hasOwn(labels, name) ? labels[name] : undefined);
  const targetLabel = TARGET_LABELS.find((l) => own(l) !== undefined);
  return {
    alertname: own('alertname') ?? prev.alertname,
    severity: own('severity') ?? prev.severity,
    namespace: own('namespace') ?? prev.namespace,
    target: targetLabel ? own(targetLabel)! : prev.target,
    labels,
    annotations,
  };
}

/**
 * Labels and annotations every alert of a set shares, when known before planning (the daemon's
 * parser thread works them out for each delivery, so the writer never reads every alert's labels).
 */
export interface SharedByAll {
  labels: Labels;
  annotations: Labels;
}

/** Descriptive fields of an incident, derived from its alerts (`shared`: theirs in common, if known). */
function describe(
  alerts: readonly AlertEvent[],
  shared?: SharedByAll,
): Pick<Incident, 'alertname' | 'severity' | 'namespace' | 'target' | 'labels' | 'annotations'> {
  const labels = shared?.labels ?? commonLabels(alerts.map((a) => a.labels));
  const annotations = shared?.annotations ?? commonLabels(alerts.map((a) => a.annotations));
  const first = alerts[0]?.labels ?? {};
  const own = (set: Labels, name: string): string | undefined => (Object.hasOwn(set, name) ? set[name] : undefined);
  const pick = (name: string): string => own(labels, name) ?? own(first, name) ?? '';
  const targetLabel = TARGET_LABELS.find((l) => own(labels, l) !== undefined) ?? TARGET_LABELS.find((l) => own(first, l) !== undefined);
  return {
    alertname: pick('alertname'),
    severity: pick('severity'),
    namespace: pick('namespace'),
    target: targetLabel ? pick(targetLabel) : '',
    labels,
    annotations,
  };
}

function statusAfter(firing: number, previous: IncidentStatus | null, reopened: boolean): IncidentStatus {
  if (firing === 0) return 'resolved';
  if (previous === 'acknowledged' && !reopened) return 'acknowledged';
  return 'firing';
}

/*
 * The timestamp rule: an incident's openedAt and resolvedAt are Alertmanager's own times — the
 * earliest startsAt among its alerts, and the endsAt of the alerts whose resolution resolved it —
 * never the arrival of a delivery (a delivery can arrive long after, e.g. a replay, or chatops
 * was down). Both are bounded by now (senders' clocks drift) and resolvedAt is never before
 * openedAt. When chatops learned each is the time of the incident's audit rows.
 */

/** The earliest start among alerts, bounded by now. */
function startedTime(alerts: Iterable<AlertEvent>, now: number, before = now): number {
  let earliest = before;
  for (const a of alerts) if (a.startsAt < earliest) earliest = a.startsAt;
  return Math.min(earliest, now);
}

/** The latest end time among resolved alerts, bounded by now and by the incident's start. */
function resolvedTime(alerts: Iterable<AlertEvent>, openedAt: number, now: number): number {
  let latest = 0;
  for (const a of alerts) if (a.status === 'resolved' && a.endsAt !== null && a.endsAt > latest) latest = a.endsAt;
  return Math.max(openedAt, latest > 0 && latest <= now ? latest : now);
}

/**
 * Plans what one key group of a delivery does to its incident.
 * `latest` is the newest incident with that key (open or resolved), or null; `shared`, when
 * given, is what every one of `events` has in common.
 */
export function planIncident(
  key: string,
  events: readonly AlertEvent[],
  latest: IncidentSnapshot | null,
  delivery: DeliveryFacts,
  options: LifecycleOptions,
  now: number,
  shared?: SharedByAll,
): IncidentPlan {
  const against = (stored: Map<string, StoredAlert> | null): AlertChange[] =>
    events.map((alert) => ({ kind: classifyAlert(stored?.get(alert.fingerprint), alert), alert }));

  if (latest) {
    const changes = against(latest.alerts);
    const fires = changes.some((c) => FIRES.has(c.kind));
    const prev = latest.incident;
    const isOpen = prev.status !== 'resolved';
    const withinWindow = prev.resolvedAt !== null && now - prev.resolvedAt <= options.reopenWindowMs;
    if (isOpen || !fires || withinWindow) {
      const reopened = !isOpen && fires;
      return mergeInto(key, latest, changes, delivery, reopened, now, shared);
    }
    // Resolved long enough ago: a re-fire is a new incident. Alerts the old one already
    // recorded as resolved are history and stay with it.
    const fresh = changes.filter(
      (c) => c.kind !== 'same' && c.kind !== 'stale' && !(c.kind === 'updated' && c.alert.status === 'resolved'),
    );
    return openNew(
      key,
      fresh.map((c) => c.alert),
      prev,
      delivery,
      now,
    );
  }
  const changes = against(null);
  if (!changes.some((c) => c.kind === 'new')) {
    // Only resolutions for an incident we never saw (e.g. the store was replaced): nothing to open.
    return {
      key,
      action: 'none',
      previous: null,
      upserts: [],
      changes,
      resolvedNow: false,
      incident: {
        id: null,
        key,
        status: 'resolved',
        ...describe(events),
        groupKey: delivery.groupKey,
        externalURL: delivery.externalURL,
        firing: 0,
        total: 0,
        openedAt: now,
        updatedAt: now,
        resolvedAt: now,
        acknowledgedBy: null,
        acknowledgedAt: null,
        ...clusterOfNew(delivery),
      },
    };
  }
  return openNew(key, events, null, delivery, now, shared);
}

function openNew(
  key: string,
  alerts: readonly AlertEvent[],
  previous: Incident | null,
  delivery: DeliveryFacts,
  now: number,
  shared?: SharedByAll,
): IncidentPlan {
  const firing = alerts.filter((a) => a.status === 'firing').length;
  const changes: AlertChange[] = alerts.map((alert) => ({ kind: alert.status === 'firing' ? 'new' : 'new-resolved', alert }));
  const openedAt = startedTime(alerts, now);
  return {
    key,
    action: 'open',
    previous,
    upserts: [...alerts],
    changes,
    resolvedNow: false,
    incident: {
      id: null,
      key,
      status: statusAfter(firing, null, false),
      ...describe(alerts, shared),
      groupKey: delivery.groupKey,
      externalURL: delivery.externalURL,
      truncatedAlerts: delivery.truncatedAlerts ?? 0,
      firing,
      total: alerts.length,
      openedAt,
      updatedAt: now,
      resolvedAt: firing === 0 ? resolvedTime(alerts, openedAt, now) : null,
      acknowledgedBy: null,
      acknowledgedAt: null,
      ...clusterOfNew(delivery),
    },
  };
}

/** A new incident's cluster field: only with named clusters (a single-cluster incident is `default`'s, the store's default). */
const clusterOfNew = (delivery: DeliveryFacts): Pick<Incident, 'cluster'> =>
  delivery.cluster === undefined ? {} : { cluster: delivery.cluster };

function mergeInto(
  key: string,
  latest: IncidentSnapshot,
  changes: AlertChange[],
  delivery: DeliveryFacts,
  reopened: boolean,
  now: number,
  shared?: SharedByAll,
): IncidentPlan {
  const prev = latest.incident;
  const upserts: AlertEvent[] = [];
  let firing = prev.firing;
  let total = prev.total;
  for (const c of changes) {
    if (!WRITES.has(c.kind)) continue;
    const before = latest.alerts.get(c.alert.fingerprint);
    if (!before) total++;
    else if (before.status === 'firing') firing--;
    if (c.alert.status === 'firing') firing++;
    upserts.push(c.alert);
  }
  // Common labels only shrink as alerts join (an alert's labels make its fingerprint); a lone
  // alert's own annotations are the incident's.
  const lone = total === 1 && upserts.length === 1;
  const described = lone
    ? describe(upserts)
    : upserts.length === changes.length && shared // every alert of the delivery is written: what they share is known
      ? describeFrom(commonLabels([prev.labels, shared.labels]), commonLabels([prev.annotations, shared.annotations]), prev)
      : describeFrom(
          commonLabels([prev.labels, ...upserts.map((a) => a.labels)]),
          commonLabels([prev.annotations, ...upserts.map((a) => a.annotations)]),
          prev,
        );
  const status = statusAfter(firing, prev.status, reopened);
  const resolvedNow = status === 'resolved' && prev.status !== 'resolved';
  // Alertmanager leaving a different number of the group's alerts out (max_alerts) is news too.
  const truncated = delivery.truncatedAlerts ?? prev.truncatedAlerts ?? 0;
  const changed = upserts.length > 0 || truncated !== (prev.truncatedAlerts ?? 0);
  const openedAt = startedTime(upserts, now, prev.openedAt);
  return {
    key,
    action: !changed ? 'none' : reopened ? 'reopen' : 'update',
    previous: prev,
    upserts,
    changes,
    resolvedNow,
    incident: {
      ...prev,
      ...(changed ? described : {}),
      id: prev.id,
      status,
      groupKey: delivery.groupKey || prev.groupKey,
      externalURL: delivery.externalURL || prev.externalURL,
      truncatedAlerts: truncated,
      firing,
      total,
      openedAt,
      updatedAt: changed ? now : prev.updatedAt,
      resolvedAt: status === 'resolved' ? (resolvedNow ? resolvedTime(upserts, openedAt, now) : prev.resolvedAt) : null,
      // Who acknowledged stays on record when the incident resolves; a re-fire that reopens it
      // is news nobody has acknowledged yet.
      acknowledgedBy: reopened ? null : prev.acknowledgedBy,
      acknowledgedAt: reopened ? null : prev.acknowledgedAt,
    },
  };
}
