/**
 * The webhook load generator for the ingest scenarios: `clients` keep-alive connections post
 * Alertmanager deliveries of `alertsPerDelivery` alerts, each alert a new fingerprint, spread
 * over `groups` incidents (so with few groups every incident keeps growing, as in a storm that
 * lasts). Plain node:http with a keep-alive agent: the client should cost as little CPU as it
 * can on a 2-core machine, where it competes with the server it measures.
 */
import http from 'node:http';

export interface LoadOptions {
  url: string;
  alertsPerDelivery: number;
  clients: number;
  /** Distinct incidents the deliveries go to, round robin. */
  groups: number;
  /** Stop after this many deliveries … */
  requests?: number;
  /** … or after this long (whichever comes first). */
  durationMs?: number;
  /** Where this run's fingerprints start (a server keeps its fingerprints across runs). */
  fingerprintFrom?: number;
  /** Where this run's group round robin starts. */
  groupFrom?: number;
  /** Labels every alert carries besides the generated ones. */
  groupPrefix?: string;
}

export interface LoadResult {
  requests: number;
  alerts: number;
  seconds: number;
  alertsPerSec: number;
  p50ms: number;
  p99ms: number;
  errors: number;
  /** Next free fingerprint (pass as fingerprintFrom to the next run against the same server). */
  nextFingerprint: number;
  nextGroup: number;
  latencies: number[];
}

export const quantile = (xs: readonly number[], q: number): number => {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
};
export const round = (n: number, d = 2) => Math.round(n * 10 ** d) / 10 ** d;

/** One delivery: a template string rather than JSON.stringify of objects (cheaper for the client). */
export function deliveryBody(alertsPerDelivery: number, group: string, firstFingerprint: number, startsAt: string): string {
  const alerts: string[] = [];
  for (let k = 0; k < alertsPerDelivery; k++) {
    const n = firstFingerprint + k;
    alerts.push(
      `{"status":"firing","labels":{"alertname":"${group}","namespace":"prod","deployment":"web","pod":"web-${n}","severity":"warning"},` +
        `"annotations":{"summary":"pod web-${n} is not ready","description":"Readiness probe failed for 5 minutes.","runbook_url":"https://runbooks.example.com/NotReady"},` +
        `"startsAt":"${startsAt}","endsAt":"0001-01-01T00:00:00Z","generatorURL":"http://prometheus.example:9090/graph?g0.expr=up","fingerprint":"${n.toString(16).padStart(16, '0')}"}`,
    );
  }
  return (
    `{"receiver":"chatops","status":"firing","alerts":[${alerts.join(',')}],"groupLabels":{"alertname":"${group}"},"commonLabels":{"alertname":"${group}"},` +
    `"commonAnnotations":{},"externalURL":"http://am:9093","version":"4","groupKey":"{}:{alertname=\\"${group}\\"}","truncatedAlerts":0}`
  );
}

function post(agent: http.Agent, url: URL, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        agent,
        host: url.hostname,
        port: url.port,
        path: '/api/alertmanager',
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

export async function runLoad(o: LoadOptions): Promise<LoadResult> {
  const url = new URL(o.url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: o.clients });
  const latencies: number[] = [];
  let fp = o.fingerprintFrom ?? 0;
  let group = o.groupFrom ?? 0;
  let sent = 0;
  let errors = 0;
  const limit = o.requests ?? Number.POSITIVE_INFINITY;
  const prefix = o.groupPrefix ?? 'Bench';
  const started = performance.now();
  const deadline = o.durationMs === undefined ? Number.POSITIVE_INFINITY : started + o.durationMs;
  const startsAt = new Date(Date.now() - 60_000).toISOString();
  await Promise.all(
    Array.from({ length: o.clients }, async () => {
      while (sent < limit && performance.now() < deadline) {
        sent++;
        const body = deliveryBody(o.alertsPerDelivery, `${prefix}${group++ % o.groups}`, fp, startsAt);
        fp += o.alertsPerDelivery;
        const t0 = performance.now();
        const status = await post(agent, url, body).catch(() => 0);
        latencies.push(performance.now() - t0);
        if (status !== 200) errors++;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  agent.destroy();
  const ok = latencies.length - errors;
  return {
    requests: latencies.length,
    alerts: ok * o.alertsPerDelivery,
    seconds: round(seconds, 2),
    alertsPerSec: round((ok * o.alertsPerDelivery) / seconds, 0),
    p50ms: round(quantile(latencies, 0.5)),
    p99ms: round(quantile(latencies, 0.99)),
    errors,
    nextFingerprint: fp,
    nextGroup: group,
    latencies,
  };
}
