/** `chatops remediate`, `chatops approvals`, `chatops approve`, `chatops deny`: the terminal face of the approval core. */
import { parseDeploymentTarget, targetText } from '../../core/actions.js';
import { formatDuration } from '../../core/duration.js';
import { ChatopsError } from '../../core/errors.js';
import { decide, requestAction, type DecideOutcome } from '../../core/remediation.js';
import { TERMINAL_STATES, type ActionRequest, type ProgressEvent } from '../../core/requests.js';
import type { Runtime } from '../../app.js';
import { openExisting, load, open, type GlobalOptions } from '../context.js';
import { EXIT } from '../errors.js';
import { clean } from '../format.js';
import { terminalIdentity } from '../identity.js';
import type { Output } from '../output.js';

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

export function requestJson(r: ActionRequest) {
  return {
    id: r.id, action: r.action, risk: r.risk, target: targetText(r.target), params: r.params, requester: r.requester, source: r.source,
    incidentId: r.incidentId, reason: r.reason, state: r.state, dryRun: r.dryRun, createdAt: iso(r.createdAt), expiresAt: iso(r.expiresAt),
    decidedBy: r.decidedBy, decidedSource: r.decidedSource, decidedAt: iso(r.decidedAt), decisionReason: r.decisionReason, result: r.result,
  };
}

/** One line per request for `incidents show`. */
export function requestLine(r: ActionRequest): string {
  const params = r.params.replicas !== undefined ? ` replicas=${r.params.replicas}` : '';
  const by = r.decidedBy ? `, decided by ${clean(r.decidedBy)}` : '';
  return `  ${r.id}  ${r.action} ${targetText(r.target)}${params}  ${r.state}  requested by ${clean(r.requester)}${by}${r.result ? `: ${clean(r.result.summary)}` : ''}`;
}

export function parseRequestId(text: string): string {
  const id = text.trim().toLowerCase();
  if (!/^r-[a-z2-7]{16}$/.test(id)) throw new ChatopsError('usage', `${JSON.stringify(text)} is not a request id: ids look like r-abcdefghijklmnop, see 'chatops approvals'.`);
  return id;
}

/** Progress on a terminal: one line rewritten in place with a bar; otherwise plain lines. */
function progressPrinter(io: Output, opts: { json?: boolean; wait?: boolean }, tty: boolean): { onProgress: (e: ProgressEvent) => void; done: () => void } {
  if (!opts.wait) return { onProgress: () => {}, done: () => {} };
  const write = (s: string) => (opts.json ? io.note(s) : io.raw(s));
  let open = false;
  return {
    onProgress: (e) => {
      if (tty && e.desired) {
        const width = 20;
        // Done = new pods that are available: old pods staying up is not progress.
        const filled = Math.round((width * Math.min(e.updated ?? 0, e.available ?? 0, e.desired)) / e.desired);
        write(`\r\x1b[2K[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${clean(e.message)}`);
        open = true;
      } else {
        if (open) write('\n');
        open = false;
        write(`${clean(e.message)}\n`);
      }
    },
    done: () => {
      if (open) write('\n');
      open = false;
    },
  };
}

function actorOf(rt: Runtime) {
  const who = terminalIdentity(rt.loaded.config.users);
  return { id: who.actor, source: 'cli' as const };
}

export interface RemediateOptions {
  incident?: number;
  replicas?: number;
  reason?: string;
  wait?: boolean;
  dryRun?: boolean;
  json?: boolean;
  tail?: number;
}

export async function remediate(globals: GlobalOptions, action: string, targetTextArg: string, opts: RemediateOptions, io: Output): Promise<number> {
  const target = parseDeploymentTarget(targetTextArg);
  // A remediation may be the first thing that touches the database on this host.
  const rt = open(globals, load(globals));
  const progress = progressPrinter(io, opts, io.isTTY && !opts.json);
  try {
    const actor = actorOf(rt);
    const out = await requestAction(rt.remediation, {
      action, target, incidentId: opts.incident ?? null, reason: opts.reason ?? null,
      params: { ...(opts.replicas !== undefined ? { replicas: opts.replicas } : {}), ...(opts.tail !== undefined ? { tailLines: opts.tail } : {}) },
    }, actor, { dryRunOnly: opts.dryRun, onProgress: progress.onProgress });
    progress.done();
    switch (out.kind) {
      case 'refused':
        if (opts.json) io.json({ outcome: 'refused', reason: out.reason });
        io.error(out.reason);
        return EXIT.refused;
      case 'read':
        io.result(opts, { outcome: 'read', data: out.result.data, lines: out.result.lines }, () => out.result.lines.map(clean).join('\n'));
        return EXIT.ok;
      case 'preview':
        io.result(opts, { outcome: 'preview', decision: out.decision.kind, reason: out.decision.reason, dryRun: out.dryRun }, () =>
          `Dry run: ${out.dryRun.summary}.\n${out.dryRun.changes.map((c) => `  ${c}\n`).join('')}${out.decision.kind === 'needs-approval' ? out.decision.reason : 'It would run at once.'}`);
        return EXIT.ok;
      case 'pending': {
        const r = out.request;
        // --json is one document: with --wait it is the final outcome, printed when the request ends.
        if (opts.json && !opts.wait) io.json({ outcome: 'pending', request: requestJson(r), approvers: out.decision.kind === 'needs-approval' ? out.decision.approvers : [] });
        if (!opts.json) io.text(r.id);
        if (!opts.json || opts.wait) {
          io.note(`Request ${r.id} is waiting for approval: ${out.decision.reason}\n  Preview: ${r.dryRun?.summary ?? '-'}\n  Another person runs: chatops approve ${r.id}   (expires in ${formatDuration(r.expiresAt - rt.clock.now())})\n`);
        }
        if (!opts.wait) return EXIT.waiting;
        return await waitForDecision(rt, r.id, opts, io);
      }
      case 'executed':
        return reportResult(out.request, opts, io);
    }
  } finally {
    rt.close();
  }
}

function reportResult(r: ActionRequest, opts: { json?: boolean }, io: Output): number {
  if (opts.json) io.json({ outcome: r.state, request: requestJson(r) });
  else if (r.state === 'succeeded') io.text(clean(r.result?.summary ?? 'done'));
  else io.error(clean(r.result?.summary ?? `request ${r.id} ${r.state}`));
  if (r.state === 'succeeded') return EXIT.ok;
  if (r.state === 'failed') return EXIT.actionFailed;
  return EXIT.refused;
}

/** `remediate --wait` on a request that needs approval: follow the shared database until it ends. */
async function waitForDecision(rt: Runtime, id: string, opts: { json?: boolean }, io: Output): Promise<number> {
  const write = (s: string) => (opts.json ? io.note(s) : io.raw(s));
  let seen = 'pending';
  for (;;) {
    const r = rt.store.getRequest(id)!;
    if (r.state !== seen) {
      seen = r.state;
      write(`Request ${id} is ${r.state}${r.decidedBy ? ` (by ${clean(r.decidedBy)})` : ''}.\n`);
    }
    if (TERMINAL_STATES.includes(r.state)) return reportResult(r, opts, io);
    if (r.state === 'pending' && r.expiresAt <= rt.clock.now()) {
      const { expireRequests } = await import('../../core/remediation.js');
      expireRequests(rt.remediation);
      continue;
    }
    await new Promise((res) => setTimeout(res, 1000));
  }
}

export function listApprovals(globals: GlobalOptions, opts: { json?: boolean; all?: boolean; limit?: number }, io: Output): void {
  const rt = openExisting(globals);
  try {
    const rows = rt.store.listRequests({ states: opts.all ? undefined : ['pending'] });
    const shown = opts.limit !== undefined ? rows.slice(-opts.limit) : rows;
    if (opts.json) {
      io.jsonArray(shown, requestJson);
      return;
    }
    if (shown.length === 0) {
      io.text(opts.all ? 'No requests.' : 'No pending requests.');
      return;
    }
    const now = rt.clock.now();
    for (const r of shown) {
      const left = r.state === 'pending' ? `expires in ${formatDuration(r.expiresAt - now)}` : r.state;
      const params = r.params.replicas !== undefined ? ` replicas=${r.params.replicas}` : '';
      io.text(`${r.id}  ${r.action} ${targetText(r.target)}${params}  by ${clean(r.requester)} (${r.source})  ${left}${r.incidentId ? `  incident ${r.incidentId}` : ''}`);
      if (r.reason) io.text(`    reason: ${clean(r.reason)}`);
      if (r.dryRun) io.raw(`    dry run: ${clean(r.dryRun.summary)}\n${r.dryRun.changes.map((c) => `      ${clean(c)}\n`).join('')}`);
    }
  } finally {
    rt.close();
  }
}

function reportDecision(out: DecideOutcome, opts: { json?: boolean }, io: Output): number {
  if (opts.json) {
    const reason = 'reason' in out ? out.reason : undefined;
    io.json({ outcome: out.kind, reason, request: requestJson(out.request) });
  }
  switch (out.kind) {
    case 'refused':
      io.error(out.reason);
      return EXIT.refused;
    case 'conflict':
      io.error(out.reason);
      return EXIT.failed;
    case 'denied':
    case 'cancelled':
      if (!opts.json) io.text(`Request ${out.request.id} ${out.kind} by ${clean(out.request.decidedBy ?? '')}.`);
      return EXIT.ok;
    case 'approved':
      if (!opts.json) io.text(`Request ${out.request.id} approved; another process is running it.`);
      return EXIT.ok;
    case 'executed':
      if (!opts.json) {
        if (out.result.ok) io.text(clean(out.result.summary));
        else io.error(clean(out.result.summary));
      }
      return out.result.ok ? EXIT.ok : EXIT.actionFailed;
  }
}

export async function decideRequest(globals: GlobalOptions, verdict: 'approve' | 'deny', idText: string, opts: { reason?: string; json?: boolean; wait?: boolean }, io: Output): Promise<number> {
  const id = parseRequestId(idText);
  const rt = openExisting(globals);
  const progress = progressPrinter(io, { json: opts.json, wait: opts.wait ?? true }, io.isTTY && !opts.json);
  try {
    const out = await decide(rt.remediation, id, verdict, actorOf(rt), { reason: opts.reason, onProgress: progress.onProgress });
    progress.done();
    return reportDecision(out, opts, io);
  } finally {
    rt.close();
  }
}
