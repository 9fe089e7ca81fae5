/**
 * Runs the BUILT CLI without blocking the test's event loop (an in-process fake server must keep
 * answering while the CLI talks to it), optionally as another OS user via runuser.
 */
import { spawn, spawnSync } from 'node:child_process';
import { BIN, ROOT, testEnv, type CliResult } from './daemon.js';

export function runCliAsync(
  args: string[],
  opts: { env?: Record<string, string | undefined>; user?: string; cwd?: string } = {},
): Promise<CliResult> {
  const argv = opts.user ? ['runuser', '-u', opts.user, '--', process.execPath, BIN, ...args] : [process.execPath, BIN, ...args];
  return runCollecting(argv, { env: testEnv(opts.env), cwd: opts.cwd ?? ROOT });
}

/** Runs any command to completion (killed after 60 s), collecting its exit code and output. */
export function runCollecting(argv: string[], opts: { env: NodeJS.ProcessEnv; cwd: string }): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { env: opts.env, cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
  });
}

/**
 * A throwaway OS group and user (tests run as root here); removed by the returned function.
 * `groups`: supplementary groups to join. Names are unique per call (tests run in parallel).
 */
export function createOsUser(
  prefix = 'chatops',
  opts: { groups?: string[] } = {},
): { user: string; group: string; uid: number; gid: number; remove(): void } {
  const tag = Math.random().toString(36).slice(2, 8);
  const group = `${prefix}g${tag}`;
  const user = `${prefix}u${tag}`;
  const run = (cmd: string, args: string[]) => {
    const r = spawnSync(cmd, args, { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr || r.error?.message}`);
  };
  run('groupadd', [group]);
  run('useradd', ['-M', '-N', '-g', group, ...(opts.groups?.length ? ['-G', opts.groups.join(',')] : []), '-s', '/usr/sbin/nologin', user]);
  const uid = Number(spawnSync('id', ['-u', user], { encoding: 'utf8' }).stdout.trim());
  const gid = Number(spawnSync('id', ['-g', user], { encoding: 'utf8' }).stdout.trim());
  return {
    user,
    group,
    uid,
    gid,
    remove() {
      spawnSync('userdel', [user]);
      spawnSync('groupdel', [group]);
    },
  };
}
