/**
 * Slack's external upload flow through the real @slack/web-api (filesUploadV2) against the
 * emulator, which enforces it the way Slack does: the files:write scope, the announced length,
 * one use per upload URL, and a thread that belongs to the channel the files are shared in.
 */
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import pino from 'pino';
import { PNG } from 'pngjs';
import { SlackCallError, SlackWebApi } from '../../src/adapters/slack/web-api.js';
import { SlackEmulator, type EmulatorOptions } from '../support/slack-emulator.js';

const logger = pino({ level: 'silent' });

function png(width = 4, height = 3): Buffer {
  const img = new PNG({ width, height });
  img.data.fill(200);
  return PNG.sync.write(img);
}

async function setup(t: TestContext, opts: EmulatorOptions = {}) {
  const emu = await SlackEmulator.start({ channels: ['C0OPS', 'C0OTHER'], ...opts });
  t.after(() => emu.stop());
  const api = new SlackWebApi({ token: 'xoxb-test', apiUrl: emu.apiUrl, timeoutMs: 5000, logger });
  const top = await api.post({ channel: 'C0OPS', text: 'incident', blocks: [] });
  return { emu, api, top };
}

async function failure(p: Promise<unknown>): Promise<SlackCallError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof SlackCallError, String(e));
    return e;
  }
  assert.fail('expected the call to fail');
}

describe('filesUploadV2 against the emulator', () => {
  it('shares two PNGs as one message in the thread, with titles and alt text', async (t) => {
    const { emu, api, top } = await setup(t);
    const a = png(4, 3);
    const b = png(8, 2);
    const r = await api.uploadFiles({
      channel: 'C0OPS',
      threadTs: top.ts,
      comment: 'Graphs',
      files: [
        { data: a, filename: 'a.png', title: 'first', altText: 'the first graph' },
        { data: b, filename: 'b.png', title: 'second', altText: 'the second' },
      ],
    });
    assert.equal(r.fileIds.length, 2);
    const replies = emu.replies(top.ts);
    assert.equal(replies.length, 1, 'one message for both files');
    assert.equal(replies[0]!.text, 'Graphs');
    const files = emu.threadFiles(top.ts);
    assert.deepEqual(
      files.map((f) => [f.title, f.mimetype, f.altText]),
      [
        ['first', 'image/png', 'the first graph'],
        ['second', 'image/png', 'the second'],
      ],
    );
    assert.ok(files[0]!.data.equals(a) && files[1]!.data.equals(b), 'the bytes arrive unchanged');
    assert.deepEqual(
      emu.calls.map((c) => c.method).filter((m) => m.startsWith('files.')),
      ['files.getUploadURLExternal', 'files.getUploadURLExternal', 'files.completeUploadExternal'],
    );
    assert.deepEqual(
      emu.uploads.map((u) => u.status),
      [200, 200],
    );
  });

  it('without files:write: missing_scope, a permanent failure, nothing shared', async (t) => {
    const { emu, api, top } = await setup(t, { scopes: ['chat:write'] });
    const e = await failure(
      api.uploadFiles({ channel: 'C0OPS', threadTs: top.ts, files: [{ data: png(), filename: 'g.png', title: 'g', altText: 'g' }] }),
    );
    assert.deepEqual([e.failure.kind, e.failure.error], ['permanent', 'missing_scope']);
    assert.equal(emu.callsOf('files.getUploadURLExternal')[0]!.error, 'missing_scope');
    assert.equal(emu.threadFiles(top.ts).length, 0);
  });

  it("a thread of another channel, or a reply's ts, is refused at completion", async (t) => {
    const { emu, api, top } = await setup(t);
    const other = await api.post({ channel: 'C0OTHER', text: 'elsewhere', blocks: [] });
    const reply = await api.post({ channel: 'C0OPS', threadTs: top.ts, text: 'a reply', blocks: [] });
    for (const threadTs of [other.ts, reply.ts]) {
      const e = await failure(
        api.uploadFiles({ channel: 'C0OPS', threadTs, files: [{ data: png(), filename: 'g.png', title: 'g', altText: 'g' }] }),
      );
      assert.deepEqual([e.failure.kind, e.failure.error], ['permanent', 'invalid_thread_ts']);
    }
    assert.equal(emu.messages.filter((m) => m.files).length, 0);
  });

  it('a file over the size limit is refused before any byte is sent', async (t) => {
    const { emu, api, top } = await setup(t, { maxFileBytes: 64 });
    const e = await failure(
      api.uploadFiles({ channel: 'C0OPS', threadTs: top.ts, files: [{ data: png(40, 40), filename: 'g.png', title: 'g', altText: 'g' }] }),
    );
    assert.deepEqual([e.failure.kind, e.failure.error], ['permanent', 'file_too_large']);
    assert.equal(emu.uploads.length, 0);
  });

  it('429 with Retry-After: rate limited with the wait, not retried by the client', async (t) => {
    const { emu, api, top } = await setup(t);
    emu.fault('files.getUploadURLExternal', { type: 'status', status: 429, retryAfter: 7 });
    const e = await failure(
      api.uploadFiles({ channel: 'C0OPS', threadTs: top.ts, files: [{ data: png(), filename: 'g.png', title: 'g', altText: 'g' }] }),
    );
    assert.equal(e.failure.kind, 'rate_limited');
    assert.equal(e.failure.kind === 'rate_limited' && e.failure.retryAfterMs, 7000);
    assert.equal(emu.callsOf('files.getUploadURLExternal').length, 1);
  });

  it('the upload URL failing: an error, and the file is never completed', async (t) => {
    const { emu, api, top } = await setup(t);
    emu.fault('upload', { type: 'status', status: 500 });
    const e = await failure(
      api.uploadFiles({ channel: 'C0OPS', threadTs: top.ts, files: [{ data: png(), filename: 'g.png', title: 'g', altText: 'g' }] }),
    );
    assert.equal(e.failure.kind, 'uncertain');
    assert.equal(emu.callsOf('files.completeUploadExternal').length, 0);
    assert.equal(emu.threadFiles(top.ts).length, 0);
  });

  it('the upload URL takes exactly the announced length, once', async (t) => {
    const { emu } = await setup(t);
    const res = await fetch(`${emu.apiUrl}files.getUploadURLExternal`, {
      method: 'POST',
      headers: { authorization: 'Bearer xoxb-test', 'content-type': 'application/x-www-form-urlencoded' },
      body: 'filename=g.png&length=5',
    });
    const { upload_url: url, file_id: id } = (await res.json()) as { upload_url: string; file_id: string };
    assert.equal((await fetch(url, { method: 'POST', body: 'toolong' })).status, 400);
    assert.equal((await fetch(url, { method: 'POST', body: '12345' })).status, 200);
    assert.equal((await fetch(url, { method: 'POST', body: '12345' })).status, 410);
    const complete = async () =>
      (await (
        await fetch(`${emu.apiUrl}files.completeUploadExternal`, {
          method: 'POST',
          headers: { authorization: 'Bearer xoxb-test', 'content-type': 'application/json' },
          body: JSON.stringify({ files: [{ id }], channel_id: 'C0NOPE' }),
        })
      ).json()) as { ok: boolean; error?: string };
    assert.deepEqual(await complete(), { ok: false, error: 'channel_not_found' });
  });
});
