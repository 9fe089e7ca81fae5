/**
 * A strict fake kube-apiserver for the REAL @kubernetes/client-node (docs/protocols.md §6–7): legacy
 * discovery, namespaces, apps/v1 deployments (get/list/patch with the three patch types, each
 * enforced against the body shape), the scale subresource, replicasets owned by their
 * deployment, pods, pods/log, events, SelfSubjectAccessReview/SelfSubjectReview, dryRun=All,
 * bearer tokens (401), an RBAC table that answers 403 with the real Status text and drives the
 * access reviews, 404/409/422 Status objects, and a record of every request.
 *
 * The deployment controller is simulated per request, not per tick: every GET of a deployment
 * moves an unfinished rollout one step, so tests never depend on timing.
 */
import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import { spawnSync } from 'node:child_process';
import http from 'node:http';
import https from 'node:https';
import os from 'node:os';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any -- raw Kubernetes objects

export interface RbacRule {
  /** '*' for every namespace. */
  namespace: string;
  /** API group ('' for core, 'apps'). */
  group: string;
  /** Resource, with '/subresource' when it is one: 'deployments', 'deployments/scale', 'pods/log'; '*' for all. */
  resource: string;
  verbs: string[];
}

export interface FakeUser {
  username: string;
  rules: RbacRule[];
}

export interface RecordedRequest {
  method: string;
  /** Path and query as sent. */
  url: string;
  pathname: string;
  query: Record<string, string>;
  headers: http.IncomingHttpHeaders;
  body: string;
  status: number;
}

export interface DeploymentSeed {
  namespace: string;
  name: string;
  replicas?: number;
  /** Images of successive revisions, oldest first; the last is current. */
  revisions?: string[];
  labels?: Record<string, string>;
  paused?: boolean;
}

/** Everything a remediator needs in the given namespaces. */
export function remediatorRules(namespaces: string[]): RbacRule[] {
  return namespaces.flatMap((namespace) => [
    { namespace, group: 'apps', resource: 'deployments', verbs: ['get', 'list', 'patch'] },
    { namespace, group: 'apps', resource: 'deployments/scale', verbs: ['get', 'patch'] },
    { namespace, group: 'apps', resource: 'replicasets', verbs: ['get', 'list'] },
    { namespace, group: '', resource: 'pods', verbs: ['get', 'list'] },
    { namespace, group: '', resource: 'pods/log', verbs: ['get'] },
    { namespace, group: '', resource: 'events', verbs: ['list'] },
    { namespace, group: '', resource: 'namespaces', verbs: ['get'] },
  ]);
}

export const FAKE_TOKEN = 'fake-sa-token';
export const FAKE_USER = 'system:serviceaccount:monitoring:chatops';

const clone = <T>(v: T): T => structuredClone(v);
const isObject = (v: unknown): v is Record<string, Json> => v !== null && typeof v === 'object' && !Array.isArray(v);

function canonical(v: unknown): string {
  if (!isObject(v) && !Array.isArray(v)) return JSON.stringify(v) ?? 'null';
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  return `{${Object.keys(v)
    .filter((k) => v[k] !== undefined)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${canonical(v[k])}`)
    .join(',')}}`;
}

function templateHash(tpl: Json): string {
  const t = clone(tpl);
  if (t?.metadata?.labels) delete t.metadata.labels['pod-template-hash'];
  if (t?.metadata && t.metadata.creationTimestamp === null) delete t.metadata.creationTimestamp;
  return createHash('sha256').update(canonical(t)).digest('hex').slice(0, 10);
}

/** RFC 7386 JSON merge patch. */
function mergePatch(target: Json, patch: Json): Json {
  if (!isObject(patch)) return clone(patch);
  const out = isObject(target) ? clone(target) : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

/** Strategic merge patch, as far as these tests need it: maps merge, lists of named items merge by name. */
function strategicPatch(target: Json, patch: Json): Json {
  if (!isObject(patch)) return clone(patch);
  const out = isObject(target) ? clone(target) : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else if (Array.isArray(v) && Array.isArray(out[k]) && v.every((x) => isObject(x) && typeof x.name === 'string')) {
      const merged = [...out[k]];
      for (const item of v) {
        const i = merged.findIndex((m: Json) => m?.name === item.name);
        if (i >= 0) merged[i] = strategicPatch(merged[i], item);
        else merged.push(item);
      }
      out[k] = merged;
    } else out[k] = strategicPatch(out[k], v);
  }
  return out;
}

class PatchError extends Error {}

/** RFC 6902 JSON Patch (add, remove, replace, test). */
function jsonPatch(target: Json, ops: Json[]): Json {
  const doc = clone(target);
  for (const op of ops) {
    if (!isObject(op) || typeof op.op !== 'string' || typeof op.path !== 'string') throw new PatchError('invalid JSON Patch operation');
    const parts = op.path
      .split('/')
      .slice(1)
      .map((p: string) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
    const last = parts.pop();
    if (last === undefined) throw new PatchError('empty path');
    let node = doc;
    for (const p of parts) {
      if (!isObject(node) && !Array.isArray(node)) throw new PatchError(`path ${op.path} does not exist`);
      node = (node as Json)[p];
    }
    if (!isObject(node) && !Array.isArray(node)) throw new PatchError(`path ${op.path} does not exist`);
    switch (op.op) {
      case 'add':
      case 'replace':
        if (op.op === 'replace' && !(last in (node as Json)))
          throw new PatchError(`replace operation does not apply: doc is missing key: ${op.path}`);
        (node as Json)[last] = clone(op.value);
        break;
      case 'remove':
        if (!(last in (node as Json))) throw new PatchError(`remove operation does not apply: doc is missing key: ${op.path}`);
        delete (node as Json)[last];
        break;
      case 'test':
        if (canonical((node as Json)[last]) !== canonical(op.value)) throw new PatchError(`testing value ${op.path} failed`);
        break;
      default:
        throw new PatchError(`unsupported operation ${op.op}`);
    }
  }
  return doc;
}

function matchesSelector(selector: string | undefined, labels: Record<string, string> = {}): boolean {
  if (!selector) return true;
  return selector
    .split(',')
    .filter(Boolean)
    .every((req) => {
      const [k, v] = req.split('=');
      return labels[k!] === v;
    });
}

/** A throwaway self-signed certificate for 127.0.0.1 (docs/protocols.md §6.3). */
function selfSignedCert(): { key: string; cert: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kube-fake-tls-'));
  try {
    const r = spawnSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        path.join(dir, 'key.pem'),
        '-out',
        path.join(dir, 'cert.pem'),
        '-days',
        '2',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
      ],
      { encoding: 'utf8' },
    );
    if (r.status !== 0) throw new Error(`openssl could not make a test certificate: ${r.stderr || r.error?.message}`);
    return { key: fs.readFileSync(path.join(dir, 'key.pem'), 'utf8'), cert: fs.readFileSync(path.join(dir, 'cert.pem'), 'utf8') };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function status(code: number, reason: string, message: string, details?: Record<string, string>): Json {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, ...(details ? { details } : {}), code };
}

interface Access {
  verb: string;
  group: string;
  resource: string;
  subresource?: string;
  namespace?: string;
  name?: string;
}

export class KubeFake {
  readonly requests: RecordedRequest[] = [];
  readonly namespaces = new Set<string>();
  readonly deployments = new Map<string, Json>();
  readonly replicasets: Json[] = [];
  readonly pods: Json[] = [];
  readonly events: Json[] = [];
  readonly logs = new Map<string, string>();
  /** Token → user. */
  readonly users = new Map<string, FakeUser>();
  /** Deployments whose rollout never completes ("ns/name"). */
  readonly stuck = new Set<string>();
  /** Answer every PATCH with 409 (as if the object had just changed). */
  conflictOnPatch = false;
  /** Take requests (they are recorded) but never answer them: an API server that hangs. */
  hang = false;
  url = '';
  /** PEM of the self-signed certificate when serving https. */
  certPem: string | null = null;
  private server: http.Server | https.Server | null = null;
  private rv = 1000;
  private readonly templateChanged = new Set<string>();

  constructor() {
    this.users.set(FAKE_TOKEN, { username: FAKE_USER, rules: [] });
  }

  /**
   * Starts on 127.0.0.1:0. With `tls`, serves https with a fresh self-signed certificate (made
   * with openssl; SAN IP:127.0.0.1), which kubectl needs before it sends a bearer token.
   */
  static async start(opts: { tls?: boolean; port?: number } = {}): Promise<KubeFake> {
    const fake = new KubeFake();
    await fake.listen(opts.tls ? selfSignedCert() : undefined, opts.port);
    return fake;
  }

  /** Grants (replaces) the RBAC rules of the default token's user. */
  allow(rules: RbacRule[], token = FAKE_TOKEN): void {
    this.users.get(token)!.rules = rules;
  }

  private nextRv(): string {
    return String(++this.rv);
  }

  addNamespace(ns: string): void {
    this.namespaces.add(ns);
  }

  addDeployment(seed: DeploymentSeed): Json {
    const { namespace, name } = seed;
    this.addNamespace(namespace);
    const replicas = seed.replicas ?? 2;
    const revisions = seed.revisions ?? ['nginx:1.25'];
    const labels = { app: name, ...(seed.labels ?? {}) };
    const uid = randomUUID();
    const tplOf = (image: string) => ({ metadata: { labels: { app: name } }, spec: { containers: [{ name, image, resources: {} }] } });
    const current = tplOf(revisions.at(-1)!);
    const dep: Json = {
      kind: 'Deployment',
      apiVersion: 'apps/v1',
      metadata: {
        name,
        namespace,
        uid,
        resourceVersion: this.nextRv(),
        generation: 1,
        labels,
        annotations: { 'deployment.kubernetes.io/revision': String(revisions.length) },
        creationTimestamp: '2026-11-26T10:00:00Z',
      },
      spec: {
        replicas,
        selector: { matchLabels: { app: name } },
        template: current,
        strategy: { type: 'RollingUpdate' },
        ...(seed.paused ? { paused: true } : {}),
      },
      status: {
        observedGeneration: 1,
        replicas,
        updatedReplicas: replicas,
        readyReplicas: replicas,
        availableReplicas: replicas,
        conditions: [
          { type: 'Available', status: 'True' },
          { type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable' },
        ],
      },
    };
    this.deployments.set(`${namespace}/${name}`, dep);
    revisions.forEach((image, i) => this.addReplicaSet(dep, tplOf(image), i + 1, i === revisions.length - 1 ? replicas : 0));
    const hash = templateHash(current);
    for (let i = 0; i < replicas; i++) {
      const pod = `${name}-${hash}-${i}`;
      this.pods.push({
        kind: 'Pod',
        apiVersion: 'v1',
        metadata: { name: pod, namespace, labels: { app: name, 'pod-template-hash': hash } },
        spec: { containers: [{ name, image: revisions.at(-1) }] },
        status: { phase: 'Running', containerStatuses: [{ name, ready: true, restartCount: i, image: revisions.at(-1) }] },
      });
      this.logs.set(`${namespace}/${pod}`, Array.from({ length: 80 }, (_, j) => `${pod} line ${j + 1}`).join('\n') + '\n');
    }
    this.events.push({
      kind: 'Event',
      apiVersion: 'v1',
      metadata: { name: `${name}.1`, namespace, creationTimestamp: '2026-11-26T10:00:00Z' },
      type: 'Normal',
      reason: 'ScalingReplicaSet',
      message: `Scaled up replica set ${name}-${hash} to ${replicas}`,
      involvedObject: { kind: 'Deployment', name, namespace },
      lastTimestamp: '2026-11-26T10:00:00Z',
      count: 1,
    });
    this.events.push({
      kind: 'Event',
      apiVersion: 'v1',
      metadata: { name: `${name}.2`, namespace, creationTimestamp: '2026-11-26T10:01:00Z' },
      type: 'Warning',
      reason: 'BackOff',
      message: 'Back-off restarting failed container',
      involvedObject: { kind: 'Pod', name: `${name}-${hash}-0`, namespace },
      lastTimestamp: '2026-11-26T10:01:00Z',
      count: 3,
    });
    this.events.push({
      kind: 'Event',
      apiVersion: 'v1',
      metadata: { name: 'other.1', namespace, creationTimestamp: '2026-11-26T10:02:00Z' },
      type: 'Normal',
      reason: 'Pulled',
      message: 'not ours',
      involvedObject: { kind: 'Pod', name: 'unrelated-1', namespace },
      lastTimestamp: '2026-11-26T10:02:00Z',
      count: 1,
    });
    return dep;
  }

  private addReplicaSet(dep: Json, template: Json, revision: number, replicas: number): Json {
    const hash = templateHash(template);
    const tpl = clone(template);
    tpl.metadata.labels = { ...tpl.metadata.labels, 'pod-template-hash': hash };
    const rs = {
      kind: 'ReplicaSet',
      apiVersion: 'apps/v1',
      metadata: {
        name: `${dep.metadata.name}-${hash}`,
        namespace: dep.metadata.namespace,
        uid: randomUUID(),
        resourceVersion: this.nextRv(),
        labels: { ...tpl.metadata.labels },
        annotations: { 'deployment.kubernetes.io/revision': String(revision) },
        ownerReferences: [
          {
            apiVersion: 'apps/v1',
            kind: 'Deployment',
            name: dep.metadata.name,
            uid: dep.metadata.uid,
            controller: true,
            blockOwnerDeletion: true,
          },
        ],
      },
      spec: { replicas, selector: { matchLabels: { ...dep.spec.selector.matchLabels, 'pod-template-hash': hash } }, template: tpl },
      status: { replicas },
    };
    this.replicasets.push(rs);
    return rs;
  }

  deployment(ns: string, name: string): Json {
    return this.deployments.get(`${ns}/${name}`);
  }

  /** The recorded requests that changed something (PATCH without dryRun). */
  writes(): RecordedRequest[] {
    return this.requests.filter((r) => r.method !== 'GET' && r.method !== 'POST' && r.query.dryRun === undefined);
  }

  /** What the deployment controller does when the template changed: a ReplicaSet per template, revisions renumbered. */
  private onTemplateChange(dep: Json): void {
    const hash = templateHash(dep.spec.template);
    const owned = this.replicasets.filter((rs) => rs.metadata.ownerReferences?.some((o: Json) => o.uid === dep.metadata.uid));
    const max = Math.max(0, ...owned.map((rs) => Number(rs.metadata.annotations['deployment.kubernetes.io/revision'])));
    const existing = owned.find((rs) => templateHash(rs.spec.template) === hash);
    if (existing) existing.metadata.annotations['deployment.kubernetes.io/revision'] = String(max + 1);
    else this.addReplicaSet(dep, dep.spec.template, max + 1, 0);
    dep.metadata.annotations = { ...(dep.metadata.annotations ?? {}), 'deployment.kubernetes.io/revision': String(max + 1) };
    this.templateChanged.add(`${dep.metadata.namespace}/${dep.metadata.name}`);
  }

  /** One step of the simulated rollout. */
  private advance(dep: Json): void {
    const key = `${dep.metadata.namespace}/${dep.metadata.name}`;
    const st = dep.status;
    const desired = dep.spec.replicas;
    if (st.observedGeneration < dep.metadata.generation) {
      st.observedGeneration = dep.metadata.generation;
      if (this.templateChanged.has(key)) {
        st.updatedReplicas = 0;
        st.replicas = desired;
      } else {
        st.updatedReplicas = Math.min(st.updatedReplicas, desired);
      }
      return;
    }
    if (this.stuck.has(key)) return;
    if (st.updatedReplicas < desired) {
      st.updatedReplicas++;
      st.replicas = desired + (st.updatedReplicas < desired ? 1 : 0);
      st.availableReplicas = Math.max(0, st.updatedReplicas - 1);
      st.readyReplicas = st.availableReplicas;
      return;
    }
    st.updatedReplicas = desired;
    st.replicas = desired;
    st.availableReplicas = desired;
    st.readyReplicas = desired;
    this.templateChanged.delete(key);
  }

  private can(user: FakeUser, a: Access): boolean {
    const res = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
    return user.rules.some(
      (r) =>
        (r.namespace === '*' || r.namespace === a.namespace) &&
        (r.group === '*' || r.group === a.group) &&
        (r.resource === '*' || r.resource === res) &&
        (r.verbs.includes('*') || r.verbs.includes(a.verb)),
    );
  }

  private forbidden(user: FakeUser, a: Access): Json {
    const res = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
    const qualified = a.group ? `${a.resource}.${a.group}` : a.resource;
    const subject = a.name ? `${qualified} "${a.name}"` : qualified;
    const where = a.namespace ? ` in the namespace "${a.namespace}"` : ' at the cluster scope';
    return status(
      403,
      'Forbidden',
      `${subject} is forbidden: User "${user.username}" cannot ${a.verb} resource "${res}" in API group "${a.group}"${where}`,
      { ...(a.name ? { name: a.name } : {}), group: a.group, kind: a.resource },
    );
  }

  /** Logs each request to stderr (the dev entry point). */
  verbose = false;

  async listen(tls?: { key: string; cert: string }, port = 0): Promise<void> {
    const handler = (req: http.IncomingMessage, res: http.ServerResponse) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const u = new URL(req.url ?? '/', 'http://fake');
        const rec: RecordedRequest = {
          method: req.method ?? 'GET',
          url: req.url ?? '/',
          pathname: u.pathname,
          query: Object.fromEntries(u.searchParams),
          headers: req.headers,
          body,
          status: 0,
        };
        this.requests.push(rec);
        if (this.hang) return; // status stays 0: never answered (close() ends the connection)
        let code = 200;
        let out: Json;
        try {
          [code, out] = this.handle(rec);
        } catch (e) {
          [code, out] = [500, status(500, 'InternalError', `fake: ${(e as Error).message}`)];
        }
        rec.status = code;
        if (this.verbose) process.stderr.write(`${rec.method} ${rec.url} → ${code}\n`);
        const text = JSON.stringify(out);
        res.writeHead(code, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
        res.end(text);
      });
    };
    this.server = tls ? https.createServer({ key: tls.key, cert: tls.cert }, handler) : http.createServer(handler);
    this.certPem = tls?.cert ?? null;
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
    this.url = `${tls ? 'https' : 'http'}://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
  }

  /**
   * Writes a kubeconfig for this fake: over https it trusts the fake's certificate; over http
   * it sets insecure-skip-tls-verify, without which client-node refuses http:// (docs/protocols.md trap 8).
   */
  writeKubeconfig(dir: string, token = FAKE_TOKEN, name = 'kubeconfig'): string {
    const file = path.join(dir, name);
    const trust = this.certPem
      ? `certificate-authority-data: ${Buffer.from(this.certPem).toString('base64')}`
      : 'insecure-skip-tls-verify: true';
    fs.writeFileSync(
      file,
      `apiVersion: v1
kind: Config
clusters:
- name: fake
  cluster:
    server: ${this.url}
    ${trust}
users:
- name: remediator
  user:
    token: ${token}
contexts:
- name: fake
  context: {cluster: fake, user: remediator, namespace: prod}
current-context: fake
`,
      { mode: 0o640 },
    );
    return file;
  }

  private handle(r: RecordedRequest): [number, Json] {
    const auth = r.headers.authorization;
    const token = typeof auth === 'string' && auth.startsWith('Bearer ') ? auth.slice(7) : null;
    const user = token ? this.users.get(token) : undefined;
    if (!user)
      return [
        401,
        { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 },
      ];
    const p = r.pathname.split('/').filter(Boolean);
    const m = r.method;
    // Discovery needs no RBAC (system:discovery).
    if (m === 'GET' && r.pathname === '/version') return [200, { major: '1', minor: '32', gitVersion: 'v1.32.4-fake' }];
    if (m === 'GET' && r.pathname === '/api')
      return [
        200,
        {
          kind: 'APIVersions',
          versions: ['v1'],
          serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: new URL(this.url).host }],
        },
      ];
    if (m === 'GET' && r.pathname === '/apis') {
      const g = (name: string, v = 'v1') => ({
        name,
        versions: [{ groupVersion: `${name}/${v}`, version: v }],
        preferredVersion: { groupVersion: `${name}/${v}`, version: v },
      });
      return [200, { kind: 'APIGroupList', apiVersion: 'v1', groups: [g('apps'), g('authorization.k8s.io'), g('authentication.k8s.io')] }];
    }
    const resList = (gv: string, resources: Json[]) =>
      [200, { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: gv, resources }] as [number, Json];
    if (m === 'GET' && r.pathname === '/api/v1') {
      return resList('v1', [
        { name: 'namespaces', singularName: 'namespace', namespaced: false, kind: 'Namespace', verbs: ['get', 'list'] },
        { name: 'pods', singularName: 'pod', namespaced: true, kind: 'Pod', verbs: ['get', 'list'] },
        { name: 'pods/log', singularName: '', namespaced: true, kind: 'Pod', verbs: ['get'] },
        { name: 'events', singularName: 'event', namespaced: true, kind: 'Event', verbs: ['list'] },
      ]);
    }
    if (m === 'GET' && r.pathname === '/apis/apps/v1') {
      return resList('apps/v1', [
        { name: 'deployments', singularName: 'deployment', namespaced: true, kind: 'Deployment', verbs: ['get', 'list', 'patch'] },
        {
          name: 'deployments/scale',
          singularName: '',
          namespaced: true,
          group: 'autoscaling',
          version: 'v1',
          kind: 'Scale',
          verbs: ['get', 'patch'],
        },
        { name: 'replicasets', singularName: 'replicaset', namespaced: true, kind: 'ReplicaSet', verbs: ['get', 'list'] },
      ]);
    }
    if (m === 'GET' && r.pathname === '/apis/authorization.k8s.io/v1') {
      return resList('authorization.k8s.io/v1', [
        { name: 'selfsubjectaccessreviews', singularName: '', namespaced: false, kind: 'SelfSubjectAccessReview', verbs: ['create'] },
      ]);
    }
    // Reviews about oneself are allowed to everyone (system:basic-user).
    if (r.pathname === '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews') {
      if (m !== 'POST') return [405, status(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource')];
      const ct = String(r.headers['content-type'] ?? '');
      if (!ct.startsWith('application/json'))
        return [
          415,
          status(
            415,
            'UnsupportedMediaType',
            `the body of the request was in an unknown format - accepted media types include: application/json`,
          ),
        ];
      const review = JSON.parse(r.body);
      const a = review?.spec?.resourceAttributes;
      if (!a) return [400, status(400, 'BadRequest', 'spec.resourceAttributes is required in this fake')];
      const allowed = this.can(user, {
        verb: a.verb,
        group: a.group ?? '',
        resource: a.resource,
        subresource: a.subresource || undefined,
        namespace: a.namespace,
        name: a.name,
      });
      return [
        201,
        {
          ...review,
          metadata: { creationTimestamp: null },
          status: allowed ? { allowed: true, reason: 'RBAC: allowed by the fake role' } : { allowed: false },
        },
      ];
    }
    if (r.pathname === '/apis/authentication.k8s.io/v1/selfsubjectreviews' && m === 'POST') {
      return [
        201,
        {
          kind: 'SelfSubjectReview',
          apiVersion: 'authentication.k8s.io/v1',
          metadata: { creationTimestamp: null },
          status: { userInfo: { username: user.username, groups: ['system:serviceaccounts', 'system:authenticated'] } },
        },
      ];
    }

    const guard = (a: Access): [number, Json] | null => (this.can(user, a) ? null : [403, this.forbidden(user, a)]);

    // /api/v1/namespaces/<ns>[/<resource>[/<name>[/<sub>]]]
    if (p[0] === 'api' && p[1] === 'v1' && p[2] === 'namespaces' && p[3]) {
      const ns = p[3];
      if (p.length === 4) {
        if (m !== 'GET') return [405, status(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource')];
        const denied = guard({ verb: 'get', group: '', resource: 'namespaces', name: ns });
        if (denied) return denied;
        if (!this.namespaces.has(ns))
          return [404, status(404, 'NotFound', `namespaces "${ns}" not found`, { name: ns, kind: 'namespaces' })];
        return [200, { kind: 'Namespace', apiVersion: 'v1', metadata: { name: ns }, status: { phase: 'Active' } }];
      }
      const resource = p[4];
      if (m !== 'GET') return [405, status(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource')];
      if (resource === 'pods' && p.length === 5) {
        const denied = guard({ verb: 'list', group: '', resource: 'pods', namespace: ns });
        if (denied) return denied;
        const items = this.pods.filter((x) => x.metadata.namespace === ns && matchesSelector(r.query.labelSelector, x.metadata.labels));
        return [200, { kind: 'PodList', apiVersion: 'v1', metadata: { resourceVersion: String(this.rv) }, items }];
      }
      if (resource === 'pods' && p.length === 7 && p[6] === 'log') {
        const name = p[5]!;
        const denied = guard({ verb: 'get', group: '', resource: 'pods', subresource: 'log', namespace: ns, name });
        if (denied) return denied;
        const text = this.logs.get(`${ns}/${name}`);
        if (text === undefined) return [404, status(404, 'NotFound', `pods "${name}" not found`, { name, kind: 'pods' })];
        const tail = r.query.tailLines ? Number(r.query.tailLines) : undefined;
        const lines = text.split('\n').slice(0, -1);
        return [200, `${(tail === undefined ? lines : lines.slice(-tail)).join('\n')}\n`];
      }
      if (resource === 'events' && p.length === 5) {
        const denied = guard({ verb: 'list', group: '', resource: 'events', namespace: ns });
        if (denied) return denied;
        return [
          200,
          {
            kind: 'EventList',
            apiVersion: 'v1',
            metadata: { resourceVersion: String(this.rv) },
            items: this.events.filter((e) => e.metadata.namespace === ns),
          },
        ];
      }
    }

    // /apis/apps/v1/namespaces/<ns>/<resource>[/<name>[/scale]]
    if (p[0] === 'apis' && p[1] === 'apps' && p[2] === 'v1' && p[3] === 'namespaces' && p[4]) {
      const ns = p[4];
      const resource = p[5];
      const name = p[6];
      const sub = p[7];
      if (r.query.dryRun !== undefined && r.query.dryRun !== 'All') {
        return [400, status(400, 'BadRequest', `Invalid dry run value ${JSON.stringify(r.query.dryRun)}: supported values are "All"`)];
      }
      if (resource === 'replicasets' && !name) {
        if (m !== 'GET') return [405, status(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource')];
        const denied = guard({ verb: 'list', group: 'apps', resource: 'replicasets', namespace: ns });
        if (denied) return denied;
        const items = this.replicasets.filter(
          (x) => x.metadata.namespace === ns && matchesSelector(r.query.labelSelector, x.metadata.labels),
        );
        return [200, { kind: 'ReplicaSetList', apiVersion: 'apps/v1', metadata: { resourceVersion: String(this.rv) }, items }];
      }
      if (resource === 'deployments' && !name) {
        if (m !== 'GET') return [405, status(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource')];
        const denied = guard({ verb: 'list', group: 'apps', resource: 'deployments', namespace: ns });
        if (denied) return denied;
        const items = [...this.deployments.values()].filter(
          (d) => d.metadata.namespace === ns && matchesSelector(r.query.labelSelector, d.metadata.labels),
        );
        return [200, { kind: 'DeploymentList', apiVersion: 'apps/v1', metadata: { resourceVersion: String(this.rv) }, items }];
      }
      if (resource === 'deployments' && name && (sub === undefined || sub === 'scale') && p.length <= 8) {
        const verb = m === 'GET' ? 'get' : m === 'PATCH' ? 'patch' : null;
        if (!verb) return [405, status(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource')];
        const denied = guard({ verb, group: 'apps', resource: 'deployments', subresource: sub, namespace: ns, name });
        if (denied) return denied;
        const dep = this.deployments.get(`${ns}/${name}`);
        if (!dep)
          return [404, status(404, 'NotFound', `deployments.apps "${name}" not found`, { name, group: 'apps', kind: 'deployments' })];
        if (verb === 'get') {
          this.advance(dep);
          return [200, sub ? this.scaleOf(dep) : dep];
        }
        return this.patch(r, dep, sub === 'scale');
      }
    }
    return [404, status(404, 'NotFound', 'the server could not find the requested resource')];
  }

  private scaleOf(dep: Json): Json {
    return {
      kind: 'Scale',
      apiVersion: 'autoscaling/v1',
      metadata: {
        name: dep.metadata.name,
        namespace: dep.metadata.namespace,
        uid: dep.metadata.uid,
        resourceVersion: dep.metadata.resourceVersion,
      },
      spec: { replicas: dep.spec.replicas },
      status: { replicas: dep.status.replicas, selector: `app=${dep.metadata.name}` },
    };
  }

  private patch(r: RecordedRequest, dep: Json, scale: boolean): [number, Json] {
    const ct = String(r.headers['content-type'] ?? '')
      .split(';')[0]!
      .trim();
    const kinds = ['application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json'];
    if (!kinds.includes(ct)) {
      return [
        415,
        status(
          415,
          'UnsupportedMediaType',
          `the body of the request was in an unknown format - accepted media types include: ${kinds.join(', ')}, application/apply-patch+yaml`,
        ),
      ];
    }
    let body: unknown;
    try {
      body = JSON.parse(r.body);
    } catch (e) {
      return [400, status(400, 'BadRequest', `error decoding patch: ${(e as Error).message}`)];
    }
    if (ct === 'application/json-patch+json' && !Array.isArray(body)) {
      return [400, status(400, 'BadRequest', 'error decoding patch: json: cannot unmarshal object into Go value of type jsonpatch.Patch')];
    }
    if (ct !== 'application/json-patch+json' && !isObject(body)) {
      return [
        400,
        status(
          400,
          'BadRequest',
          `error decoding patch: json: cannot unmarshal ${Array.isArray(body) ? 'array' : typeof body} into Go value of type map[string]interface {}`,
        ),
      ];
    }
    if (this.conflictOnPatch) {
      return [
        409,
        status(
          409,
          'Conflict',
          `Operation cannot be fulfilled on deployments.apps "${dep.metadata.name}": the object has been modified; please apply your changes to the latest version and try again`,
          { name: dep.metadata.name, group: 'apps', kind: 'deployments' },
        ),
      ];
    }
    const before = scale ? this.scaleOf(dep) : dep;
    let after: Json;
    try {
      after =
        ct === 'application/json-patch+json'
          ? jsonPatch(before, body as Json[])
          : ct === 'application/merge-patch+json'
            ? mergePatch(before, body)
            : strategicPatch(before, body);
    } catch (e) {
      return [422, status(422, 'Invalid', `the server rejected our request due to an error in our request: ${(e as Error).message}`)];
    }
    const sentRv = after?.metadata?.resourceVersion;
    if (sentRv !== undefined && sentRv !== before.metadata.resourceVersion) {
      return [
        409,
        status(
          409,
          'Conflict',
          `Operation cannot be fulfilled on deployments.apps "${dep.metadata.name}": the object has been modified; please apply your changes to the latest version and try again`,
          { name: dep.metadata.name, group: 'apps', kind: 'deployments' },
        ),
      ];
    }
    const next: Json = scale ? { ...clone(dep), spec: { ...clone(dep.spec), replicas: after.spec?.replicas } } : after;
    const replicas = next.spec?.replicas;
    if (!Number.isInteger(replicas) || replicas < 0) {
      return [
        422,
        status(
          422,
          'Invalid',
          `Deployment.apps "${dep.metadata.name}" is invalid: spec.replicas: Invalid value: ${JSON.stringify(replicas)}: must be greater than or equal to 0`,
          { name: dep.metadata.name, group: 'apps', kind: 'Deployment' },
        ),
      ];
    }
    if (!Array.isArray(next.spec?.template?.spec?.containers) || next.spec.template.spec.containers.length === 0) {
      return [
        422,
        status(422, 'Invalid', `Deployment.apps "${dep.metadata.name}" is invalid: spec.template.spec.containers: Required value`, {
          name: dep.metadata.name,
          group: 'apps',
          kind: 'Deployment',
        }),
      ];
    }
    const templateChanged = canonical(next.spec.template) !== canonical(dep.spec.template);
    const specChanged = canonical(next.spec) !== canonical(dep.spec);
    next.metadata = {
      ...next.metadata,
      resourceVersion: dep.metadata.resourceVersion,
      uid: dep.metadata.uid,
      generation: dep.metadata.generation + (specChanged ? 1 : 0),
    };
    next.status = clone(dep.status);
    if (r.query.dryRun === 'All') {
      next.metadata.resourceVersion = dep.metadata.resourceVersion;
      return [200, scale ? this.scaleOf(next) : next];
    }
    next.metadata.resourceVersion = this.nextRv();
    this.deployments.set(`${dep.metadata.namespace}/${dep.metadata.name}`, next);
    if (templateChanged) this.onTemplateChange(next);
    return [200, scale ? this.scaleOf(next) : next];
  }
}

/**
 * A started fake with the remediator's RBAC in `namespaces` and these deployments, closed after
 * the test.
 */
export async function startKubeFake(
  t: { after(fn: () => unknown): void },
  namespaces: string[],
  deployments: DeploymentSeed[],
): Promise<KubeFake> {
  const fake = await KubeFake.start();
  t.after(() => fake.close());
  fake.allow(remediatorRules(namespaces));
  for (const d of deployments) fake.addDeployment(d);
  return fake;
}

/** The `kubernetes:` section for a daemon or CLI talking to a KubeFake, with fast polling. */
export function kubernetesSection(kubeconfig: string): string {
  return `kubernetes:\n  enabled: true\n  kubeconfig: ${kubeconfig}\n  poll_interval: 10ms\n  rollout_timeout: 1m\n`;
}

/** A `policy:` section: mutate allowed in `namespace`, which is a production namespace (two-person rule). */
export function twoPersonPolicy(opts: { requesters: string[]; approvers: string[]; namespace?: string }): string {
  const ns = opts.namespace ?? 'prod';
  const list = (xs: string[]) => `[${xs.map((x) => JSON.stringify(x)).join(', ')}]`;
  return `policy:\n  max_risk: mutate\n  namespaces: [${ns}]\n  production: [${ns}]\n  requesters:\n    mutate: ${list(opts.requesters)}\n  approvers:\n    mutate: ${list(opts.approvers)}\n`;
}

// Dev entry point: a Kubernetes API to try remediation against by hand (README, "Try remediation
// locally"). Serves prod/checkout and staging/checkout (the deployment the example alerts name),
// grants the remediator's RBAC in both, and writes a kubeconfig for chatops.
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const fake = await KubeFake.start({ port: Number(process.env.KUBE_FAKE_PORT ?? 0) });
  fake.verbose = true;
  fake.allow(remediatorRules(['prod', 'staging']));
  for (const namespace of ['prod', 'staging']) {
    fake.addDeployment({
      namespace,
      name: 'checkout',
      replicas: namespace === 'prod' ? 3 : 1,
      revisions: ['shop/checkout:1.4.1', 'shop/checkout:1.4.2'],
    });
  }
  const kubeconfig = path.resolve(process.env.KUBE_FAKE_KUBECONFIG ?? 'data/kube-fake.kubeconfig');
  fs.mkdirSync(path.dirname(kubeconfig), { recursive: true });
  fake.writeKubeconfig(path.dirname(kubeconfig), FAKE_TOKEN, path.basename(kubeconfig));
  process.stdout.write(`Kubernetes API fake on ${fake.url} (deployments prod/checkout, staging/checkout)
Kubeconfig for chatops: ${kubeconfig}   (KUBE_FAKE_KUBECONFIG=… to put it elsewhere, KUBE_FAKE_PORT=… to fix the port)
Each request is logged below.
`);
  const shutdown = () => void fake.close().then(() => process.exit(0));
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}
