/**
 * Ports an operator face (the terminal UI today) needs beyond the incident store: pending
 * approval requests, remediation requests and decisions, Alertmanager silences. Each has an
 * implementation that says "not available" with a reason, so a face works before the
 * approvals core or the silence adapter is wired, and lights up when they are.
 */
import type { Actor } from './incident-actions.js';
import type { Incident } from './types.js';

/** An action request waiting for a decision, as an approver needs to see it. */
export interface PendingRequest {
  /** Opaque request id (what buttons and `chatops approve <request>` carry). */
  id: string;
  incidentId: number | null;
  /** Catalogue name, e.g. `rollout-restart`, `scale`. */
  action: string;
  /** `namespace/deployment`. */
  target: string;
  params: Record<string, unknown>;
  requestedBy: string;
  requestedAt: number | null;
  expiresAt: number | null;
  /** The dry-run result shown to approvers (e.g. "admitted by the API server"), when known. */
  preview: string | null;
}

/** Reads pending action requests. */
export interface PendingApprovals {
  countFor(incidentId: number): number;
  list(incidentId: number): PendingRequest[];
}

/**
 * The outcome of an operator action, as a value: done (it happened), pending (stored, waiting
 * for a second approver or for the executor), refused with the reason from policy/state, or
 * failed (it ran, and what it ran failed).
 */
export type OperatorOutcome =
  /** `lines`: what a read (pods, events, logs) returned, one terminal line each. */
  | { outcome: 'done'; message: string; lines?: readonly string[] }
  | { outcome: 'pending'; message: string; requestId?: string }
  | { outcome: 'refused'; reason: string }
  | { outcome: 'failed'; reason: string };

/** One parameter the operator is asked for, e.g. `replicas` for `scale`. */
export interface ActionParam {
  name: string;
  prompt: string;
  default?: string;
}

/** An action the policy enables for a target. */
export interface ActionChoice {
  action: string;
  risk: string;
  /** Says what running it does, e.g. "restart the pods of prod/checkout (rolling)". */
  summary: string;
  params: ActionParam[];
  /** True when policy will require a second person. */
  needsApproval: boolean;
}

/** What remediation is aimed at: the incident and its Kubernetes target. */
export interface RemediationTarget {
  incidentId: number;
  namespace: string;
  /** Deployment (or other workload) name; may be empty when the alert does not name one. */
  target: string;
}

/** Request, approve and deny remediation through the approvals core. */
export interface RemediationPort {
  /** The actions policy enables for the target and this actor, or why none can be requested. */
  available(target: RemediationTarget, actor: Actor): { actions: ActionChoice[] } | { refused: string };
  request(req: { target: RemediationTarget; action: string; params: Record<string, string>; actor: Actor; reason?: string }): Promise<OperatorOutcome>;
  approve(requestId: string, actor: Actor): Promise<OperatorOutcome>;
  deny(requestId: string, actor: Actor, reason: string): Promise<OperatorOutcome>;
}

/** Alertmanager silences for an incident's alerts. */
export interface SilencePort {
  /** Null when silencing works; otherwise why not (e.g. no alertmanager.url). */
  unavailable(): string | null;
  /** What the silence will match, for the confirmation line, e.g. `alertname="X", namespace="prod"`; may throw a ChatopsError when nothing can be matched. */
  matchers(incident: Incident): string;
  /** An empty comment lets the adapter write its own. */
  silence(incident: Incident, durationMs: number, comment: string, actor: Actor): Promise<OperatorOutcome>;
}

/** No pending requests (the approvals core is not present). */
export const noPendingApprovals: PendingApprovals = { countFor: () => 0, list: () => [] };

/** Remediation that refuses every call with `reason`. */
export function unavailableRemediation(reason: string): RemediationPort {
  const refused = async (): Promise<OperatorOutcome> => ({ outcome: 'refused', reason });
  return { available: () => ({ refused: reason }), request: refused, approve: refused, deny: refused };
}

/** Silences that refuse every call with `reason`. */
export function unavailableSilences(reason: string): SilencePort {
  return { unavailable: () => reason, matchers: () => '', silence: async () => ({ outcome: 'refused', reason }) };
}
