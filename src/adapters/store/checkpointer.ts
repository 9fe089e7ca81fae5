/**
 * WAL checkpoints off the request path. SQLite checkpoints in the connection whose commit
 * crosses `wal_autocheckpoint` (1,000 pages): that commit then copies up to 4 MB of pages into
 * the database file and fsyncs it before the delivery it carried gets its 200 — the p99 of
 * ingest. Here a worker thread with its own connection runs PASSIVE checkpoints (which never
 * block the writer) every `intervalMs`, on the machine's other core. Durability does not
 * depend on checkpoints (a commit is durable once its WAL frames are synced); the daemon's
 * connection keeps a higher `wal_autocheckpoint` as a safety net should the worker fall behind.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import { DRIVER_PACKAGE } from './sqlite-driver.js';
import type { SqliteStore } from './sqlite-store.js';

// An eval'd CommonJS worker: no separate entry file to bundle, the same in tests (tsx) and dist.
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path, { fileMustExist: true, timeout: workerData.busyTimeoutMs });
db.pragma('wal_autocheckpoint = 0');
db.pragma('synchronous = ' + workerData.synchronous);
let failing = false;
const checkpoint = () => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
    if (failing) parentPort.postMessage({ recovered: true });
    failing = false;
  } catch (e) {
    if (!failing) parentPort.postMessage({ error: String(e && e.message), code: e && e.code });
    failing = true;
  }
};
const timer = setInterval(checkpoint, workerData.intervalMs);
parentPort.on('message', () => {
  clearInterval(timer);
  db.close();
  parentPort.close();
});
`;

export interface Checkpointer {
  stop(): Promise<void>;
}

/** Pages the daemon's own connection lets the WAL reach before it checkpoints itself. */
const FALLBACK_PAGES = 16_000;

export function startCheckpointer(
  store: SqliteStore,
  logger: Logger,
  options: { intervalMs?: number; synchronous: 'full' | 'normal'; busyTimeoutMs: number },
): Checkpointer {
  const driver = createRequire(import.meta.url).resolve(DRIVER_PACKAGE);
  const worker = new Worker(WORKER, {
    eval: true,
    workerData: {
      driver,
      path: store.path,
      intervalMs: options.intervalMs ?? 250,
      synchronous: options.synchronous === 'normal' ? 'NORMAL' : 'FULL',
      busyTimeoutMs: options.busyTimeoutMs,
    },
  });
  worker.unref();
  store.db.pragma(`wal_autocheckpoint = ${FALLBACK_PAGES}`);
  worker.on('message', (m: { error?: string; code?: string; recovered?: boolean }) => {
    if (m.error) logger.warn({ error: m.error, code: m.code }, 'WAL checkpoint failed; will retry (commits are not affected)');
    else if (m.recovered) logger.info('WAL checkpoints work again');
  });
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  worker.on('error', (e) => {
    // Without the worker the daemon's connection checkpoints by itself, as SQLite does by default.
    logger.error({ err: e }, 'WAL checkpoint worker failed; checkpointing in the writer instead');
    if (store.db.open) store.db.pragma('wal_autocheckpoint = 1000');
  });
  return {
    stop: async () => {
      worker.ref(); // keep the process up until the worker has closed its connection
      worker.postMessage('stop');
      await exited;
      if (store.db.open) store.db.pragma('wal_autocheckpoint = 1000');
    },
  };
}
