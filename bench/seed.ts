/** The database the CLI and TUI scenarios of `npm run bench` read. */
import { SqliteStore } from '../src/adapters/store/sqlite-store.js';
import type { IncidentNew } from '../src/core/incidents.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** Incidents as the daemon leaves them: one alert and one audit row each, most resolved, one a minute up to an hour ago. */
export function seedIncidents(db: string, n: number): void {
  const store = new SqliteStore({ path: db, synchronous: 'normal' });
  const now = Date.now();
  store.transaction(() => {
    for (let i = 0; i < n; i++) {
      const status = i % 10 === 0 ? 'firing' : i % 10 === 1 ? 'acknowledged' : 'resolved';
      const labels = {
        alertname: `Seed${i % 100}`,
        namespace: `ns-${i % 20}`,
        deployment: `app-${i % 50}`,
        severity: i % 3 ? 'warning' : 'critical',
      };
      const inc: IncidentNew = {
        key: `seed-${i}`,
        status,
        alertname: labels.alertname,
        severity: labels.severity,
        namespace: labels.namespace,
        target: labels.deployment,
        labels,
        annotations: { summary: `seeded incident ${i}`, runbook_url: 'https://runbooks.example.com/Seed' },
        groupKey: `seed-${i}`,
        externalURL: 'http://am:9093',
        firing: status === 'resolved' ? 0 : 1,
        total: 1,
        openedAt: now - HOUR - (n - i) * MINUTE,
        updatedAt: now - HOUR - (n - i) * MINUTE,
        resolvedAt: status === 'resolved' ? now : null,
        acknowledgedBy: status === 'acknowledged' ? 'U0SEED' : null,
        acknowledgedAt: status === 'acknowledged' ? now : null,
      };
      const id = store.insertIncident(inc);
      store.upsertAlerts(
        id,
        [
          {
            fingerprint: i.toString(16).padStart(16, '0'),
            status: status === 'resolved' ? 'resolved' : 'firing',
            labels,
            annotations: inc.annotations,
            startsAt: inc.openedAt,
            endsAt: null,
            generatorURL: '',
          },
        ],
        now,
      );
      store.appendAudit({
        ts: inc.openedAt,
        actor: 'alertmanager',
        source: 'alertmanager',
        action: 'incident.opened',
        target: inc.key,
        incidentId: id,
        result: 'ok',
        detail: {},
      });
    }
  });
  store.close();
}
