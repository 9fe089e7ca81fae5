/**
 * The operator's actions on an incident — acknowledge, silence, request remediation, approve,
 * deny — as conversations: each asks what it needs, then a confirmation line that says exactly
 * what will happen, then runs through the core (the ports) and reports the outcome. No Ink here.
 */
import { CATALOGUE, type ActionName, type ActionParams } from '../core/actions.js';
import { formatDuration, parseDuration } from '../core/duration.js';
import { isChatopsError } from '../core/errors.js';
import { acknowledge } from '../core/incident-actions.js';
import type { ActionChoice, OperatorOutcome, PendingRequest, RemediationTarget } from '../core/operator-ports.js';
import type { Incident } from '../core/types.js';
import { clean } from '../cli/format.js';
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
  /** Runs `fn` as the one action in flight; `paneTitle` names the result pane when the outcome has lines. */
  perform(label: string, fn: () => OperatorOutcome | Promise<OperatorOutcome>, paneTitle?: string): void;
}

export const whereOf = (i: Incident): string => clean([i.namespace, i.target].filter(Boolean).join('/') || '-');
export const nameOf = (i: Incident): string => `#${i.id} ${clean(i.alertname || '-')} ${whereOf(i)}`;

const confirm = (kit: ActionKit, text: string, run: () => void) => kit.ask({ kind: 'confirm', text, run });

export function startAck(kit: ActionKit, i: Incident): void {
  const { deps } = kit;
  confirm(kit, `Acknowledge incident ${nameOf(i)} as ${deps.actor.id}: it shows as yours here, in the CLI and in its Slack thread.`, () =>
    kit.perform(`Acknowledging #${i.id}`, () => {
      try {
        const r = acknowledge(deps.actions, i.id, deps.actor);
        return r.outcome === 'already'
          ? { outcome: 'done', message: `Incident #${i.id} was already acknowledged by ${r.incident.acknowledgedBy}.` }
          : { outcome: 'done', message: `Incident #${i.id} acknowledged by ${deps.actor.id}.` };
      } catch (e) {
        if (isChatopsError(e) && (e.kind === 'conflict' || e.kind === 'refused')) return { outcome: 'refused', reason: e.message };
        throw e;
      }
    }),
  );
}

export function startSilence(kit: ActionKit, i: Incident): void {
  const { deps } = kit;
  const why = deps.silences.unavailable();
  if (why) return kit.say({ tone: 'error', text: refusal(why) });
  kit.ask({
    kind: 'prompt',
    label: `Silence the alerts of #${i.id} for (e.g. 30m, 2h, 1d):`,
    value: DEFAULT_SILENCE,
    submit: (text) => {
      const ms = parseDuration(text);
      if (ms === null || ms <= 0) {
        kit.ask(null);
        return kit.say({ tone: 'error', text: `"${clean(text)}" is not a duration: use e.g. 30m, 2h or 1d.` });
      }
      let matchers: string;
      try {
        matchers = deps.silences.matchers(i);
      } catch (e) {
        if (!isChatopsError(e)) throw e;
        kit.ask(null);
        return kit.say({ tone: 'error', text: refusal(e.message) });
      }
      confirm(kit, `Create an Alertmanager silence for ${formatDuration(ms)} matching ${clean(matchers)} (the ${i.total} alert(s) of ${nameOf(i)}), as ${deps.actor.id}.`, () =>
        kit.perform(`Silencing #${i.id}`, () => deps.silences.silence(i, ms, '', deps.actor)),
      );
    },
  });
}

const isCatalogued = (action: string): action is ActionName => Object.hasOwn(CATALOGUE, action);

/** How the chooser lists an action. A summary is written before any parameter is known, so an action that asks for some says what it asks instead. */
export function choiceText(c: ActionChoice): string {
  const what = c.params.length === 0 ? c.summary : `asks for ${c.params.map((p) => p.prompt).join(', ')}`;
  return clean(`${c.action} [${c.risk}${c.needsApproval ? ', needs a second approver' : ''}] — ${what}`);
}

/**
 * What the action will do with the values given: the port's summary when it asked for nothing,
 * else the catalogue's preview with the values (e.g. "scale deployment prod/web to 5 replicas").
 * Null when a value is not a number the action can take.
 */
function previewOf(c: ActionChoice, target: RemediationTarget, values: Record<string, string>): string | null {
  if (c.params.length === 0 || !isCatalogued(c.action)) return c.summary;
  const params: ActionParams = {};
  for (const [k, v] of Object.entries(values)) {
    const n = Number(v);
    if (v === '' || !Number.isInteger(n) || n < 0) return null;
    params[k as keyof ActionParams] = n;
  }
  return CATALOGUE[c.action].preview({ namespace: target.namespace, deployment: target.target }, params);
}

export function startRemediation(kit: ActionKit, i: Incident): void {
  const { deps } = kit;
  const target: RemediationTarget = { incidentId: i.id, namespace: i.namespace, target: i.target };
  const avail = deps.remediation.available(target, deps.actor);
  if ('refused' in avail) return kit.say({ tone: 'error', text: refusal(avail.refused) });
  if (avail.actions.length === 0) return kit.say({ tone: 'error', text: refusal(`the policy enables no action for ${whereOf(i)}.`) });
  const withParams = (choice: ActionChoice, values: Record<string, string>, n: number) => {
    const param = choice.params[n];
    if (param) {
      kit.ask({ kind: 'prompt', label: `${clean(param.prompt)}:`, value: param.default ?? '', submit: (v) => withParams(choice, { ...values, [param.name]: v.trim() }, n + 1) });
      return;
    }
    const preview = previewOf(choice, target, values);
    const shown = Object.entries(values).map(([k, v]) => `${k}=${v}`).join(' ');
    if (preview === null) {
      kit.ask(null);
      return kit.say({ tone: 'error', text: `${clean(shown)}: ${choice.action} takes whole numbers; nothing was requested.` });
    }
    confirm(
      kit,
      `Request ${choice.action}${shown ? ` (${clean(shown)})` : ''} on ${whereOf(i)} for incident #${i.id} as ${deps.actor.id}: ${clean(preview)}` +
        (choice.needsApproval ? ' — it waits for a second approver.' : ' — policy lets it run now.'),
      () => kit.perform(`Requesting ${choice.action}`, () => deps.remediation.request({ target, action: choice.action, params: values, actor: deps.actor }), `${choice.action} ${whereOf(i)}`),
    );
  };
  kit.ask({
    kind: 'choose',
    title: `Request which action on ${whereOf(i)}? (number, Esc cancels)`,
    options: avail.actions.map(choiceText),
    pick: (n) => withParams(avail.actions[n]!, {}, 0),
  });
}

const describeRequest = (p: PendingRequest): string => {
  const params = Object.entries(p.params).map(([k, v]) => `${k}=${String(v)}`).join(' ');
  return clean(`request ${p.id} (${p.action} ${p.target}${params ? ` ${params}` : ''}, requested by ${p.requestedBy})`);
};

export function startDecision(kit: ActionKit, i: Incident, p: PendingRequest | null, approve: boolean): void {
  const { deps } = kit;
  if (!p) return kit.say({ tone: 'error', text: `Incident #${i.id} has no pending request to ${approve ? 'approve' : 'deny'}.` });
  if (approve) {
    return confirm(kit, `Approve ${describeRequest(p)} as ${deps.actor.id}: if policy agrees it runs against Kubernetes now.`, () =>
      kit.perform(`Approving ${p.id}`, () => deps.remediation.approve(p.id, deps.actor)),
    );
  }
  kit.ask({
    kind: 'prompt',
    label: `Why deny request ${clean(p.id)}?`,
    value: '',
    submit: (reason) =>
      confirm(kit, `Deny ${describeRequest(p)} as ${deps.actor.id}${reason.trim() ? ` because "${clean(reason.trim())}"` : ''}: it will not run.`, () =>
        kit.perform(`Denying ${p.id}`, () => deps.remediation.deny(p.id, deps.actor, reason.trim())),
      ),
  });
}
