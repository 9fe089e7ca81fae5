/** Reads configuration: defaults < file < environment < flags, plus secrets from env or files. */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { ChatopsError } from '../core/errors.js';
import { parseConfig, type Config } from './schema.js';

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
export const ENV_KEYS: Record<string, string> = {
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
  return Object.fromEntries(Object.entries(node).filter(([, v]) => v !== null).map(([k, v]) => [k, dropNulls(v)]));
}

function findFile(opts: LoadOptions, env: NodeJS.ProcessEnv): string | null {
  const explicit = opts.configPath ?? env.CHATOPS_CONFIG;
  if (explicit) {
    if (!fs.existsSync(explicit)) {
      throw new ChatopsError('config', `Config file ${explicit} does not exist: fix --config / CHATOPS_CONFIG, or copy config/chatops.example.yaml there.`);
    }
    return explicit;
  }
  const local = `${opts.cwd ?? process.cwd()}/config/chatops.yaml`;
  return fs.existsSync(local) ? local : null;
}

function readSecretFile(file: string | undefined, key: string): string | undefined {
  if (!file) return undefined;
  try {
    const value = fs.readFileSync(file, 'utf8').trim();
    return value || undefined;
  } catch (e) {
    throw new ChatopsError('config', `${key}: cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? 'error'}): check the path and that this user may read it.`);
  }
}

export function loadConfig(opts: LoadOptions = {}): LoadedConfig {
  const env = opts.env ?? process.env;
  const file = findFile(opts, env);
  let raw: Record<string, unknown> = {};
  if (file) {
    // Loaded only when there is a file to read: most CLI calls on a laptop have none.
    const { parse: parseYaml } = createRequire(import.meta.url)('yaml') as typeof import('yaml');
    let doc: unknown;
    try {
      doc = parseYaml(fs.readFileSync(file, 'utf8'));
    } catch (e) {
      throw new ChatopsError('config', yamlProblem(file, e as Error));
    }
    if (doc !== null && doc !== undefined && (typeof doc !== 'object' || Array.isArray(doc))) {
      throw new ChatopsError('config', `${file} must hold a YAML mapping of sections (webhook:, store:, …).`);
    }
    raw = (dropNulls(doc) as Record<string, unknown>) ?? {};
  }
  // Where each overridden key came from, so a problem names what the user must change.
  const origins = new Map<string, string>();
  for (const [name, key] of Object.entries(ENV_KEYS)) {
    const value = env[name];
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
  const result = parseConfig(raw);
  if (!result.ok) {
    const located = result.problems.map((problem) => {
      for (const [key, origin] of origins) {
        if (problem.startsWith(`${key}:`)) return `${origin}${problem.slice(key.length)}`;
      }
      return file ? `${problem} (in ${file})` : problem;
    });
    throw new ChatopsError('config', `Invalid configuration: ${located.join('; ')}.`);
  }
  const config = result.config;
  const secrets: Secrets = {
    webhookToken: env.CHATOPS_WEBHOOK_TOKEN || readSecretFile(config.webhook.token_file, 'webhook.token_file'),
    slackBotToken: env.SLACK_BOT_TOKEN || readSecretFile(config.slack.bot_token_file, 'slack.bot_token_file'),
    slackAppToken: env.SLACK_APP_TOKEN || readSecretFile(config.slack.app_token_file, 'slack.app_token_file'),
  };
  return { config, secrets, file };
}

/** A YAML syntax error as `file:line:column: what is wrong`, without the source excerpt the parser appends. */
function yamlProblem(file: string, e: Error): string {
  const pos = (e as { linePos?: { line: number; col: number }[] }).linePos?.[0];
  const what = e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '').replace(/\.$/, '');
  return `${file}${pos ? `:${pos.line}:${pos.col}` : ''} is not valid YAML: ${what}. Fix the file there (check indentation and closing brackets).`;
}

const LOOPBACK = /^(127(\.\d{1,3}){3}|::1|localhost)$/i;

export function isLoopback(host: string): boolean {
  return LOOPBACK.test(host);
}
