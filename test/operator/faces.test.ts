/**
 * One table of operator scenarios, run through all three faces against the same kind of state:
 * the CLI (its `main` with captured output, in this process), Slack (the spawned daemon's real
 * Bolt app against the emulator, by clicks) and the TUI (its action flows — prompt, confirm, the
 * operator service — and its one renderer, on a runtime like the one `chatops incidents` opens).
 * The service gives each scenario one Outcome; each face must render that same outcome its own
 * way: the CLI's exit code and line, Slack's ephemeral note (or, when everyone sees the result,
 * none), the TUI's status line (tone, lead, sentence, the hint apart). Silences go to a real
 * Alertmanager, remediation to the Kubernetes fake through the real client-node.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openRuntime, type Runtime } from '../../src/app.js';
import { main } from '../../src/cli/main.js';
import { bufferSink, Output } from '../../src/cli/output.js';
import { EXIT_OF } from '../../src/cli/outcome.js';
import { loadConfig } from '../../src/config/load.js';
import type { PendingRequest } from '../../src/adapters/store/sqlite-pending-approvals.js';
import type { OutcomeKind } from '../../src/core/outcome.js';
import { startAck, startDecision, startSilence, startUnsilence, type ActionKit } from '../../src/tui/actions.js';
import type { Status, Tone } from '../../src/tui/outcome.js';
import { runtimeDeps } from '../../src/tui/source.js';
import { webhookBody } from '../support/builders.js';
import { waitFor } from '../support/daemon.js';
import { kubernetesSection, startKubeFake, twoPersonPolicy, type KubeFake } from '../support/kube-fake.js';
import { startAlertmanager, type Service } from '../support/promstack.js';
import type { SlackEmulator, StoredMessage } from '../support/slack-emulator.js';
import { postWebhook, slackStack } from '../support/slack-daemon.js';
import { runFlow, type FlowScript } from '../support/tui-flow.js';

const ME = `cli:${os.userInfo().username}`;
const ALICE = { id: 'U0ALICE', source: 'slack' as const };

/** What one face showed for one action. */
type Seen =
  | { face: 'cli'; code: number; stdout: string; stderr: string }
  | { face: 'slack'; note: string | null; effect: string | null }
  | { face: 'tui'; status: Status };

interface Face {
  name: 'cli' | 'slack' | 'tui';
  /** Who acts, as the core records it. */
  actor: string;
  rt: Runtime;
  /** The row being run (Slack waits for the effect it names). */
  row?: Row;
  ack(incident: number): Promise<Seen>;
  silence(incident: number, length: '1h' | '4h' | 'resolved'): Promise<Seen>;
  unsilence(incident: number): Promise<Seen>;
  approve(requestId: string): Promise<Seen>;
  deny(requestId: string): Promise<Seen>;
}

interface Row {
  name: string;
  run(f: Face, ids: Ids): Promise<Seen>;
  kind: OutcomeKind;
  /** The outcome's message (without a lead). */
  text(f: Face): RegExp;
  /** Slack shows a `done` outcome to everyone: the thread reply or message text that proves it happened. */
  effect?: RegExp;
  /** The next step, shown apart from the message (CLI: an indented line; Slack: the note's second line). */
  hint?: RegExp;
  /** Silences in Alertmanager for the incident's alerts after the row: in all, and active. */
  am?: { total?: number; active: number };
}

interface Ids {
  own: string;
  others: string;
  toDeny: string;
}

const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const ROWS: Row[] = [
  {
    name: 'ack a firing incident',
    run: (f) => f.ack(1),
    kind: 'done',
    text: (f) => new RegExp(`^Incident 1 acknowledged by ${esc(f.actor)}\\.$`),
    effect: /Acknowledged by/,
  },
  {
    name: 'ack it again',
    run: (f) => f.ack(1),
    kind: 'unchanged',
    text: (f) => new RegExp(`^Incident 1 was already acknowledged by ${esc(f.actor)}\\.$`),
  },
  {
    name: 'ack a resolved incident',
    run: (f) => f.ack(2),
    kind: 'conflict',
    text: () => /^Incident 2 is already resolved; there is nothing to acknowledge\.$/,
  },
  {
    name: 'silence 4h',
    run: (f) => f.silence(1, '4h'),
    kind: 'done',
    text: (f) => new RegExp(`^Incident 1 silenced until \\S+ \\(silence [0-9a-f-]+, matching .*alertname="Down-${f.name}"`),
    effect: /Silenced in Alertmanager until/,
    am: { total: 1, active: 1 },
  },
  {
    name: 'silence 1h while silenced 4h: reported, not duplicated',
    run: (f) => f.silence(1, '1h'),
    kind: 'unchanged',
    text: (f) => new RegExp(`^Incident 1 is already silenced until \\S+ by ${esc(f.actor)} \\(silence [0-9a-f-]+\\)\\.$`),
    hint: /^Unsilence it first to replace it with a shorter one\.$/,
    am: { total: 1, active: 1 },
  },
  // Alertmanager updates an active silence in place or replaces it (expiring the old one): never two in force.
  {
    name: 'silence until resolved: the silence is extended',
    run: (f) => f.silence(1, 'resolved'),
    kind: 'done',
    text: () => /^Incident 1's silence [0-9a-f-]+ now lasts until it resolves \(at most until \S+\); it was to end at \S+\.$/,
    effect: /Silence extended until the incident resolves/,
    am: { active: 1 },
  },
  {
    name: 'unsilence',
    run: (f) => f.unsilence(1),
    kind: 'done',
    text: () => /^Silence [0-9a-f-]+ of incident 1 expired\.$/,
    effect: /Silence `[0-9a-f-]+` expired by/,
    am: { active: 0 },
  },
  { name: 'unsilence again', run: (f) => f.unsilence(1), kind: 'unchanged', text: () => /^Incident 1 has no active silence\.$/ },
  {
    name: 'approve your own request',
    run: (f, ids) => f.approve(ids.own),
    kind: 'refused',
    text: (f) => new RegExp(`^${esc(f.actor)} requested this, and nobody may approve their own request: another approver must\\.$`),
  },
  {
    name: "approve someone else's request: it runs",
    run: (f, ids) => f.approve(ids.others),
    kind: 'done',
    text: () => /^rollout-restart of prod\/web succeeded/,
    effect: /Done: \*rollout-restart\*/,
  },
  {
    name: 'approve it again',
    run: (f, ids) => f.approve(ids.others),
    kind: 'conflict',
    text: (f) => new RegExp(`^Request r-[a-z2-7]+ is already decided by ${esc(f.actor)} and succeeded\\.$`),
  },
  {
    name: 'deny a request',
    run: (f, ids) => f.deny(ids.toDeny),
    kind: 'done',
    text: (f) => new RegExp(`^Request r-[a-z2-7]+ denied by ${esc(f.actor)}\\.$`),
    effect: /Denied: \*rollout-restart\*/,
  },
];

const SETBACKS: readonly OutcomeKind[] = ['refused', 'conflict', 'failed'];
/** The TUI's status line: its tone, and the words before the sentence (in its lower case; a state that does not allow it reads "refused" there). */
const TUI_TONE: Record<OutcomeKind, Tone> = {
  done: 'ok',
  unchanged: 'info',
  pending: 'pending',
  refused: 'error',
  conflict: 'error',
  failed: 'error',
};
const TUI_LEAD: Record<OutcomeKind, string> = {
  done: '',
  unchanged: '',
  pending: '',
  refused: 'refused: ',
  conflict: 'refused: ',
  failed: 'failed: ',
};

/** The face's rendering of the row's outcome. */
function check(row: Row, f: Face, seen: Seen): void {
  const text = row.text(f);
  const lead = row.kind === 'refused' ? 'Refused: ' : '';
  const lines = (s: string) => s.replace(/\n$/, '').split('\n');
  const hinted = (hint: string | undefined) =>
    row.hint ? assert.match(hint ?? '', row.hint, 'the hint, apart') : assert.equal(hint, undefined, 'no hint');
  switch (seen.face) {
    case 'cli': {
      assert.equal(seen.code, EXIT_OF[row.kind], `exit code for ${row.kind}: ${seen.stderr}`);
      const setback = SETBACKS.includes(row.kind);
      assert.equal(setback ? seen.stdout : seen.stderr, '', `nothing on ${setback ? 'stdout' : 'stderr'}`);
      // Progress lines may come first; the outcome is the last unindented line, its hint the indented one after it.
      const out = lines(setback ? seen.stderr : seen.stdout);
      const at = out.findLastIndex((l) => !l.startsWith('  '));
      assert.match(out[at]!, setback ? new RegExp(`^chatops: ${lead}${text.source.slice(1)}`) : text);
      hinted(out[at + 1]?.trim());
      return;
    }
    case 'slack':
      if (row.kind === 'done') {
        assert.equal(seen.note, null, 'everyone sees it: no ephemeral note');
        assert.match(seen.effect ?? '', row.effect!);
      } else {
        const [first, hint] = lines(seen.note ?? '');
        assert.match(first!, new RegExp(`^${lead}${text.source.slice(1)}`));
        hinted(hint);
      }
      return;
    case 'tui':
      assert.equal(seen.status.tone, TUI_TONE[row.kind], `tone for ${row.kind}`);
      assert.match(seen.status.text, new RegExp(`^${TUI_LEAD[row.kind]}${text.source.slice(1)}`));
      hinted(seen.status.hint ?? undefined);
      return;
  }
}

function writeConfig(dir: string, body: string): string {
  const file = path.join(dir, 'chatops.yaml');
  fs.writeFileSync(file, `store:\n  path: ${path.join(dir, 'chatops.db')}\n${body}`);
  return file;
}

function alerts(face: string): Record<string, unknown>[] {
  const down = {
    fingerprint: 'f000000000000001',
    labels: { alertname: `Down-${face}`, namespace: 'prod', deployment: 'web', severity: 'critical' },
  };
  const gone = {
    fingerprint: 'f000000000000002',
    labels: { alertname: `Gone-${face}`, namespace: 'prod', deployment: 'web', severity: 'warning' },
  };
  return [
    webhookBody([down], { groupKey: `down-${face}` }),
    webhookBody([gone], { groupKey: `gone-${face}` }),
    webhookBody([{ ...gone, status: 'resolved', endsAt: Date.now() }], { groupKey: `gone-${face}` }),
  ];
}

/** The CLI's main in this process, output captured. */
async function cli(config: string, args: string[]): Promise<Seen & { face: 'cli' }> {
  const stdout = bufferSink();
  const stderr = bufferSink();
  const code = await main(['node', 'chatops', '--config', config, ...args], new Output(stdout, stderr));
  return { face: 'cli', code, stdout: stdout.text(), stderr: stderr.text() };
}

/** A database with the face's incidents, ingested by `chatops alerts ingest`, and a runtime on it. */
async function seeded(dir: string, configBody: string, face: string): Promise<{ config: string; rt: Runtime }> {
  const config = writeConfig(dir, configBody);
  for (const [n, body] of alerts(face).entries()) {
    const file = path.join(dir, `alert-${n}.json`);
    fs.writeFileSync(file, JSON.stringify(body));
    assert.equal((await cli(config, ['alerts', 'ingest', file])).code, 0);
  }
  return { config, rt: openRuntime(loadConfig({ configPath: config, env: {} }), { mustExist: true }) };
}

async function cliFace(dir: string, configBody: string): Promise<Face> {
  const { config, rt } = await seeded(dir, configBody, 'cli');
  return {
    name: 'cli',
    actor: ME,
    rt,
    ack: (id) => cli(config, ['ack', String(id)]),
    silence: (id, length) =>
      cli(config, ['silence', String(id), ...(length === 'resolved' ? ['--until-resolved'] : ['--duration', length])]),
    unsilence: (id) => cli(config, ['unsilence', String(id)]),
    approve: (id) => cli(config, ['approve', id]),
    deny: (id) => cli(config, ['deny', id]),
  };
}

/** The TUI's flows on the runtime, as the terminal user: what the status line shows at the end. */
async function tuiFace(dir: string, configBody: string): Promise<Face> {
  const { rt } = await seeded(dir, configBody, 'tui');
  const deps = runtimeDeps(rt, { id: 'cli:tui-bob', source: 'tui' });
  const incident = (id: number) => rt.store.getIncident(id)!;
  // The requests as the UI listed them while they were pending: a screen someone looks at while
  // another person decides (the service re-checks every decision).
  const listed = new Map<string, PendingRequest>();
  const pending = (requestId: string): PendingRequest => {
    if (!listed.has(requestId)) for (const p of deps.pending.list(1)) listed.set(p.id, p);
    return listed.get(requestId)!;
  };
  const flow = async (start: (kit: ActionKit) => void, script?: FlowScript): Promise<Seen> => {
    const { status } = await runFlow(deps, start, script);
    assert.ok(status, 'the status line says something');
    return { face: 'tui', status };
  };
  return {
    name: 'tui',
    actor: deps.actor.id,
    rt,
    ack: (id) => flow((kit) => startAck(kit, incident(id))),
    silence: (id, length) =>
      flow((kit) => startSilence(kit, incident(id)), { answers: [length === 'resolved' ? 'until resolved' : length] }),
    unsilence: (id) => flow((kit) => startUnsilence(kit, incident(id))),
    approve: (id) => flow((kit) => startDecision(kit, incident(1), pending(id), true)),
    deny: (id) => flow((kit) => startDecision(kit, incident(1), pending(id), false), { answers: [''] }),
  };
}

async function slackFace(
  t: { after(fn: () => unknown): void },
  dir: string,
  configBody: string,
  amUrl: string,
): Promise<Face & { emu: SlackEmulator; top: StoredMessage }> {
  const { emu, daemon } = await slackStack(t, { dir, config: configBody, env: { ALERTMANAGER_URL: amUrl } });
  for (const body of alerts('slack')) assert.equal((await postWebhook(daemon.url, body)).status, 200);
  const top = await waitFor(() => emu.incidentMessages(1)[0], { what: 'incident 1 posted', timeoutMs: 20_000 });
  await waitFor(() => emu.incidentMessages(2)[0], { what: 'incident 2 posted', timeoutMs: 20_000 });
  const rt = openRuntime(loadConfig({ configPath: path.join(dir, 'chatops.yaml'), env: { CHATOPS_DB: path.join(dir, 'chatops.db') } }), {
    mustExist: true,
  });
  const user = 'U0BOB';
  const notes = () => emu.ephemerals.filter((e) => e.user === user);
  const texts = () => [JSON.stringify(emu.incidentMessages(1)[0]?.blocks ?? []), ...emu.replies(top.ts).map((m) => m.text)];
  /** Clicks, then waits for what the click shows: a new note for the clicker, or `effect` in the message or thread. */
  const click = async (
    ts: string,
    actionId: string,
    effect: RegExp | null,
    opts: { option?: string; element?: Record<string, unknown> } = {},
  ): Promise<Seen> => {
    const before = notes().length;
    const seenBefore = new Set(texts());
    assert.equal((await emu.click({ ts, actionId, user, option: opts.option, staleElement: opts.element })).acked, true);
    return waitFor(
      () => {
        const note = notes()[before]?.text;
        if (note !== undefined) return { face: 'slack' as const, note, effect: null };
        const shown = effect && texts().find((x) => !seenBefore.has(x) && effect.test(x));
        return shown ? { face: 'slack' as const, note: null, effect: shown } : null;
      },
      { what: `what ${actionId} showed`, timeoutMs: 30_000 },
    );
  };
  const element = (actionId: string, value: string) => ({
    type: 'button',
    action_id: actionId,
    value,
    text: { type: 'plain_text', text: actionId },
  });
  // Found by its metadata: once decided, a request's message no longer carries Approve/Deny.
  const requestReply = (requestId: string) =>
    waitFor(
      () =>
        emu.replies(top.ts).find((m) => m.metadata?.event_type === 'chatops_request' && m.metadata.event_payload.request_id === requestId),
      { what: `request ${requestId} in the thread`, timeoutMs: 20_000 },
    );
  const face: Face & { emu: SlackEmulator; top: StoredMessage } = {
    name: 'slack',
    actor: user,
    rt,
    emu,
    top,
    // Controls are clicked as the message showed them when the person looked (a stale one is fine: every click is re-checked).
    ack: (id) =>
      click(emu.incidentMessages(id)[0]!.ts, 'chatops:ack', face.row?.effect ?? null, { element: element('chatops:ack', String(id)) }),
    silence: (id, length) => {
      const menu = {
        type: 'static_select',
        action_id: 'chatops:silence',
        options: ['1h', '4h', '24h', 'resolved'].map((d) => ({ text: { type: 'plain_text', text: d }, value: `${id}:${d}` })),
      };
      return click(emu.incidentMessages(id)[0]!.ts, 'chatops:silence', face.row?.effect ?? null, { option: length, element: menu });
    },
    unsilence: (id) =>
      click(emu.incidentMessages(id)[0]!.ts, 'chatops:unsilence', face.row?.effect ?? null, {
        element: element('chatops:unsilence', String(id)),
      }),
    approve: async (id) =>
      click((await requestReply(id)).ts, 'chatops:approve', face.row?.effect ?? null, { element: element('chatops:approve', id) }),
    deny: async (id) =>
      click((await requestReply(id)).ts, 'chatops:deny', face.row?.effect ?? null, { element: element('chatops:deny', id) }),
  };
  return face;
}

describe('operator scenarios through the CLI, Slack and the TUI', () => {
  let root: string;
  let am: Service;
  let fake: KubeFake;
  const cleanups: Array<() => unknown> = [];
  const t = { after: (fn: () => unknown) => cleanups.push(fn) };
  before(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'chatops-faces-'));
    am = await startAlertmanager(root, { webhookUrl: 'http://127.0.0.1:9/unused' });
    fake = await startKubeFake(t, ['prod'], [{ namespace: 'prod', name: 'web', replicas: 2 }]);
  });
  after(async () => {
    for (const fn of cleanups.reverse()) await fn();
    await am.stop();
    fs.rmSync(root, { recursive: true, force: true });
  });

  const config = (dir: string, withAm: boolean) =>
    `${withAm ? `alertmanager:\n  url: ${am.url}\n` : ''}${kubernetesSection(fake.writeKubeconfig(dir))}${twoPersonPolicy({ requesters: ['U0ALICE', 'U0BOB', ME, 'cli:tui-bob'], approvers: ['U0BOB', ME, 'cli:tui-bob'] })}`;

  for (const name of ['cli', 'slack', 'tui'] as const) {
    it(`${name}: every scenario renders its outcome`, async () => {
      const dir = path.join(root, name);
      fs.mkdirSync(dir);
      const face =
        name === 'cli'
          ? await cliFace(dir, config(dir, true))
          : name === 'tui'
            ? await tuiFace(dir, config(dir, true))
            : await slackFace(t, dir, config(dir, false), am.url);
      cleanups.push(() => face.rt.close());
      const self = { id: face.actor, source: name === 'slack' ? ('slack' as const) : name === 'cli' ? ('cli' as const) : ('tui' as const) };
      const request = async (who: typeof self | typeof ALICE) => {
        const o = await face.rt.operator.request(
          { action: 'rollout-restart', target: { namespace: 'prod', deployment: 'web' }, incidentId: 1 },
          who,
        );
        assert.equal(o.kind, 'pending', o.message);
        return o.data.request!.id;
      };
      const ids: Ids = { own: await request(self), others: await request(ALICE), toDeny: await request(ALICE) };
      const silences = async () =>
        (
          (await (await fetch(`${am.url}/api/v2/silences`)).json()) as Array<{
            status: { state: string };
            matchers: { name: string; value: string }[];
          }>
        ).filter((x) => x.matchers.some((m) => m.name === 'alertname' && m.value === `Down-${name}`));
      for (const row of ROWS) {
        face.row = row;
        const seen = await row.run(face, ids);
        try {
          check(row, face, seen);
          if (row.am) {
            const all = await silences();
            if (row.am.total !== undefined) assert.equal(all.length, row.am.total, 'silences in Alertmanager');
            assert.equal(all.filter((x) => x.status.state === 'active').length, row.am.active, 'active silences in Alertmanager');
          }
        } catch (e) {
          throw new Error(`${name} — ${row.name}: ${(e as Error).message}\nseen: ${JSON.stringify(seen)}`);
        }
      }
      if ('emu' in face) {
        const f = face as Face & { emu: SlackEmulator; top: StoredMessage };
        const replies = f.emu.replies(f.top.ts).map((m) => m.text);
        assert.equal(
          replies.filter((x) => /Silenced in Alertmanager|Silence extended/.test(x)).length,
          2,
          `one reply per silence change, none for the repeat: ${JSON.stringify(replies)}`,
        );
        assert.equal(
          f.emu.ephemerals.filter((e) => e.user === 'U0BOB').length,
          ROWS.filter((r) => r.kind !== 'done').length,
          'a note for each outcome the thread does not show, and only those',
        );
      }
    });
  }
});
