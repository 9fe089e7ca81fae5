import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { workloadLines, workloadState } from '../../src/core/workload.js';

const NOW = Date.parse('2026-11-26T10:10:00Z');
const target = { namespace: 'prod', deployment: 'web' };
const pods = {
  deployment: { desired: 3, ready: 1, updated: 3, available: 1, paused: false },
  pods: [
    { name: 'web-1', phase: 'Running', ready: true, restarts: 0, waiting: null, lastTermination: null },
    {
      name: 'web-2',
      phase: 'Running',
      ready: false,
      restarts: 14,
      waiting: 'CrashLoopBackOff',
      lastTermination: { reason: 'OOMKilled', exitCode: 137, finishedAt: '2026-11-26T10:07:00Z' },
    },
    { name: 'web-3', phase: 'Pending', ready: false, restarts: 0, waiting: 'ImagePullBackOff', lastTermination: null },
  ],
};
const events = [
  { at: '2026-11-26T10:00:00Z', type: 'Normal', reason: 'Scheduled', object: 'Pod/web-2', message: 'ok', count: 1 },
  {
    at: '2026-11-26T10:05:00Z',
    type: 'Warning',
    reason: 'BackOff',
    object: 'Pod/web-2',
    message: 'Back-off restarting\nfailed container',
    count: 14,
  },
  { at: '2026-11-26T10:06:00Z', type: 'Warning', reason: 'Failed', object: 'Pod/web-3', message: 'ErrImagePull', count: 1 },
];

describe('workload state', () => {
  it('replicas, the pods not ready (most restarts first) with their last exit, the warning events', () => {
    const s = workloadState(target, pods, events, 5);
    assert.deepEqual(workloadLines(s, NOW), [
      'prod/web: 1/3 ready, 3 updated, 1 available',
      'Pods not ready (2 of 3):',
      '  web-2  CrashLoopBackOff  restarts 14, last exit OOMKilled (137) 3m ago',
      '  web-3  ImagePullBackOff  restarts 0',
      'Warning events (latest 2):',
      '  10:05Z BackOff Pod/web-2: Back-off restarting failed container (×14)',
      '  10:06Z Failed Pod/web-3: ErrImagePull',
    ]);
  });
  it('bounded: the last few warnings, a few pods with the total', () => {
    const many = { ...pods, pods: Array.from({ length: 9 }, (_, i) => ({ name: `p${i}`, phase: 'Running', ready: false, restarts: i })) };
    const s = workloadState(target, many, events, 1, 2);
    const lines = workloadLines(s, NOW);
    assert.equal(lines[1], 'Pods not ready (9 of 9, 2 shown):');
    assert.deepEqual(
      lines.slice(2, 4).map((l) => l.trim().split(' ')[0]),
      ['p8', 'p7'],
    );
    assert.equal(lines.filter((l) => l.includes('Z ')).length, 1);
  });
  it('all ready, no warnings; and tolerant of odd data', () => {
    const s = workloadState(
      target,
      {
        deployment: { desired: 2, ready: 2, updated: 2, available: 2 },
        pods: [
          { name: 'a', ready: true },
          { name: 'b', ready: true },
        ],
      },
      [],
      5,
    );
    assert.deepEqual(workloadLines(s, NOW).slice(1), ['All 2 pods ready.', 'No warning events.']);
    assert.deepEqual(workloadLines(workloadState(target, null, 'x', 5), NOW).slice(1), ['No pods.', 'No warning events.']);
  });
});
