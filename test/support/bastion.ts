/**
 * A bastion set up as the README's "On a bastion host" section says, in a temp directory: a
 * service account, an on-call group with engineers in it, the system configuration and its
 * secrets owned by root and readable by the service account, the state directory owned by the
 * service account, chatops built with that system configuration baked in (as `npm run build`
 * with CHATOPS_SYSTEM_CONFIG / CHATOPS_SERVICE_USER does at install time), and the shipped
 * sudoers rule (config/sudoers) installed with these names. Everything is removed afterwards.
 * Runs as root (CI and this machine are root) with the real sudo and runuser.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createOsUser, runCollecting } from './cli-async.js';
import { ROOT, type CliResult } from './daemon.js';

type OsUser = ReturnType<typeof createOsUser>;

export interface Bastion {
  tag: string;
  /** The temp root: etc/ (system configuration), state/ (database), home/<user>/ (engineers' files). */
  root: string;
  etc: string;
  state: string;
  systemConfig: string;
  service: OsUser;
  oncall: string;
  users: Record<string, OsUser>;
  /** The built entry point (what the sudoers rule names). */
  bin: string;
  /** A directory the user owns, for their own (hostile) files. */
  home(user: string): string;
  /** Writes a root-owned file readable by the service account's group. */
  writeRootFile(name: string, text: string, mode?: number): string;
  /** `runuser -u <user> -- sudo -n -u <service> [VAR=…] <bin> args` from `cwd`. */
  sudo(user: string, args: string[], opts?: { cwd?: string; vars?: Record<string, string>; sudoFlags?: string[] }): Promise<CliResult>;
  /** `runuser -u <user> -- env VAR=… node <bin> args`: the user as themselves, no sudo. */
  direct(user: string, args: string[], opts?: { vars?: Record<string, string>; cwd?: string }): Promise<CliResult>;
  /** Installs an extra sudoers drop-in (removed with the bastion). */
  addSudoers(name: string, text: string): void;
  remove(): void;
}

function run(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv } = {}): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', env: opts.env ?? process.env, cwd: ROOT });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr || r.error?.message}`);
  return r.stdout;
}

/** sudo and runuser get a minimal environment, as from a login: nothing of the test's leaks in. */
const exec = (argv: string[], cwd: string): Promise<CliResult> =>
  runCollecting(argv, { cwd, env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C.UTF-8', TZ: 'UTC' } });

/** Sets up the bastion; `config(b)` returns the system configuration's YAML. */
export function createBastion(engineers: string[], config: (b: Pick<Bastion, 'etc' | 'state' | 'users' | 'tag'>) => string): Bastion {
  const tag = Math.random().toString(36).slice(2, 7);
  const cleanups: (() => void)[] = [];
  try {
    const oncall = `cob${tag}`;
    run('groupadd', [oncall]);
    cleanups.push(() => spawnSync('groupdel', [oncall]));
    const service = createOsUser(`cos${tag}`);
    cleanups.push(() => service.remove());
    const users: Record<string, OsUser> = {};
    for (const name of engineers) {
      users[name] = createOsUser(`co${name.slice(0, 3)}${tag}`, { groups: [oncall] });
      cleanups.push(() => users[name]!.remove());
    }
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'chatops-bastion-'));
    cleanups.push(() => fs.rmSync(root, { recursive: true, force: true }));
    fs.chmodSync(root, 0o755);
    const etc = path.join(root, 'etc');
    const state = path.join(root, 'state');
    fs.mkdirSync(etc, { mode: 0o750 });
    fs.chownSync(etc, 0, service.gid);
    fs.mkdirSync(state, { mode: 0o700 });
    fs.chownSync(state, service.uid, service.gid);
    const homes = path.join(root, 'home');
    fs.mkdirSync(homes, { mode: 0o755 });
    const home = (user: string) => {
      const u = users[user]!;
      const dir = path.join(homes, user);
      if (!fs.existsSync(dir)) {
        fs.mkdirSync(dir, { mode: 0o755 });
        fs.chownSync(dir, u.uid, u.gid);
      }
      return dir;
    };
    const writeRootFile = (name: string, text: string, mode = 0o640) => {
      const file = path.join(etc, name);
      fs.rmSync(file, { force: true });
      fs.writeFileSync(file, text, { mode });
      fs.chmodSync(file, mode);
      fs.chownSync(file, 0, service.gid);
      return file;
    };
    const systemConfig = writeRootFile('chatops.yaml', config({ etc, state, users, tag }));

    // chatops as installed: the system configuration and the service account fixed at build time.
    const buildDir = path.join(ROOT, `dist-test-${tag}`);
    cleanups.push(() => fs.rmSync(buildDir, { recursive: true, force: true }));
    run(process.execPath, ['scripts/build.mjs'], {
      env: { ...process.env, CHATOPS_BUILD_DIR: buildDir, CHATOPS_SYSTEM_CONFIG: systemConfig, CHATOPS_SERVICE_USER: service.user },
    });
    const bin = path.join(buildDir, 'chatops');
    fs.writeFileSync(bin, "#!/usr/bin/env node\nimport { main } from './cli/main.js';\n\nprocess.exitCode = await main(process.argv);\n", {
      mode: 0o755,
    });

    const sudoersFiles: string[] = [];
    cleanups.push(() => {
      for (const f of sudoersFiles) fs.rmSync(f, { force: true });
    });
    const addSudoers = (name: string, text: string) => {
      const file = `/etc/sudoers.d/chatops-test-${tag}-${name}`;
      fs.writeFileSync(file, text, { mode: 0o440 });
      sudoersFiles.push(file);
      run('visudo', ['-cf', file]);
    };
    // The shipped rule, with this bastion's names.
    const shipped = fs
      .readFileSync(path.join(ROOT, 'config/sudoers'), 'utf8')
      .replaceAll('/opt/chatops/bin/chatops', bin)
      .replace('%oncall', `%${oncall}`)
      .replace('(chatops)', `(${service.user})`);
    addSudoers('rule', shipped);

    return {
      tag,
      root,
      etc,
      state,
      systemConfig,
      service,
      oncall,
      users,
      bin,
      home,
      writeRootFile,
      addSudoers,
      sudo: (user, args, opts = {}) =>
        exec(
          [
            'runuser',
            '-u',
            users[user]!.user,
            '--',
            'sudo',
            '-n',
            ...(opts.sudoFlags ?? []),
            '-u',
            service.user,
            ...Object.entries(opts.vars ?? {}).map(([k, v]) => `${k}=${v}`),
            bin,
            ...args,
          ],
          opts.cwd ?? home(user),
        ),
      direct: (user, args, opts = {}) =>
        exec(
          [
            'runuser',
            '-u',
            users[user]!.user,
            '--',
            'env',
            ...Object.entries(opts.vars ?? {}).map(([k, v]) => `${k}=${v}`),
            process.execPath,
            bin,
            ...args,
          ],
          opts.cwd ?? home(user),
        ),
      remove: () => {
        for (const c of cleanups.reverse()) c();
      },
    };
  } catch (e) {
    for (const c of cleanups.reverse()) c();
    throw e;
  }
}
