/** Reads configuration: defaults < file < environment < flags, plus secrets from env or files. */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { ChatopsError } from '../core/errors.js';
import path from 'node:path';
import { addSecrets } from '../redact.js';
import { parseConfig, type Config } from './schema.js';
import { assertTrustedFile, SYSTEM_CONFIG, type Invocation } from './trust.js';

/** Secrets never live in Config, so a Config can be logged or printed whole. */
export interface Secrets {
  webhookToken?: string;
  slackBotToken?: string;
  slackAppToken?: string;
}

export interface LoadedConfig {
  config: Config;
  secrets: Secrets;
  /** The file read, or null for the embedded defaults. */
  file: string | null;
  /** Loaded on the privileged path: the system configuration only (see trust.ts). */
  privileged: boolean;
}

export interface LoadOptions {
  configPath?: string;
  env?: NodeJS.ProcessEnv;
  /** Flag overrides as dotted key paths, e.g. {'webhook.listen': '127.0.0.1:0'}. */
  overrides?: Record<string, string | undefined>;
  /** The flag each override came from, for error messages, e.g. {'webhook.listen': '--listen'}. */
  flagNames?: Record<string, string>;
  cwd?: string;
}

/** Environment variables and the key each overrides. */
const ENV_KEYS: Record<string, string> = {
  CHATOPS_LISTEN: 'webhook.listen',
  CHATOPS_DB: 'store.path',
  SLACK_CHANNEL: 'slack.channel',
  SLACK_API_URL: 'slack.api_url',
  PROMETHEUS_URL: 'prometheus.url',
  ALERTMANAGER_URL: 'alertmanager.url',
  KUBECONFIG: 'kubernetes.kubeconfig',
};

function setPath(target: Record<string, unknown>, dotted: string, value: unknown): void {
  const keys = dotted.split('.');
  let node = target;
  for (const k of keys.slice(0, -1)) {
    const next = node[k];
    if (next === undefined || next === null) node[k] = {};
    else if (typeof next !== 'object') return; // the schema reports the wrong type
    node = node[k] as Record<string, unknown>;
  }
  node[keys.at(-1)!] = value;
}

/** A key left empty in YAML (only comments below it) means "use the default", like an absent key. */
function dropNulls(node: unknown): unknown {
  if (node === null || typeof node !== 'object' || Array.isArray(node)) return node;
  return Object.fromEntries(
    Object.entries(node)
      .filter(([, v]) => v !== null)
      .map(([k, v]) => [k, dropNulls(v)]),
  );
}

function findFile(opts: LoadOptions, env: NodeJS.ProcessEnv): string | null {
  const explicit = opts.configPath ?? env.CHATOPS_CONFIG;
  if (explicit) {
    if (!fs.existsSync(explicit)) {
      throw new ChatopsError(
        'config',
        `Config file ${explicit} does not exist: fix --config / CHATOPS_CONFIG, or copy config/chatops.example.yaml there.`,
      );
    }
    return explicit;
  }
  const local = `${opts.cwd ?? process.cwd()}/config/chatops.yaml`;
  return fs.existsSync(local) ? local : null;
}

function readYamlFile(file: string): Record<string, unknown> {
  // Loaded only when there is a file to read: most CLI calls on a laptop have none.
  const { parse: parseYaml } = createRequire(import.meta.url)('yaml') as typeof import('yaml');
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new ChatopsError(
      'config',
      `Cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? 'error'}): check the path and that this user may read it.`,
    );
  }
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (e) {
    throw new ChatopsError('config', yamlProblem(file, e as Error));
  }
  if (doc !== null && doc !== undefined && (typeof doc !== 'object' || Array.isArray(doc))) {
    throw new ChatopsError('config', `${file} must hold a YAML mapping of sections (webhook:, store:, …).`);
  }
  return (dropNulls(doc) as Record<string, unknown>) ?? {};
}

/**
 * The validated configuration, or every problem at once, each named by what the user wrote: the
 * flag or variable it came from (`origins`, by key path), else the key in `file`.
 */
function validated(raw: Record<string, unknown>, file: string | null, origins: ReadonlyMap<string, string> = new Map()): Config {
  const result = parseConfig(raw);
  if (result.ok) return result.config;
  const located = result.problems.map((problem) => {
    for (const [key, origin] of origins) {
      if (problem.startsWith(`${key}:`)) return `${origin}${problem.slice(key.length)}`;
    }
    return file ? `${problem} (in ${file})` : problem;
  });
  throw new ChatopsError('config', `Invalid configuration: ${located.join('; ')}.`);
}

/** What each secret must look like: checked on load, so a stray second line never reaches an HTTP header (or an error message). */
const SECRET_SHAPES = {
  webhookToken: {
    env: 'CHATOPS_WEBHOOK_TOKEN',
    key: 'webhook.token_file',
    shape: /^[\x21-\x7e]+$/,
    what: 'a bearer token (one line of printable ASCII, no spaces)',
  },
  slackBotToken: {
    env: 'SLACK_BOT_TOKEN',
    key: 'slack.bot_token_file',
    shape: /^xoxb-[A-Za-z0-9-]+$/,
    what: 'a Slack bot token (xoxb-…, one line)',
  },
  slackAppToken: {
    env: 'SLACK_APP_TOKEN',
    key: 'slack.app_token_file',
    shape: /^xapp-[A-Za-z0-9-]+$/,
    what: 'a Slack app-level token (xapp-…, one line)',
  },
} as const;

function readSecretFile(file: string, key: string): string | undefined {
  try {
    // One trailing line break (an editor's) is fine; anything else around the token is not.
    return fs.readFileSync(file, 'utf8').replace(/\r?\n$/, '') || undefined;
  } catch (e) {
    throw new ChatopsError(
      'config',
      `${key}: cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? 'error'}): check the path and that this user may read it.`,
    );
  }
}

/**
 * The secrets, each from its variable (when `env` is given) or its file, refused with a sentence
 * naming where it came from (never its content) when it does not have its shape.
 */
function readSecrets(config: Config, env: NodeJS.ProcessEnv | null): Secrets {
  const files: Record<keyof Secrets, string | undefined> = {
    webhookToken: config.webhook.token_file,
    slackBotToken: config.slack.bot_token_file,
    slackAppToken: config.slack.app_token_file,
  };
  const secrets: Secrets = {};
  for (const [name, spec] of Object.entries(SECRET_SHAPES) as [keyof Secrets, (typeof SECRET_SHAPES)[keyof Secrets]][]) {
    const fromEnv = env?.[spec.env] || undefined;
    const file = files[name];
    const value = fromEnv ?? (file ? readSecretFile(file, spec.key) : undefined);
    if (value === undefined) continue;
    if (!spec.shape.test(value)) {
      const where = fromEnv !== undefined ? `The environment variable ${spec.env}` : `${spec.key} ${file}`;
      throw new ChatopsError('config', `${where} does not hold ${spec.what}: put only the token there (its content is not shown).`);
    }
    secrets[name] = value;
  }
  addSecrets(Object.values(secrets));
  return secrets;
}

export function loadConfig(opts: LoadOptions = {}): LoadedConfig {
  const env = opts.env ?? process.env;
  const file = findFile(opts, env);
  const raw = file ? readYamlFile(file) : {};
  // Where each overridden key came from, so a problem names what the user must change.
  const origins = new Map<string, string>();
  // With clusters:, each cluster names its own kubeconfig: a KUBECONFIG in the shell (common on
  // a bastion) says nothing about which cluster it reaches, so it is not read.
  const named = Array.isArray(raw.clusters);
  for (const [name, key] of Object.entries(ENV_KEYS)) {
    const value = env[name];
    if (named && name === 'KUBECONFIG') continue;
    if (value) {
      setPath(raw, key, value);
      origins.set(key, `${name} (${key})`);
    }
  }
  for (const [key, value] of Object.entries(opts.overrides ?? {})) {
    if (value !== undefined) {
      setPath(raw, key, value);
      origins.set(key, opts.flagNames?.[key] ?? key);
    }
  }
  const config = validated(raw, file, origins);
  return { config, secrets: readSecrets(config, env), file, privileged: false };
}

/**
 * The privileged path (see trust.ts): only the system configuration, nothing from the
 * environment, the flags or the working directory; refused when that file, the token files, the
 * kubeconfig or a directory above them could be changed by anyone but root or the service account.
 */
export function loadSystemConfig(inv: Invocation, file: string = SYSTEM_CONFIG): LoadedConfig {
  const why = `chatops runs as ${inv.user} on behalf of ${inv.caller.user}, so it reads only the system configuration ${file}`;
  try {
    fs.statSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT')
      throw new ChatopsError('config', `${why}, which does not exist: install it as the README's bastion section shows.`);
    throw new ChatopsError(
      'config',
      `${why}, which it cannot read (${code}): make it and its directory readable by ${inv.user} (README, bastion section).`,
    );
  }
  assertTrustedFile(file, 'the system configuration', inv.trustedUids);
  const config = validated(readYamlFile(file), file);
  const absolute = (value: string | undefined, key: string) => {
    if (value !== undefined && !path.isAbsolute(value)) {
      throw new ChatopsError(
        'config',
        `${key} ${value} in ${file} is a relative path: the system configuration must name absolute paths (the working directory is the caller's).`,
      );
    }
  };
  absolute(config.store.path, 'store.path');
  for (const s of config.audit.sinks) if (s.type === 'file') absolute(s.path, 'audit.sinks[].path');
  for (const [value, key] of [
    [config.webhook.token_file, 'webhook.token_file'],
    [config.slack.bot_token_file, 'slack.bot_token_file'],
    [config.slack.app_token_file, 'slack.app_token_file'],
  ] as const) {
    if (value !== undefined) assertTrustedFile(value, key, inv.trustedUids);
  }
  if (config.kubernetes.enabled) {
    if (!config.kubernetes.kubeconfig) {
      throw new ChatopsError(
        'config',
        `kubernetes.kubeconfig is not set in ${file}: on the bastion chatops uses only the kubeconfig the system configuration names (never KUBECONFIG or ~/.kube/config).`,
      );
    }
    assertTrustedFile(config.kubernetes.kubeconfig, 'kubernetes.kubeconfig', inv.trustedUids);
  }
  // Every cluster's kubeconfig is held to the same rule (exec and auth-provider users are refused
  // when its executor is built, unless that cluster allows them).
  config.clusters?.forEach((c, i) => {
    const k = c.kubernetes;
    if (!k) return;
    const key = `clusters.${i}.kubernetes`;
    if (k.in_cluster) {
      throw new ChatopsError(
        'config',
        `${key}.in_cluster (cluster ${c.name}) in ${file}: on the bastion chatops uses only a kubeconfig the system configuration names (the in-cluster credentials come from the caller's environment): set ${key}.kubeconfig.`,
      );
    }
    if (k.kubeconfig) assertTrustedFile(k.kubeconfig, `${key}.kubeconfig (cluster ${c.name})`, inv.trustedUids);
  });
  return { config, secrets: readSecrets(config, null), file, privileged: true };
}

/** A YAML syntax error as `file:line:column: what is wrong`, without the source excerpt the parser appends. */
function yamlProblem(file: string, e: Error): string {
  const pos = (e as { linePos?: { line: number; col: number }[] }).linePos?.[0];
  const what = e.message
    .split('\n')[0]!
    .replace(/ at line \d+, column \d+:?$/, '')
    .replace(/\.$/, '');
  return `${file}${pos ? `:${pos.line}:${pos.col}` : ''} is not valid YAML: ${what}. Fix the file there (check indentation and closing brackets).`;
}

const LOOPBACK = /^(127(\.\d{1,3}){3}|::1|localhost)$/i;

export function isLoopback(host: string): boolean {
  return LOOPBACK.test(host);
}
