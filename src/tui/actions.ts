/**
 * The operator's actions on an incident — acknowledge, silence, unsilence, request remediation,
 * approve, deny — as conversations: each asks what it needs, then a confirmation line that says
 * exactly what will happen, then calls the operator service and hands its Outcome to the one
 * renderer (outcome.ts). No Ink here.
 */
import { CATALOGUE, deploymentTargetOf, targetText, type ActionParams, type DeploymentTarget } from '../core/actions.js';
import { formatDuration } from '../core/duration.js';
import type { Outcome } from '../core/outcome.js';
import type { AvailableAction } from '../core/policy.js';
import { incidentMatchers, matchersText, MAX_SILENCE_MS, parseSilenceLength, silenceLengthProblem, unmatchable } from '../core/silence.js';
import type { Incident } from '../core/types.js';
import type { PendingRequest } from '../adapters/store/sqlite-pending-approvals.js';
import { clean } from '../text/terminal.js';
import { refusal, type Status } from './outcome.js';
import type { TuiDeps } from './source.js';
import type { Overlay } from './state.js';

const DEFAULT_SILENCE = '2h';

/** What an action conversation may do to the screen. */
export interface ActionKit {
  deps: TuiDeps;
  /** Shows a prompt, confirmation or choice; null closes it. */
  ask(overlay: Overlay | null): void;
  say(status: Status): void;
  /** Runs `fn` as the one action in flight and shows its outcome. */
  perform(label: string, fn: () => Promise<Outcome>): void;
}

const whereOf = (i: Incident): string => clean([i.namespace, i.target].filter(Boolean).join('/') || '-');
const nameOf = (i: Incident): string => `#${i.id} ${clean(i.alertname || '-')} ${whereOf(i)}`;

const confirm = (kit: ActionKit, text: string, run: () => void) => kit.ask({ kind: 'confirm', text, run });
const refuse = (kit: ActionKit, why: string, hint?: string) => kit.say({ tone: 'error', text: refusal(why), hint: hint ?? null });
/** Closes the prompt and says what was wrong with the answer. */
const reject = (kit: ActionKit, text: string) => {
  kit.ask(null);
  kit.say({ tone: 'error', text });
};

export function startAck(kit: ActionKit, i: Incident): void {
  const { deps } = kit;
  confirm(kit, `Acknowledge incident ${nameOf(i)} as ${deps.actor.id}: it shows as yours here, in the CLI and in its Slack thread.`, () =>
    kit.perform(`Acknowledging #${i.id}`, () => deps.operator.acknowledge(i.id, deps.actor)),
  );
}

/** Refuses (true) when no configured cluster claims the incident: it can be acknowledged, nothing else. */
function outsideClusters(kit: ActionKit, i: Incident): boolean {
  const problem = kit.deps.clusterProblem?.(i);
  if (problem) refuse(kit, `${problem}.`);
  return Boolean(problem);
}

export function startSilence(kit: ActionKit, i: Incident): void {
  const { deps } = kit;
  if (outsideClusters(kit, i)) return;
  if (deps.silenceUnavailable) return refuse(kit, deps.silenceUnavailable);
  kit.ask({
    kind: 'prompt',
    label: `Silence the alerts of #${i.id} for (e.g. 30m, 2h, 1d, or "until resolved"):`,
    value: DEFAULT_SILENCE,
    submit: (text) => {
      const length = parseSilenceLength(text);
      if (!length) return reject(kit, `"${clean(text)}" is not a duration: use e.g. 30m, 2h or 1d, or "until resolved".`);
      const tooLong = 'durationMs' in length ? silenceLengthProblem(length.durationMs) : null;
      if (tooLong) return reject(kit, clean(tooLong));
      const none = unmatchable(i);
      if (none) {
        kit.ask(null);
        return refuse(kit, `${none.why}.`, none.hint);
      }
      const how =
        'durationMs' in length
          ? `for ${formatDuration(length.durationMs)}`
          : `until #${i.id} resolves (at most ${formatDuration(MAX_SILENCE_MS)})`;
      confirm(
        kit,
        `Create an Alertmanager silence ${how} matching ${clean(matchersText(incidentMatchers(i)))} (the ${i.total} alert(s) of ${nameOf(i)}), as ${deps.actor.id}.` +
          ' A chatops silence already in force is extended instead, never shortened.',
        () => kit.perform(`Silencing #${i.id}`, () => deps.operator.silence(i.id, deps.actor, { length })),
      );
    },
  });
}

export function startUnsilence(kit: ActionKit, i: Incident): void {
  const { deps } = kit;
  if (outsideClusters(kit, i)) return;
  if (deps.silenceUnavailable) return refuse(kit, deps.silenceUnavailable);
  confirm(kit, `Expire the chatops silence of incident ${nameOf(i)} in Alertmanager as ${deps.actor.id}: its alerts notify again.`, () =>
    kit.perform(`Unsilencing #${i.id}`, () => deps.operator.unsilence(i.id, deps.actor)),
  );
}

/** The values the action asks for: its required parameters (optional ones keep their defaults). */
const asked = (a: AvailableAction) => CATALOGUE[a.action].params.filter((p) => p.required);

/** How the chooser lists an action. A preview is written before any parameter is known, so an action that asks for some says what it asks instead. */
function choiceText(a: AvailableAction, target: DeploymentTarget): string {
  const params = asked(a);
  const what = params.length === 0 ? CATALOGUE[a.action].preview(target, {}) : `asks for ${params.map((p) => p.description).join(', ')}`;
  return clean(`${a.action} [${a.risk}${a.decision.kind === 'needs-approval' ? ', needs a second approver' : ''}] — ${what}`);
}

/** The values typed, as the action's parameters; null when one is not a whole number. */
function paramsOf(values: Record<string, string>): ActionParams | null {
  const params: ActionParams = {};
  for (const [k, v] of Object.entries(values)) {
    const n = Number(v);
    if (v === '' || !Number.isInteger(n) || n < 0) return null;
    params[k as keyof ActionParams] = n;
  }
  return params;
}

export function startRemediation(kit: ActionKit, i: Incident): void {
  const { deps } = kit;
  if (outsideClusters(kit, i)) return;
  const target = deploymentTargetOf(i);
  if (!target) return refuse(kit, `incident #${i.id} names no namespace and deployment, so there is nothing to act on.`);
  const offered = deps.operator.actionsFor(target, deps.actor);
  if (offered.length === 0) return refuse(kit, `the policy in force enables no action on ${targetText(target)} for ${deps.actor.id}.`);
  const withParams = (choice: AvailableAction, values: Record<string, string>, n: number) => {
    const param = asked(choice)[n];
    if (param) {
      kit.ask({
        kind: 'prompt',
        label: `${clean(param.description)}:`,
        value: '',
        submit: (v) => withParams(choice, { ...values, [param.name]: v.trim() }, n + 1),
      });
      return;
    }
    const params = paramsOf(values);
    const shown = Object.entries(values)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ');
    if (params === null) return reject(kit, `${clean(shown)}: ${choice.action} takes whole numbers; nothing was requested.`);
    confirm(
      kit,
      `Request ${choice.action}${shown ? ` (${clean(shown)})` : ''} on ${targetText(target)} for incident #${i.id} as ${deps.actor.id}: ${clean(CATALOGUE[choice.action].preview(target, params))}` +
        (choice.decision.kind === 'needs-approval' ? ' — it waits for a second approver.' : ' — policy lets it run now.'),
      () =>
        kit.perform(`Requesting ${choice.action}`, () =>
          deps.operator.request({ action: choice.action, target, incidentId: i.id, params }, deps.actor),
        ),
    );
  };
  kit.ask({
    kind: 'choose',
    title: `Request which action on ${targetText(target)}? (number, Esc cancels)`,
    options: offered.map((a) => choiceText(a, target)),
    pick: (n) => withParams(offered[n]!, {}, 0),
  });
}

const describeRequest = (p: PendingRequest): string => {
  const params = Object.entries(p.params)
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(' ');
  return clean(`request ${p.id} (${p.action} ${p.target}${params ? ` ${params}` : ''}, requested by ${p.requestedBy})`);
};

/** Approves or denies `p`, a request the UI listed as pending (the service re-checks it: it may have been decided since). */
export function startDecision(kit: ActionKit, i: Incident, p: PendingRequest | null, approve: boolean): void {
  const { deps } = kit;
  if (!p) return kit.say({ tone: 'error', text: `Incident #${i.id} has no pending request to ${approve ? 'approve' : 'deny'}.` });
  if (approve) {
    return confirm(kit, `Approve ${describeRequest(p)} as ${deps.actor.id}: if policy agrees it runs against Kubernetes now.`, () =>
      kit.perform(`Approving ${p.id}`, () => deps.operator.approve(p.id, deps.actor)),
    );
  }
  kit.ask({
    kind: 'prompt',
    label: `Why deny request ${clean(p.id)}?`,
    value: '',
    submit: (reason) =>
      confirm(
        kit,
        `Deny ${describeRequest(p)} as ${deps.actor.id}${reason.trim() ? ` because "${clean(reason.trim())}"` : ''}: it will not run.`,
        () => kit.perform(`Denying ${p.id}`, () => deps.operator.deny(p.id, deps.actor, { reason: reason.trim() })),
      ),
  });
}
