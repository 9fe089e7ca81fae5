/**
 * What the daemon adds to a thread is escaped like everything else: a query, a pod name, an
 * event message or an SLO name from the cluster or Prometheus cannot ping, forge a link or break
 * Block Kit, and every rendering passes the emulator's Block Kit validation.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { graphCaption, renderNote, renderWorkload, sloBlock } from '../../src/adapters/slack/render-extras.js';
import { validateBlocks } from '../support/slack-emulator.js';

const HOSTILE = [
  '<!channel>',
  '<@U0BOSS>',
  '<https://evil.example|click me>',
  '&lt;!here&gt;',
  '```',
  'a'.repeat(5000),
  '`x`\n<!everyone>',
];

/** Every `<…>` left in mrkdwn is one the renderer built (a link to an http(s) URL). */
function onlyOwnAngles(text: string): void {
  for (const m of text.matchAll(/<([^>]*)>/g)) assert.match(m[1]!, /^https?:\/\/[^|]+\|/, `unexpected <${m[1]}> in ${text.slice(0, 200)}`);
}

describe('render extras: escaped and within Block Kit limits', () => {
  for (const h of HOSTILE) {
    it(JSON.stringify(h.slice(0, 30)), () => {
      const messages = [
        renderNote(`Graph not posted: ${h}: no data`),
        renderWorkload(`prod/${h}`, [`${h}: 1/3 ready`, `  ${h}  CrashLoopBackOff  restarts 3`, `  10:00Z BackOff Pod/${h}: ${h}`]),
      ];
      for (const m of messages) {
        assert.deepEqual(validateBlocks(m.blocks), []);
        assert.ok(m.text.length <= 4000);
        onlyOwnAngles(JSON.stringify(m.blocks));
      }
      const slo = sloBlock([
        { text: `SLO ${h}: 40 % of the error budget left`, dashboard: 'https://grafana.example/d/slo?x=1' },
        { text: h, dashboard: `javascript:alert(1)` },
      ])!;
      assert.deepEqual(validateBlocks([slo]), []);
      const sloText = (slo.elements as { text: string }[])[0]!.text;
      onlyOwnAngles(sloText);
      assert.equal((sloText.match(/SLO dashboard/g) ?? []).length, 1, 'only the http(s) dashboard becomes a link');
      const caption = graphCaption([`rate(${h}[5m])`], '10:00–11:00 UTC (1h)', false, [h]);
      onlyOwnAngles(caption);
      assert.ok(caption.length <= 3000);
    });
  }
});
