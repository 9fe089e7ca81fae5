/**
 * The bookkeeping that keeps graphs, workload state and SLO from repeating: each is claimed once
 * per incident in the database; a restart resumes one left running; after MAX_ATTEMPTS it is
 * given up with a note, and a finished one is never run again. Real SQLite, the real runner,
 * a Prometheus address where nothing listens (queries fail at once).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import pino from 'pino';
import { parseWebhookPayload } from '../../src/adapters/alertmanager/webhook-schema.js';
import { SlackWebApi } from '../../src/adapters/slack/web-api.js';
import { ExtrasStore } from '../../src/adapters/store/extras-store.js';
import { openRuntime, type Runtime } from '../../src/app.js';
import { loadConfig } from '../../src/config/load.js';
import { ingestDelivery } from '../../src/core/ingest.js';
import { extrasConfig, IncidentExtras, MAX_ATTEMPTS, NOTE_EVENT } from '../../src/daemon/incident-extras.js';
import { webhookBody } from '../support/builders.js';
import { freePort } from '../support/promstack.js';
import { SlackEmulator } from '../support/slack-emulator.js';
import { tempDir } from '../support/tmp.js';

async function setup(t: TestContext): Promise<{ rt: Runtime; extras: ExtrasStore; runner: () => IncidentExtras; emu: SlackEmulator }> {
  const dir = tempDir(t);
  const file = path.join(dir, 'chatops.yaml');
  fs.writeFileSync(
    file,
    `store:\n  path: ${path.join(dir, 'chatops.db')}\nprometheus:\n  url: http://127.0.0.1:${await freePort()}\nslo:\n  enabled: false\n`,
  );
  const rt = openRuntime(loadConfig({ configPath: file, env: {} }), { notify: true });
  t.after(() => rt.close());
  const body = webhookBody([{ fingerprint: 'f000000000000001', annotations: { summary: 's', promql_query: 'up' } }]);
  ingestDelivery(rt.ingest, parseWebhookPayload(body, rt.clock.now()), JSON.stringify(body), {
    source: 'webhook',
    actor: 'alertmanager:test',
    auditSource: 'alertmanager',
  });
  const emu = await SlackEmulator.start();
  t.after(() => emu.stop());
  const logger = pino({ level: 'silent' });
  const files = new SlackWebApi({ token: 'xoxb-test', apiUrl: emu.apiUrl, timeoutMs: 2000, logger });
  const extras = new ExtrasStore(rt.store);
  const runner = () =>
    new IncidentExtras({
      store: rt.store,
      extras,
      files,
      clock: rt.clock,
      logger,
      config: extrasConfig(rt.loaded.config, rt.clusters),
      remediation: rt.remediation,
      onEnqueued: () => {},
    });
  return { rt, extras, runner, emu };
}

const notes = (rt: Runtime) =>
  (rt.store.db.prepare('SELECT payload FROM outbox WHERE kind = ? ORDER BY id').all(NOTE_EVENT) as { payload: string }[]).map(
    (r) => JSON.parse(r.payload).text as string,
  );

describe('incident extras: once per incident, bounded', () => {
  it('a graph is tried once; opening the incident again does not run it again', async (t) => {
    const { rt, extras, runner } = await setup(t);
    const r = runner();
    r.opened(1, 'C0OPS', '1.000001');
    await r.settled();
    assert.equal(extras.get(1, 'graph.opened')?.state, 'noted');
    assert.equal(notes(rt).length, 1);
    const again = runner();
    again.opened(1, 'C0OPS', '1.000001');
    again.resolved(1, 'C0OPS', '1.000001');
    await again.settled();
    assert.equal(extras.get(1, 'graph.opened')?.attempts, 1, 'not claimed again');
    assert.equal(extras.get(1, 'graph.resolved')?.state, 'noted', 'the recovery graph is its own extra');
  });

  it('one left running by a stopped process is resumed, and given up with a note when out of attempts', async (t) => {
    const { rt, extras, runner } = await setup(t);
    // A process claimed it and died (attempt 1 of MAX_ATTEMPTS).
    assert.ok(extras.claim(1, 'graph.opened', rt.clock.now(), MAX_ATTEMPTS));
    const r = runner();
    r.resume(() => ({ channel: 'C0OPS', ts: '1.000001' }));
    await r.settled();
    assert.deepEqual([extras.get(1, 'graph.opened')?.state, extras.get(1, 'graph.opened')?.attempts], ['noted', 2]);

    // Another dies on every try: out of attempts, one note says so and it is never claimed again.
    assert.ok(extras.claim(1, 'workload', rt.clock.now(), MAX_ATTEMPTS));
    assert.ok(extras.claim(1, 'workload', rt.clock.now(), MAX_ATTEMPTS));
    assert.equal(extras.claim(1, 'workload', rt.clock.now(), MAX_ATTEMPTS), false);
    const rt2 = runner();
    rt2.resume(() => ({ channel: 'C0OPS', ts: '1.000001' }));
    await rt2.settled();
    assert.equal(extras.get(1, 'workload')?.state, 'noted');
    assert.match(notes(rt).at(-1)!, /^Workload state not added: it was interrupted 2 times$/);
    assert.equal(extras.running().length, 0);
  });
});
