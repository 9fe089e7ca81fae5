/**
 * `chatops incidents show` on the terminal: the incident's query drawn as text from the real
 * Prometheus (the same queries and window as the Slack graph), `--no-graph` skips it, a down
 * Prometheus is one line, and --json stays exactly the document it was.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { runCliAsync } from '../support/slack-daemon.js';
import { webhookBody } from '../support/builders.js';
import { freePort, startPrometheus, waitForScrapes } from '../support/promstack.js';
import { tempDir } from '../support/tmp.js';

describe('incidents show: the graph on the terminal', () => {
  it('draws the query, skips it with --no-graph, says why when Prometheus is down', async (t) => {
    const dir = tempDir(t);
    const prom = await startPrometheus(dir);
    t.after(() => prom.stop());
    await waitForScrapes(prom);
    const payload = path.join(dir, 'alert.json');
    fs.writeFileSync(
      payload,
      JSON.stringify(
        webhookBody([
          {
            fingerprint: 'd000000000000001',
            startsAt: Date.now() - 20_000,
            labels: { alertname: 'TargetUp', namespace: 'prod' },
            annotations: { summary: 's', promql_query: 'up == 1' },
          },
        ]),
      ),
    );
    fs.writeFileSync(path.join(dir, 'chatops.yaml'), 'graphs:\n  lookback: 1m\n  min_step: 1s\n  points: 60\n');
    const env = { CHATOPS_DB: path.join(dir, 'chatops.db'), CHATOPS_CONFIG: path.join(dir, 'chatops.yaml'), PROMETHEUS_URL: prom.url };
    assert.equal((await runCliAsync(['alerts', 'ingest', payload], env)).code, 0);

    const shown = await runCliAsync(['incidents', 'show', '1'], env);
    assert.equal(shown.code, 0, shown.stderr);
    const lines = shown.stdout.split('\n');
    const title = lines.indexOf('up');
    assert.ok(title > 0, `the query's title line in:\n${shown.stdout}`);
    assert.match(lines[title + 1]!, /^\d\d:\d\d:\d\d–\d\d:\d\d:\d\d UTC · threshold == 1$/);
    assert.ok(
      lines.slice(title + 2, title + 10).every((l) => /^ *[\d.]*[kMµm]?┤[\u2800-\u28ff]+$/.test(l)),
      'eight rows of braille',
    );
    assert.ok(
      lines.slice(title + 2, title + 10).some((l) => /[\u2801-\u28ff]/.test(l)),
      'something is drawn',
    );
    assert.match(lines[title + 11]!, /▲firing \d\d:\d\d:\d\d/);
    assert.match(lines[title + 12]!, /^ {2}up +[▁-█ ]+ {2}1$/);

    const plain = await runCliAsync(['incidents', 'show', '1', '--no-graph'], env);
    assert.equal(plain.code, 0);
    assert.ok(!/[\u2800-\u28ff]/.test(plain.stdout) && !plain.stdout.includes('┤'), 'no chart with --no-graph');

    const json = await runCliAsync(['incidents', 'show', '1', '--json'], env);
    assert.equal(JSON.parse(json.stdout).id, 1, 'one JSON document, no chart');

    const down = await runCliAsync(['incidents', 'show', '1'], { ...env, PROMETHEUS_URL: `http://127.0.0.1:${await freePort()}` });
    assert.equal(down.code, 0, 'the incident is still shown');
    assert.match(down.stdout, /\nGraph of up: Prometheus is unreachable \(cannot reach Prometheus \(ECONNREFUSED\)\)\n$/);
  });
});
