import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CATALOGUE, RISKS, riskRank, type ActionName, type ActionParams, type Risk } from '../../src/core/actions.js';
import {
  availableActions,
  evaluateApproval,
  evaluateRequest,
  mayDeny,
  parseSelector,
  selectorMatches,
  type Policy,
  type Principal,
} from '../../src/core/policy.js';

function policy(over: Partial<Policy> = {}): Policy {
  return {
    maxRisk: 'destructive',
    namespaces: ['prod', 'staging'],
    deploymentSelector: null,
    production: ['prod'],
    approvalTtlMs: 900_000,
    scale: { min: 1, max: 10 },
    requesters: { read: ['*'], low: ['*'], mutate: ['U0ALICE', 'cli:alice', 'S0ONCALL'], destructive: ['U0ALICE', 'cli:alice'] },
    approvers: { mutate: ['U0BOB', 'cli:bob', 'S0ONCALL'], destructive: ['U0BOB', 'cli:bob'] },
    approveFrom: {},
    ...over,
  };
}

const alice: Principal = { id: 'U0ALICE', source: 'slack' };
const bob: Principal = { id: 'U0BOB', source: 'slack' };
const prod = { namespace: 'prod', deployment: 'web' };
const staging = { namespace: 'staging', deployment: 'web' };

const ask = (p: Policy, action: ActionName, target = prod, params: ActionParams = {}, requester = alice) =>
  evaluateRequest(p, { action: CATALOGUE[action], target, params, requester, targetLabels: 'unknown' });

const approve = (p: Policy, action: ActionName, approver: Principal, target = prod, params: ActionParams = {}) =>
  evaluateApproval(p, { action: CATALOGUE[action], target, params, requester: alice, approver, targetLabels: 'unknown' });

const ACTION_OF_RISK: Record<Risk, ActionName> = { read: 'pods', low: 'ack', mutate: 'rollout-restart', destructive: 'rollout-undo' };

describe('policy: every risk × max_risk', () => {
  for (const max of RISKS) {
    for (const risk of RISKS) {
      it(`max_risk ${max}, a ${risk} action is ${riskRank(risk) <= riskRank(max) ? 'allowed' : 'refused'}`, () => {
        const action = ACTION_OF_RISK[risk];
        const target = CATALOGUE[action].targetKind === 'incident' ? null : staging;
        const d = evaluateRequest(policy({ maxRisk: max }), {
          action: CATALOGUE[action],
          target,
          params: {},
          requester: alice,
          targetLabels: 'unknown',
        });
        if (riskRank(risk) <= riskRank(max)) {
          assert.equal(d.kind, 'run', d.reason);
        } else {
          assert.equal(d.kind, 'refused');
          assert.match(d.reason, new RegExp(`${action} is a ${risk} action and policy.max_risk allows only up to ${max}`));
        }
      });
    }
  }
});

describe('policy: requests', () => {
  it('production mutate and destructive need a second person; elsewhere they run', () => {
    const d = ask(policy(), 'rollout-restart');
    assert.equal(d.kind, 'needs-approval');
    assert.deepEqual(d.kind === 'needs-approval' && d.approvers, ['U0BOB', 'cli:bob', 'S0ONCALL']);
    assert.equal(ask(policy(), 'rollout-undo').kind, 'needs-approval');
    assert.equal(ask(policy(), 'rollout-restart', staging).kind, 'run');
    assert.equal(ask(policy(), 'pods').kind, 'run');
  });

  it('refuses a namespace outside the allow-list, naming it', () => {
    const d = ask(policy(), 'pods', { namespace: 'kube-system', deployment: 'coredns' });
    assert.equal(d.kind, 'refused');
    assert.match(d.reason, /namespace kube-system is not in policy.namespaces \(prod, staging\)/);
  });

  it('refuses scale outside the bounds and allows it inside', () => {
    for (const replicas of [0, 11, 50]) {
      const d = ask(policy(), 'scale', staging, { replicas });
      assert.equal(d.kind, 'refused');
      assert.match(d.reason, new RegExp(`scaling to ${replicas} replicas is outside policy.scale \\(1 to 10\\)`));
    }
    assert.equal(ask(policy(), 'scale', staging, { replicas: 10 }).kind, 'run');
  });

  it('refuses a requester who is not listed; by default nobody may request changes', () => {
    const d = ask(policy(), 'rollout-restart', prod, {}, { id: 'U0EVE', source: 'slack' });
    assert.equal(d.kind, 'refused');
    assert.match(d.reason, /U0EVE may not request mutate actions \(policy.requesters.mutate: U0ALICE, cli:alice, S0ONCALL\)/);
    const none = ask(policy({ requesters: {} }), 'rollout-restart', staging);
    assert.equal(none.kind, 'refused');
    assert.equal(ask(policy({ requesters: {} }), 'pods', staging).kind, 'run');
  });

  it('a user group grants what its members may do', () => {
    assert.equal(ask(policy(), 'rollout-restart', staging, {}, { id: 'U0CAROL', source: 'slack', groups: ['S0ONCALL'] }).kind, 'run');
  });

  it('refuses when nobody else could approve', () => {
    const d = ask(policy({ approvers: {} }), 'rollout-restart');
    assert.equal(d.kind, 'refused');
    assert.match(d.reason, /nobody else may approve them: add approvers to policy.approvers.mutate/);
    assert.equal(ask(policy({ approvers: { mutate: ['U0ALICE'] } }), 'rollout-restart').kind, 'refused');
  });

  it('deployment_selector: matching labels pass, others and unknown labels are refused', () => {
    const p = policy({ deploymentSelector: 'chatops.io/remediable=true,tier!=db' });
    const facts = (labels: Record<string, string> | 'unknown') => ({
      action: CATALOGUE['rollout-restart'],
      target: staging,
      params: {},
      requester: alice,
      targetLabels: labels,
    });
    assert.equal(evaluateRequest(p, facts({ 'chatops.io/remediable': 'true', tier: 'web' })).kind, 'run');
    const d = evaluateRequest(p, facts({ 'chatops.io/remediable': 'true', tier: 'db' }));
    assert.equal(d.kind, 'refused');
    assert.match(d.reason, /does not match policy.deployment_selector/);
    assert.equal(evaluateRequest(p, facts('unknown')).kind, 'refused');
  });
});

describe('policy: approvals', () => {
  it('the requester never approves their own request', () => {
    const d = approve(policy({ approvers: { mutate: ['*'] } }), 'rollout-restart', alice);
    assert.equal(d.kind, 'refused');
    assert.match(d.reason, /nobody may approve their own request/);
  });

  it('an approver not in the list is refused', () => {
    const d = approve(policy(), 'rollout-restart', { id: 'U0EVE', source: 'slack' });
    assert.equal(d.kind, 'refused');
    assert.match(d.reason, /U0EVE may not approve mutate actions \(policy.approvers.mutate: U0BOB, cli:bob, S0ONCALL\)/);
    assert.equal(approve(policy(), 'rollout-restart', bob).kind, 'allowed');
    assert.equal(approve(policy(), 'rollout-restart', { id: 'U0CAROL', source: 'slack', groups: ['S0ONCALL'] }).kind, 'allowed');
  });

  it('approve_from: destructive approvals only from the terminal', () => {
    const p = policy({ approveFrom: { destructive: ['cli'] } });
    const d = approve(p, 'rollout-undo', bob);
    assert.equal(d.kind, 'refused');
    assert.match(d.reason, /destructive actions may be approved only from cli \(policy.approve_from.destructive\), not from slack/);
    assert.equal(approve(p, 'rollout-undo', { id: 'cli:bob', source: 'cli' }).kind, 'allowed');
    assert.equal(approve(p, 'rollout-restart', bob).kind, 'allowed');
  });

  it('re-checks the policy in force: a namespace removed after the request is refused', () => {
    const d = approve(policy({ namespaces: ['staging'] }), 'rollout-restart', bob);
    assert.equal(d.kind, 'refused');
    assert.match(d.reason, /policy in force now: namespace prod is not in policy.namespaces/);
    const lowered = approve(policy({ maxRisk: 'read' }), 'rollout-restart', bob);
    assert.equal(lowered.kind, 'refused');
  });

  it('the requester or an approver may deny; others may not', () => {
    assert.equal(mayDeny(policy(), 'mutate', 'U0ALICE', alice), true);
    assert.equal(mayDeny(policy(), 'mutate', 'U0ALICE', bob), true);
    assert.equal(mayDeny(policy(), 'mutate', 'U0ALICE', { id: 'U0EVE', source: 'slack' }), false);
  });
});

describe('policy: available actions and selectors', () => {
  it('lists what the policy enables for a target', () => {
    const names = (p: Policy, t = prod) => availableActions(p, t).map((a) => `${a.action}:${a.decision.kind}`);
    assert.deepEqual(names(policy({ maxRisk: 'read' })), ['pods:run', 'events:run', 'logs:run']);
    assert.deepEqual(names(policy()), [
      'pods:run',
      'events:run',
      'logs:run',
      'rollout-restart:needs-approval',
      'scale:needs-approval',
      'rollout-undo:needs-approval',
    ]);
    assert.deepEqual(names(policy(), { namespace: 'other', deployment: 'x' }), []);
    assert.deepEqual(
      availableActions(policy(), prod, { id: 'U0EVE', source: 'slack' }).map((a) => a.action),
      ['pods', 'events', 'logs'],
    );
  });

  it('parses equality selectors and rejects others', () => {
    const s = parseSelector('a=b, c!=d, e, !f')!;
    assert.equal(selectorMatches(s, { a: 'b', e: '' }), true);
    assert.equal(selectorMatches(s, { a: 'b', e: '', f: 'x' }), false);
    assert.equal(selectorMatches(s, { a: 'b', c: 'd', e: '' }), false);
    assert.equal(parseSelector('a in (b)'), null);
  });
});
