/**
 * The ingest baseline: the least a durable webhook receiver can do — express 5 + better-sqlite3,
 * the same pragmas as chatops, one transaction per request inserting the raw alerts.
 * Usage: node --import tsx bench/baseline-server.ts <db> ; prints {"url": …} when listening.
 */
import type { AddressInfo } from 'node:net';
import { Database } from '../src/adapters/store/sqlite-driver.js';
import express from 'express';

const db = new Database(process.argv[2]!);
db.pragma('journal_mode = WAL');
db.pragma('synchronous = FULL');
db.pragma('busy_timeout = 5000');
db.exec(
  'CREATE TABLE IF NOT EXISTS alerts (id INTEGER PRIMARY KEY, fingerprint TEXT, status TEXT, labels TEXT, annotations TEXT, starts_at TEXT)',
);
const insert = db.prepare('INSERT INTO alerts (fingerprint, status, labels, annotations, starts_at) VALUES (?, ?, ?, ?, ?)');
type Alert = { fingerprint: string; status: string; labels: unknown; annotations: unknown; startsAt: string };
const insertAll = db.transaction((alerts: Alert[]) => {
  for (const a of alerts) insert.run(a.fingerprint, a.status, JSON.stringify(a.labels), JSON.stringify(a.annotations), a.startsAt);
});

const app = express();
app.post('/api/alertmanager', express.json({ limit: '1mb' }), (req, res) => {
  insertAll((req.body as { alerts: Alert[] }).alerts);
  res.json({ status: 'ok' });
});
const server = app.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` })}\n`);
});
process.on('SIGTERM', () =>
  server.close(() => {
    db.close();
    process.exit(0);
  }),
);
