/**
 * The TUI detail view draws the open incident's graph: the same incidentGraph the CLI and the
 * screen use, against a real Prometheus scraping itself, fetched in the background; without a
 * graph fetcher (no Prometheus, or --no-graph) there is no Graph section.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { render } from 'ink-testing-library';
import { incidentGraph } from '../../src/cli/incident-graph.js';
import { parseConfig } from '../../src/config/schema.js';
import { App } from '../../src/tui/app.js';
import { startPrometheus, waitForScrapes } from '../support/promstack.js';
import { tempDir } from '../support/tmp.js';
import { depsFor, frameWhere, frameWith, ingest, KEY, openStore } from './support.js';

const size = { columns: 100, rows: 80 };
const clock = { now: () => Date.now() };

function seed(t: import('node:test').TestContext) {
  const store = openStore(t);
  ingest(
    store,
    clock,
    [
      {
        fingerprint: 'ab00000000000001',
        startsAt: Date.now() - 20_000,
        labels: { alertname: 'TargetUp', namespace: 'prod' },
        annotations: { summary: 's', promql_query: 'up == 1' },
      },
    ],
    'g',
  );
  return store;
}

describe('TUI detail: the graph', () => {
  it("draws the incident's query from Prometheus under Graph", async (t) => {
    const dir = tempDir(t);
    const prom = await startPrometheus(dir);
    t.after(() => prom.stop());
    await waitForScrapes(prom);
    const parsed = parseConfig({ graphs: { lookback: '1m', min_step: '1s', points: 60 }, prometheus: { url: prom.url } });
    assert.ok(parsed.ok);
    const config = parsed.config;
    const store = seed(t);
    const deps = depsFor(store, clock, {
      graph: (incident, alerts, width) =>
        incidentGraph(config.graphs, { url: prom.url }, incident, alerts, { width, height: 6, now: Date.now() }),
    });
    const ui = render(<App deps={deps} size={size} />);
    t.after(() => ui.unmount());
    await frameWith(ui.lastFrame, 'TargetUp');
    ui.stdin.write(KEY.enter);
    const f = await frameWhere(ui.lastFrame, (fr) => /┤[\u2800-\u28ff]+/.test(fr) && fr.includes('▲firing'), 'the braille chart', 30_000);
    const lines = f.split('\n');
    const heading = lines.findIndex((l) => l.trim() === 'Graph');
    assert.ok(heading > 0, f);
    assert.equal(lines[heading + 1]!.trim(), 'up');
    assert.match(lines[heading + 2]!, /UTC · threshold == 1/);
    assert.ok(
      lines.every((l) => l.length <= size.columns),
      'every row fits the terminal',
    );
  });

  it('no fetcher: no Graph section', async (t) => {
    const store = seed(t);
    const ui = render(<App deps={depsFor(store, clock)} size={size} />);
    t.after(() => ui.unmount());
    await frameWith(ui.lastFrame, 'TargetUp');
    ui.stdin.write(KEY.enter);
    const f = await frameWith(ui.lastFrame, 'Enrichment');
    assert.ok(!f.split('\n').some((l) => l.trim() === 'Graph'), f);
  });
});
