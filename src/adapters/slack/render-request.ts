/**
 * Action request messages: the message that asks for a second person (Approve/Deny while the
 * request waits) — re-rendered in place from the request's current state whenever it is
 * decided, expires, runs or fails — and the thread replies that tell each step.
 */
import type { ActionsBlock, SectionBlock } from '@slack/types';
import type { ActionRequest } from '../../core/requests.js';
import { ACTION, button, mrkdwn, when, who, type KnownBlock, type SlackMessage } from './blocks.js';
import { cut, LIMITS, safe } from './text.js';

/** What a request.* outbox row carries (only the fields shown here). */
export interface RequestNote {
  requestId: string;
  action: string;
  risk: string;
  target: string;
  requester: string;
  reason?: string | null;
  state: string;
  expiresAt?: string | null;
  preview?: string;
  dryRun?: { summary?: string } | null;
  decision?: string;
  by?: string;
  decisionReason?: string | null;
  ok?: boolean;
  summary?: string;
}

/** The note for a request as it stands now (the message in place shows this, never an older row). */
export function noteOf(r: ActionRequest, preview: string): RequestNote {
  return {
    requestId: r.id,
    action: r.action,
    risk: r.risk,
    target: `${r.target.namespace}/${r.target.deployment}`,
    requester: r.requester,
    reason: r.reason,
    state: r.state,
    expiresAt: new Date(r.expiresAt).toISOString(),
    preview,
    dryRun: r.dryRun,
    by: r.decidedBy ?? undefined,
    decisionReason: r.decisionReason,
    ok: r.result?.ok,
    summary: r.result?.summary,
  };
}

const what = (r: RequestNote) => `*${safe(r.action, 60)}* on \`${safe(r.target, 300)}\``;
const by = (r: RequestNote) => (r.by && r.by !== 'policy' && r.by !== 'daemon' ? ` by ${who(r.by)}` : '');
const because = (text: string | null | undefined, max = 500) => (text ? ` — ${safe(text, max)}` : '');

/** One line: where the request stands. */
function stateLine(r: RequestNote): string | null {
  switch (r.state) {
    case 'pending':
      return null;
    case 'approved':
      return `✅ Approved: ${what(r)}${by(r)} — about to run`;
    case 'running':
      return `⏳ Running: ${what(r)} (approved${by(r)})`;
    case 'succeeded':
      return `✅ Done: ${what(r)}${because(r.summary, 2000)}`;
    case 'failed':
      return `⚠️ Failed: ${what(r)}${because(r.summary, 2000)}`;
    case 'denied':
      return `❌ Denied: ${what(r)}${by(r)}${because(r.decisionReason)}`;
    case 'cancelled':
      return `Cancelled: ${what(r)}${by(r)}${because(r.decisionReason)}`;
    case 'expired':
      return `⌛ Expired: ${what(r)}: nobody decided in time; request it again.`;
    default:
      return `${safe(r.state, 30)}: ${what(r)}`;
  }
}

/**
 * The request's own message, from its current state: who asked for what, the preview and dry
 * run, and either Approve/Deny (only while it waits) or how it ended. Buttons carry only the id.
 */
export function renderRequestMessage(r: RequestNote): SlackMessage {
  const pending = r.state === 'pending';
  const lines = [`🛠 ${who(r.requester)} ${pending ? 'requests' : 'requested'} ${what(r)} (risk ${safe(r.risk, 20)})`];
  if (r.preview) lines.push(`Preview: ${safe(r.preview, 500)}`);
  if (r.dryRun?.summary) lines.push(`Dry run: ${safe(r.dryRun.summary, 500)}`);
  if (r.reason) lines.push(`Reason: ${safe(r.reason, 500)}`);
  if (pending && r.expiresAt)
    lines.push(`Waiting for a second person until ${when(Date.parse(r.expiresAt))} (\`chatops approve ${safe(r.requestId, 60)}\`).`);
  const status = stateLine(r);
  const blocks: KnownBlock[] = [];
  if (status) blocks.push({ type: 'section', text: mrkdwn(status) } satisfies SectionBlock);
  blocks.push({ type: 'section', text: mrkdwn(lines.join('\n')) });
  if (pending) {
    const actions: ActionsBlock = {
      type: 'actions',
      block_id: cut(`request:${r.requestId}`, 255),
      elements: [
        button({
          actionId: ACTION.approve,
          text: 'Approve',
          value: r.requestId,
          style: 'primary',
          confirm: { title: 'Approve this action?', text: `${r.action} on ${r.target}`, confirm: 'Approve', deny: 'Cancel' },
        }),
        button({ actionId: ACTION.deny, text: 'Deny', value: r.requestId, style: 'danger' }),
      ],
    };
    blocks.push(actions);
  }
  return { text: cut(status ?? lines[0]!, LIMITS.fallbackText), blocks };
}

/**
 * A thread reply about a request: created (the request message itself), decided, or its
 * result. Decisions and results also re-render the request message in place.
 */
export function renderRequestReply(kind: 'request.created' | 'request.decided' | 'request.result', r: RequestNote): SlackMessage {
  if (kind === 'request.created') return renderRequestMessage(r);
  let text: string;
  if (kind === 'request.decided') {
    const verb =
      r.decision === 'approved'
        ? '✅ Approved'
        : r.decision === 'denied'
          ? '❌ Denied'
          : r.decision === 'expired'
            ? '⌛ Expired'
            : r.decision === 'cancelled'
              ? 'Cancelled'
              : `${safe(r.decision ?? 'decided', 30)}`;
    text = `${verb}: ${what(r)}${r.by && r.decision !== 'expired' ? ` by ${who(r.by)}` : ''}${because(r.decisionReason)}`;
  } else {
    text = `${r.ok ? '✅ Done' : '⚠️ Failed'}: ${what(r)}${because(r.summary, 2000)}`;
  }
  return { text: cut(text, LIMITS.fallbackText), blocks: [{ type: 'section', text: mrkdwn(text) }] };
}
