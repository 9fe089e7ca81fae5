/**
 * Issue 5: a request made in Slack by one user is approved from the terminal UI by another —
 * through the UI's approve flow on the operator service, in another process than the daemon — and runs
 * exactly once; the daemon delivers the decision and the result to the incident's thread.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { openRuntime } from '../../src/app.js';
import { loadConfig } from '../../src/config/load.js';
import { startDecision } from '../../src/tui/actions.js';
import { runtimeDeps } from '../../src/tui/source.js';
import { webhookBody } from '../support/builders.js';
import { waitFor } from '../support/daemon.js';
import { kubernetesSection, startKubeFake, twoPersonPolicy } from '../support/kube-fake.js';
import { postWebhook, slackStack } from '../support/slack-daemon.js';
import { tempDir } from '../support/tmp.js';
import { runFlow } from '../support/tui-flow.js';

test('approve from the TUI a restart requested in Slack by another user: runs once, thread updated', async (t) => {
  const dir = tempDir(t);
  const fake = await startKubeFake(t, ['prod'], [{ namespace: 'prod', name: 'web', replicas: 2 }]);
  const { emu, daemon } = await slackStack(t, {
    dir,
    config: `${kubernetesSection(fake.writeKubeconfig(dir))}${twoPersonPolicy({ requesters: ['U0ALICE'], approvers: ['cli:bob'] })}  approve_from:
    mutate: [tui]
`,
  });
  await postWebhook(
    daemon.url,
    webhookBody([{ fingerprint: 'e000000000000001', labels: { alertname: 'HighErrorRate', namespace: 'prod', deployment: 'web' } }], {
      groupKey: 'web',
    }),
  );
  const top = await waitFor(() => emu.incidentMessages(1)[0], { what: 'incident posted', timeoutMs: 15_000 });

  // Alice requests the restart with the button on the incident message.
  await emu.click({ ts: top.ts, actionId: 'chatops:remediate:rollout-restart', user: 'U0ALICE' });
  const approval = await waitFor(() => emu.replies(top.ts).find((m) => emu.element(m.ts, 'chatops:approve')), {
    what: 'approval message in the thread',
    timeoutMs: 15_000,
  });
  const requestId = String(emu.element(approval.ts, 'chatops:approve')!.value);

  // Bob, at the terminal: the TUI process opens the same database and config.
  const loaded = loadConfig({ configPath: path.join(dir, 'chatops.yaml'), env: { CHATOPS_DB: path.join(dir, 'chatops.db') } });
  const rt = openRuntime(loaded, { mustExist: true });
  t.after(() => rt.close());
  const deps = runtimeDeps(rt, { id: 'cli:bob', source: 'tui' });
  const incident = rt.store.getIncident(1)!;
  const listed = deps.pending.list(incident.id).find((p) => p.id === requestId);
  assert.ok(listed, 'the UI lists the request as pending');
  const first = await runFlow(deps, (kit) => startDecision(kit, incident, listed, true));
  assert.equal(first.status?.tone, 'ok', JSON.stringify(first.status));
  const again = await runFlow(deps, (kit) => startDecision(kit, incident, listed, true));
  assert.match(again.status?.text ?? '', /^refused: /, 'a second approval of the same request is refused');
  const patches = fake.writes().filter((w) => w.method === 'PATCH' && w.pathname === '/apis/apps/v1/namespaces/prod/deployments/web');
  assert.equal(patches.length, 1, 'executed exactly once');

  // The daemon brings the thread up to date from the TUI process's outbox rows.
  await waitFor(() => emu.replies(top.ts).some((m) => /cli:bob/.test(m.text) && /Approved/.test(m.text)), {
    what: 'approval by cli:bob in the thread',
    timeoutMs: 20_000,
  });
  await waitFor(() => emu.replies(top.ts).some((m) => /Done: \*rollout-restart\*/.test(m.text)), {
    what: 'result in the thread',
    timeoutMs: 20_000,
  });
});
