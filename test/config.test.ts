// Configuration: precedence of sources, every error path, secrets, and the generated reference.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { loadConfig, maskedConfig } from '../src/config.js';
import { renderConfigReference } from '../src/config-reference.js';
import { ConfigError } from '../src/config.js';

const secret = { OS_KEYSTONE_AUTHTOKEN__PASSWORD: 'pw' };

function tmpJson(content: unknown): { dir: string; file: (name: string) => string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cfg-'));
  const file = (name: string) => {
    const p = path.join(dir, name);
    fs.writeFileSync(p, JSON.stringify(content));
    return p;
  };
  return { dir, file };
}

function problems(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return [...err.problems];
  }
  assert.fail('expected a ConfigError');
}

test('defaults', () => {
  const c = loadConfig({ env: secret, configDir: '/nonexistent' });
  assert.equal(c.server.port, 8080);
  assert.equal(c.keystone_authtoken.service_token_roles_required, true);
  assert.equal(c.image.page_size, 1000);
  assert.ok(Object.isFrozen(c.keystone_authtoken));
});

test('precedence: defaults < config/<NODE_ENV>.json < CONFIG_FILES < environment < overrides', () => {
  const envFile = tmpJson({ server: { port: 1001, host: '0.0.0.0' }, image: { page_size: 10 }, log: { level: 'warn' } });
  fs.writeFileSync(path.join(envFile.dir, 'staging.json'), JSON.stringify({ server: { port: 1001, host: '0.0.0.0' }, image: { page_size: 10 }, log: { level: 'warn' } }));
  const extra = tmpJson({ server: { port: 1002 }, image: { page_size: 20 } }).file('extra.json');
  const c = loadConfig({
    env: { ...secret, NODE_ENV: 'staging', CONFIG_FILES: extra, OS_SERVER__PORT: '1003' },
    configDir: envFile.dir,
    overrides: { log: { level: 'debug' } },
  });
  assert.equal(c.server.host, '0.0.0.0'); // from config/staging.json
  assert.equal(c.image.page_size, 20); // CONFIG_FILES beat it
  assert.equal(c.server.port, 1003); // the environment beats both
  assert.equal(c.log.level, 'debug'); // overrides last
});

test('environment values are coerced: numbers, booleans, lists', () => {
  const c = loadConfig({
    env: { ...secret, OS_COMMUNICATION__TIMEOUT: '2.5', OS_KEYSTONE_AUTHTOKEN__DELAY_AUTH_DECISION: 'true', OS_KEYSTONE_AUTHTOKEN__SERVICE_TOKEN_ROLES: 'service, admin' },
    configDir: '/nonexistent',
  });
  assert.equal(c.communication.timeout, 2.5);
  assert.equal(c.keystone_authtoken.delay_auth_decision, true);
  assert.deepEqual(c.keystone_authtoken.service_token_roles, ['service', 'admin']);
});

test('every problem is reported at once, each naming its key and env var', () => {
  const found = problems(() =>
    loadConfig({
      env: { OS_SERVER__PORT: '99999', OS_KEYSTONE_AUTHTOKEN__AUTH_URL: 'keystone:5000', OS_COMMUNICATION__TIMEOUT: '0', OS_LOG__LEVEL: 'loud' },
      configDir: '/nonexistent',
    }),
  );
  const expect = ['server.port', 'OS_SERVER__PORT', 'keystone_authtoken.auth_url', 'OS_KEYSTONE_AUTHTOKEN__AUTH_URL', 'communication.timeout', 'log.level', 'keystone_authtoken.password'];
  for (const word of expect) assert.ok(found.some((p) => p.includes(word)), `${word} not in ${found.join('\n')}`);
});

test('unknown keys, unreadable files, a strategy without a key, half a client certificate', () => {
  assert.ok(problems(() => loadConfig({ env: secret, configDir: '/nonexistent', overrides: { server: { prot: 1 } } })).some((p) => p.includes('server.prot: unknown option')));
  assert.ok(problems(() => loadConfig({ env: { ...secret, CONFIG_FILES: '/nonexistent/x.json' }, configDir: '/nonexistent' })).some((p) => p.startsWith('/nonexistent/x.json')));
  const bad = tmpJson('{').file('bad.json');
  fs.writeFileSync(bad, '{ not json');
  assert.ok(problems(() => loadConfig({ env: { ...secret, CONFIG_FILES: bad }, configDir: '/nonexistent' })).some((p) => p.startsWith(bad)));
  assert.ok(problems(() => loadConfig({ env: { ...secret, OS_KEYSTONE_AUTHTOKEN__MEMCACHE_SECURITY_STRATEGY: 'ENCRYPT' }, configDir: '/nonexistent' })).some((p) => p.includes('memcache_secret_key')));
  assert.ok(problems(() => loadConfig({ env: { ...secret, OS_KEYSTONE_AUTHTOKEN__MEMCACHED_SERVERS: 'mc1:11211,mc2' }, configDir: '/nonexistent' })).some((p) => p.includes('"mc2" is not host:port')));
  const certfile = tmpJson({}).file('cert.pem');
  assert.ok(problems(() => loadConfig({ env: { ...secret, OS_COMMUNICATION__CERTFILE: certfile }, configDir: '/nonexistent' })).some((p) => p.includes('certfile and communication.keyfile')));
  assert.ok(problems(() => loadConfig({ env: { ...secret, OS_COMMUNICATION__CAFILE: '/nonexistent/ca.pem' }, configDir: '/nonexistent' })).some((p) => p.includes('communication.cafile')));
});

test('secrets never appear in errors or in the effective-config line', () => {
  const found = problems(() => loadConfig({ env: { OS_KEYSTONE_AUTHTOKEN__PASSWORD: 'hunter2-secret', OS_SERVER__PORT: 'x' }, configDir: '/nonexistent' }));
  assert.doesNotMatch(found.join('\n'), /hunter2-secret/);
  const c = loadConfig({ env: { OS_KEYSTONE_AUTHTOKEN__PASSWORD: 'hunter2-secret' }, configDir: '/nonexistent' });
  const masked = JSON.stringify(maskedConfig(c));
  assert.doesNotMatch(masked, /hunter2-secret/);
  assert.equal(maskedConfig(c).keystone_authtoken!.password, '***');
});

test('the server exits 1 on bad configuration, one readable line per problem, no stack trace', () => {
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    env: { PATH: process.env.PATH, OS_SERVER__PORT: 'seventy', OS_KEYSTONE_AUTHTOKEN__AUTH_URL: 'not a url' },
    encoding: 'utf8',
    timeout: 30_000,
  });
  assert.equal(result.status, 1);
  const lines = result.stderr.trim().split('\n');
  assert.equal(lines[0], 'image-names: invalid configuration');
  assert.ok(lines.some((l) => l.includes('OS_SERVER__PORT')));
  assert.ok(lines.some((l) => l.includes('OS_KEYSTONE_AUTHTOKEN__AUTH_URL')));
  assert.ok(lines.some((l) => l.includes('OS_KEYSTONE_AUTHTOKEN__PASSWORD')));
  assert.doesNotMatch(result.stderr, /\n\s+at /);
});

test('docs/configuration.md matches the schema (run npm run docs:config after changing it)', () => {
  assert.equal(fs.readFileSync('docs/configuration.md', 'utf8'), renderConfigReference());
});
