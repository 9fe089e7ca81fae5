/**
 * The authorisation matrix through the Slack face: real daemon, real Bolt against the Slack
 * emulator, the fake kube-apiserver. Every case is a click that must decide nothing (or run
 * exactly once), answer the clicker ephemerally with the reason, and leave an audit row
 * `action.approve refused` with that reason. The policy changes (namespace leaves the allow-list,
 * scale bounds narrowed, max_risk lowered) happen by restarting the daemon with a new config.
 * The same matrix for the CLI and the TUI/core is in authz-matrix.test.ts.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { Database } from '../../src/adapters/store/sqlite-driver.js';
import { waitFor, type SpawnedDaemon } from '../support/daemon.js';
import { webhookBody } from '../support/builders.js';
import { KubeFake, remediatorRules } from '../support/kube-fake.js';
import { SlackEmulator, type StoredMessage } from '../support/slack-emulator.js';
import { postWebhook, ready, runCliAsync, spawnSlackDaemon, stopDaemon } from '../support/slack-daemon.js';
import { tempDir } from '../support/tmp.js';

interface Case {
  name: string;
  user: string;
  requestId: string;
  why: RegExp;
}

test('Slack face: every forbidden click is refused, told to the clicker, and audited with the reason', async (t) => {
  const dir = tempDir(t);
  const fake = await KubeFake.start();
  t.after(() => fake.close());
  fake.allow(remediatorRules(['prod', 'old']));
  for (const [ns, name] of [
    ['prod', 'web'],
    ['prod', 'api'],
    ['prod', 'db'],
    ['prod', 'cache'],
    ['old', 'web'],
  ] as const) {
    fake.addDeployment({ namespace: ns, name, replicas: 2, revisions: [`${name}:1`, `${name}:2`] });
  }
  const kubeconfig = fake.writeKubeconfig(dir);
  const emu = await SlackEmulator.start();
  t.after(() => emu.stop());
  const me = `cli:${os.userInfo().username}`;
  const policy = (o: { maxRisk?: string; namespaces?: string; scaleMax?: number; ttl?: string } = {}) => `kubernetes:
  enabled: true
  kubeconfig: ${kubeconfig}
  poll_interval: 10ms
  rollout_timeout: 1m
policy:
  max_risk: ${o.maxRisk ?? 'destructive'}
  namespaces: ${o.namespaces ?? '[prod, old]'}
  production: [prod, old]
  approval_ttl: ${o.ttl ?? '15m'}
  scale: { min: 1, max: ${o.scaleMax ?? 5} }
  approve_from: { destructive: [cli] }
  requesters:
    mutate: [U0ALICE, "${me}"]
    destructive: [U0ALICE]
  approvers:
    mutate: [U0BOB, U0CAROL]
    destructive: [U0BOB]
`;
  let daemon: SpawnedDaemon = await spawnSlackDaemon({ dir, emulator: emu, config: policy() });
  t.after(() => stopDaemon(daemon));
  const restart = async (config: string) => {
    await stopDaemon(daemon);
    daemon = await spawnSlackDaemon({ dir, emulator: emu, config });
    await waitFor(async () => (await ready(daemon.url)).status === 200, { what: 'ready after restart', timeoutMs: 20_000 });
  };
  await waitFor(async () => (await ready(daemon.url)).status === 200, { what: 'ready', timeoutMs: 20_000 });

  // One incident per deployment.
  const tops = new Map<string, StoredMessage>();
  const targets = ['prod/web', 'prod/api', 'prod/db', 'prod/cache', 'old/web'];
  for (const [i, target] of targets.entries()) {
    const [namespace, deployment] = target.split('/');
    assert.equal(
      (
        await postWebhook(
          daemon.url,
          webhookBody(
            [{ fingerprint: `a00000000000000${i}`, labels: { alertname: 'Down', namespace: namespace!, deployment: deployment! } }],
            { groupKey: target },
          ),
        )
      ).status,
      200,
    );
    tops.set(target, await waitFor(() => emu.incidentMessages(i + 1)[0], { what: `incident ${target} posted`, timeoutMs: 20_000 }));
  }
  const patches = (target: string) => {
    const [ns, d] = target.split('/');
    return fake.writes().filter((w) => w.method === 'PATCH' && w.pathname === `/apis/apps/v1/namespaces/${ns}/deployments/${d}`).length;
  };

  // A request's reply in its incident's thread; the Approve element is kept as it was first shown
  // (a later click re-sends that payload, as a user with an old rendering on screen would).
  const seen = new Set<string>();
  const approvals = new Map<string, { reply: StoredMessage; element: Record<string, unknown> }>();
  const newRequest = async (target: string): Promise<string> => {
    const top = tops.get(target)!;
    const reply = await waitFor(
      () =>
        emu.replies(top.ts).find((m) => {
          const v = emu.element(m.ts, 'chatops:approve')?.value;
          return typeof v === 'string' && !seen.has(v);
        }),
      { what: `request reply for ${target}`, timeoutMs: 20_000 },
    );
    const element = { ...emu.element(reply.ts, 'chatops:approve')! };
    seen.add(element.value as string);
    approvals.set(element.value as string, { reply, element });
    return element.value as string;
  };
  const requestByButton = async (target: string, action: string) => {
    assert.equal((await emu.click({ ts: tops.get(target)!.ts, actionId: `chatops:remediate:${action}`, user: 'U0ALICE' })).acked, true);
    return newRequest(target);
  };
  const env = (ttl?: string) => {
    const file = path.join(dir, `cli-${ttl ?? 'default'}.yaml`);
    fs.writeFileSync(file, policy({ ttl }));
    return { CHATOPS_DB: path.join(dir, 'chatops.db'), CHATOPS_CONFIG: file };
  };
  const requestByCli = async (args: string[], target: string, ttl?: string) => {
    const r = await runCliAsync(['remediate', ...args], env(ttl));
    assert.equal(r.code, 3, r.stderr);
    return newRequest(target);
  };
  /** Clicks Approve for a request on a given message and waits for the clicker's ephemeral note. */
  const approve = async (requestId: string, user: string, on?: { reply: StoredMessage }) => {
    const { reply, element } = approvals.get(requestId)!;
    const before = emu.ephemerals.filter((e) => e.user === user).length;
    const target = on?.reply ?? reply;
    assert.equal(
      (await emu.click({ ts: target.ts, actionId: 'chatops:approve', user, staleElement: { ...element, value: requestId } })).acked,
      true,
      'acked within 3 s',
    );
    return before;
  };
  const refusedNote = async (user: string, before: number) =>
    (await waitFor(() => emu.ephemerals.filter((e) => e.user === user)[before], { what: `ephemeral note for ${user}`, timeoutMs: 20_000 }))
      .text;

  const cases: Case[] = [];
  const expectRefused = async (c: Case, on?: { reply: StoredMessage }) => {
    const before = await approve(c.requestId, c.user, on);
    const note = await refusedNote(c.user, before);
    assert.match(note, c.why, `${c.name}: the clicker is told why`);
    cases.push(c);
  };

  // 1. Self-approval; an approver not allowed for the risk; then the right approver runs it once;
  //    the same click replayed decides nothing.
  const r1 = await requestByButton('prod/web', 'rollout-restart');
  await expectRefused({ name: 'self-approval', user: 'U0ALICE', requestId: r1, why: /nobody may approve their own request/ });
  await expectRefused({
    name: 'approver not allowed for the risk',
    user: 'U0MALLORY',
    requestId: r1,
    why: /U0MALLORY may not approve mutate actions/,
  });
  await approve(r1, 'U0BOB');
  await waitFor(() => emu.replies(tops.get('prod/web')!.ts).some((m) => /Done: \*rollout-restart\*/.test(m.text)), {
    what: 'r1 ran',
    timeoutMs: 30_000,
  });
  await expectRefused({ name: 'replayed click', user: 'U0BOB', requestId: r1, why: /already decided by U0BOB/ });
  assert.equal(patches('prod/web'), 1, 'ran exactly once');

  // 2. A click that names the request of another incident; then two approvers at the same moment.
  const r2 = await requestByButton('prod/api', 'rollout-restart');
  await expectRefused(
    {
      name: 'click on a request from another incident',
      user: 'U0BOB',
      requestId: r2,
      why: /belongs to incident #2, not to the message you clicked/,
    },
    approvals.get(r1)!,
  );
  assert.equal(patches('prod/api'), 0, 'the misplaced click ran nothing');
  const beforeBob = emu.ephemerals.filter((e) => e.user === 'U0BOB').length;
  const beforeCarol = emu.ephemerals.filter((e) => e.user === 'U0CAROL').length;
  await Promise.all([approve(r2, 'U0BOB'), approve(r2, 'U0CAROL')]);
  await waitFor(() => emu.replies(tops.get('prod/api')!.ts).some((m) => /Done: \*rollout-restart\*/.test(m.text)), {
    what: 'r2 ran',
    timeoutMs: 30_000,
  });
  const loser = await waitFor(
    () =>
      emu.ephemerals.filter((e) => e.user === 'U0BOB').length > beforeBob
        ? 'U0BOB'
        : emu.ephemerals.filter((e) => e.user === 'U0CAROL').length > beforeCarol
          ? 'U0CAROL'
          : null,
    { what: 'the later approver told', timeoutMs: 20_000 },
  );
  cases.push({
    name: 'concurrent approvals (the later one)',
    user: loser,
    requestId: r2,
    why: /already (approved|decided) by U0(BOB|CAROL)/,
  });
  assert.equal(patches('prod/api'), 1, 'simultaneous approvals ran once');

  // 3. approve_from: destructive approvals only from the terminal.
  const r3 = await requestByButton('prod/db', 'rollout-undo');
  await expectRefused({
    name: 'approve_from violated',
    user: 'U0BOB',
    requestId: r3,
    why: /only from cli \(policy.approve_from.destructive\), not from slack/,
  });

  // 4. Expired: a request made by the CLI under a 1 s TTL.
  const r4 = await requestByCli(['rollout-restart', 'prod/cache', '--incident', '4'], 'prod/cache', '1s');
  await new Promise((r) => setTimeout(r, 1500));
  await expectRefused({ name: 'expired request', user: 'U0BOB', requestId: r4, why: /expired at/ });

  // 5. Requests that the next policies will forbid.
  const r5 = await requestByButton('old/web', 'rollout-restart');
  const r6 = await requestByCli(['scale', 'prod/web', '--replicas', '4', '--incident', '1'], 'prod/web');
  const r7 = await requestByButton('prod/cache', 'rollout-restart');

  await restart(policy({ namespaces: '[prod]', scaleMax: 3 }));
  await expectRefused({
    name: 'namespace left the allow-list',
    user: 'U0BOB',
    requestId: r5,
    why: /policy in force now: namespace old is not in policy.namespaces/,
  });
  await expectRefused({
    name: 'scale outside bounds (narrowed after the request)',
    user: 'U0BOB',
    requestId: r6,
    why: /scaling to 4 replicas is outside policy.scale \(1 to 3\)/,
  });
  await restart(policy({ maxRisk: 'low' }));
  await expectRefused({
    name: 'action above max_risk (lowered after the request)',
    user: 'U0BOB',
    requestId: r7,
    why: /rollout-restart is a mutate action and policy.max_risk allows only up to low/,
  });
  for (const target of ['prod/db', 'prod/cache', 'old/web']) assert.equal(patches(target), 0, `${target} untouched`);
  assert.equal(fake.deployment('prod', 'web').spec.replicas, 2, 'not scaled');
  await stopDaemon(daemon);

  // Every refusal is in the audit trail, with its reason, under the clicker's name.
  const db = new Database(path.join(dir, 'chatops.db'), { readonly: true });
  t.after(() => db.close());
  const rows = (
    db.prepare("SELECT actor, source, detail FROM audit WHERE action = 'action.approve' AND result = 'refused'").all() as {
      actor: string;
      source: string;
      detail: string;
    }[]
  ).map((r) => ({ ...r, detail: JSON.parse(r.detail) as { requestId: string; why: string } }));
  for (const c of cases) {
    assert.ok(
      rows.some((r) => r.actor === c.user && r.source === 'slack' && r.detail.requestId === c.requestId && c.why.test(r.detail.why)),
      `${c.name}: audited with the reason`,
    );
  }
  t.diagnostic(`slack cases ${cases.length}: ${cases.map((c) => c.name).join('; ')}`);
});
