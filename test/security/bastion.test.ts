/**
 * A hostile on-call engineer on the bastion (issue: "Trust on the bastion"). The bastion is set
 * up exactly as the README's "On a bastion host" section says (test/support/bastion.ts): real OS
 * users, the real sudo with the shipped sudoers rule, runuser, chatops built with its system
 * configuration baked in, the kube fake (which records every request) and the Slack emulator.
 * Every attack from the issue, and variants, is tried as the attacker would and refused; where
 * an action was attempted, the refusal is in the audit trail with its reason.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createBastion, type Bastion } from '../support/bastion.js';
import { KubeFake, remediatorRules } from '../support/kube-fake.js';
import { SlackEmulator } from '../support/slack-emulator.js';
import { FIXTURES } from '../support/tmp.js';

const REMEDIABLE = { 'chatops.io/remediable': 'true' };

describe('a hostile on-call engineer on the bastion', { concurrency: false }, () => {
  let b: Bastion;
  let fake: KubeFake;
  let emu: SlackEmulator;
  let trap: http.Server;
  const trapped: string[] = [];
  let trapUrl = '';
  let kubeconfigText = '';
  let systemYaml = '';
  /** A pending request of alice's that nobody may decide by cheating. */
  let pending = '';
  const cli = (u: string) => `cli:${b.users[u]!.user}`;
  const kubeRequests = (ns: string) => fake.requests.filter((r) => r.pathname.includes(`/namespaces/${ns}/`));
  const restarts = (name: string) =>
    fake.writes().filter((w) => w.method === 'PATCH' && w.pathname === `/apis/apps/v1/namespaces/prod/deployments/${name}`).length;
  /** The audit trail, read by the service account itself. */
  const auditRows = async () => {
    const r = await b.sudo('bob', ['audit', '--json']);
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout) as {
      actor: string;
      action: string;
      result: string;
      target: string | null;
      detail: Record<string, unknown>;
    }[];
  };
  /** The same attacker file, owned by the attacker, at their chosen path. */
  const evilConfig = (file: string, user: string) => {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(
      file,
      `store:
  path: ${path.join(b.home(user), 'evil.db')}
slack:
  api_url: ${trapUrl}
kubernetes:
  enabled: true
  kubeconfig: ${path.join(b.home(user), 'kubeconfig')}
policy:
  max_risk: destructive
  namespaces: [kube-system, prod]
  production: []
  scale: { min: 0, max: 100 }
  requesters: { mutate: ["*"] }
  approvers: { mutate: ["*"] }
users:
  ${b.users[user]!.user}: ${cli('bob')}
`,
    );
    for (const p of [file, path.dirname(file)]) fs.chownSync(p, b.users[user]!.uid, b.users[user]!.gid);
    return file;
  };

  before(async () => {
    emu = await SlackEmulator.start();
    fake = await KubeFake.start();
    fake.allow(remediatorRules(['prod', 'staging', 'kube-system']));
    for (const [namespace, name] of [
      ['prod', 'web'],
      ['prod', 'api'],
      ['staging', 'web'],
      ['kube-system', 'coredns'],
    ] as const) {
      fake.addDeployment({ namespace, name, replicas: 2, labels: REMEDIABLE });
    }
    trap = http.createServer((req, res) => {
      trapped.push(`${req.method} ${req.url} ${req.headers.authorization ?? ''}`);
      res.end('{"ok":true}');
    });
    await new Promise<void>((r) => trap.listen(0, '127.0.0.1', () => r()));
    trapUrl = `http://127.0.0.1:${(trap.address() as AddressInfo).port}/api/`;
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'chatops-kc-'));
    kubeconfigText = fs.readFileSync(fake.writeKubeconfig(tmp), 'utf8');
    fs.rmSync(tmp, { recursive: true, force: true });
    b = createBastion(['alice', 'bob', 'mallory'], ({ etc, state, users }) => {
      const list = ['alice', 'bob', 'mallory'].map((u) => `"cli:${users[u]!.user}"`).join(', ');
      systemYaml = `store:
  path: ${state}/chatops.db
slack:
  bot_token_file: ${etc}/slack-bot-token
  app_token_file: ${etc}/slack-app-token
  api_url: ${emu.apiUrl}
  channel: C0OPS
  request_timeout: 2s
kubernetes:
  enabled: true
  kubeconfig: ${etc}/kubeconfig
  poll_interval: 10ms
  rollout_timeout: 1m
policy:
  max_risk: mutate
  namespaces: [prod, staging]
  deployment_selector: chatops.io/remediable=true
  production: [prod]
  scale: { min: 1, max: 5 }
  requesters: { mutate: [${list}] }
  approvers: { mutate: [${list}] }
  require_mapped_approvers: true
`;
      return systemYaml;
    });
    b.writeRootFile('kubeconfig', kubeconfigText);
    b.writeRootFile('slack-bot-token', 'xoxb-test\n');
    b.writeRootFile('slack-app-token', 'xapp-1-A0TEST-1-abc\n');
    // Each engineer's own hostile kubeconfig: an exec plugin that would run as the service account.
    for (const u of ['alice', 'mallory']) {
      const marker = path.join(os.tmpdir(), `chatops-pwned-${b.tag}-${u}`);
      fs.writeFileSync(path.join(b.home(u), 'kubeconfig'), execKubeconfig(fake.url, marker));
      fs.chownSync(path.join(b.home(u), 'kubeconfig'), b.users[u]!.uid, b.users[u]!.gid);
    }
  });
  after(async () => {
    b?.remove();
    for (const u of ['alice', 'mallory']) fs.rmSync(path.join(os.tmpdir(), `chatops-pwned-${b?.tag}-${u}`), { force: true });
    await fake?.close();
    await emu?.stop();
    trap?.close();
  });

  it('the shipped set-up works: alice requests through sudo, bob approves, the audit trail names both', async () => {
    const r = await b.sudo('alice', ['remediate', 'rollout-restart', 'prod/web', '--reason', 'error rate 40%']);
    assert.equal(r.code, 3, r.stderr);
    const id = r.stdout.trim();
    const own = await b.sudo('alice', ['approve', id]);
    assert.equal(own.code, 4, own.stderr);
    assert.match(own.stderr, new RegExp(`${cli('alice')} requested this, and nobody may approve their own request`));
    const ok = await b.sudo('bob', ['approve', id]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(restarts('web'), 1);
    const rows = await auditRows();
    assert.ok(rows.some((x) => x.action === 'action.request' && x.result === 'pending' && x.actor === cli('alice')));
    assert.ok(rows.some((x) => x.action === 'action.approve' && x.result === 'approved' && x.actor === cli('bob')));
    assert.equal(fs.statSync(path.join(b.state, 'chatops.db')).uid, b.service.uid, 'the database belongs to the service account');
  });

  it("the caller's --config, a second --config and ./config/chatops.yaml are ignored", async () => {
    const home = b.home('alice');
    const evil = evilConfig(path.join(home, 'evil.yaml'), 'alice');
    evilConfig(path.join(home, 'config', 'chatops.yaml'), 'alice');
    const variants: [string, string[]][] = [
      ['--config', ['--config', evil]],
      ['two --config (the last wins in commander)', ['--config', '/nonexistent.yaml', '--config', evil]],
      ['./config/chatops.yaml in the working directory', []],
    ];
    for (const [name, flags] of variants) {
      const r = await b.sudo('alice', [...flags, 'remediate', 'scale', 'kube-system/coredns', '--replicas', '0'], { cwd: home });
      assert.equal(r.code, 4, `${name}: ${r.stderr}`);
      assert.match(r.stderr, /namespace kube-system is not in policy.namespaces \(prod, staging\)/, name);
    }
    assert.deepEqual(kubeRequests('kube-system'), [], 'nothing was sent to the API server about kube-system');
    assert.equal(fs.existsSync(path.join(home, 'evil.db')), false, "the caller's database was never opened");
    assert.equal(fs.existsSync(path.join(os.tmpdir(), `chatops-pwned-${b.tag}-alice`)), false, "the caller's exec plugin never ran");
    // Her own request, approved with a users: mapping that names her bob: still her own.
    const r = await b.sudo('alice', ['remediate', 'rollout-restart', 'prod/api'], { cwd: home });
    assert.equal(r.code, 3, r.stderr);
    pending = r.stdout.trim();
    const self = await b.sudo('alice', ['--config', evil, 'approve', pending], { cwd: home });
    assert.equal(self.code, 4, self.stderr);
    assert.match(self.stderr, new RegExp(`${cli('alice')} requested this`));
    assert.equal(restarts('api'), 0);
    const rows = await auditRows();
    const refused = rows.filter(
      (x) => x.action === 'action.request' && x.result === 'refused' && x.target === 'kube-system/coredns' && x.actor === cli('alice'),
    );
    assert.equal(refused.length, 3, 'each attempt audited');
    assert.ok(refused.every((x) => /namespace kube-system is not in policy.namespaces/.test(String(x.detail.why))));
    assert.ok(
      rows.some(
        (x) =>
          x.action === 'action.approve' &&
          x.result === 'refused' &&
          x.actor === cli('alice') &&
          /requested this/.test(String(x.detail.why)),
      ),
    );
  });

  it("sudo keeps the caller's environment out (the shipped rule has no SETENV)", async () => {
    for (const name of ['CHATOPS_CONFIG', 'CHATOPS_DB', 'KUBECONFIG', 'SLACK_API_URL', 'SUDO_USER']) {
      const r = await b.sudo('mallory', ['approvals'], { vars: { [name]: '/tmp/x' } });
      assert.equal(r.code, 1, `${name}: ${r.stderr}`);
      assert.match(r.stderr, /not allowed to set the following environment variables/, name);
    }
    const e = await b.sudo('mallory', ['approvals'], { sudoFlags: ['-E'] });
    assert.equal(e.code, 1, e.stderr);
    assert.match(e.stderr, /not allowed to preserve the environment/);
  });

  it('even under a sudoers rule with SETENV: the environment is ignored and a forged SUDO_USER is refused', async () => {
    b.addSudoers('setenv', `${b.users.mallory!.user} ALL=(${b.service.user}) NOPASSWD:SETENV: ${b.bin}\n`);
    const bob = b.users.bob!;
    const mallory = b.users.mallory!;
    const forged = await b.sudo('mallory', ['approve', pending], { vars: { SUDO_USER: bob.user, SUDO_UID: String(bob.uid) } });
    assert.equal(forged.code, 4, forged.stderr);
    assert.match(forged.stderr, new RegExp(`but sudo was run by uid ${mallory.uid}`));
    const mismatched = await b.sudo('mallory', ['approve', pending], { vars: { SUDO_USER: bob.user, SUDO_UID: String(mallory.uid) } });
    assert.equal(mismatched.code, 4, mismatched.stderr);
    assert.match(mismatched.stderr, /do not name one account in the password database/);
    const evil = evilConfig(path.join(b.home('mallory'), 'evil.yaml'), 'mallory');
    const env = await b.sudo('mallory', ['remediate', 'scale', 'kube-system/coredns', '--replicas', '0'], {
      vars: {
        CHATOPS_CONFIG: evil,
        KUBECONFIG: path.join(b.home('mallory'), 'kubeconfig'),
        CHATOPS_DB: path.join(b.home('mallory'), 'x.db'),
        SLACK_API_URL: trapUrl,
      },
    });
    assert.equal(env.code, 4, env.stderr);
    assert.match(env.stderr, /namespace kube-system is not in policy.namespaces \(prod, staging\)/);
    assert.deepEqual(kubeRequests('kube-system'), []);
    assert.equal(fs.existsSync(path.join(os.tmpdir(), `chatops-pwned-${b.tag}-mallory`)), false);
    const list = await b.sudo('bob', ['approvals', '--json']);
    assert.deepEqual(
      (JSON.parse(list.stdout) as { id: string; state: string }[]).filter((x) => x.id === pending).map((x) => x.state),
      ['pending'],
      'still pending',
    );
    assert.ok(
      (await auditRows()).some((x) => x.actor === cli('mallory') && x.result === 'refused' && x.target === 'kube-system/coredns'),
      'audited under her own name',
    );
  });

  it('without sudo (a group-shared database) identity is the OS account, whatever SUDO_* says', async () => {
    const group = path.join(b.root, 'group');
    fs.mkdirSync(group);
    fs.chmodSync(group, 0o770);
    fs.chownSync(
      group,
      0,
      Number(
        fs
          .readFileSync('/etc/group', 'utf8')
          .split('\n')
          .find((l) => l.startsWith(`${b.oncall}:`))!
          .split(':')[2],
      ),
    );
    const gid = fs.statSync(group).gid;
    const cfg = path.join(group, 'chatops.yaml');
    fs.writeFileSync(cfg, `store:\n  path: ${group}/chatops.db\n  mode: "0660"\n  group: ${b.oncall}\n`, { mode: 0o640 });
    fs.chownSync(cfg, 0, gid);
    const payload = path.join(group, 'alert.json');
    fs.copyFileSync(path.join(FIXTURES, 'alertmanager/01-firing-single.json'), payload);
    fs.chmodSync(payload, 0o644);
    const bob = b.users.bob!;
    const asBob = await b.direct('alice', ['--config', cfg, 'alerts', 'ingest', payload], {
      vars: { SUDO_USER: bob.user, SUDO_UID: String(bob.uid) },
    });
    assert.equal(asBob.code, 0, asBob.stderr);
    const ack = await b.direct('alice', ['--config', cfg, 'ack', '1'], { vars: { SUDO_USER: bob.user, SUDO_UID: String(bob.uid) } });
    assert.equal(ack.code, 0, ack.stderr);
    assert.match(ack.stdout, new RegExp(`acknowledged by ${cli('alice')}`));
    // A `sudo -u mallory -i` shell inherits SUDO_USER=root from the administrator.
    const other = path.join(group, 'other.json');
    fs.copyFileSync(path.join(FIXTURES, 'alertmanager/06-unicode-injection-long-description.json'), other);
    fs.chmodSync(other, 0o644);
    const leak = await b.direct('mallory', ['--config', cfg, 'alerts', 'ingest', other], { vars: { SUDO_USER: 'root', SUDO_UID: '0' } });
    assert.equal(leak.code, 0, leak.stderr);
    const audit = await b.direct('alice', ['--config', cfg, 'audit', '--json']);
    const actors = new Set((JSON.parse(audit.stdout) as { actor: string }[]).map((x) => x.actor));
    assert.deepEqual([...actors].sort(), [cli('alice'), cli('mallory')].sort());
  });

  /** Changes one thing on the bastion, expects every command to refuse with exit 2, then puts it back. */
  const refusedWhile = async (name: string, change: () => void, restore: () => void, why: RegExp, args = ['approvals']) => {
    change();
    try {
      const r = await b.sudo('alice', args);
      assert.equal(r.code, 2, `${name}: ${r.stdout}${r.stderr}`);
      // config check reports a configuration it cannot load as its first (failed) check, on stdout.
      const said = args[0] === 'config' ? r.stdout : r.stderr;
      assert.match(said, why, name);
      assert.equal(said.trim().split('\n').length, 1, `${name}: one sentence`);
    } finally {
      restore();
    }
  };

  it('the system configuration, its kubeconfig and token files, or a directory above them, writable by others: exit 2, named', async () => {
    const svc = b.service;
    const alice = b.users.alice!;
    await refusedWhile(
      'config directory writable by a group',
      () => fs.chmodSync(b.etc, 0o770),
      () => fs.chmodSync(b.etc, 0o750),
      new RegExp(`Refusing to run: ${b.etc}, a directory above the system configuration .* is writable by group ${svc.gid}`),
    );
    await refusedWhile(
      'a directory higher up writable by everyone (no sticky bit)',
      () => fs.chmodSync(b.root, 0o777),
      () => fs.chmodSync(b.root, 0o755),
      new RegExp(`Refusing to run: ${b.root}, a directory above the system configuration .* is writable by everyone`),
    );
    await refusedWhile(
      'config directory owned by an on-call engineer',
      () => fs.chownSync(b.etc, alice.uid, svc.gid),
      () => fs.chownSync(b.etc, 0, svc.gid),
      new RegExp(`Refusing to run: ${b.etc}, a directory above the system configuration .* is owned by uid ${alice.uid}`),
    );
    await refusedWhile(
      'system configuration owned by an engineer',
      () => fs.chownSync(b.systemConfig, alice.uid, svc.gid),
      () => fs.chownSync(b.systemConfig, 0, svc.gid),
      new RegExp(`the system configuration ${b.systemConfig} is owned by uid ${alice.uid}`),
    );
    const kubeconfig = path.join(b.etc, 'kubeconfig');
    await refusedWhile(
      "kubeconfig a symbolic link into an engineer's directory",
      () => {
        fs.rmSync(kubeconfig);
        fs.symlinkSync(path.join(b.home('alice'), 'kubeconfig'), kubeconfig);
      },
      () => {
        fs.rmSync(kubeconfig);
        b.writeRootFile('kubeconfig', kubeconfigText);
      },
      new RegExp(`${b.home('alice')}, a directory above kubernetes.kubeconfig ${kubeconfig}, is owned by uid ${alice.uid}`),
    );
    await refusedWhile(
      'token file writable by everyone',
      () => fs.chmodSync(path.join(b.etc, 'slack-bot-token'), 0o666),
      () => fs.chmodSync(path.join(b.etc, 'slack-bot-token'), 0o640),
      /slack.bot_token_file .*slack-bot-token is writable by everyone/,
    );
    await refusedWhile(
      "a relative store.path (the working directory is the caller's)",
      () => b.writeRootFile('chatops.yaml', systemYaml.replace(`path: ${b.state}/chatops.db`, 'path: ./data/chatops.db')),
      () => b.writeRootFile('chatops.yaml', systemYaml),
      /store.path \.\/data\/chatops.db in .* is a relative path/,
    );
    await refusedWhile(
      'kubernetes enabled without a kubeconfig (never KUBECONFIG or ~/.kube/config)',
      () => b.writeRootFile('chatops.yaml', systemYaml.replace(`  kubeconfig: ${b.etc}/kubeconfig\n`, '')),
      () => b.writeRootFile('chatops.yaml', systemYaml),
      /kubernetes.kubeconfig is not set in .*: on the bastion chatops uses only the kubeconfig the system configuration names/,
    );
    assert.equal((await b.sudo('alice', ['approvals'])).code, 0, 'restored');
  });

  it('a kubeconfig whose user runs a program (exec) is refused unless the system configuration allows it', async () => {
    const marker = path.join(os.tmpdir(), `chatops-pwned-${b.tag}-root`);
    await refusedWhile(
      'exec credential plugin',
      () => b.writeRootFile('kubeconfig', execKubeconfig(fake.url, marker)),
      () => b.writeRootFile('kubeconfig', kubeconfigText),
      /gets its credentials by running a program \(exec\), which chatops refuses unless kubernetes.allow_exec_plugins is true/,
      ['remediate', 'pods', 'prod/web'],
    );
    assert.equal(fs.existsSync(marker), false, 'the plugin never ran');
  });

  it('a token file with a stray second line: refused on load, naming the file and not its content', async () => {
    await refusedWhile(
      'bot token with a second line',
      () => b.writeRootFile('slack-bot-token', 'xoxb-test\nSECONDLINESECRET\n'),
      () => b.writeRootFile('slack-bot-token', 'xoxb-test\n'),
      /slack.bot_token_file .*slack-bot-token does not hold a Slack bot token \(xoxb-…, one line\): put only the token there \(its content is not shown\)/,
      ['config', 'check'],
    );
    const r = await b.sudo('alice', ['config', 'check']);
    assert.doesNotMatch(r.stdout + r.stderr, /SECONDLINESECRET/);
  });

  it("config check sends the tokens only to the system configuration's Slack, never to the caller's", async () => {
    const before = emu.calls.filter((c) => c.method === 'auth.test').length;
    await b.sudo('alice', ['--config', path.join(b.home('alice'), 'evil.yaml'), 'config', 'check'], { cwd: b.home('alice') });
    assert.deepEqual(trapped, [], 'nothing reached the caller-chosen Slack URL');
    assert.ok(emu.calls.filter((c) => c.method === 'auth.test').length > before, 'the configured Slack was asked');
  });

  it('a deployment that does not exist exits 1; a namespace outside the list exits 4 without calling Kubernetes', async () => {
    const nope = await b.sudo('alice', ['remediate', 'rollout-restart', 'prod/nope']);
    assert.equal(nope.code, 1, nope.stderr);
    assert.match(nope.stderr, /Deployment prod\/nope does not exist/);
    const outside = await b.sudo('alice', ['remediate', 'pods', 'kube-system/coredns']);
    assert.equal(outside.code, 4, outside.stderr);
    assert.doesNotMatch(outside.stderr, /RBAC|Role/);
    assert.deepEqual(kubeRequests('kube-system'), []);
  });
});

/** A kubeconfig whose user runs `touch marker` for its credentials. */
function execKubeconfig(server: string, marker: string): string {
  return `apiVersion: v1
kind: Config
clusters:
- name: fake
  cluster: {server: "${server}", insecure-skip-tls-verify: true}
users:
- name: plugin
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1
      command: /bin/sh
      args: ["-c", "touch ${marker}; echo '{\\"apiVersion\\":\\"client.authentication.k8s.io/v1\\",\\"kind\\":\\"ExecCredential\\",\\"status\\":{\\"token\\":\\"x\\"}}'"]
      interactiveMode: Never
contexts:
- name: fake
  context: {cluster: fake, user: plugin}
current-context: fake
`;
}
