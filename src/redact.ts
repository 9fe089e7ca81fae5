/**
 * The one redactor: every configured secret value, wherever it appears in a log line or an
 * error sentence, becomes `[redacted]`. Secrets are registered when they are loaded (config
 * tokens, the kubeconfig's credentials); the logger and the CLI's error funnel pass their text
 * through `redact`, so a library that prints a token inside its own error message leaks nothing.
 */
const secrets = new Set<string>();
let pattern: RegExp | null = null;

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Shorter values would redact ordinary words. */
const MIN_LENGTH = 6;
/** A long secret is also caught when something prints only its beginning. */
const PREFIX = 16;

export function addSecrets(values: Iterable<string | undefined | null>): void {
  let added = false;
  for (const v of values) {
    if (typeof v === 'string' && v.length >= MIN_LENGTH && !secrets.has(v)) {
      secrets.add(v);
      added = true;
    }
  }
  if (!added) return;
  const alternatives = [...secrets].flatMap((s) => {
    const forms = new Set([s, JSON.stringify(s).slice(1, -1)]);
    return [...forms].map((f) => (f.length > PREFIX ? `${escapeRe(f.slice(0, PREFIX))}[A-Za-z0-9._~+/=-]*` : escapeRe(f)));
  });
  pattern = new RegExp(alternatives.sort((a, b) => b.length - a.length).join('|'), 'g');
}

export function redact(text: string): string {
  return pattern ? text.replace(pattern, '[redacted]') : text;
}
