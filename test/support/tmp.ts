/** Temp directories and databases for tests, removed after the test. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestContext } from 'node:test';

export function tempDir(t: TestContext | { after(fn: () => void): void }, prefix = 'chatops-test-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  // Retried: a daemon the same test still stops (after hooks run in order) may write its WAL meanwhile.
  t.after(() => fs.rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 }));
  return dir;
}

export const FIXTURES = path.resolve(import.meta.dirname, '../fixtures');

export function fixture(name: string): string {
  return fs.readFileSync(path.join(FIXTURES, name), 'utf8');
}
