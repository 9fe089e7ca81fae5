/**
 * The daemon's HTTP face: the Alertmanager webhook, health, readiness and metrics.
 * One error funnel at the end turns every failure into a status and a JSON body.
 */
import { timingSafeEqual, createHash } from 'node:crypto';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { Logger } from 'pino';
import { isStoreUnavailable } from '../adapters/store/sqlite-store.js';
import type { ParsedBody } from '../adapters/alertmanager/webhook-parser.js';
import { isChatopsError, type ErrorKind } from '../core/errors.js';
import type { IngestResult, PreparedBody } from '../core/ingest.js';
import type { Delivery } from '../core/types.js';
import type { Metrics } from './metrics.js';

export interface Readiness {
  /** null when ready, else the reason. */
  notReadyReason(): string | null;
  /** What is degraded without making the daemon unready (e.g. Slack behind its visibility bound). */
  details?(): string[];
}

export interface HttpDeps {
  /** Validates a webhook body (rejects with ChatopsError 'usage' naming the first bad field). */
  parse(body: Uint8Array, now: number): Promise<ParsedBody>;
  /** Resolves once the delivery is committed. */
  ingest(delivery: Delivery, raw: string | PreparedBody): Promise<IngestResult>;
  now(): number;
  metrics: Metrics;
  readiness: Readiness;
  logger: Logger;
  /** Bearer token Alertmanager must send; undefined = no auth (loopback only). */
  webhookToken?: string;
  maxBodyBytes: number;
}

const STATUS: Record<ErrorKind, number> = {
  usage: 400,
  config: 500,
  not_found: 404,
  conflict: 409,
  refused: 403,
  unavailable: 503,
  failed: 500,
};

const digest = (s: string) => createHash('sha256').update(s).digest();

/** Constant-time comparison of the Authorization header with the expected bearer token. */
function authorised(header: string | undefined, token: string): boolean {
  const m = /^Bearer\s+(.+)$/i.exec(header ?? '');
  // Compare digests so that the comparison time does not depend on the length either.
  return timingSafeEqual(digest(m?.[1] ?? ''), digest(token)) && m !== null;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly outcome: string,
  ) {
    super(message);
  }
}

export function createHttpApp(deps: HttpDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);

  app.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });

  app.get('/ready', (_req, res) => {
    const reason = deps.readiness.notReadyReason();
    const details = deps.readiness.details?.() ?? [];
    const extra = details.length ? { details } : {};
    if (reason) res.status(503).json({ status: 'not ready', reason, ...extra });
    else res.json({ status: 'ready', ...extra });
  });

  app.get('/metrics', async (_req, res) => {
    res.set('Content-Type', deps.metrics.registry.contentType);
    res.send(await deps.metrics.registry.metrics());
  });

  const checkAuth = (req: Request, _res: Response, next: NextFunction) => {
    // Before the body is read: an unauthenticated client cannot make us buffer a megabyte.
    if (deps.webhookToken !== undefined && !authorised(req.get('authorization'), deps.webhookToken)) {
      next(
        new HttpError(
          401,
          'missing or wrong bearer token: set http_config.authorization.credentials in Alertmanager to the chatops webhook token',
          'unauthorized',
        ),
      );
      return;
    }
    next();
  };

  app.post('/api/alertmanager', checkAuth, express.raw({ type: () => true, limit: deps.maxBodyBytes }), async (req, res) => {
    const started = process.hrtime.bigint();
    const { raw, delivery } = await deps.parse(Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0), deps.now());
    for (const a of delivery.alerts) deps.metrics.alertsReceived.inc({ status: a.status });
    const result = await deps.ingest(delivery, raw);
    deps.metrics.deliveries.inc({ outcome: result.outcome });
    deps.metrics.ingestSeconds.observe(Number(process.hrtime.bigint() - started) / 1e9);
    deps.logger.debug(
      { deliveryId: result.deliveryId, outcome: result.outcome, incidents: result.incidents.map((i) => i.id) },
      'delivery committed',
    );
    res.json({
      status: 'ok',
      deliveryId: result.deliveryId,
      outcome: result.outcome,
      incidents: result.incidents.map((i) => ({ id: i.id, action: i.action, status: i.status })),
    });
  });

  app.use((_req, _res, next) =>
    next(new HttpError(404, 'no such endpoint: POST /api/alertmanager, GET /health, /ready, /metrics', 'not_found')),
  );

  // The one error funnel: status + {"error": sentence}.
  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    let status = 500;
    let message = 'internal error; the daemon log has the details';
    let outcome = 'error';
    const e = err as { type?: string; status?: number; limit?: number };
    if (err instanceof HttpError) {
      ({ status, message, outcome } = err);
    } else if (e?.type === 'entity.too.large') {
      status = 413;
      outcome = 'too_large';
      message = `body larger than webhook.max_body (${deps.maxBodyBytes} bytes): lower max_alerts in the Alertmanager receiver or raise webhook.max_body`;
    } else if (
      e?.type === 'request.aborted' ||
      e?.type === 'entity.verify.failed' ||
      (typeof e?.status === 'number' && e.status >= 400 && e.status < 500)
    ) {
      status = e.status ?? 400;
      outcome = 'rejected';
      message = (err as Error).message;
    } else if (isChatopsError(err)) {
      status = STATUS[err.kind];
      message = err.message;
      outcome = status === 400 ? 'rejected' : status === 503 ? 'unavailable' : 'error';
    } else if (isStoreUnavailable(err)) {
      status = 503;
      outcome = 'unavailable';
      message = `the store cannot commit right now (${(err as { code: string }).code}); Alertmanager will retry`;
      res.set('Retry-After', '5');
      deps.logger.error({ err }, 'store cannot commit');
    } else {
      deps.logger.error({ err, path: req.path }, 'unexpected error');
    }
    if (req.path === '/api/alertmanager') deps.metrics.deliveries.inc({ outcome });
    if (status >= 400 && status < 500) deps.logger.warn({ status, path: req.path, error: message }, 'request refused');
    if (!res.headersSent) res.status(status).json({ error: message });
  });

  return app;
}
