/**
 * Who is at the terminal. Never from a flag or a variable the caller sets: the OS account, or,
 * when chatops runs as the service account through sudo, the account sudo recorded and the
 * kernel confirms (see src/config/trust.ts).
 */
import { invocation } from '../config/trust.js';

export interface TerminalIdentity {
  osUser: string;
  /** `cli:<os user>`, or the Slack id config maps that user to (so the two-person rule sees one person). */
  actor: string;
}

export function terminalIdentity(users: Record<string, string>, env: NodeJS.ProcessEnv = process.env): TerminalIdentity {
  const osUser = invocation(env).caller.user;
  const mapped = Object.hasOwn(users, osUser) ? users[osUser] : undefined;
  return { osUser, actor: mapped ?? `cli:${osUser}` };
}
