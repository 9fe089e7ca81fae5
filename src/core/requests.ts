/** Action requests: what is stored between "someone asked" and "it ran", and the ports around them. */
import type { ActionName, ActionParams, ActionSpec, DeploymentTarget, KubePermission, Risk } from './actions.js';
import type { AuditSource, Labels } from './types.js';

export type RequestState = 'pending' | 'approved' | 'running' | 'succeeded' | 'failed' | 'denied' | 'expired' | 'cancelled';
export const TERMINAL_STATES: readonly RequestState[] = ['succeeded', 'failed', 'denied', 'expired', 'cancelled'];

/** What a server-side dry run said the change would do (stored and shown to approvers). */
export interface DryRunResult {
  ok: boolean;
  /** One sentence: what would change, or why the server would not admit it. */
  summary: string;
  /** Short "field: before → after" lines. */
  changes: string[];
}

/** The outcome of running an action. */
export interface ExecutionResult {
  ok: boolean;
  /** One sentence for people: "web restarted: 3/3 pods updated and available". */
  summary: string;
  detail: Record<string, unknown>;
}

export interface ActionRequest {
  /** Opaque, unguessable: `r-` + base32. Buttons carry only this. */
  id: string;
  action: ActionName;
  risk: Risk;
  target: DeploymentTarget;
  params: ActionParams;
  requester: string;
  /** The requester's user groups when they asked (so a group-granted right survives re-checks). */
  requesterGroups: readonly string[];
  source: AuditSource;
  incidentId: number | null;
  reason: string | null;
  dryRun: DryRunResult | null;
  state: RequestState;
  createdAt: number;
  expiresAt: number;
  updatedAt: number;
  decidedBy: string | null;
  decidedSource: AuditSource | null;
  decidedAt: number | null;
  decisionReason: string | null;
  result: ExecutionResult | null;
}

export interface RequestFilter {
  states?: readonly RequestState[];
  incidentId?: number;
  limit?: number;
}

/** Fields a transition may set along with the new state. */
export interface TransitionFields {
  decidedBy?: string;
  decidedSource?: AuditSource;
  decidedAt?: number;
  decisionReason?: string;
  result?: ExecutionResult;
}

export interface ApprovalRecord {
  requestId: string;
  actor: string;
  source: AuditSource;
  decision: 'approve' | 'deny';
  outcome: 'accepted' | 'refused';
  reason: string | null;
  ts: number;
}

/** Storage of requests. `transitionRequest` is the only way a state changes: a guarded UPDATE. */
export interface RequestStore {
  insertRequest(r: ActionRequest): void;
  getRequest(id: string): ActionRequest | null;
  listRequests(filter: RequestFilter): ActionRequest[];
  /**
   * Moves a request from `from` to `to` iff it is in `from` (and, when `notExpiredAt` is given,
   * has not expired by then). Returns false when another click, process or retry got there first.
   */
  transitionRequest(
    id: string,
    from: RequestState,
    to: RequestState,
    now: number,
    fields?: TransitionFields,
    notExpiredAt?: number,
  ): boolean;
  recordApproval(a: ApprovalRecord): void;
  approvalsOf(requestId: string): ApprovalRecord[];
}

export interface ProgressEvent {
  message: string;
  desired?: number;
  updated?: number;
  available?: number;
}

export type Preflight = { allowed: true } | { allowed: false; reason: string };

export interface ReadResult {
  /** Plain lines for a terminal or a Slack code block. */
  lines: string[];
  data: unknown;
}

/**
 * Runs actions against the cluster. Expected failures (403, 404, 409, timeouts) come back as
 * `ok: false` with one sentence; only the unexpected throws.
 */
export interface Executor {
  /** The deployment's labels (for policy.deployment_selector); throws not_found when it does not exist. */
  targetLabels(target: DeploymentTarget): Promise<Labels>;
  /** SelfSubjectAccessReview for every permission the action needs. */
  preflight(action: ActionSpec, target: DeploymentTarget): Promise<Preflight>;
  /** The same for a list of permissions; an empty deployment name asks about the whole namespace. */
  checkPermissions(permissions: readonly KubePermission[], target: DeploymentTarget): Promise<Preflight>;
  /** The change with dryRun=All: validated and admitted by the server, not persisted. */
  dryRun(action: ActionSpec, target: DeploymentTarget, params: ActionParams): Promise<DryRunResult>;
  execute(
    action: ActionSpec,
    target: DeploymentTarget,
    params: ActionParams,
    onProgress: (e: ProgressEvent) => void,
  ): Promise<ExecutionResult>;
  read(action: ActionSpec, target: DeploymentTarget, params: ActionParams): Promise<ReadResult>;
}

/** Resolves the Slack user groups of a person (implemented by the Slack adapter). */
export interface MembershipResolver {
  groupsOf(actorId: string): Promise<readonly string[]>;
}
