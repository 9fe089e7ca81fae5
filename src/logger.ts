/** pino logger: JSON lines on stderr when not a TTY, readable lines on a TTY. Secrets are redacted. */
import pino, { type Logger } from 'pino';
import { redact } from './redact.js';

export type { Logger };

/** Keys that may carry a secret anywhere in a log object. */
const REDACT = [
  'token',
  '*.token',
  'authorization',
  '*.authorization',
  'headers.authorization',
  'req.headers.authorization',
  'botToken',
  'appToken',
  'webhookToken',
  '*.botToken',
  '*.appToken',
  '*.webhookToken',
  'secrets',
  '*.secrets',
];

export interface LoggerOptions {
  level: string;
  /** Pretty output (a TTY). */
  pretty?: boolean;
  /** Destination fd; 2 (stderr) keeps stdout for command output. */
  fd?: number;
}

export async function createLogger(opts: LoggerOptions): Promise<Logger> {
  // Keys that name a secret are censored by path; every configured secret value, anywhere in the
  // line (an error message from a library included), by the one redactor.
  const base = {
    level: opts.level,
    redact: { paths: REDACT, censor: '[redacted]' },
    base: { name: 'chatops' },
    hooks: { streamWrite: redact },
  };
  const fd = opts.fd ?? 2;
  if (opts.pretty) {
    // A stream, not a transport: transports run in worker threads and break in bundles.
    const { default: pretty } = await import('pino-pretty');
    return pino(base, pretty({ destination: fd, colorize: true, translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname,name', sync: true }));
  }
  return pino(base, pino.destination({ fd, sync: true }));
}

/** A logger that drops everything (tests, and CLI commands without --debug). */
export const silentLogger = (): Logger => pino({ level: 'silent' });
