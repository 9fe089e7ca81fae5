import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { render } from 'ink-testing-library';
import type { PendingApprovals, PendingRequest } from '../../src/adapters/store/sqlite-pending-approvals.js';
import type { Actor } from '../../src/core/incident-actions.js';
import type { SilenceData } from '../../src/core/operator.js';
import { outcome } from '../../src/core/outcome.js';
import type { Decision } from '../../src/core/policy.js';
import type { SilenceLength } from '../../src/core/silence.js';
import { App } from '../../src/tui/app.js';
import type { TuiOperator } from '../../src/tui/source.js';
import { depsFor, frameWhere, frameWith, ingest, KEY, manualClock, openStore, fakeRequestOutcome, seedThree, tick, T0 } from './support.js';

const size = { columns: 140, rows: 24 };

function setup(t: TestContext, over: Parameters<typeof depsFor>[2] = {}) {
  const store = openStore(t);
  const clock = manualClock();
  seedThree(store, clock);
  const ui = render(<App deps={depsFor(store, clock, over)} size={size} />);
  t.after(() => ui.unmount());
  return { store, ui };
}

/** A wrapped confirmation line joined back into one (Ink wraps at spaces). */
const oneLine = (f: string) => f.replace(/ *\n */g, ' ');
const rowOf = (frame: string, text: string) => frame.split('\n').find((l) => l.includes(text)) ?? '';

/** Rows in seedThree's display order: firing newest change first, then resolved. */
const ORDER = ['HighLatency', 'CrashLoop', 'DiskFull'];

async function select(ui: ReturnType<typeof render>, name: string) {
  await frameWith(ui.lastFrame, '1 of 3');
  for (let n = 1; n <= ORDER.indexOf(name); n++) {
    ui.stdin.write('j');
    await frameWith(ui.lastFrame, `${n + 1} of 3`);
  }
  await frameWhere(ui.lastFrame, (f) => rowOf(f, name).startsWith('›'), `cursor on ${name}`);
}

async function type(ui: ReturnType<typeof render>, text: string) {
  for (const c of text) {
    ui.stdin.write(c);
    await tick();
  }
}

describe('incidents UI: acknowledge', () => {
  it('asks with a line that says what will happen, then acknowledges through the core as the terminal user', async (t) => {
    const { ui, store } = setup(t);
    await select(ui, 'CrashLoop');
    ui.stdin.write('a');
    const f = await frameWith(ui.lastFrame, '[y/N]');
    assert.match(f, /Acknowledge incident #1 CrashLoop prod\/checkout as cli:alice/);
    assert.equal(store.getIncident(1)!.status, 'firing', 'nothing happens before the confirmation');
    ui.stdin.write('y');
    const done = await frameWith(ui.lastFrame, '✓ Incident 1 acknowledged by cli:alice.');
    assert.match(rowOf(done, 'CrashLoop'), /◐ acked .*cli:alice/);
    assert.match(done, /◐ 1 acked/);
    const incident = store.getIncident(1)!;
    assert.equal(incident.status, 'acknowledged');
    assert.equal(incident.acknowledgedBy, 'cli:alice');
    const audit = store.auditOf(1).at(-1)!;
    assert.deepEqual([audit.action, audit.actor, audit.source, audit.result], ['incident.ack', 'cli:alice', 'tui', 'ok']);
  });

  it('does nothing when the confirmation is answered with anything but y', async (t) => {
    const { ui, store } = setup(t);
    await select(ui, 'CrashLoop');
    ui.stdin.write('a');
    await frameWith(ui.lastFrame, '[y/N]');
    ui.stdin.write('n');
    await frameWith(ui.lastFrame, 'Cancelled: nothing was done.');
    assert.equal(store.getIncident(1)!.status, 'firing');
  });

  it('shows the refusal and its reason for a resolved incident', async (t) => {
    const { ui, store } = setup(t);
    await select(ui, 'DiskFull');
    ui.stdin.write('a');
    await frameWith(ui.lastFrame, '[y/N]');
    ui.stdin.write('y');
    await frameWith(ui.lastFrame, '✗ refused: Incident 2 is already resolved; there is nothing to acknowledge.');
    assert.equal(store.getIncident(2)!.status, 'resolved');
  });
});

describe('incidents UI: silence', () => {
  it('refuses with the reason when no silence adapter is available', async (t) => {
    const { ui } = setup(t);
    await select(ui, 'CrashLoop');
    ui.stdin.write('s');
    await frameWith(ui.lastFrame, '✗ refused: silence needs alertmanager.url');
  });

  /**
   * The service's silence replaced by one that records its calls: this checks the UI's prompt,
   * confirmation and result line; Alertmanager itself is in test/operator/faces.test.ts.
   */
  function recordingSilence(calls: { id: number; length: SilenceLength | undefined; actor: Actor }[]): Partial<TuiOperator> {
    return {
      silence: async (id, actor, opts) => {
        calls.push({ id, length: opts?.length, actor });
        return outcome('done', `Silence s-123 created for incident #${id} until later.`, {} as SilenceData);
      },
    };
  }

  /** Opens the silence prompt on CrashLoop with the recording silence, and types `length` over the default. */
  async function silenceFor(t: TestContext, length: string) {
    const calls: { id: number; length: SilenceLength | undefined; actor: Actor }[] = [];
    const { ui } = setup(t, { silenceUnavailable: null, operator: recordingSilence(calls) });
    await select(ui, 'CrashLoop');
    ui.stdin.write('s');
    await frameWith(ui.lastFrame, 'Silence the alerts of #1 for');
    ui.stdin.write(KEY.backspace);
    ui.stdin.write(KEY.backspace);
    await type(ui, length);
    return { ui, calls };
  }

  it('asks for a duration, confirms with the matchers, and reports the result', async (t) => {
    const { ui, calls } = await silenceFor(t, '90m');
    await frameWith(ui.lastFrame, '"until resolved"): 90m');
    ui.stdin.write(KEY.enter);
    const f = await frameWith(ui.lastFrame, '[y/N]');
    assert.match(
      oneLine(f),
      /Create an Alertmanager silence for 1h30m matching alertname="CrashLoop", .*namespace="prod".* \(the 2 alert\(s\) of #1 CrashLoop prod\/checkout\), as cli:alice\./,
    );
    assert.equal(calls.length, 0);
    ui.stdin.write('y');
    await frameWith(ui.lastFrame, '✓ Silence s-123 created for incident #1');
    assert.deepEqual(calls, [{ id: 1, length: { durationMs: 90 * 60_000 }, actor: { id: 'cli:alice', source: 'tui' } }]);
  });

  it('accepts "until resolved" as a length, like the CLI\'s --until-resolved and the Slack menu', async (t) => {
    const { ui, calls } = await silenceFor(t, 'until resolved');
    ui.stdin.write(KEY.enter);
    const f = await frameWith(ui.lastFrame, '[y/N]');
    assert.match(oneLine(f), /Create an Alertmanager silence until #1 resolves \(at most 7d\) matching alertname="CrashLoop"/);
    ui.stdin.write('y');
    await frameWith(ui.lastFrame, '✓ Silence s-123 created');
    assert.deepEqual(
      calls.map((c) => c.length),
      [{ untilResolved: true }],
    );
  });

  it('refuses, with the reason, a silence longer than the bound before asking to confirm', async (t) => {
    const { ui, calls } = await silenceFor(t, '8d');
    ui.stdin.write(KEY.enter);
    await frameWith(ui.lastFrame, '✗ A silence lasts more than 0 and at most 7d, not 8d.');
    assert.deepEqual(calls, []);
  });

  it('refuses, with the reason, a silence that cannot name any matcher', async (t) => {
    // One incident whose two alerts share no label: no silence would match only them.
    const store = openStore(t);
    const clock = manualClock();
    ingest(
      store,
      clock,
      [
        { fingerprint: 'abcd000000000001', labels: { alertname: 'A', namespace: 'x', deployment: 'p', severity: 'critical' } },
        { fingerprint: 'abcd000000000002', labels: { alertname: 'B', namespace: 'y', deployment: 'q', severity: 'warning' } },
      ],
      '{}:{}',
    );
    const ui = render(<App deps={depsFor(store, clock, { silenceUnavailable: null })} size={size} />);
    t.after(() => ui.unmount());
    await frameWith(ui.lastFrame, '1 of 1');
    ui.stdin.write('s');
    await frameWith(ui.lastFrame, 'Silence the alerts');
    ui.stdin.write(KEY.enter);
    await frameWith(
      ui.lastFrame,
      "✗ refused: incident 1's alerts share no label, so no silence would match only them. Silence them in Alertmanager by hand.",
    );
  });

  it('rejects a duration that is not one', async (t) => {
    const { ui } = setup(t, { silenceUnavailable: null });
    await select(ui, 'CrashLoop');
    ui.stdin.write('s');
    await frameWith(ui.lastFrame, 'Silence the alerts');
    ui.stdin.write(KEY.backspace);
    ui.stdin.write(KEY.backspace);
    await type(ui, 'soon');
    ui.stdin.write(KEY.enter);
    await frameWith(ui.lastFrame, '"soon" is not a duration');
  });
});

const secondPerson: Decision = {
  kind: 'needs-approval',
  risk: 'mutate',
  approvers: ['cli:bob'],
  from: [],
  reason: 'prod is a production namespace: a second person must approve',
};
const prodCheckout = { action: 'rollout-restart', target: { namespace: 'prod', deployment: 'checkout' } };

/**
 * The service's remediation calls replaced by ones that log and answer each kind of outcome:
 * these pin the UI's side — what it asks, what it confirms, how it shows each outcome. The UI on
 * the real approvals core is real-core.test.tsx, flows-core.test.ts and test/operator/faces.test.ts.
 */
function fakeRemediation(log: string[], refuseApprove?: string): Partial<TuiOperator> {
  return {
    actionsFor: (target) =>
      target.namespace === 'prod'
        ? [
            { action: 'rollout-restart', title: 'Rollout restart', risk: 'mutate', decision: secondPerson },
            { action: 'scale', title: 'Scale', risk: 'mutate', decision: secondPerson },
          ]
        : [],
    request: async (r, actor) => {
      log.push(`request ${r.action} ${r.target.namespace}/${r.target.deployment} ${JSON.stringify(r.params)} by ${actor.id}`);
      return fakeRequestOutcome('pending', `Request r-9 for ${r.action} waits for a second approver.`, r);
    },
    approve: async (id, actor) => {
      log.push(`approve ${id} by ${actor.id}`);
      return refuseApprove
        ? fakeRequestOutcome('refused', refuseApprove, prodCheckout)
        : fakeRequestOutcome('done', `Request ${id} approved by ${actor.id} and executed.`, prodCheckout);
    },
    deny: async (id, actor, opts) => {
      log.push(`deny ${id} by ${actor.id}: ${opts?.reason}`);
      return fakeRequestOutcome('done', `Request ${id} denied.`, prodCheckout);
    },
  };
}

const request: PendingRequest = {
  id: 'r-7',
  incidentId: 1,
  action: 'rollout-restart',
  target: 'prod/checkout',
  params: {},
  requestedBy: 'U0BOB',
  requestedAt: T0 + 5 * 60_000,
  expiresAt: T0 + 20 * 60_000,
  preview: 'dry-run: admitted by the API server',
};
const pendingOnOne: PendingApprovals = { countFor: (id) => (id === 1 ? 1 : 0), list: (id) => (id === 1 ? [request] : []) };

describe('incidents UI: an incident no configured cluster claims', () => {
  const why = 'incident #1 belongs to no configured cluster (eu-1, us-1): its alerts have no `cluster` label';
  const problem = (i: { id: number }) => (i.id === 1 ? why : null);

  for (const [key, what] of [
    ['s', 'silence'],
    ['u', 'unsilence'],
    ['r', 'remediation'],
  ] as const) {
    it(`refuses ${what} with the missing label before asking anything, and calls nothing`, async (t) => {
      const log: string[] = [];
      const { ui } = setup(t, {
        clusterProblem: problem,
        silenceUnavailable: null,
        operator: {
          ...fakeRemediation(log),
          silence: async () => assert.fail('no silence'),
          unsilence: async () => assert.fail('no unsilence'),
        },
      });
      await select(ui, 'CrashLoop');
      ui.stdin.write(key);
      await frameWhere(ui.lastFrame, (f) => oneLine(f).includes(`✗ refused: ${why}.`), 'the refusal naming the label');
      assert.deepEqual(log, []);
    });
  }

  it('still acknowledges it; other incidents are untouched', async (t) => {
    const { ui } = setup(t, { clusterProblem: problem });
    await select(ui, 'CrashLoop');
    ui.stdin.write('a');
    await frameWith(ui.lastFrame, '[y/N]');
    ui.stdin.write('y');
    await frameWith(ui.lastFrame, '✓ Incident 1 acknowledged by cli:alice.');
  });
});

describe('incidents UI: remediation', () => {
  it('refuses with the policy reason when no action is enabled for the target', async (t) => {
    const log: string[] = [];
    const { ui } = setup(t, { operator: fakeRemediation(log) });
    await select(ui, 'DiskFull'); // staging
    ui.stdin.write('r');
    await frameWith(ui.lastFrame, '✗ refused: the policy in force enables no action on staging/db for cli:alice.');
    assert.deepEqual(log, []);
  });

  it('refuses with the reason when the policy in force enables nothing (the real core)', async (t) => {
    const { ui } = setup(t);
    await select(ui, 'CrashLoop');
    ui.stdin.write('r');
    await frameWith(ui.lastFrame, '✗ refused: the policy in force enables no action on prod/checkout for cli:alice.');
  });

  it('offers the enabled actions, asks for parameters, confirms, and shows that it waits for approval', async (t) => {
    const log: string[] = [];
    const { ui } = setup(t, { operator: fakeRemediation(log) });
    await select(ui, 'CrashLoop');
    ui.stdin.write('r');
    let f = await frameWith(ui.lastFrame, 'Request which action on prod/checkout?');
    assert.match(f, /1\) rollout-restart \[mutate, needs a second approver\]/);
    assert.match(f, /2\) scale/);
    ui.stdin.write('2');
    await frameWith(ui.lastFrame, 'the desired number of replicas:');
    await type(ui, '5');
    ui.stdin.write(KEY.enter);
    f = await frameWith(ui.lastFrame, '[y/N]');
    // The chooser's preview is written before the replica count is known; the confirmation says what runs.
    assert.match(
      oneLine(f),
      /Request scale \(replicas=5\) on prod\/checkout for incident #1 as cli:alice: scale deployment prod\/checkout to 5 replicas — it waits for a second approver\./,
    );
    ui.stdin.write('y');
    await frameWith(ui.lastFrame, '… Request r-9 for scale waits for a second approver.');
    assert.deepEqual(log, ['request scale prod/checkout {"replicas":5} by cli:alice']);
  });

  it('marks pending approvals in the list and shows them with their preview in the detail view', async (t) => {
    const { ui } = setup(t, { pending: pendingOnOne });
    await select(ui, 'CrashLoop');
    assert.match(rowOf(ui.lastFrame() ?? '', 'CrashLoop'), /⚑ 1/);
    ui.stdin.write(KEY.enter);
    await frameWith(ui.lastFrame, 'Labels');
    const seen = new Set<string>();
    for (let n = 0; n < 30; n++) {
      ui.stdin.write('j');
      await tick();
      for (const l of (ui.lastFrame() ?? '').split('\n')) seen.add(l);
    }
    const all = [...seen].join('\n');
    assert.match(all, /Pending requests \(1\)/);
    assert.match(all, /› request r-7: rollout-restart prod\/checkout by U0BOB, 5m ago, expires in 10m/);
    assert.match(all, /preview: dry-run: admitted by the API server/);
  });

  it('approves the selected pending request after confirmation', async (t) => {
    const log: string[] = [];
    const { ui } = setup(t, { pending: pendingOnOne, operator: fakeRemediation(log) });
    await select(ui, 'CrashLoop');
    ui.stdin.write(KEY.enter);
    await frameWith(ui.lastFrame, 'Labels');
    ui.stdin.write('A');
    const f = await frameWith(ui.lastFrame, '[y/N]');
    assert.match(oneLine(f), /Approve request r-7 \(rollout-restart prod\/checkout, requested by U0BOB\) as cli:alice/);
    ui.stdin.write('y');
    await frameWith(ui.lastFrame, '✓ Request r-7 approved by cli:alice and executed.');
    assert.deepEqual(log, ['approve r-7 by cli:alice']);
  });

  it('shows the policy refusal of an approval (e.g. the requester approving their own request)', async (t) => {
    const log: string[] = [];
    const { ui } = setup(t, {
      pending: pendingOnOne,
      operator: fakeRemediation(log, 'you requested this action; a different person must approve it.'),
    });
    await select(ui, 'CrashLoop');
    ui.stdin.write('A');
    await frameWith(ui.lastFrame, '[y/N]');
    ui.stdin.write('y');
    await frameWith(ui.lastFrame, '✗ refused: you requested this action; a different person must approve it.');
  });

  it('denies with a reason after confirmation', async (t) => {
    const log: string[] = [];
    const { ui } = setup(t, { pending: pendingOnOne, operator: fakeRemediation(log) });
    await select(ui, 'CrashLoop');
    ui.stdin.write('D');
    await frameWith(ui.lastFrame, 'Why deny request r-7?');
    await type(ui, 'not now');
    ui.stdin.write(KEY.enter);
    const f = await frameWith(ui.lastFrame, '[y/N]');
    assert.match(oneLine(f), /Deny request r-7 .* as cli:alice because "not now": it will not run\./);
    ui.stdin.write('y');
    await frameWith(ui.lastFrame, '✓ Request r-7 denied.');
    assert.deepEqual(log, ['deny r-7 by cli:alice: not now']);
  });

  it('shows a failed run as failed, with what failed', async (t) => {
    const log: string[] = [];
    const port: Partial<TuiOperator> = {
      ...fakeRemediation(log),
      approve: async () => fakeRequestOutcome('failed', 'rollout did not finish in 5m: 1/3 pods available', prodCheckout),
    };
    const { ui } = setup(t, { pending: pendingOnOne, operator: port });
    await select(ui, 'CrashLoop');
    ui.stdin.write('A');
    await frameWith(ui.lastFrame, '[y/N]');
    ui.stdin.write('y');
    await frameWith(ui.lastFrame, '✗ failed: rollout did not finish in 5m: 1/3 pods available');
  });

  it('Tab selects the next pending request and brings it on screen, marked', async (t) => {
    const second: PendingRequest = { ...request, id: 'r-8', action: 'scale', params: { replicas: 5 }, requestedBy: 'U0CAROL' };
    const log: string[] = [];
    const { ui } = setup(t, {
      pending: { countFor: (id) => (id === 1 ? 2 : 0), list: (id) => (id === 1 ? [request, second] : []) },
      operator: fakeRemediation(log),
    });
    await select(ui, 'CrashLoop');
    ui.stdin.write(KEY.enter);
    let f = await frameWith(ui.lastFrame, 'Labels');
    assert.ok(!f.includes('request r-8'), `the requests start below the fold here:\n${f}`);
    ui.stdin.write(KEY.tab);
    f = await frameWith(ui.lastFrame, '› request r-8: scale prod/checkout (replicas=5) by U0CAROL');
    assert.match(f, /Request r-8 selected \(2 of 2\): A approves, D denies\./);
    ui.stdin.write(KEY.tab);
    f = await frameWith(ui.lastFrame, '› request r-7: rollout-restart');
    assert.ok(!f.includes('› request r-8'), f);
    ui.stdin.write(KEY.tab);
    await frameWith(ui.lastFrame, '› request r-8');
    ui.stdin.write('A');
    f = await frameWith(ui.lastFrame, '[y/N]');
    assert.match(oneLine(f), /Approve request r-8 \(scale prod\/checkout replicas=5, requested by U0CAROL\)/);
  });

  it('says so when there is no pending request to decide', async (t) => {
    const { ui } = setup(t);
    await select(ui, 'HighLatency');
    ui.stdin.write('A');
    await frameWith(ui.lastFrame, 'Incident #3 has no pending request to approve.');
  });
});
