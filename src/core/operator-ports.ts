/**
 * The terminal UI's ports, in the shape src/tui/app.tsx calls today. src/tui/core-ports.ts
 * implements them over the operator service (operator.ts); this file and that adapter go once
 * the TUI calls the service and renders its Outcome. New code uses operator.ts.
 */
import type { Actor } from './incident-actions.js';
import type { SilenceLength } from './silence.js';
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

/** The service's Outcome in the TUI's older vocabulary (see core-ports.ts). */
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
  /** An empty comment lets the service write its own. */
  silence(incident: Incident, durationMs: number, comment: string, actor: Actor): Promise<OperatorOutcome>;
  /**
   * The same for any length the prompt accepts (parseSilenceLength: "2h", "until resolved"):
   * optional only so the TUI's test fakes need not implement it before the TUI uses it.
   */
  silenceFor?(incident: Incident, length: SilenceLength, comment: string, actor: Actor): Promise<OperatorOutcome>;
}
