/**
 * KubeExecutor: runs the catalogue's Kubernetes actions with @kubernetes/client-node 1.4,
 * sending the same requests kubectl sends (see docs/protocols.md §6.1).
 */
import * as k8s from '@kubernetes/client-node';
import pLimit, { type LimitFunction } from 'p-limit';
import { ObjectSerializer } from '@kubernetes/client-node/dist/gen/models/ObjectSerializer.js';
import { canonicalJson } from '../../core/audit-chain.js';
import { formatDuration } from '../../core/duration.js';
import { ChatopsError } from '../../core/errors.js';
import { targetText, type ActionParams, type ActionSpec, type DeploymentTarget, type KubePermission } from '../../core/actions.js';
import type { DryRunResult, ExecutionResult, Executor, Preflight, ProgressEvent, ReadResult } from '../../core/requests.js';
import type { Labels } from '../../core/types.js';
import { addSecrets } from '../../redact.js';
import { describeKubeError, httpCode, KubeTimeout } from './kube-errors.js';

export interface KubeExecutorOptions {
  /** Kubeconfig file; when absent, in-cluster config if `inCluster`, else ~/.kube/config. */
  kubeconfig?: string;
  inCluster?: boolean;
  context?: string;
  /** Allow kubeconfig users that run a program for credentials (`exec`, `auth-provider`). */
  allowExecPlugins?: boolean;
  requestTimeoutMs: number;
  rolloutTimeoutMs: number;
  pollIntervalMs: number;
  /** API calls in flight at once (per executor, so per cluster); more wait for a slot. Default 8. */
  concurrency?: number;
  /** The named cluster this executor acts in (for messages); absent: the single cluster. */
  cluster?: string;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

/** kubectl's restart annotation (so `kubectl rollout history` and dashboards read it the same way). */
export const RESTARTED_AT = 'kubectl.kubernetes.io/restartedAt';
/** kubectl's field manager for rollout restart: the same manager owns the same field. */
const RESTART_FIELD_MANAGER = 'kubectl-rollout';
const REVISION = 'deployment.kubernetes.io/revision';
/** Annotations kubectl's rollback keeps from the deployment rather than copying from the ReplicaSet. */
const ANNOTATIONS_TO_SKIP = new Set([
  'kubectl.kubernetes.io/last-applied-configuration',
  REVISION,
  'deployment.kubernetes.io/revision-history',
  'deployment.kubernetes.io/desired-replicas',
  'deployment.kubernetes.io/max-replicas',
  'deprecated.deployment.rollback.to',
]);

/** RFC 3339 in the local zone without fractions, as Go's time.Now().Format(time.RFC3339). */
export function rfc3339Local(d: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  const off = -d.getTimezoneOffset();
  const zone = off === 0 ? 'Z' : `${off > 0 ? '+' : '-'}${pad(Math.floor(Math.abs(off) / 60))}:${pad(Math.abs(off) % 60)}`;
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}${zone}`;
}

type CallOptions = k8s.ConfigurationOptions<k8s.ObservableMiddleware>;

const strategic = (o: CallOptions) => k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.StrategicMergePatch, o);
const merge = (o: CallOptions) => k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch, o);

/** Request options that hand `signal` to the HTTP request, so an abort cancels it (client-node 1.4's RequestContext.setSignal). */
function withSignal(signal: AbortSignal): CallOptions {
  return {
    middleware: [
      {
        pre: (request) => {
          request.setSignal(signal);
          return new k8s.Observable(Promise.resolve(request));
        },
        post: (response) => new k8s.Observable(Promise.resolve(response)),
      },
    ],
    middlewareMergeStrategy: 'append',
  };
}

function selectorText(dep: k8s.V1Deployment): string {
  const ml = dep.spec?.selector?.matchLabels ?? {};
  return Object.entries(ml)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}

function imagesOf(tpl: unknown): Map<string, string> {
  const containers = (tpl as { spec?: { containers?: { name: string; image?: string }[] } })?.spec?.containers ?? [];
  return new Map(containers.map((c) => [c.name, c.image ?? '']));
}

const notFound = (t: DeploymentTarget) =>
  new ChatopsError(
    'not_found',
    `Deployment ${targetText(t)} does not exist: check the namespace and the name (kubectl get deployments -n ${t.namespace}).`,
  );

interface UndoPlan {
  patch: unknown[];
  fromRevision: string;
  toRevision: string;
  changes: string[];
}

export class KubeExecutor implements Executor {
  private readonly kc: k8s.KubeConfig;
  private readonly apps: k8s.AppsV1Api;
  private readonly core: k8s.CoreV1Api;
  private readonly authz: k8s.AuthorizationV1Api;
  private readonly authn: k8s.AuthenticationV1Api;
  private readonly server: string;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;

  private readonly limit: LimitFunction;

  constructor(private readonly opts: KubeExecutorOptions) {
    const kc = new k8s.KubeConfig();
    // A named cluster's problems name it and its own keys.
    const of = opts.cluster ? `Cluster ${opts.cluster}: ` : '';
    const key = opts.cluster ? `clusters[${opts.cluster}].kubernetes` : 'kubernetes';
    try {
      if (opts.kubeconfig) kc.loadFromFile(opts.kubeconfig);
      else if (opts.inCluster) kc.loadFromCluster();
      else kc.loadFromDefault();
    } catch (e) {
      throw new ChatopsError(
        'config',
        `${of}Cannot load the kubeconfig${opts.kubeconfig ? ` ${opts.kubeconfig}` : ''}: ${(e as Error).message}. Set ${opts.cluster ? '' : 'KUBECONFIG or '}${key}.kubeconfig.`,
      );
    }
    if (opts.context) {
      if (!kc.getContextObject(opts.context)) {
        throw new ChatopsError(
          'config',
          `${of}${key}.context: the kubeconfig has no context ${JSON.stringify(opts.context)} (it has ${
            kc
              .getContexts()
              .map((c) => c.name)
              .join(', ') || 'none'
          }).`,
        );
      }
      kc.setCurrentContext(opts.context);
    }
    const cluster = kc.getCurrentCluster();
    if (!cluster) throw new ChatopsError('config', `${of}The kubeconfig names no current cluster: set current-context or ${key}.context.`);
    const user = kc.getCurrentUser();
    // An exec or auth-provider user runs a program with chatops' rights (and every token it can
    // read): whoever can edit that kubeconfig entry would own the service account.
    if (user && (user.exec || user.authProvider) && !opts.allowExecPlugins) {
      throw new ChatopsError(
        'config',
        `${of}The kubeconfig user ${JSON.stringify(user.name)} gets its credentials by running a program (${user.exec ? 'exec' : 'auth-provider'}), which chatops refuses unless ${key}.allow_exec_plugins is true: use a token or client certificate, or allow it in the configuration.`,
      );
    }
    addSecrets([user?.token, user?.password, user?.keyData]);
    this.kc = kc;
    this.server = opts.cluster ? `${cluster.server} (cluster ${opts.cluster})` : cluster.server;
    this.limit = pLimit(opts.concurrency ?? 8);
    this.apps = kc.makeApiClient(k8s.AppsV1Api);
    this.core = kc.makeApiClient(k8s.CoreV1Api);
    this.authz = kc.makeApiClient(k8s.AuthorizationV1Api);
    this.authn = kc.makeApiClient(k8s.AuthenticationV1Api);
    this.now = opts.now ?? Date.now;
    this.sleep = opts.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  }

  /**
   * Bounds every API call (client-node 1.4 has no request timeout of its own): the request gets
   * an AbortSignal, so at the deadline the HTTP request is cancelled, not left running.
   */
  private call<T>(send: (options: CallOptions) => Promise<T>): Promise<T> {
    // One slot of this cluster's concurrency per call; the deadline starts once it is sent.
    return this.limit(() => this.send(send));
  }

  private async send<T>(send: (options: CallOptions) => Promise<T>): Promise<T> {
    const signal = AbortSignal.timeout(this.opts.requestTimeoutMs);
    try {
      return await send(withSignal(signal));
    } catch (e) {
      if (signal.aborted) throw new KubeTimeout(formatDuration(this.opts.requestTimeoutMs));
      throw e;
    }
  }

  private fail(e: unknown, what: string): string {
    return describeKubeError(e, what, this.server);
  }

  private getDeployment(t: DeploymentTarget): Promise<k8s.V1Deployment> {
    return this.call((o) => this.apps.readNamespacedDeployment({ name: t.deployment, namespace: t.namespace }, o));
  }

  async targetLabels(t: DeploymentTarget): Promise<Labels> {
    try {
      return (await this.getDeployment(t)).metadata?.labels ?? {};
    } catch (e) {
      if (httpCode(e) === 404) throw notFound(t);
      throw new ChatopsError('unavailable', `${this.fail(e, `deployment ${targetText(t)}`)}.`);
    }
  }

  // ---- preflight ---------------------------------------------------------------------------------

  private async whoAmI(): Promise<string> {
    try {
      const r = await this.call((o) =>
        this.authn.createSelfSubjectReview({ body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' } }, o),
      );
      const name = r.status?.userInfo?.username;
      if (name) {
        const sa = /^system:serviceaccount:([^:]+):([^:]+)$/.exec(name);
        return sa ? `the service account ${sa[2]} in ${sa[1]}` : `the Kubernetes user ${name}`;
      }
    } catch {
      // Older servers lack SelfSubjectReview; fall back to the kubeconfig's user name.
    }
    return `the kubeconfig user ${this.kc.getCurrentUser()?.name ?? '(unknown)'}`;
  }

  preflight(action: ActionSpec, t: DeploymentTarget): Promise<Preflight> {
    return this.checkPermissions(action.permissions, t);
  }

  async checkPermissions(permissions: readonly KubePermission[], t: DeploymentTarget): Promise<Preflight> {
    const missing: KubePermission[] = [];
    const seen = new Set<string>();
    for (const p of permissions) {
      const key = `${p.verb} ${p.group}/${p.resource}/${p.subresource ?? ''}`;
      if (seen.has(key)) continue;
      seen.add(key);
      try {
        // An empty deployment name asks about the whole namespace (config check).
        const named = p.verb !== 'list' && p.resource === 'deployments' && t.deployment !== '';
        const r = await this.call((o) =>
          this.authz.createSelfSubjectAccessReview(
            {
              body: {
                apiVersion: 'authorization.k8s.io/v1',
                kind: 'SelfSubjectAccessReview',
                spec: {
                  resourceAttributes: {
                    namespace: t.namespace,
                    verb: p.verb,
                    group: p.group,
                    resource: p.resource,
                    subresource: p.subresource,
                    name: named ? t.deployment : undefined,
                  },
                },
              },
            },
            o,
          ),
        );
        if (!r.status?.allowed) missing.push(p);
      } catch (e) {
        return { allowed: false, reason: `cannot check chatops' Kubernetes permissions: ${this.fail(e, 'the access review')}.` };
      }
    }
    if (missing.length === 0) return { allowed: true };
    const who = await this.whoAmI();
    const res = (p: KubePermission) => `${p.resource}${p.subresource ? `/${p.subresource}` : ''}`;
    const what = missing
      .map((p) => `${p.verb} ${res(p)}`)
      .join(', ')
      .replace(/, ([^,]*)$/, ' or $1');
    // One rule per group and resource, with every missing verb.
    const rules = new Map<string, { group: string; resource: string; verbs: string[] }>();
    for (const p of missing) {
      const k = `${p.group}\0${res(p)}`;
      const r = rules.get(k) ?? { group: p.group, resource: res(p), verbs: [] };
      r.verbs.push(p.verb);
      rules.set(k, r);
    }
    const text = [...rules.values()]
      .map((r) => `{apiGroups: ["${r.group}"], resources: ["${r.resource}"], verbs: [${r.verbs.map((v) => `"${v}"`).join(', ')}]}`)
      .join(', ');
    const where = this.opts.cluster ? ` of cluster ${this.opts.cluster}` : '';
    return {
      allowed: false,
      reason: `${who} may not ${what} in ${t.namespace}${where}: add ${rules.size === 1 ? 'the rule' : 'the rules'} ${text} to a Role in ${t.namespace}${where} bound to it.`,
    };
  }

  // ---- building the changes ------------------------------------------------------------------------

  private async planUndo(t: DeploymentTarget, dep: k8s.V1Deployment): Promise<UndoPlan | string> {
    const selector = selectorText(dep);
    const list = await this.call((o) =>
      this.apps.listNamespacedReplicaSet({ namespace: t.namespace, labelSelector: selector || undefined }, o),
    );
    const uid = dep.metadata?.uid;
    const owned = list.items.filter((rs) => rs.metadata?.ownerReferences?.some((o) => o.controller && o.uid === uid));
    const current = Number(dep.metadata?.annotations?.[REVISION] ?? '0');
    const revOf = (rs: k8s.V1ReplicaSet) => Number(rs.metadata?.annotations?.[REVISION] ?? '0');
    const previous = owned.filter((rs) => revOf(rs) < current).sort((a, b) => revOf(b) - revOf(a))[0];
    if (!previous) return `deployment ${targetText(t)} has no previous revision to roll back to`;
    const tpl = ObjectSerializer.serialize(previous.spec?.template, 'V1PodTemplateSpec', '') as {
      metadata?: { labels?: Record<string, string> };
    };
    if (tpl.metadata?.labels) delete tpl.metadata.labels['pod-template-hash'];
    const currentTpl = ObjectSerializer.serialize(dep.spec?.template, 'V1PodTemplateSpec', '');
    if (canonicalJson(currentTpl) === canonicalJson(tpl)) {
      return `skipped rollback: the current template of ${targetText(t)} already matches revision ${revOf(previous)}`;
    }
    const annotations: Record<string, string> = {};
    for (const [k, v] of Object.entries(dep.metadata?.annotations ?? {})) if (ANNOTATIONS_TO_SKIP.has(k)) annotations[k] = v;
    for (const [k, v] of Object.entries(previous.metadata?.annotations ?? {})) if (!ANNOTATIONS_TO_SKIP.has(k)) annotations[k] = v;
    const before = imagesOf(currentTpl);
    const changes = [...imagesOf(tpl)]
      .filter(([name, image]) => before.get(name) !== image)
      .map(([name, image]) => `container ${name} image: ${before.get(name) ?? '(none)'} → ${image}`);
    return {
      patch: [
        { op: 'replace', path: '/spec/template', value: tpl },
        { op: 'replace', path: '/metadata/annotations', value: annotations },
      ],
      fromRevision: String(current),
      toRevision: String(revOf(previous)),
      changes: changes.length ? changes : ['pod template: restored from the previous revision'],
    };
  }

  /** Sends the action's change; with dryRun the server validates and admits it without persisting. */
  private async apply(
    action: ActionSpec,
    t: DeploymentTarget,
    params: ActionParams,
    dryRun: boolean,
  ): Promise<{ summary: string; changes: string[] } | { refused: string }> {
    const what = `deployment ${targetText(t)}`;
    const dr = dryRun ? 'All' : undefined;
    const dep = await this.getDeployment(t);
    switch (action.name) {
      case 'rollout-restart': {
        if (dep.spec?.paused)
          return {
            refused: `${what} is paused and cannot be restarted: resume it first (kubectl rollout resume deployment/${t.deployment} -n ${t.namespace})`,
          };
        const stamp = rfc3339Local(new Date(this.now()));
        const old = dep.spec?.template?.metadata?.annotations?.[RESTARTED_AT];
        await this.call((o) =>
          this.apps.patchNamespacedDeployment(
            {
              name: t.deployment,
              namespace: t.namespace,
              fieldManager: RESTART_FIELD_MANAGER,
              dryRun: dr,
              body: { spec: { template: { metadata: { annotations: { [RESTARTED_AT]: stamp } } } } },
            },
            strategic(o),
          ),
        );
        const n = dep.spec?.replicas ?? 1;
        return {
          summary: `${dryRun ? 'would restart' : 'restarting'} the ${n} pod${n === 1 ? '' : 's'} of ${what} one by one`,
          changes: [`spec.template.metadata.annotations["${RESTARTED_AT}"]: ${old ?? '(none)'} → ${stamp}`],
        };
      }
      case 'scale': {
        const from = dep.spec?.replicas ?? 1;
        await this.call((o) =>
          this.apps.patchNamespacedDeploymentScale(
            {
              name: t.deployment,
              namespace: t.namespace,
              dryRun: dr,
              body: { spec: { replicas: params.replicas } },
            },
            merge(o),
          ),
        );
        return {
          summary: `${dryRun ? 'would scale' : 'scaling'} ${what} from ${from} to ${params.replicas} replicas`,
          changes: [`spec.replicas: ${from} → ${params.replicas}`],
        };
      }
      case 'rollout-undo': {
        const plan = await this.planUndo(t, dep);
        if (typeof plan === 'string') return { refused: plan };
        // JSON Patch is client-node's default Content-Type, as kubectl sends for undo.
        await this.call((o) =>
          this.apps.patchNamespacedDeployment({ name: t.deployment, namespace: t.namespace, dryRun: dr, body: plan.patch }, o),
        );
        return {
          summary: `${dryRun ? 'would roll' : 'rolling'} ${what} back from revision ${plan.fromRevision} to revision ${plan.toRevision}`,
          changes: plan.changes,
        };
      }
      default:
        throw new ChatopsError('usage', `${action.name} does not change a deployment.`);
    }
  }

  async dryRun(action: ActionSpec, t: DeploymentTarget, params: ActionParams): Promise<DryRunResult> {
    try {
      const r = await this.apply(action, t, params, true);
      if ('refused' in r) return { ok: false, summary: r.refused, changes: [] };
      return { ok: true, summary: `${r.summary} (the API server admitted it in a dry run)`, changes: r.changes };
    } catch (e) {
      if (httpCode(e) === 404) throw notFound(t);
      return { ok: false, summary: this.fail(e, `deployment ${targetText(t)}`), changes: [] };
    }
  }

  async execute(
    action: ActionSpec,
    t: DeploymentTarget,
    params: ActionParams,
    onProgress: (e: ProgressEvent) => void,
  ): Promise<ExecutionResult> {
    let applied: { summary: string; changes: string[] } | { refused: string };
    try {
      applied = await this.apply(action, t, params, false);
    } catch (e) {
      return {
        ok: false,
        summary: `${action.name} of ${targetText(t)} failed: ${this.fail(e, `deployment ${targetText(t)}`)}.`,
        detail: { httpStatus: httpCode(e) },
      };
    }
    if ('refused' in applied) return { ok: false, summary: `${applied.refused}.`, detail: {} };
    onProgress({ message: `${applied.summary[0]!.toUpperCase()}${applied.summary.slice(1)}.` });
    return this.followRollout(action, t, applied.changes, onProgress);
  }

  /** Watches the rollout the way `kubectl rollout status` does, until done, stuck or timed out. */
  private async followRollout(
    action: ActionSpec,
    t: DeploymentTarget,
    changes: string[],
    onProgress: (e: ProgressEvent) => void,
  ): Promise<ExecutionResult> {
    const what = `${targetText(t)}`;
    const deadline = this.now() + this.opts.rolloutTimeoutMs;
    let last = '';
    let snapshot = { desired: 0, updated: 0, available: 0, ready: 0 };
    for (;;) {
      let dep: k8s.V1Deployment;
      try {
        dep = await this.getDeployment(t);
      } catch (e) {
        return {
          ok: false,
          summary: `${action.name} of ${what} was applied, but following the rollout failed: ${this.fail(e, `deployment ${what}`)}.`,
          detail: { changes },
        };
      }
      const s = dep.status ?? {};
      const desired = dep.spec?.replicas ?? 1;
      snapshot = { desired, updated: s.updatedReplicas ?? 0, available: s.availableReplicas ?? 0, ready: s.readyReplicas ?? 0 };
      const observed = (s.observedGeneration ?? 0) >= (dep.metadata?.generation ?? 0);
      const stuck = (s.conditions ?? []).find((c) => c.type === 'Progressing' && c.reason === 'ProgressDeadlineExceeded');
      if (observed && stuck) {
        return {
          ok: false,
          summary: `The rollout of ${what} is stuck (ProgressDeadlineExceeded): ${snapshot.updated} of ${desired} replicas updated, ${snapshot.available} available; see 'chatops remediate events ${what}'.`,
          detail: { changes, ...snapshot },
        };
      }
      const done = observed && snapshot.updated >= desired && (s.replicas ?? 0) <= snapshot.updated && snapshot.available >= desired;
      const line = !observed
        ? `Waiting for the deployment controller to observe the change to ${what}.`
        : `Rollout of ${what}: ${snapshot.updated} of ${desired} replicas updated, ${snapshot.available} available.`;
      if (line !== last) {
        onProgress({ message: line, desired, updated: snapshot.updated, available: snapshot.available });
        last = line;
      }
      if (done) {
        return {
          ok: true,
          summary: `${action.name} of ${what} succeeded: ${snapshot.updated} of ${desired} replicas updated and available.`,
          detail: { changes, ...snapshot },
        };
      }
      if (this.now() >= deadline) {
        return {
          ok: false,
          summary: `The rollout of ${what} did not finish within ${formatDuration(this.opts.rolloutTimeoutMs)} (kubernetes.rollout_timeout): ${snapshot.updated} of ${desired} replicas updated, ${snapshot.available} available; see 'chatops remediate events ${what}'.`,
          detail: { changes, ...snapshot, timedOut: true },
        };
      }
      await this.sleep(this.opts.pollIntervalMs);
    }
  }

  // ---- reads ------------------------------------------------------------------------------------------

  async read(action: ActionSpec, t: DeploymentTarget, params: ActionParams): Promise<ReadResult> {
    const what = `deployment ${targetText(t)}`;
    try {
      switch (action.name) {
        case 'pods':
          return await this.readPods(t);
        case 'events':
          return await this.readEvents(t);
        case 'logs':
          return await this.readLogs(t, params.tailLines ?? 50);
        default:
          throw new ChatopsError('usage', `${action.name} is not a read action.`);
      }
    } catch (e) {
      if (e instanceof ChatopsError) throw e;
      throw new ChatopsError(httpCode(e) === 404 ? 'not_found' : 'unavailable', `${this.fail(e, what)}.`);
    }
  }

  private async podsOf(t: DeploymentTarget, dep: k8s.V1Deployment): Promise<k8s.V1Pod[]> {
    const sel = selectorText(dep);
    return (await this.call((o) => this.core.listNamespacedPod({ namespace: t.namespace, labelSelector: sel || undefined }, o))).items;
  }

  private async readPods(t: DeploymentTarget): Promise<ReadResult> {
    const dep = await this.getDeployment(t);
    const pods = await this.podsOf(t, dep);
    const s = dep.status ?? {};
    const desired = dep.spec?.replicas ?? 1;
    const images = [...imagesOf(ObjectSerializer.serialize(dep.spec?.template, 'V1PodTemplateSpec', ''))]
      .map(([n, i]) => `${n}=${i}`)
      .join(' ');
    const lines = [
      `deployment ${targetText(t)}: ${s.readyReplicas ?? 0}/${desired} ready, ${s.updatedReplicas ?? 0} updated, ${s.availableReplicas ?? 0} available, revision ${dep.metadata?.annotations?.[REVISION] ?? '?'}${dep.spec?.paused ? ', PAUSED' : ''}; ${images}`,
      ...pods.map((p) => {
        const cs = p.status?.containerStatuses ?? [];
        const ready = cs.filter((c) => c.ready).length;
        const restarts = cs.reduce((n, c) => n + (c.restartCount ?? 0), 0);
        return `  ${p.metadata?.name}  ${p.status?.phase ?? '?'}  ready ${ready}/${cs.length || p.spec?.containers.length || 0}  restarts ${restarts}`;
      }),
    ];
    const data = {
      deployment: {
        desired,
        ready: s.readyReplicas ?? 0,
        updated: s.updatedReplicas ?? 0,
        available: s.availableReplicas ?? 0,
        paused: Boolean(dep.spec?.paused),
        revision: dep.metadata?.annotations?.[REVISION] ?? null,
      },
      pods: pods.map((p) => {
        const cs = p.status?.containerStatuses ?? [];
        // The container that is not ready (or restarted most) tells why: waiting reason, last termination.
        const worst = [...cs].sort((x, y) => Number(x.ready) - Number(y.ready) || (y.restartCount ?? 0) - (x.restartCount ?? 0))[0];
        const last = worst?.lastState?.terminated;
        return {
          name: p.metadata?.name,
          phase: p.status?.phase,
          ready: cs.length > 0 && cs.every((c) => c.ready),
          restarts: cs.reduce((n, c) => n + (c.restartCount ?? 0), 0),
          waiting: worst?.state?.waiting?.reason ?? null,
          lastTermination: last
            ? {
                reason: last.reason ?? null,
                exitCode: last.exitCode ?? null,
                finishedAt: last.finishedAt ? new Date(last.finishedAt).toISOString() : null,
              }
            : null,
        };
      }),
    };
    return { lines, data };
  }

  private async readEvents(t: DeploymentTarget): Promise<ReadResult> {
    const list = await this.call((o) => this.core.listNamespacedEvent({ namespace: t.namespace }, o));
    const mine = list.items.filter((e) => {
      const n = e.involvedObject?.name ?? '';
      return n === t.deployment || n.startsWith(`${t.deployment}-`);
    });
    const when = (e: k8s.CoreV1Event) => (e.lastTimestamp ?? e.eventTime ?? e.metadata?.creationTimestamp)?.valueOf() ?? 0;
    mine.sort((a, b) => Number(when(a)) - Number(when(b)));
    const recent = mine.slice(-20);
    const lines = recent.length
      ? recent.map(
          (e) =>
            `${new Date(Number(when(e))).toISOString()}  ${e.type ?? ''}  ${e.reason ?? ''}  ${e.involvedObject?.kind ?? ''}/${e.involvedObject?.name ?? ''}: ${e.message ?? ''}`,
        )
      : [`No recent events for ${targetText(t)}.`];
    return {
      lines,
      data: recent.map((e) => ({
        at: new Date(Number(when(e))).toISOString(),
        type: e.type,
        reason: e.reason,
        object: `${e.involvedObject?.kind}/${e.involvedObject?.name}`,
        message: e.message,
        count: e.count,
      })),
    };
  }

  private async readLogs(t: DeploymentTarget, tail: number): Promise<ReadResult> {
    const dep = await this.getDeployment(t);
    const pods = (await this.podsOf(t, dep)).slice(0, 5);
    const lines: string[] = [];
    const data: Record<string, string[]> = {};
    for (const p of pods) {
      const name = p.metadata?.name ?? '?';
      const text = await this.call((o) => this.core.readNamespacedPodLog({ name, namespace: t.namespace, tailLines: tail }, o));
      const own = String(text ?? '')
        .split('\n')
        .filter((l, i, all) => l !== '' || i < all.length - 1);
      data[name] = own;
      lines.push(`==> ${name} <==`, ...own);
    }
    if (pods.length === 0) lines.push(`No pods for ${targetText(t)}.`);
    return { lines, data };
  }
}
