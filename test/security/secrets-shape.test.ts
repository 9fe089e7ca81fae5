/**
 * Secrets never echoed: token shapes are checked on load (a stray second line never reaches an
 * HTTP header, whose error message would print the token), refusals name the file or variable
 * and never the content; one redactor replaces every configured secret value in log lines
 * (pino's last write hook, so a library's error message is covered) and in the CLI's error
 * funnel. `require_mapped_approvers` is tested here too, with the policy function.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { loadConfig } from '../../src/config/load.js';
import { reportError } from '../../src/cli/errors.js';
import { bufferSink, Output } from '../../src/cli/output.js';
import { actionSpec } from '../../src/core/actions.js';
import { ChatopsError, isChatopsError } from '../../src/core/errors.js';
import { evaluateApproval, type Policy } from '../../src/core/policy.js';
import { createLogger } from '../../src/logger.js';
import { redact } from '../../src/redact.js';
import { runCli } from '../support/daemon.js';
import { tempDir } from '../support/tmp.js';

const BOT = 'xoxb-31415926-SHAPEBOTTOKEN77aa88bb';

describe('token shapes on load', () => {
  const cases: [string, string, RegExp][] = [
    ['a stray second line', `${BOT}\nsecond-line\n`, /slack.bot_token_file .*bot does not hold a Slack bot token \(xoxb-…, one line\)/],
    ['an app token in the bot file', 'xapp-1-A0-1-abcdef\n', /does not hold a Slack bot token/],
    ['spaces around it', `  ${BOT}  `, /does not hold a Slack bot token/],
    ['a Windows line end inside', `${BOT}\r\nmore`, /does not hold a Slack bot token/],
  ];
  for (const [name, content, why] of cases) {
    it(`refuses ${name}, naming the file and not the content`, (t) => {
      const dir = tempDir(t);
      fs.writeFileSync(path.join(dir, 'bot'), content);
      fs.writeFileSync(path.join(dir, 'c.yaml'), `slack:\n  bot_token_file: ${path.join(dir, 'bot')}\n`);
      assert.throws(
        () => loadConfig({ configPath: path.join(dir, 'c.yaml'), env: {} }),
        (e) => {
          assert.ok(isChatopsError(e) && e.kind === 'config');
          assert.match(e.message, why);
          assert.doesNotMatch(e.message, /SHAPEBOTTOKEN|second-line|A0-1-abcdef/);
          return true;
        },
      );
    });
  }
  it("accepts one token with an editor's final line break; checks variables the same way", (t) => {
    const dir = tempDir(t);
    fs.writeFileSync(path.join(dir, 'bot'), `${BOT}\n`);
    fs.writeFileSync(path.join(dir, 'c.yaml'), `slack:\n  bot_token_file: ${path.join(dir, 'bot')}\n`);
    assert.equal(loadConfig({ configPath: path.join(dir, 'c.yaml'), env: {} }).secrets.slackBotToken, BOT);
    assert.throws(
      () => loadConfig({ env: { SLACK_APP_TOKEN: `xapp-1-A-1-x\nINJECTED: 1` } }),
      /The environment variable SLACK_APP_TOKEN does not hold a Slack app-level token/,
    );
    assert.throws(() => loadConfig({ env: { CHATOPS_WEBHOOK_TOKEN: 'two words' } }), /CHATOPS_WEBHOOK_TOKEN does not hold a bearer token/);
  });
  it('the built CLI: config check with a two-line token file exits 2 and prints no part of it', (t) => {
    const dir = tempDir(t);
    fs.writeFileSync(path.join(dir, 'bot'), `${BOT}\nsecond-line\n`);
    fs.writeFileSync(path.join(dir, 'c.yaml'), `slack:\n  bot_token_file: ${path.join(dir, 'bot')}\n`);
    const r = runCli(['--config', path.join(dir, 'c.yaml'), 'config', 'check'], { env: { CHATOPS_DB: path.join(dir, 'x.db') } });
    assert.equal(r.code, 2);
    assert.doesNotMatch(r.stdout + r.stderr, /SHAPEBOTTOKEN|second-line|xoxb-3141/);
  });
});

describe('one redactor in the logger and the error funnel', () => {
  it('replaces every configured secret, whole or cut, in a log line and an error sentence', async (t) => {
    const dir = tempDir(t);
    fs.writeFileSync(path.join(dir, 'bot'), `${BOT}\n`);
    fs.writeFileSync(path.join(dir, 'c.yaml'), `slack:\n  bot_token_file: ${path.join(dir, 'bot')}\n`);
    loadConfig({ configPath: path.join(dir, 'c.yaml'), env: {} }); // registers the secret
    const file = path.join(dir, 'log');
    const fd = fs.openSync(file, 'w');
    const logger = await createLogger({ level: 'trace', fd });
    // What an HTTP library says when a header value is invalid: the value, inside its message.
    logger.error(
      {
        err: new TypeError(`Invalid character in header content ["authorization"]: Bearer ${BOT}`),
        where: { url: `https://x/?t=${BOT.slice(0, 20)}` },
      },
      `call failed with ${BOT}`,
    );
    fs.closeSync(fd);
    const text = fs.readFileSync(file, 'utf8');
    assert.doesNotMatch(text, /SHAPEBOTTOKEN|xoxb-31415926-SHAP/);
    assert.match(text, /\[redacted\]/);
    assert.doesNotThrow(() => JSON.parse(text.trim()), 'the line is still JSON');
    const stdout = bufferSink();
    const stderr = bufferSink();
    const io = new Output(stdout, stderr);
    const code = reportError(
      new ChatopsError('unavailable', `Slack refused ${BOT}`, { cause: new Error(`header ${BOT}`) }),
      true,
      io,
      true,
    );
    assert.equal(code, 1);
    reportError(new Error(`socket hang up ${BOT}`), true, io);
    assert.match(stderr.text(), /socket hang up/);
    assert.doesNotMatch(stderr.text() + stdout.text(), /SHAPEBOTTOKEN/, 'neither the sentences nor the --json document');
    assert.equal(redact('nothing secret here'), 'nothing secret here');
  });
});

describe('policy.require_mapped_approvers', () => {
  const policy: Policy = {
    maxRisk: 'mutate',
    namespaces: ['prod'],
    deploymentSelector: null,
    production: ['prod'],
    approvalTtlMs: 60_000,
    scale: { min: 1, max: 5 },
    requesters: { mutate: ['*'] },
    approvers: { mutate: ['*'] },
    approveFrom: {},
    requireMappedApprovers: true,
  };
  const facts = (requester: string, approver: string, source: 'slack' | 'cli') => ({
    action: actionSpec('rollout-restart'),
    target: { namespace: 'prod', deployment: 'web' },
    params: {},
    targetLabels: 'unknown' as const,
    requester: { id: requester, source: requester.startsWith('cli:') ? ('cli' as const) : ('slack' as const) },
    approver: { id: approver, source },
  });
  it("an unmapped terminal account may not approve a Slack user's request, nor the other way round", () => {
    const a = evaluateApproval(policy, facts('U0ALICE', 'cli:bob', 'cli'));
    assert.equal(a.kind, 'refused');
    assert.match(
      a.reason,
      /cli:bob is a terminal account not mapped to a Slack user, so chatops cannot tell it from U0ALICE, who requested this: map it under users: \(policy.require_mapped_approvers\)/,
    );
    assert.equal(evaluateApproval(policy, facts('cli:alice', 'U0BOB', 'slack')).kind, 'refused');
  });
  it('mapped ids, two terminal accounts or two Slack users are fine; off by default', () => {
    assert.equal(
      evaluateApproval(policy, facts('U0ALICE', 'U0BOB', 'cli')).kind,
      'allowed',
      'a mapped terminal user approves as their Slack id',
    );
    assert.equal(evaluateApproval(policy, facts('cli:alice', 'cli:bob', 'cli')).kind, 'allowed');
    assert.equal(evaluateApproval({ ...policy, requireMappedApprovers: false }, facts('U0ALICE', 'cli:bob', 'cli')).kind, 'allowed');
  });
});
