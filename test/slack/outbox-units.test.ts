/** The outbox's pieces on a fake clock: the retry policy (pure) and the pacer (milliseconds of test time). */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SlackCallError } from '../../src/adapters/slack/web-api.js';
import { Pacer, POST, UPDATE } from '../../src/daemon/outbox/pacer.js';
import {
  afterFailure,
  HEALTHY,
  healthAfterFailure,
  healthAfterSuccess,
  MAX_PERMANENT_ATTEMPTS,
  OUTAGE_AFTER,
  rowBackoffMs,
} from '../../src/daemon/outbox/retry-policy.js';
import { FakeTimers } from '../support/fake-timers.js';

const uncertain = { kind: 'uncertain' as const, error: 'HTTP 503' };
const permanent = { kind: 'permanent' as const, error: 'channel_not_found' };

describe('retry policy', () => {
  test('per-row backoff doubles from 1 s up to 5 min; a 429 is not an attempt', () => {
    assert.deepEqual([1, 2, 3, 4, 9, 10, 30].map(rowBackoffMs), [1000, 2000, 4000, 8000, 256_000, 300_000, 300_000]);
    assert.deepEqual(afterFailure({ kind: 'rate_limited', retryAfterMs: 3000, error: '429' }, 5), { kind: 'rate-limited' });
    assert.deepEqual(afterFailure(uncertain, 3), { kind: 'retry', delayMs: 4000 });
  });

  test('a permanent refusal is given up after a few attempts; an uncertain one never', () => {
    assert.equal(afterFailure(permanent, MAX_PERMANENT_ATTEMPTS - 1).kind, 'retry');
    assert.equal(afterFailure(permanent, MAX_PERMANENT_ATTEMPTS).kind, 'give-up');
    assert.equal(afterFailure(uncertain, 100).kind, 'retry');
  });

  test('consecutive uncertain failures declare an outage; the next success ends it', () => {
    let h = HEALTHY;
    for (let i = 1; i < OUTAGE_AFTER; i++) h = healthAfterFailure(h, uncertain, 0);
    assert.equal(h.outage, false);
    h = healthAfterFailure(h, permanent, 0);
    assert.equal(h.outage, false, 'a refusal says nothing about reachability');
    h = healthAfterFailure(h, uncertain, 1000);
    assert.deepEqual(h, { failures: OUTAGE_AFTER, outage: true, probeAt: 2000 });
    const probes = [h.probeAt - 1000];
    for (let i = 0; i < 8; i++) {
      h = healthAfterFailure(h, uncertain, 0);
      probes.push(h.probeAt);
    }
    assert.deepEqual(probes, [1000, 2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000, 30_000], 'probes back off to 30 s');
    assert.deepEqual(healthAfterSuccess(h), { health: HEALTHY, recovered: true });
    assert.deepEqual(healthAfterSuccess(HEALTHY), { health: HEALTHY, recovered: false });
  });
});

describe('pacer (fake clock)', () => {
  const ok = async () => 'ok';
  const fail = (failure: ConstructorParameters<typeof SlackCallError>[1]) => async () => {
    throw new SlackCallError('x', failure);
  };

  test('posts are spaced per channel, updates across the workspace', async () => {
    const t = new FakeTimers(0);
    const pacer = new Pacer(t, { postIntervalMs: 1000, updateIntervalMs: 1200 });
    const at: Record<string, number[]> = {};
    const run = (key: string, channel: string, method: string) =>
      pacer.call(channel, method, async () => {
        (at[key] ??= []).push(t.now());
      });
    const all = Promise.all([
      ...Array.from({ length: 3 }, () => run('A posts', 'CA', POST)),
      ...Array.from({ length: 2 }, () => run('B posts', 'CB', POST)),
      run('A update', 'CA', UPDATE),
      run('B update', 'CB', UPDATE),
      run('A update', 'CA', UPDATE),
    ]);
    await t.advance(10_000);
    await all;
    assert.deepEqual(at['A posts'], [0, 1000, 2000]);
    assert.deepEqual(at['B posts'], [0, 1000], 'another channel posts on its own pace');
    assert.deepEqual(
      [...at['A update']!, ...at['B update']!].sort((a, b) => a - b),
      [0, 1200, 2400],
      'chat.update is one workspace-wide pace',
    );
  });

  test('a 429 holds the method for Retry-After, then calls go again', async () => {
    const t = new FakeTimers(0);
    const pacer = new Pacer(t, { postIntervalMs: 1000, updateIntervalMs: 1200 });
    await assert.rejects(pacer.call('CA', POST, fail({ kind: 'rate_limited', retryAfterMs: 30_000, error: '429' })));
    assert.equal(pacer.readyAt('CA', POST), 30_000);
    assert.equal(pacer.readyAt('CB', POST), 30_000, 'the limit is per method');
    assert.equal(pacer.readyAt('CA', UPDATE), 0, 'other methods are not held');
    const done = pacer.call('CB', POST, async () => t.now());
    await t.advance(29_999);
    let settled = false;
    void done.then(() => {
      settled = true;
    });
    await t.settle();
    assert.equal(settled, false);
    await t.advance(1);
    assert.equal(await done, 30_000);
  });

  test('an outage pauses every call, probing with a growing delay; the first success ends it and reports the recovery', async () => {
    const t = new FakeTimers(0);
    let recovered = 0;
    const pacer = new Pacer(t, { postIntervalMs: 1000, updateIntervalMs: 1200 }, () => recovered++);
    const attempts: number[] = [];
    let down = true;
    const call = () =>
      pacer
        .call('CA', UPDATE, async () => {
          attempts.push(t.now());
          if (down) throw new SlackCallError(UPDATE, uncertain);
          return 'ok';
        })
        .catch(() => 'failed');
    // A caller that keeps trying, as the worker does.
    const loop = (async () => {
      while ((await call()) === 'failed') {
        /* the pacer decides when */
      }
    })();
    await t.advance(60_000);
    const during = attempts.length;
    assert.ok(during <= 12, `probes, not a hammering: ${during} calls in a minute`);
    const gaps = attempts.slice(OUTAGE_AFTER).map((a, i) => a - attempts[OUTAGE_AFTER - 1 + i]!);
    assert.ok(
      gaps.every((g, i) => i === 0 || g >= gaps[i - 1]!),
      `growing probe delays: ${gaps}`,
    );
    down = false;
    await t.advance(31_000);
    await loop;
    assert.equal(recovered, 1);
    assert.equal(pacer.health.outage, false);
    assert.equal(await pacer.call('CA', POST, ok), 'ok');
  });
});
