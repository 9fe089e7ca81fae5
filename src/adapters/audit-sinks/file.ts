/** JSONL file sink: one exported row per line, fsynced; on start it reads what the file already holds. */
import fs from 'node:fs';
import path from 'node:path';
import { auditExport } from '../../core/audit-chain.js';
import type { AuditRecord } from '../../core/types.js';
import type { AuditSink } from './sink.js';

export class FileSink implements AuditSink {
  readonly name: string;
  constructor(private readonly file: string) {
    this.name = `file:${file}`;
  }

  async send(rows: readonly AuditRecord[]): Promise<void> {
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    const fd = fs.openSync(this.file, 'a+', 0o600);
    try {
      // A crash mid-write leaves a torn last line: end it so the next row starts clean.
      const size = fs.fstatSync(fd).size;
      if (size > 0) {
        const last = Buffer.alloc(1);
        fs.readSync(fd, last, 0, 1, size - 1);
        if (last[0] !== 0x0a) fs.writeSync(fd, '\n');
      }
      fs.writeSync(fd, rows.map((r) => `${JSON.stringify(auditExport(r))}\n`).join(''));
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  }

  /** The seq of the last complete line, so a crash between write and cursor update does not duplicate. */
  lastDelivered(): number | null {
    let fd: number;
    try {
      fd = fs.openSync(this.file, 'r');
    } catch {
      return null;
    }
    try {
      const size = fs.fstatSync(fd).size;
      const len = Math.min(size, 64 * 1024);
      const buf = Buffer.alloc(len);
      fs.readSync(fd, buf, 0, len, size - len);
      const lines = buf.toString('utf8').split('\n').filter(Boolean);
      for (let i = lines.length - 1; i >= 0; i--) {
        try {
          return (JSON.parse(lines[i]!) as { seq: number }).seq;
        } catch {
          // a torn last line: look at the one before
        }
      }
      return null;
    } finally {
      fs.closeSync(fd);
    }
  }
}
