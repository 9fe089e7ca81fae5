/**
 * The SQLite driver: better-sqlite3 13 on Node 22 and later, 12 on Node 20. Every module (and
 * test) that opens a database takes it from here.
 *
 * better-sqlite3 12 builds on Node's own ObjectWrap, whose destructor since Node 24.19 checks
 * that a JavaScript context is entered; a garbage statement collected by a GC that runs outside
 * JavaScript (idle time, exit) aborts the process with `Assertion failed: (env) != nullptr`
 * (WiseLibs/better-sqlite3#1515, closed without a fix in 12; in this suite ~1 CLI run in 50 on
 * Node 24). 13 is built on Node-API and has no such destructor, but needs Node 22: on Node 20 it
 * crashes at the first query. Same API; `better-sqlite3-napi` is 13 under another name.
 */
import { createRequire } from 'node:module';
import Sqlite12 from 'better-sqlite3';

const major = Number(process.versions.node.split('.')[0]);

export const Database: typeof Sqlite12 =
  major >= 22 ? (createRequire(import.meta.url)('better-sqlite3-napi') as typeof Sqlite12) : Sqlite12;

/** The package to require() in a worker thread for the same driver. */
export const DRIVER_PACKAGE = major >= 22 ? 'better-sqlite3-napi' : 'better-sqlite3';
