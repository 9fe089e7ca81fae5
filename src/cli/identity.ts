/**
 * Who is at the terminal. Never from a flag or a variable the caller sets: the OS account,
 * or the account sudo recorded when an engineer runs `sudo -u chatops chatops …`.
 */
import os from 'node:os';

export interface TerminalIdentity {
  osUser: string;
  /** `cli:<os user>`, or the Slack id config maps that user to (so the two-person rule sees one person). */
  actor: string;
}

export function terminalIdentity(users: Record<string, string>, env: NodeJS.ProcessEnv = process.env): TerminalIdentity {
  let osUser = os.userInfo().username;
  // SUDO_USER counts only inside a process sudo switched to another uid; a caller cannot
  // change its own uid, so exporting SUDO_USER by hand gains nothing.
  const sudoUid = env.SUDO_UID !== undefined ? Number(env.SUDO_UID) : NaN;
  if (env.SUDO_USER && Number.isInteger(sudoUid) && typeof process.getuid === 'function' && process.getuid() !== sudoUid) {
    osUser = env.SUDO_USER;
  }
  const mapped = Object.hasOwn(users, osUser) ? users[osUser] : undefined;
  return { osUser, actor: mapped ?? `cli:${osUser}` };
}
