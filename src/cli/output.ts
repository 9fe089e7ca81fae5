import { terminalSafe } from '../text/terminal.js';

/**
 * The CLI's one output funnel: the only module that writes to stdout (and, for commands, to
 * stderr). Every chunk passes the terminal sanitiser (src/text/terminal.ts) on its way out.
 * One rule for JSON: `--json` prints exactly one document, pretty (two-space indent) when
 * stdout is a terminal and compact (one line) otherwise; `jsonLines` (audit export) is
 * the one line-per-row format. A reader that goes away (`chatops audit export | head -1`)
 * closes the funnel: further output is dropped silently and the command finishes normally.
 */

/** Where text goes: a stream-like writer (process.stdout, or a buffer in tests). */
export interface Sink {
  write(text: string): void;
  /** True once the reader has gone away (EPIPE): nothing more can be written. */
  readonly gone: boolean;
  readonly isTTY: boolean;
}

export class Output {
  /** JSON documents printed so far (a failure after one prints no second). */
  documents = 0;

  constructor(
    private readonly stdout: Sink,
    private readonly stderr: Sink,
  ) {}

  /** stdout is a terminal (a person reads it): pretty JSON, progress bars, the live UI. */
  get isTTY(): boolean {
    return this.stdout.isTTY;
  }

  /** The reader of stdout has gone: stop producing output. */
  get closed(): boolean {
    return this.stdout.gone;
  }

  /** Text for people on stdout; a final newline is added when missing. */
  text(s: string): void {
    this.write(this.stdout, s.endsWith('\n') ? s : `${s}\n`);
  }

  /** Text exactly as given (commander's help, partial progress lines). */
  raw(s: string): void {
    this.write(this.stdout, s);
  }

  /** One JSON document on stdout, by the one rule (pretty on a terminal, else compact). */
  json(value: unknown): void {
    this.documents++;
    this.write(this.stdout, `${JSON.stringify(value, null, this.indent())}\n`);
  }

  /** One JSON array document from rows produced one at a time (a large list is never held whole). */
  jsonArray<T>(rows: Iterable<T>, map: (row: T) => unknown = (r) => r): void {
    this.documents++;
    const indent = this.indent();
    const item = (v: unknown) => (indent ? JSON.stringify(v, null, indent).replace(/^/gm, '  ') : JSON.stringify(v));
    let chunk = '[';
    let first = true;
    for (const row of rows) {
      if (this.closed) return;
      chunk += `${first ? '' : ','}${indent ? '\n' : ''}${item(map(row))}`;
      first = false;
      if (chunk.length > 64 * 1024) {
        this.write(this.stdout, chunk);
        chunk = '';
      }
    }
    this.write(this.stdout, `${chunk}${indent && !first ? '\n' : ''}]\n`);
  }

  /** JSON Lines: one compact document per row (the export format, not `--json`). */
  jsonLines<T>(rows: Iterable<T>, map: (row: T) => unknown = (r) => r): void {
    for (const row of rows) {
      if (this.closed) return;
      this.write(this.stdout, `${JSON.stringify(map(row))}\n`);
    }
  }

  /**
   * A command's result: its JSON document with `--json`, else the text for people. The text is
   * built only when it is printed.
   */
  result(opts: { json?: boolean }, json: unknown, text: () => string): void {
    if (opts.json) this.json(json);
    else this.text(text());
  }

  /** Progress and notes for the person, on stderr (stdout stays the result). */
  note(s: string): void {
    this.write(this.stderr, s);
  }

  /** The one-sentence error line: `chatops: <what is wrong and how to fix it>`. */
  error(sentence: string): void {
    this.write(this.stderr, `chatops: ${sentence.replace(/\n+$/, '')}\n`);
  }

  private indent(): number | undefined {
    return this.stdout.isTTY ? 2 : undefined;
  }

  private write(sink: Sink, s: string): void {
    if (!sink.gone) sink.write(terminalSafe(s));
  }
}

/**
 * A process stream as a Sink. EPIPE (the reader closed the pipe) and other write errors mark it
 * gone instead of crashing the process with an unhandled 'error' event.
 */
function streamSink(stream: NodeJS.WriteStream): Sink {
  let failed = false;
  stream.on('error', () => {
    failed = true;
  });
  return {
    write: (s) => {
      stream.write(s);
    },
    // A write that fails with EPIPE destroys the stream synchronously; the 'error' event follows later.
    get gone() {
      return failed || stream.destroyed;
    },
    get isTTY() {
      return Boolean(stream.isTTY);
    },
  };
}

/** A Sink that keeps what is written (tests, and commands that capture output). */
export function bufferSink(isTTY = false): Sink & { text(): string } {
  const parts: string[] = [];
  return { write: (s) => void parts.push(s), gone: false, isTTY, text: () => parts.join('') };
}

let processOutput: Output | null = null;

/** The Output of this process (stdout and stderr), created once. */
export function stdOutput(): Output {
  processOutput ??= new Output(streamSink(process.stdout), streamSink(process.stderr));
  return processOutput;
}
