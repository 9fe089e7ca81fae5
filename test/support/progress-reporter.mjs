/**
 * The test output a person reads (`npm test`, `bash test/run.sh`): one line per test file as it
 * finishes, with a running count; each failure in full, and all of them again at the end; then
 * the totals, closing with the `# pass N` / `# fail N` lines CI scripts read. Node's runner
 * reports a file's tests only when that file has finished, so a file is the unit of progress.
 * Machines that want TAP get it in a file (TEST_TAP_FILE, see test/run.sh).
 * Plain JavaScript: node loads reporters before tsx can compile TypeScript.
 */
import path from 'node:path';
import { inspect } from 'node:util';

/**
 * @typedef {{ name: string, nesting: number, file?: string, details?: { duration_ms?: number, type?: string, error?: unknown }, skip?: boolean | string, message?: string }} TestData
 * @typedef {{ type: string, data: TestData }} TestEvent
 */

const ROOT = process.cwd();
/** @param {string | undefined} file */
const rel = (file) => (file ? path.relative(ROOT, file) : '?');
/** @param {number} ms */
const seconds = (ms) =>
  ms >= 60_000 ? `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s` : `${(ms / 1000).toFixed(1)} s`;

/** @param {any} error */
function describeError(error) {
  const e = error;
  // The runner wraps the test's own error in `cause`; show that one, without the runner's frames.
  const inner = e?.cause ?? e;
  return inspect(inner, { depth: 4, colors: false })
    .split('\n')
    .filter((l) => !/\(node:|at node:|node_modules\//.test(l))
    .slice(0, 40)
    .join('\n');
}

/** @param {AsyncIterable<TestEvent>} source */
export default async function* progressReporter(source) {
  const started = Date.now();
  const files = new Set();
  let done = 0;
  /** @type {string[]} */
  const failures = [];
  const totals = new Map();
  /** What each file printed on stderr: shown when the file itself fails (it did not load, it crashed). */
  const stderr = new Map();
  for await (const event of source) {
    const d = event.data;
    const isFile =
      typeof d.file === 'string' && typeof d.name === 'string' && d.nesting === 0 && path.resolve(d.name) === path.resolve(d.file);
    const error = /** @type {any} */ (d.details?.error);
    switch (event.type) {
      case 'test:enqueue':
        if (isFile) files.add(d.file);
        break;
      case 'test:complete':
        // Arrives when the file finishes; its tests' own events follow later, in file order.
        if (isFile) {
          done++;
          const passed = /** @type {any} */ (d.details)?.passed;
          yield `${passed ? '✔' : '✖'} ${rel(d.file)}  ${seconds(d.details?.duration_ms ?? 0)}  [${done}/${Math.max(files.size, done)}]\n`;
        }
        break;
      case 'test:stderr':
        if (d.file) stderr.set(d.file, `${stderr.get(d.file) ?? ''}${d.message ?? ''}`);
        break;
      case 'test:fail': {
        // A suite or file that failed because tests inside it failed adds nothing: those report themselves.
        if (error?.failureType === 'subtestsFailed') break;
        const printed = isFile && stderr.has(d.file) ? `\n${stderr.get(d.file).trimEnd().split('\n').slice(-30).join('\n')}` : '';
        const text = `✖ ${rel(d.file)}${isFile ? '' : ` › ${d.name}`}\n${`${describeError(error)}${printed}`.replace(/^/gm, '    ')}\n`;
        failures.push(text);
        yield text;
        break;
      }
      case 'test:diagnostic':
        // The run's own totals arrive as diagnostics without a file ("tests 12", "pass 12", …).
        if (d.nesting === 0 && d.file === undefined) {
          const m = /^(\w+) ([\d.]+)$/.exec(d.message ?? '');
          if (m) totals.set(m[1], m[2]);
        }
        break;
      default:
        break;
    }
  }
  if (failures.length > 0) yield `\nFailures (${failures.length}):\n\n${failures.join('\n')}`;
  /** @param {string} k */
  const n = (k) => totals.get(k) ?? '0';
  yield `\n${n('fail') === '0' ? '✔' : '✖'} ${n('tests')} test${n('tests') === '1' ? '' : 's'} in ${files.size} file${files.size === 1 ? '' : 's'}: ${n('pass')} passed, ${n('fail')} failed, ${n('cancelled')} cancelled, ${n('skipped')} skipped, ${n('todo')} todo (${seconds(Date.now() - started)})\n`;
  for (const k of ['tests', 'suites', 'pass', 'fail', 'cancelled', 'skipped', 'todo']) yield `# ${k} ${n(k)}\n`;
}
