/**
 * Who is running chatops, on whose behalf, and which configuration that allows.
 *
 * On a bastion, engineers run `sudo -u chatops chatops …`: the process then holds the service
 * account's credentials (the database, the Slack tokens, the kubeconfig) on behalf of a caller
 * who must not be able to choose them. Such a process is *privileged*: it reads only the system
 * configuration at a path fixed when chatops was built (never `--config`, `CHATOPS_*`,
 * `KUBECONFIG` or the working directory), and only when that file and everything it points to
 * can be written by nobody but root and the service account. The caller's identity comes from
 * what the kernel and sudo vouch for, never from a variable the caller could set.
 *
 * - root, not started through sudo: the administrator (or CI); may choose any configuration.
 * - the service account, or root started by sudo: privileged, as above.
 * - anyone else: a person acting as themselves with their own rights; their `SUDO_*` variables
 *   (a `sudo -u mallory -i` shell inherits root's) mean nothing.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ChatopsError } from '../core/errors.js';

declare const __CHATOPS_SYSTEM_CONFIG__: string | undefined;
declare const __CHATOPS_SERVICE_USER__: string | undefined;

/** The system configuration: baked in at build time (`CHATOPS_SYSTEM_CONFIG=… npm run build`). */
export const SYSTEM_CONFIG: string =
  typeof __CHATOPS_SYSTEM_CONFIG__ === 'string' ? __CHATOPS_SYSTEM_CONFIG__ : '/etc/chatops/chatops.yaml';
/** The service account: baked in at build time (`CHATOPS_SERVICE_USER=… npm run build`). */
const SERVICE_USER: string = typeof __CHATOPS_SERVICE_USER__ === 'string' ? __CHATOPS_SERVICE_USER__ : 'chatops';

export interface Caller {
  user: string;
  uid: number;
  /** How we know: the process's own uid, or sudo's record checked against the kernel and passwd. */
  via: 'os' | 'sudo';
}

export interface Invocation {
  kind: 'admin' | 'privileged' | 'user';
  /** The account this process runs as. */
  user: string;
  uid: number;
  /** The person at the terminal. */
  caller: Caller;
  /** Uids besides root that may own the trusted files (the service account's). */
  trustedUids: number[];
}

export interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
}

/** getpwnam through NSS (getent), falling back to /etc/passwd where getent is missing. */
function passwdEntry(name: string): PasswdEntry | null {
  if (!/^[A-Za-z0-9._][A-Za-z0-9._-]*\$?$/.test(name)) return null;
  let line: string | undefined;
  try {
    line = execFileSync('getent', ['passwd', name], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).split('\n')[0];
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') return null; // exit 2: no such user
    line = fs
      .readFileSync('/etc/passwd', 'utf8')
      .split('\n')
      .find((l) => l.startsWith(`${name}:`));
  }
  const f = line?.split(':');
  if (!f || f[0] !== name || f.length < 4) return null;
  return { name, uid: Number(f[2]), gid: Number(f[3]) };
}

interface ProcStatus {
  name: string;
  ppid: number;
  realUid: number;
  effectiveUid: number;
}

function procStatus(pid: number): ProcStatus | null {
  try {
    const text = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const field = (k: string) => new RegExp(`^${k}:\\s*(.*)$`, 'm').exec(text)?.[1] ?? '';
    const uids = field('Uid').split(/\s+/).map(Number);
    return { name: field('Name'), ppid: Number(field('PPid')), realUid: uids[0]!, effectiveUid: uids[1]! };
  } catch {
    return null;
  }
}

/**
 * The real uid of the sudo that started this process, when one did: the nearest ancestor not
 * running as this process's uid (wrappers in between run as the service account too). The
 * kernel keeps a setuid program's real uid: it is the person who ran sudo. Null when the chain
 * is not visible (no /proc) or was started by something else (root's runuser, systemd, cron).
 */
function sudoParentRealUid(ownUid: number): number | null {
  let pid = process.ppid;
  for (let hops = 0; hops < 8 && pid > 1; hops++) {
    const st = procStatus(pid);
    if (!st) return null;
    if (st.effectiveUid !== ownUid || st.realUid !== ownUid) return st.name === 'sudo' ? st.realUid : null;
    pid = st.ppid;
  }
  return null;
}

/**
 * The caller sudo recorded, believed only when SUDO_UID is SUDO_USER's uid in the password
 * database and, where /proc shows it, the sudo process itself was run by that uid. Anything
 * else is a forged environment (a sudoers rule with SETENV lets the caller set SUDO_USER).
 */
function sudoCaller(env: NodeJS.ProcessEnv, ownUid: number): Caller | null {
  const name = env.SUDO_USER;
  const uidText = env.SUDO_UID;
  if (name === undefined && uidText === undefined) return null;
  const claimed = `SUDO_USER=${JSON.stringify(name ?? '')} SUDO_UID=${JSON.stringify(uidText ?? '')}`;
  const uid = uidText !== undefined && /^\d+$/.test(uidText) ? Number(uidText) : NaN;
  const entry = name ? passwdEntry(name) : null;
  if (!entry || entry.uid !== uid) {
    throw new ChatopsError(
      'refused',
      `Refused: ${claimed} do not name one account in the password database, so chatops cannot tell who you are: run it through sudo as installed (sudo -u ${SERVICE_USER} chatops …), without setting SUDO_* yourself.`,
    );
  }
  const real = sudoParentRealUid(ownUid);
  if (real !== null && real !== uid) {
    throw new ChatopsError(
      'refused',
      `Refused: ${claimed}, but sudo was run by uid ${real}: chatops takes who you are from sudo, not from variables you set; remove SETENV from the sudoers rule.`,
    );
  }
  return { user: entry.name, uid: entry.uid, via: 'sudo' };
}

let cached: Invocation | null = null;

/** This process's invocation (computed once). */
export function invocation(env: NodeJS.ProcessEnv = process.env): Invocation {
  if (cached && env === process.env) return cached;
  const uid = typeof process.getuid === 'function' ? process.getuid() : -1;
  const user = os.userInfo().username;
  const self: Caller = { user, uid, via: 'os' };
  let inv: Invocation;
  if (uid === 0 && env.SUDO_UID === undefined && env.SUDO_USER === undefined) {
    inv = { kind: 'admin', user, uid, caller: self, trustedUids: [] };
  } else if (uid === 0 || user === SERVICE_USER) {
    const service = user === SERVICE_USER ? uid : passwdEntry(SERVICE_USER)?.uid;
    inv = {
      kind: 'privileged',
      user,
      uid,
      caller: sudoCaller(env, uid) ?? self,
      trustedUids: service === undefined || service === 0 ? [] : [service],
    };
  } else {
    inv = { kind: 'user', user, uid, caller: self, trustedUids: [] };
  }
  if (env === process.env) cached = inv;
  return inv;
}

const S_ISVTX = 0o1000;

/** Why `st` (a path component) could be changed by someone other than root or `trusted`, or null. */
function weakness(st: fs.Stats, trusted: readonly number[], dir: boolean): string | null {
  if (st.uid !== 0 && !trusted.includes(st.uid)) return `is owned by uid ${st.uid}`;
  if (st.isSymbolicLink()) return null; // a link's own mode means nothing; its target is checked
  // A sticky directory (like /tmp) lets others add entries but not replace or remove ours.
  const sticky = dir && (st.mode & S_ISVTX) !== 0;
  if ((st.mode & 0o002) !== 0 && !sticky) return 'is writable by everyone';
  if ((st.mode & 0o020) !== 0 && !sticky && st.gid !== 0) return `is writable by group ${st.gid}`;
  return null;
}

/**
 * Refuses (exit 2) a file that anyone but root or the trusted uids could write, or replace by
 * writing a directory above it; symbolic links are followed and their targets checked too.
 */
export function assertTrustedFile(file: string, what: string, trusted: readonly number[]): void {
  if (!path.isAbsolute(file)) {
    throw new ChatopsError(
      'config',
      `${what} ${file} is a relative path: the system configuration must name absolute paths (the working directory is the caller's).`,
    );
  }
  let real: string;
  try {
    real = fs.realpathSync(file);
  } catch (e) {
    throw new ChatopsError('config', `${what} ${file} cannot be read (${(e as NodeJS.ErrnoException).code ?? 'error'}): check the path.`);
  }
  const chains = new Set([path.resolve(file), real]);
  for (const chain of chains) {
    const parts = chain.split(path.sep).filter(Boolean);
    for (let i = 0; i <= parts.length; i++) {
      const at = `/${parts.slice(0, i).join('/')}`;
      const st = fs.lstatSync(at);
      const last = i === parts.length;
      if (last && chain === real && !st.isFile()) throw new ChatopsError('config', `${what} ${file} is not a regular file.`);
      const weak = weakness(st, trusted, !last);
      if (weak) {
        const whose = at === chain ? `${what} ${file}` : `${at}, a directory above ${what} ${file},`;
        throw new ChatopsError(
          'config',
          `Refusing to run: ${whose} ${weak}, so someone other than root or the ${SERVICE_USER} account could change what chatops runs with: chown it to root and chmod go-w.`,
        );
      }
    }
  }
}
