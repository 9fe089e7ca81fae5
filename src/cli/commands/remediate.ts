/** `chatops remediate`, `chatops approvals`, `chatops approve`, `chatops deny`: the terminal face of the approval core. */
import { parseDeploymentTarget, targetText } from '../../core/actions.js';
import { CLUSTER_NAME, DEFAULT_CLUSTER } from '../../core/clusters.js';
import { formatDuration } from '../../core/duration.js';
import { ChatopsError } from '../../core/errors.js';
import { requestOutcome, type RequestData } from '../../core/operator.js';
import type { Outcome } from '../../core/outcome.js';
import { expireRequests } from '../../core/remediation.js';
import { TERMINAL_STATES, type ActionRequest, type ProgressEvent } from '../../core/requests.js';
import type { DeploymentTarget } from '../../core/actions.js';
import type { Runtime } from '../../app.js';
import { openExisting, load, open } from '../context.js';
import type { GlobalOptions } from '../command-log.js';
import { clean } from '../format.js';
import { terminalIdentity } from '../identity.js';
import type { Output } from '../output.js';
import { outcomeLine, printOutcome, type OutcomeView } from '../outcome.js';
import { iso } from '../../core/time.js';

export function requestJson(r: ActionRequest) {
  return {
    id: r.id,
    action: r.action,
    risk: r.risk,
    target: targetText(r.target),
    cluster: r.target.cluster ?? DEFAULT_CLUSTER,
    params: r.params,
    requester: r.requester,
    source: r.source,
    incidentId: r.incidentId,
    reason: r.reason,
    state: r.state,
    dryRun: r.dryRun,
    createdAt: iso(r.createdAt),
    expiresAt: iso(r.expiresAt),
    decidedBy: r.decidedBy,
    decidedSource: r.decidedSource,
    decidedAt: iso(r.decidedAt),
    decisionReason: r.decisionReason,
    result: r.result,
  };
}

/** One line per request for `incidents show`. */
export function requestLine(r: ActionRequest): string {
  const params = r.params.replicas !== undefined ? ` replicas=${r.params.replicas}` : '';
  const by = r.decidedBy ? `, decided by ${clean(r.decidedBy)}` : '';
  return `  ${r.id}  ${r.action} ${targetText(r.target)}${params}  ${r.state}  requested by ${clean(r.requester)}${by}${r.result ? `: ${clean(r.result.summary)}` : ''}`;
}

function parseRequestId(text: string): string {
  const id = text.trim().toLowerCase();
  if (!/^r-[a-z2-7]{16}$/.test(id))
    throw new ChatopsError(
      'usage',
      `${JSON.stringify(text)} is not a request id: ids look like r-abcdefghijklmnop, see 'chatops approvals'.`,
    );
  return id;
}

/** Progress on a terminal: one line rewritten in place with a bar; otherwise plain lines. */
function progressPrinter(
  io: Output,
  opts: { json?: boolean; wait?: boolean },
  tty: boolean,
): { onProgress: (e: ProgressEvent) => void; done: () => void } {
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
  /** The cluster, when the target does not name it (`<cluster>/<namespace>/<deployment>`). */
  cluster?: string;
  incident?: number;
  replicas?: number;
  reason?: string;
  wait?: boolean;
  dryRun?: boolean;
  json?: boolean;
  tail?: number;
}

/** The request, the run and the read as `--json` fields and terminal lines. */
const requestView: OutcomeView<RequestData> = {
  json: (d) => ({
    request: d.request ? requestJson(d.request) : null,
    decision: d.decision?.kind ?? null,
    approvers: d.decision?.kind === 'needs-approval' ? d.decision.approvers : [],
    dryRun: d.dryRun,
    result: d.result,
    read: d.read ? { lines: d.read.lines, data: d.read.data } : null,
  }),
  body: (o) => {
    if (o.data.read) return o.data.read.lines.map(clean).join('\n');
    if (o.kind === 'pending' && o.data.request) return o.data.request.id;
    return null;
  },
  details: (o) => {
    if (o.kind === 'pending') return [`Preview: ${o.data.dryRun?.summary ?? '-'}`];
    if (!o.data.request && o.data.dryRun) return o.data.dryRun.changes;
    return [];
  },
};

/** The target with the cluster `--cluster` names (which must agree with one the target names). */
function targetWithCluster(text: string, cluster: string | undefined): DeploymentTarget {
  const target = parseDeploymentTarget(text);
  if (cluster === undefined) return target;
  if (!CLUSTER_NAME.test(cluster))
    throw new ChatopsError('usage', `--cluster ${JSON.stringify(cluster)} is not a cluster name: see clusters: in the configuration.`);
  if (target.cluster !== undefined && target.cluster !== cluster) {
    throw new ChatopsError('usage', `${text} names cluster ${target.cluster} but --cluster says ${cluster}: give the cluster once.`);
  }
  return { ...target, cluster };
}

export async function remediate(
  globals: GlobalOptions,
  action: string,
  targetTextArg: string,
  opts: RemediateOptions,
  io: Output,
): Promise<number> {
  const target = targetWithCluster(targetTextArg, opts.cluster);
  // A remediation may be the first thing that touches the database on this host.
  const rt = open(globals, load(globals));
  const progress = progressPrinter(io, opts, io.isTTY && !opts.json);
  try {
    const out = await rt.operator.request(
      {
        action,
        target,
        incidentId: opts.incident ?? null,
        reason: opts.reason ?? null,
        params: {
          ...(opts.replicas !== undefined ? { replicas: opts.replicas } : {}),
          ...(opts.tail !== undefined ? { tailLines: opts.tail } : {}),
        },
      },
      actorOf(rt),
      { dryRunOnly: opts.dryRun, onProgress: progress.onProgress },
    );
    progress.done();
    if (out.kind !== 'pending' || !opts.wait || !out.data.request) return printOutcome(out, requestView, opts, io);
    // --wait: say what it waits for (on stderr with --json: stdout holds only the final
    // document), then print (and exit with) how it ended.
    if (opts.json) io.note(`${outcomeLine(out)}\n`);
    else printOutcome(out, requestView, opts, io);
    return printOutcome(await waitForDecision(rt, out.data.request.id, opts, io), requestView, opts, io);
  } finally {
    rt.close();
  }
}

/** `remediate --wait` on a request that needs approval: follow the shared database until it ends. */
async function waitForDecision(rt: Runtime, id: string, opts: { json?: boolean }, io: Output): Promise<Outcome<RequestData>> {
  const write = (s: string) => (opts.json ? io.note(s) : io.raw(s));
  let seen = 'pending';
  for (;;) {
    const r = rt.store.getRequest(id)!;
    if (r.state !== seen) {
      seen = r.state;
      write(`Request ${id} is ${r.state}${r.decidedBy ? ` (by ${clean(r.decidedBy)})` : ''}.\n`);
    }
    if (TERMINAL_STATES.includes(r.state)) return requestOutcome(r);
    if (r.state === 'pending' && r.expiresAt <= rt.clock.now()) {
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
      io.text(
        `${r.id}  ${r.action} ${targetText(r.target)}${params}  by ${clean(r.requester)} (${r.source})  ${left}${r.incidentId ? `  incident ${r.incidentId}` : ''}`,
      );
      if (r.reason) io.text(`    reason: ${clean(r.reason)}`);
      if (r.dryRun) io.raw(`    dry run: ${clean(r.dryRun.summary)}\n${r.dryRun.changes.map((c) => `      ${clean(c)}\n`).join('')}`);
    }
  } finally {
    rt.close();
  }
}

export async function decideRequest(
  globals: GlobalOptions,
  verdict: 'approve' | 'deny',
  idText: string,
  opts: { reason?: string; json?: boolean; wait?: boolean },
  io: Output,
): Promise<number> {
  const id = parseRequestId(idText);
  const rt = openExisting(globals);
  const progress = progressPrinter(io, { json: opts.json, wait: opts.wait ?? true }, io.isTTY && !opts.json);
  try {
    const decideOpts = { reason: opts.reason, onProgress: progress.onProgress };
    const out =
      verdict === 'approve' ? await rt.operator.approve(id, actorOf(rt), decideOpts) : await rt.operator.deny(id, actorOf(rt), decideOpts);
    progress.done();
    return printOutcome(out, requestView, opts, io);
  } finally {
    rt.close();
  }
}
