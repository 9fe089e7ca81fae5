/**
 * The bot scopes chatops uses, as config/slack-app-manifest.yaml asks for them; `config check`
 * compares the token's scopes with these. A module of its own: config check must not load the SDK.
 */
export const BOT_SCOPES = ['chat:write', 'channels:history', 'groups:history', 'channels:read', 'groups:read', 'files:write'] as const;
