import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { clusterConfigs } from '../../src/config/clusters.js';
import { loadConfig } from '../../src/config/load.js';
import { configSchema, parseConfig } from '../../src/config/schema.js';
import { isChatopsError } from '../../src/core/errors.js';
import { tempDir } from '../support/tmp.js';

describe('configuration', () => {
  it('embedded defaults', () => {
    const r = parseConfig({});
    assert.ok(r.ok);
    assert.deepEqual(r.config.webhook.listen, { host: '127.0.0.1', port: 9095 });
    assert.equal(r.config.store.path, './data/chatops.db');
    assert.equal(r.config.store.mode, 0o600);
    assert.equal(r.config.webhook.max_body, 1024 * 1024);
    assert.equal(r.config.incidents.reopen_window, 3_600_000);
    assert.equal(r.config.policy.max_risk, 'low');
  });

  it('alertmanager.url: one URL, an HA pair as a list or comma-separated (ALERTMANAGER_URL); reconciliation defaults', () => {
    const none = parseConfig({});
    assert.ok(none.ok);
    assert.deepEqual(none.config.alertmanager.urls, []);
    assert.deepEqual(none.config.alertmanager.reconcile, { interval: 60_000, warmup: 180_000 });
    const env = loadConfig({ env: { ALERTMANAGER_URL: 'http://am-0:9093, http://am-1:9093' }, cwd: '/nonexistent' });
    assert.deepEqual(env.config.alertmanager.urls, ['http://am-0:9093', 'http://am-1:9093']);
    const list = parseConfig({
      alertmanager: { url: ['http://am-0:9093', 'http://am-1:9093'], reconcile: { interval: '30s', warmup: '5m' } },
    });
    assert.ok(list.ok);
    assert.deepEqual(list.config.alertmanager.urls, ['http://am-0:9093', 'http://am-1:9093']);
    assert.deepEqual(list.config.alertmanager.reconcile, { interval: 30_000, warmup: 300_000 });
    const bad = parseConfig({ alertmanager: { url: 'http://am-0:9093,ftp://x' } });
    assert.equal(bad.ok, false);
    if (!bad.ok) assert.match(bad.problems.join('\n'), /^alertmanager\.url: expected an http\(s\) URL, got "ftp:\/\/x"$/m);
  });

  it('reports every problem at once, each by key path', () => {
    const r = parseConfig({
      webhook: { listen: 'nope', max_body: 'big' },
      incidents: { reopen_window: 'soon' },
      webhok: {},
      store: { mode: '0644' },
    });
    assert.equal(r.ok, false);
    if (r.ok) return;
    const text = r.problems.join('\n');
    for (const want of ['webhook.listen', 'webhook.max_body', 'incidents.reopen_window', 'webhok', 'store.mode']) {
      assert.ok(text.includes(want), `missing ${want} in:\n${text}`);
    }
  });

  it('precedence: defaults < file < environment < flags; secrets stay out of config', (t) => {
    const dir = tempDir(t);
    const file = path.join(dir, 'c.yaml');
    const tokenFile = path.join(dir, 'token');
    fs.writeFileSync(tokenFile, 'from-file\n');
    fs.writeFileSync(
      file,
      `webhook:\n  listen: 127.0.0.1:1000\n  token_file: ${tokenFile}\nstore:\n  path: /file.db\nincidents:\n  key_labels: [alertname, namespace]\n`,
    );
    const fromFile = loadConfig({ configPath: file, env: {} });
    assert.equal(fromFile.config.webhook.listen.port, 1000);
    assert.equal(fromFile.config.store.path, '/file.db');
    assert.equal(fromFile.secrets.webhookToken, 'from-file');
    const fromEnv = loadConfig({
      configPath: file,
      env: { CHATOPS_LISTEN: '127.0.0.1:2000', CHATOPS_DB: '/env.db', CHATOPS_WEBHOOK_TOKEN: 'from-env' },
    });
    assert.equal(fromEnv.config.webhook.listen.port, 2000);
    assert.equal(fromEnv.config.store.path, '/env.db');
    assert.equal(fromEnv.secrets.webhookToken, 'from-env');
    assert.ok(!JSON.stringify(fromEnv.config).includes('from-env'));
    const fromFlag = loadConfig({
      configPath: file,
      env: { CHATOPS_LISTEN: '127.0.0.1:2000' },
      overrides: { 'webhook.listen': '127.0.0.1:3000' },
    });
    assert.equal(fromFlag.config.webhook.listen.port, 3000);
  });

  it('a missing --config file and invalid YAML are config errors with a fix', (t) => {
    const dir = tempDir(t);
    assert.throws(
      () => loadConfig({ configPath: path.join(dir, 'missing.yaml'), env: {} }),
      (e) => isChatopsError(e) && e.kind === 'config' && /does not exist/.test(e.message),
    );
    const bad = path.join(dir, 'bad.yaml');
    fs.writeFileSync(bad, 'webhook: [\n');
    assert.throws(
      () => loadConfig({ configPath: bad, env: {} }),
      (e) => isChatopsError(e) && /not valid YAML/.test(e.message),
    );
  });

  it('the example config parses and documents every top-level section', () => {
    const example = path.resolve(import.meta.dirname, '../../config/chatops.example.yaml');
    const loaded = loadConfig({ configPath: example, env: {} });
    assert.ok(loaded.config.webhook);
    const text = fs.readFileSync(example, 'utf8');
    for (const section of [
      'webhook:',
      'store:',
      'incidents:',
      'log:',
      'slack:',
      'prometheus:',
      'alertmanager:',
      'links:',
      'kubernetes:',
      'policy:',
      'users:',
      'audit:',
    ]) {
      assert.ok(text.includes(section), `example lacks ${section}`);
    }
  });

  it("the README's many-clusters example is a valid configuration, each cluster with its own connections", (t) => {
    const readme = fs.readFileSync(path.resolve(import.meta.dirname, '../../README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## Many clusters'), readme.indexOf('## Operating chatops'));
    const yaml = /\*\*The chatops side\*\*[^]*?```yaml\n([^]*?)```/.exec(section)?.[1];
    assert.ok(yaml, 'the example config block of the Many clusters section');
    const file = path.join(tempDir(t), 'clusters.yaml');
    fs.writeFileSync(file, yaml);
    const { config } = loadConfig({ configPath: file, env: {} });
    assert.deepEqual(
      clusterConfigs(config).map((c) => [
        c.name,
        c.match.labels,
        c.alertmanager.urls.length,
        Boolean(c.prometheus.url),
        Boolean(c.kubernetes?.kubeconfig),
      ]),
      [
        ['eu-1', { cluster: 'eu-1' }, 2, true, true],
        ['us-1', { k8s_cluster: 'prod-us-east-1' }, 1, true, true],
      ],
    );
    assert.deepEqual(config.clusters?.[1]?.policy?.namespaces, ['staging']);
  });

  it('the example config documents every key the schema knows', () => {
    // Walk the schema (through defaults/prefaults, and into lists of objects such as clusters:) to every key path.
    const unwrap = (x: any): any => {
      for (let i = 0; i < 10 && x && !x.shape; i++) x = x.def?.innerType ?? x.def?.in ?? x.def?.schema ?? x.def?.element;
      return x;
    };
    const paths: string[] = [];
    const walk = (schema: unknown, prefix: string) => {
      const obj = unwrap(schema);
      if (!obj?.shape) return;
      for (const [k, v] of Object.entries(obj.shape as Record<string, unknown>)) {
        paths.push(prefix + k);
        walk(v, `${prefix}${k}.`);
      }
    };
    walk(configSchema, '');
    assert.ok(paths.length > 40, `walked ${paths.length} keys`);
    const text = fs.readFileSync(path.resolve(import.meta.dirname, '../../config/chatops.example.yaml'), 'utf8');
    const sections = new Map<string, string>();
    let current = '';
    for (const line of text.split('\n')) {
      const top = /^([a-z_]+):/.exec(line);
      if (top) current = top[1]!;
      sections.set(current, `${sections.get(current) ?? ''}${line}\n`);
    }
    const missing = paths.filter((p) => {
      const [section, ...rest] = p.split('.');
      const body = sections.get(section!);
      if (!body) return true;
      const leaf = rest.at(-1);
      return leaf !== undefined && !new RegExp(`^[\\s#-]*${leaf}:`, 'm').test(body);
    });
    assert.deepEqual(missing, [], 'keys missing from config/chatops.example.yaml');
  });
});
