/** Builders for domain values (real shapes, not mocks). */
import type { AlertEvent, Delivery } from '../../src/core/types.js';

let seq = 0;

export function alert(over: Partial<AlertEvent> & { labels?: Record<string, string> } = {}): AlertEvent {
  seq++;
  return {
    fingerprint: over.fingerprint ?? seq.toString(16).padStart(16, '0'),
    status: over.status ?? 'firing',
    labels: { alertname: 'HighErrorRate', namespace: 'prod', deployment: 'web', severity: 'critical', ...over.labels },
    annotations: over.annotations ?? { summary: 'web is failing' },
    startsAt: over.startsAt ?? Date.parse('2026-11-26T10:00:00Z'),
    endsAt: over.endsAt ?? null,
    generatorURL: over.generatorURL ?? 'http://prometheus.example:9090/graph',
  };
}

export function delivery(alerts: AlertEvent[], over: Partial<Delivery> = {}): Delivery {
  return {
    receiver: 'chatops',
    status: alerts.some((a) => a.status === 'firing') ? 'firing' : 'resolved',
    groupKey: over.groupKey ?? '{}:{alertname="HighErrorRate"}',
    groupLabels: { alertname: 'HighErrorRate' },
    commonLabels: {},
    commonAnnotations: {},
    externalURL: 'http://alertmanager.example:9093',
    truncatedAlerts: 0,
    alerts,
    ...over,
  };
}

/** A webhook JSON body as Alertmanager sends it. */
export function webhookBody(
  alerts: Array<Partial<AlertEvent> & { labels?: Record<string, string> }>,
  over: Record<string, unknown> = {},
): Record<string, unknown> {
  const list = alerts.map((a) => alert(a));
  return {
    receiver: 'chatops',
    status: list.some((a) => a.status === 'firing') ? 'firing' : 'resolved',
    alerts: list.map((a) => ({
      status: a.status,
      labels: a.labels,
      annotations: a.annotations,
      startsAt: new Date(a.startsAt).toISOString(),
      endsAt: a.endsAt === null ? '0001-01-01T00:00:00Z' : new Date(a.endsAt).toISOString(),
      generatorURL: a.generatorURL,
      fingerprint: a.fingerprint,
    })),
    groupLabels: { alertname: 'HighErrorRate' },
    commonLabels: {},
    commonAnnotations: {},
    externalURL: 'http://alertmanager.example:9093',
    version: '4',
    groupKey: '{}:{alertname="HighErrorRate"}',
    truncatedAlerts: 0,
    ...over,
  };
}
