/** Shared set-up for the terminal UI tests: a real SQLite store seeded through the real core. */
import path from 'node:path';
import type { TestContext } from 'node:test';
import { SqliteStore } from '../../src/adapters/store/sqlite-store.js';
import type { PendingApprovals } from '../../src/adapters/store/sqlite-pending-approvals.js';
import { newRequestId } from '../../src/app.js';
import type { DeploymentTarget } from '../../src/core/actions.js';
import { ChatopsError } from '../../src/core/errors.js';
import { ingestDelivery } from '../../src/core/ingest.js';
import { operatorService, type OperatorContext, type RequestData } from '../../src/core/operator.js';
import { outcome, type Outcome, type OutcomeKind } from '../../src/core/outcome.js';
import type { Policy } from '../../src/core/policy.js';
import type { Clock } from '../../src/core/ports.js';
import type { AlertEvent, Delivery } from '../../src/core/types.js';
import { storeSource, type TuiDeps, type TuiOperator } from '../../src/tui/source.js';
import { alert, delivery } from '../support/builders.js';
import { tempDir } from '../support/tmp.js';

export const T0 = Date.parse('2026-11-26T10:00:00Z');

/** A clock the test moves by hand, so ages on screen are known. */
export function manualClock(start = T0): Clock & { set(ms: number): void } {
  let t = start;
  return {
    now: () => t,
    set: (ms) => {
      t = ms;
    },
  };
}

export function openStore(t: TestContext): SqliteStore {
  const dir = tempDir(t, 'chatops-tui-');
  const store = new SqliteStore({ path: path.join(dir, 'chatops.db') });
  t.after(() => store.close());
  return store;
}

/** Ingests one delivery (one incident per alertname/namespace) through the real core. */
export function ingest(
  store: SqliteStore,
  clock: Clock,
  alerts: Array<Partial<AlertEvent> & { labels?: Record<string, string> }>,
  groupKey: string,
  over: Partial<Delivery> = {},
): void {
  const d = delivery(
    alerts.map((a) => alert(a)),
    { groupKey, ...over },
  );
  ingestDelivery({ store, clock, notify: false, lifecycle: { keyLabels: [], reopenWindowMs: 3_600_000 } }, d, JSON.stringify(d), {
    source: 'cli',
    actor: 'cli:test',
    auditSource: 'cli',
  });
}

/**
 * Three incidents: #1 CrashLoop prod/checkout (firing, 2 alerts, runbook), #2 DiskFull
 * staging/db (resolved), #3 HighLatency prod/api (firing).
 */
export function seedThree(store: SqliteStore, clock: Clock & { set(ms: number): void }): void {
  clock.set(T0);
  ingest(
    store,
    clock,
    [
      {
        fingerprint: 'aaaa000000000001',
        labels: { alertname: 'CrashLoop', namespace: 'prod', deployment: 'checkout', severity: 'critical', pod: 'checkout-1' },
        annotations: { summary: 'checkout is crash looping', runbook_url: 'https://runbooks.example.com/CrashLoop' },
        generatorURL: 'http://prometheus.example:9090/graph?g0.expr=up',
      },
      {
        fingerprint: 'aaaa000000000002',
        labels: { alertname: 'CrashLoop', namespace: 'prod', deployment: 'checkout', severity: 'critical', pod: 'checkout-2' },
        annotations: { summary: 'checkout is crash looping', runbook_url: 'https://runbooks.example.com/CrashLoop' },
      },
    ],
    '{}:{alertname="CrashLoop"}',
  );
  clock.set(T0 + 60_000);
  ingest(
    store,
    clock,
    [{ fingerprint: 'bbbb000000000001', labels: { alertname: 'DiskFull', namespace: 'staging', deployment: 'db', severity: 'warning' } }],
    '{}:{alertname="DiskFull"}',
  );
  clock.set(T0 + 90_000);
  ingest(
    store,
    clock,
    [
      {
        fingerprint: 'bbbb000000000001',
        status: 'resolved',
        endsAt: T0 + 80_000,
        labels: { alertname: 'DiskFull', namespace: 'staging', deployment: 'db', severity: 'warning' },
      },
    ],
    '{}:{alertname="DiskFull"}',
  );
  clock.set(T0 + 120_000);
  ingest(
    store,
    clock,
    [{ fingerprint: 'cccc000000000001', labels: { alertname: 'HighLatency', namespace: 'prod', deployment: 'api', severity: 'warning' } }],
    '{}:{alertname="HighLatency"}',
  );
  clock.set(T0 + 10 * 60_000);
}

/** No pending requests. */
const noPendingApprovals: PendingApprovals = { countFor: () => 0, list: () => [] };

/** A policy that lets anyone acknowledge and silence (low) but enables no Kubernetes action (no namespace). */
const NOTHING_ENABLED: Policy = {
  maxRisk: 'low',
  namespaces: [],
  deploymentSelector: null,
  production: [],
  approvalTtlMs: 15 * 60_000,
  scale: { min: 1, max: 1 },
  requesters: {},
  approvers: {},
  approveFrom: {},
};

/**
 * The real operator service over the test's store: acknowledgement works; by default the policy
 * enables no Kubernetes action and neither Kubernetes nor Alertmanager is configured (`ctx`
 * sets them). `over` replaces single calls — a made-up outcome, a call that hangs — where a
 * test pins how the UI asks, confirms and shows each kind of outcome; the real calls behind the
 * UI are tested in real-core.test.tsx, flows-core.test.ts and test/operator/faces.test.ts.
 */
export function operatorFor(
  store: SqliteStore,
  clock: Clock,
  ctx: Partial<OperatorContext> = {},
  over: Partial<TuiOperator> = {},
): TuiOperator {
  const real = operatorService({
    store,
    clock,
    notify: false,
    policy: NOTHING_ENABLED,
    newId: newRequestId,
    executor: async () => {
      throw new ChatopsError('config', 'Kubernetes is off in these tests.');
    },
    silencer: async () => {
      throw new ChatopsError('config', 'Alertmanager is not configured in these tests.');
    },
    ...ctx,
  });
  return { ...real, ...over };
}

/** A request's outcome as the service shapes it, for calls a test replaces. */
export function fakeRequestOutcome(
  kind: OutcomeKind,
  message: string,
  about: { action: string; target: DeploymentTarget },
  over: Partial<RequestData> = {},
  extra: { hint?: string; lead?: string } = {},
): Outcome<RequestData> {
  return outcome(
    kind,
    message,
    { action: about.action, target: about.target, request: null, decision: null, read: null, dryRun: null, result: null, ...over },
    extra,
  );
}

export function depsFor(
  store: SqliteStore,
  clock: Clock,
  over: Partial<Omit<TuiDeps, 'operator'>> & { operator?: Partial<TuiOperator> } = {},
): TuiDeps {
  const { operator, ...rest } = over;
  return {
    source: storeSource(store),
    actor: { id: 'cli:alice', source: 'tui' },
    clock,
    pending: noPendingApprovals,
    operator: operatorFor(store, clock, {}, operator),
    silenceUnavailable: 'silence needs alertmanager.url: set it in the config file or ALERTMANAGER_URL.',
    pollMs: 50,
    ...rest,
  };
}

export const KEY = {
  up: '\u001B[A',
  down: '\u001B[B',
  enter: '\r',
  escape: '\u001B',
  tab: '\t',
  pageDown: '\u001B[6~',
  pageUp: '\u001B[5~',
  backspace: '\u007F',
};

/** Polls the last frame until `check` holds (frames before effects ran are not the answer). */
export async function frameWhere(
  lastFrame: () => string | undefined,
  check: (f: string) => boolean,
  what: string,
  timeoutMs = 10_000,
): Promise<string> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const f = lastFrame() ?? '';
    if (check(f)) return f;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}; last frame:\n${f}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export const frameWith = (lastFrame: () => string | undefined, text: string, timeoutMs?: number) =>
  frameWhere(lastFrame, (f) => f.includes(text), JSON.stringify(text), timeoutMs);

/** Lets Ink's input handling and React commit before the next key. */
export const tick = () => new Promise((r) => setTimeout(r, 30));
