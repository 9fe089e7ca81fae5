/** The faces' outcome renderers on their own: escaping and cleaning of what reaches Slack and the terminal. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EXIT_OF, outcomeLine, printOutcome } from '../../src/cli/outcome.js';
import { bufferSink, Output } from '../../src/cli/output.js';
import { outcome } from '../../src/core/outcome.js';
import { ephemeralNote } from '../../src/daemon/slack-interactions.js';

describe('outcome renderers', () => {
  it('Slack: setbacks and reports are escaped notes with the lead and the hint apart; done is shown to everyone instead', () => {
    const hostile = outcome('unchanged', 'Incident 1 was already acknowledged by <!channel> & <@U1>.', null, {
      hint: 'Try <https://evil|here>.',
    });
    assert.equal(
      ephemeralNote(hostile),
      'Incident 1 was already acknowledged by &lt;!channel&gt; &amp; &lt;@U1&gt;.\nTry &lt;https://evil|here&gt;.',
    );
    assert.equal(
      ephemeralNote(outcome('refused', 'the service account may not patch', null, { lead: 'Refused before anyone approves' })),
      'Refused before anyone approves: the service account may not patch',
    );
    assert.equal(ephemeralNote(outcome('refused', 'x may not approve', null)), 'Refused: x may not approve');
    assert.equal(ephemeralNote(outcome('conflict', 'Request r-1 is already decided.', null)), 'Request r-1 is already decided.');
    for (const kind of ['done', 'pending', 'failed'] as const)
      assert.equal(ephemeralNote(outcome(kind, 'told in the thread', null)), null, kind);
  });

  it("CLI: control characters never reach the terminal; --json keeps the message exact; the exit code is the kind's", () => {
    assert.equal(outcomeLine(outcome('refused', 'evil\u001b[2Jname may not', null)), 'Refused: evilname may not');
    const stdout = bufferSink();
    const stderr = bufferSink();
    const o = outcome('conflict', 'Incident 2 is already resolved\u0007.', { n: 1 });
    assert.equal(printOutcome(o, { json: (d) => d }, { json: true }, new Output(stdout, stderr)), EXIT_OF.conflict);
    assert.deepEqual(JSON.parse(stdout.text()), { kind: 'conflict', message: 'Incident 2 is already resolved\u0007.', hint: null, n: 1 });
    assert.equal(stderr.text(), 'chatops: Incident 2 is already resolved.\n');
    assert.deepEqual(EXIT_OF, { done: 0, unchanged: 0, pending: 3, refused: 4, conflict: 1, failed: 5 });
  });
});
