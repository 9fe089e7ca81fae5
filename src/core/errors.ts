/**
 * Errors the user must act on. Each interface has one funnel that maps `kind` to its own
 * output: an exit code (CLI), an HTTP status (daemon), an ephemeral reply (Slack).
 * Anything that is not a ChatopsError is a bug and is reported as such.
 */
export type ErrorKind =
  | 'usage' // bad flags, bad input file: exit 2, HTTP 400
  | 'config' // configuration invalid: exit 2
  | 'not_found' // unknown incident or request id: exit 1, HTTP 404
  | 'conflict' // state does not allow it (already resolved …): exit 1, HTTP 409
  | 'refused' // policy says no: exit 4, HTTP 403
  | 'unavailable' // a dependency cannot be reached or the store cannot commit: exit 1, HTTP 503
  | 'failed'; // the action ran and failed: exit 5

export class ChatopsError extends Error {
  readonly kind: ErrorKind;
  constructor(kind: ErrorKind, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.kind = kind;
    this.name = 'ChatopsError';
  }
}

export const isChatopsError = (e: unknown): e is ChatopsError => e instanceof ChatopsError;
