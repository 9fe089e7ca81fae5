/**
 * A token Slack refuses outright (invalid_auth and kin): no retry can succeed with it, so the
 * daemon says which token and how to fix it, and stops calling Slack with it until restarted.
 */

/** Slack errors that refuse the token itself, whatever the call. */
const REFUSED = new Set([
  'invalid_auth',
  'not_authed',
  'account_inactive',
  'token_revoked',
  'token_expired',
  'not_allowed_token_type',
  'team_disabled',
  'user_removed_from_team',
]);

export type TokenKind = 'bot' | 'app';

/** The Slack error code when `e` (a web-api error, or its `error` string) refuses the token; else null. */
export function refusedToken(e: unknown): string | null {
  const code =
    typeof e === 'string'
      ? e
      : (e as { code?: string; data?: { error?: string } } | undefined)?.code === 'slack_webapi_platform_error'
        ? (e as { data?: { error?: string } }).data?.error
        : undefined;
  return code && REFUSED.has(code) ? code : null;
}

/** One sentence naming the token, what Slack said and the fix. */
export function tokenRefusalMessage(kind: TokenKind, error: string): string {
  return kind === 'bot'
    ? `Slack refused SLACK_BOT_TOKEN (${error}): copy the Bot User OAuth Token (xoxb-…) from the Slack app's OAuth & Permissions page (install the app to the workspace if it has none) into SLACK_BOT_TOKEN or slack.bot_token_file, then restart chatops. Until then chatops does not call Slack; incidents are still recorded and are posted after the restart.`
    : `Slack refused SLACK_APP_TOKEN (${error}): generate an app-level token (xapp-…) with the connections:write scope under Basic Information → App-Level Tokens of the Slack app, put it in SLACK_APP_TOKEN or slack.app_token_file, then restart chatops. Until then Slack buttons do nothing; messages are still posted.`;
}
