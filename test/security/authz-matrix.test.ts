/**
 * The authorisation matrix, table-driven, through the terminal faces: the TUI (the operator
 * service as the UI calls it, in process, real SQLite, real client-node against the fake
 * apiserver, its outcome through the UI's renderer) and the built CLI (spawned
 * processes reading the config afresh on every call). Each case must decide nothing (or run
 * exactly once), give the reason, and leave an `action.approve refused` audit row with it.
 * The Slack face of the same matrix is authz-slack.test.ts; the policy function alone is
 * test/approvals/policy.test.ts.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { KubeExecutor } from '../../src/adapters/kube/kube-executor.js';
import { SqliteStore } from '../../src/adapters/store/sqlite-store.js';
import { newRequestId } from '../../src/app.js';
import type { Policy } from '../../src/core/policy.js';
import { operatorService, type OperatorContext } from '../../src/core/operator.js';
import { requestAction, type RemediationContext } from '../../src/core/remediation.js';
import { renderOutcome, type Status } from '../../src/tui/outcome.js';
import { runCliAsync } from '../support/cli-async.js';
import { KubeFake, remediatorRules } from '../support/kube-fake.js';

const ME = `cli:${os.userInfo().username}`;
const alice = { id: 'U0ALICE', source: 'slack' as const };
const prodWeb = { namespace: 'prod', deployment: 'web' };

const BASE: Policy = {
  maxRisk: 'mutate',
  namespaces: ['prod', 'staging'],
  deploymentSelector: null,
  production: ['prod'],
  approvalTtlMs: 15 * 60_000,
  scale: { min: 1, max: 5 },
  requesters: { mutate: ['U0ALICE', ME, 'cli:bob'] },
  approvers: { mutate: ['cli:bob', 'cli:carol', ME] },
  approveFrom: {},
};

/** One row of the matrix: how the request is made, what changes before the approval, who approves. */
interface Row {
  name: string;
  /** Requested by (default U0ALICE through the core). */
  requester?: 'U0ALICE' | 'approver';
  scale?: number;
  /** The policy in force when the approval comes. */
  policy?: Partial<Policy>;
  /** Minutes that pass between request and approval. */
  later?: number;
  /** Approve once successfully first (the replay). */
  replay?: boolean;
  why: RegExp;
  /** Exit code of `chatops approve` (4 refused, 1 no longer pending). */
  exit: number;
}

const ROWS: Row[] = [
  { name: 'self-approval', requester: 'approver', why: /requested this, and nobody may approve their own request/, exit: 4 },
  {
    name: 'approver not allowed for the risk',
    policy: { approvers: { mutate: ['U0BOB'] } },
    why: /may not approve mutate actions \(policy.approvers.mutate: U0BOB\)/,
    exit: 4,
  },
  {
    name: 'approve_from violated',
    policy: { approveFrom: { mutate: ['slack'] } },
    why: /mutate actions may be approved only from slack \(policy.approve_from.mutate\)/,
    exit: 4,
  },
  { name: 'expired request', later: 16, why: /expired at .*: request it again/, exit: 4 },
  { name: 'replayed approval', replay: true, why: /already decided by .* and succeeded/, exit: 1 },
  {
    name: 'namespace left the allow-list',
    policy: { namespaces: ['staging'] },
    why: /policy in force now: namespace prod is not in policy.namespaces \(staging\)/,
    exit: 4,
  },
  {
    name: 'action above max_risk',
    policy: { maxRisk: 'read' },
    why: /rollout-restart is a mutate action and policy.max_risk allows only up to read/,
    exit: 4,
  },
  {
    name: 'scale outside bounds',
    scale: 4,
    policy: { scale: { min: 1, max: 3 } },
    why: /scaling to 4 replicas is outside policy.scale \(1 to 3\)/,
    exit: 4,
  },
];

/** The YAML a CLI process reads for a policy. */
function yaml(p: Policy, kubeconfig: string): string {
  const list = (xs: readonly string[] | undefined) => `[${(xs ?? []).map((x) => JSON.stringify(x)).join(', ')}]`;
  const rec = (r: Partial<Record<string, readonly string[]>>) =>
    `{ ${Object.entries(r)
      .map(([k, v]) => `${k}: ${list(v)}`)
      .join(', ')} }`;
  return `kubernetes:
  enabled: true
  kubeconfig: ${kubeconfig}
  poll_interval: 10ms
  rollout_timeout: 1m
policy:
  max_risk: ${p.maxRisk}
  namespaces: ${list(p.namespaces)}
  production: ${list(p.production)}
  scale: { min: ${p.scale.min}, max: ${p.scale.max} }
  approve_from: ${rec(p.approveFrom)}
  requesters: ${rec(p.requesters)}
  approvers: ${rec(p.approvers)}
`;
}

/** The TUI's approval: the operator service's outcome as the UI's status line shows it. */
const tuiApprove = async (ctx: OperatorContext, requestId: string, actor: { id: string; source: 'tui' }): Promise<Status> =>
  renderOutcome(await operatorService(ctx).approve(requestId, actor)).status;

describe('authorisation matrix: TUI and CLI', () => {
  let fake: KubeFake;
  let dir: string;
  let kubeconfig: string;
  let executor: KubeExecutor;
  before(async () => {
    fake = await KubeFake.start();
    fake.allow(remediatorRules(['prod', 'staging']));
    fake.addDeployment({ namespace: 'prod', name: 'web', replicas: 2 });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chatops-authz-'));
    kubeconfig = fake.writeKubeconfig(dir);
    executor = new KubeExecutor({ kubeconfig, requestTimeoutMs: 5000, rolloutTimeoutMs: 60_000, pollIntervalMs: 1 });
  });
  after(async () => {
    await fake.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const patches = () => fake.writes().filter((w) => w.method === 'PATCH').length;
  // No silence here: a silencer that is never built.
  const ctxFor = (store: SqliteStore, now: () => number, policy: Policy): OperatorContext => ({
    store,
    clock: { now },
    notify: false,
    policy,
    executor: async () => executor,
    silencer: async () => {
      throw new Error('unused');
    },
    newId: newRequestId,
  });

  /** Makes the row's request through the core; returns its id. */
  async function makeRequest(ctx: RemediationContext, row: Row, approverId: string, source: 'tui' | 'cli'): Promise<string> {
    const requester = row.requester === 'approver' ? { id: approverId, source } : alice;
    const out = await requestAction(
      ctx,
      { action: row.scale ? 'scale' : 'rollout-restart', target: prodWeb, params: row.scale ? { replicas: row.scale } : {} },
      requester,
    );
    assert.equal(out.kind, 'pending', `${row.name}: ${out.kind === 'refused' ? out.reason : out.kind}`);
    return out.kind === 'pending' ? out.request.id : '';
  }

  function assertAudited(store: SqliteStore, row: Row, actor: string, requestId: string): void {
    const refused = [...store.auditRows()].filter(
      (r) =>
        r.action === 'action.approve' &&
        r.result === 'refused' &&
        r.actor === actor &&
        (r.detail as { requestId?: string }).requestId === requestId,
    );
    assert.ok(
      refused.some((r) => row.why.test(String((r.detail as { why?: string }).why))),
      `${row.name}: audited with the reason (${JSON.stringify(refused.map((r) => r.detail))})`,
    );
  }

  for (const row of ROWS) {
    it(`TUI: ${row.name} is refused and audited`, async () => {
      const store = new SqliteStore({ path: path.join(dir, `tui-${ROWS.indexOf(row)}.db`) });
      try {
        let now = Date.now();
        const bob = { id: 'cli:bob', source: 'tui' as const };
        const id = await makeRequest(
          ctxFor(store, () => now, BASE),
          row,
          bob.id,
          'tui',
        );
        const ctx = ctxFor(store, () => now, { ...BASE, ...row.policy });
        if (row.replay) assert.equal((await tuiApprove(ctx, id, bob)).tone, 'ok');
        now += (row.later ?? 0) * 60_000;
        const before = patches();
        const r = await tuiApprove(ctx, id, bob);
        assert.match(r.text, /^refused: /, `${row.name}: ${JSON.stringify(r)}`);
        assert.match(r.text, row.why);
        assert.equal(patches(), before, 'nothing ran');
        assertAudited(store, row, bob.id, id);
      } finally {
        store.close();
      }
    });
  }

  it('TUI: two approvers at the same moment, on two connections: runs once, the other is audited', async () => {
    const file = path.join(dir, 'tui-concurrent.db');
    const a = new SqliteStore({ path: file });
    const b = new SqliteStore({ path: file });
    try {
      const id = await makeRequest(ctxFor(a, Date.now, BASE), { name: 'concurrent', why: /./, exit: 0 }, 'cli:bob', 'tui');
      const before = patches();
      const results = await Promise.all([
        tuiApprove(ctxFor(a, Date.now, BASE), id, { id: 'cli:bob', source: 'tui' }),
        tuiApprove(ctxFor(b, Date.now, BASE), id, { id: 'cli:carol', source: 'tui' }),
      ]);
      assert.deepEqual(
        results.map((r) => (r.text.startsWith('refused: ') ? 'refused' : r.tone)).sort(),
        ['ok', 'refused'],
        JSON.stringify(results),
      );
      assert.equal(patches(), before + 1, 'ran exactly once');
      const loser = results[0]!.text.startsWith('refused: ') ? 'cli:bob' : 'cli:carol';
      assertAudited(a, { name: 'concurrent', why: /already (approved|decided) by cli:(bob|carol)/, exit: 1 }, loser, id);
    } finally {
      a.close();
      b.close();
    }
  });

  for (const row of ROWS) {
    it(`CLI: ${row.name} exits ${row.exit} with the reason and is audited`, async () => {
      const db = path.join(dir, `cli-${ROWS.indexOf(row)}.db`);
      const store = new SqliteStore({ path: db });
      const config = path.join(dir, `cli-${ROWS.indexOf(row)}.yaml`);
      // The CLI re-reads its config on every call: this file is the policy in force at approval.
      fs.writeFileSync(config, yaml({ ...BASE, ...row.policy }, kubeconfig));
      const env = { CHATOPS_DB: db, CHATOPS_CONFIG: config };
      try {
        const now = Date.now() - (row.later ?? 0) * 60_000;
        const id = await makeRequest(
          ctxFor(store, () => now, BASE),
          row,
          ME,
          'cli',
        );
        if (row.replay) assert.equal((await runCliAsync(['approve', id], { env })).code, 0);
        const before = patches();
        const r = await runCliAsync(['approve', id], { env });
        assert.equal(r.code, row.exit, r.stderr);
        assert.match(r.stderr, row.why);
        assert.equal(r.stderr.trim().split('\n').length, 1, 'one sentence');
        assert.equal(patches(), before, 'nothing ran');
        assertAudited(store, row, ME, id);
      } finally {
        store.close();
      }
    });
  }

  it('CLI: two processes approving at the same moment run it once; the other exits 1 and is audited', async () => {
    const db = path.join(dir, 'cli-concurrent.db');
    const config = path.join(dir, 'cli-concurrent.yaml');
    fs.writeFileSync(config, yaml(BASE, kubeconfig));
    const store = new SqliteStore({ path: db });
    try {
      const id = await makeRequest(ctxFor(store, Date.now, BASE), { name: 'concurrent', why: /./, exit: 0 }, ME, 'cli');
      const before = patches();
      const both = await Promise.all([
        runCliAsync(['approve', id], { env: { CHATOPS_DB: db, CHATOPS_CONFIG: config } }),
        runCliAsync(['approve', id], { env: { CHATOPS_DB: db, CHATOPS_CONFIG: config } }),
      ]);
      assert.deepEqual(both.map((x) => x.code).sort(), [0, 1], both.map((x) => x.stderr).join('\n'));
      assert.equal(patches(), before + 1, 'ran exactly once');
      assertAudited(store, { name: 'concurrent', why: new RegExp(`already (approved|decided) by ${ME}`), exit: 1 }, ME, id);
    } finally {
      store.close();
    }
  });

  it('scale outside bounds and above max_risk are refused at request time too, and audited', async () => {
    const store = new SqliteStore({ path: path.join(dir, 'request-time.db') });
    try {
      const ctx = ctxFor(store, Date.now, BASE);
      const big = await requestAction(ctx, { action: 'scale', target: prodWeb, params: { replicas: 9 } }, alice);
      assert.match(big.kind === 'refused' ? big.reason : '', /outside policy.scale \(1 to 5\)/);
      const undo = await requestAction(ctx, { action: 'rollout-undo', target: prodWeb }, alice);
      assert.match(
        undo.kind === 'refused' ? undo.reason : '',
        /rollout-undo is a destructive action and policy.max_risk allows only up to mutate/,
      );
      assert.deepEqual(
        [...store.auditRows()].map((r) => `${r.action}:${r.result}`),
        ['action.request:refused', 'action.request:refused'],
      );
      assert.equal(store.listRequests({}).length, 0, 'nothing stored to approve');
    } finally {
      store.close();
    }
  });
});
