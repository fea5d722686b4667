// Loading: precedence of sources, every error path and secrets (the server's exit on bad configuration is in
// test/server.test.ts: it starts the real process).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, defaultConfig, loadConfig, maskedConfig, type LoadConfigOptions } from '../../src/config/load.js';
import { describeOptions } from '../../src/config/schema.js';
import { sessionOptionsFromConfig } from '../../src/keystoneauth/conf.js';

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
  assert.equal(c.server.port, 8080, 'the default port');
  assert.equal(
    c.keystone_authtoken.service_token_roles_required,
    true,
    'service tokens need a service role by default, as upstream',
  );
  assert.equal(c.communication.connections_per_origin, 128, '128 pooled connections per origin by default');
  assert.ok(Object.isFrozen(c.keystone_authtoken), 'the loaded configuration is frozen');
});

test('defaultConfig: the schema defaults, whatever the environment', () => {
  const before = process.env.OS_SERVER__PORT;
  process.env.OS_SERVER__PORT = '1234';
  try {
    assert.equal(defaultConfig().server.port, 8080, 'defaultConfig ignores OS_SERVER__PORT in the environment');
    assert.equal(defaultConfig().communication.timeout, 30, 'the default communication timeout, 30 s');
  } finally {
    if (before === undefined) delete process.env.OS_SERVER__PORT;
    else process.env.OS_SERVER__PORT = before;
  }
});

test('precedence: defaults < config/<NODE_ENV>.json < CONFIG_FILES < environment < overrides', () => {
  const envFile = tmpJson({
    server: { port: 1001, host: '0.0.0.0' },
    communication: { connections_per_origin: 10 },
    log: { level: 'warn' },
  });
  fs.writeFileSync(
    path.join(envFile.dir, 'staging.json'),
    JSON.stringify({
      server: { port: 1001, host: '0.0.0.0' },
      communication: { connections_per_origin: 10 },
      log: { level: 'warn' },
    }),
  );
  const extra = tmpJson({ server: { port: 1002 }, communication: { connections_per_origin: 20 } }).file('extra.json');
  const c = loadConfig({
    env: { ...secret, NODE_ENV: 'staging', CONFIG_FILES: extra, OS_SERVER__PORT: '1003' },
    configDir: envFile.dir,
    overrides: { log: { level: 'debug' } },
  });
  assert.equal(c.server.host, '0.0.0.0', 'config/staging.json sets the host (nothing later does)');
  assert.equal(c.communication.connections_per_origin, 20, 'CONFIG_FILES beat config/<NODE_ENV>.json');
  assert.equal(c.server.port, 1003, 'the environment beats both files');
  assert.equal(c.log.level, 'debug', 'overrides come last');
});

test('precedence, one option through every layer: each source beats the one before it', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cfg-'));
  fs.writeFileSync(
    path.join(dir, 'production.json'),
    JSON.stringify({ server: { port: 1001 }, log: { level: 'error' } }),
  );
  const listed = path.join(dir, 'listed.json');
  fs.writeFileSync(listed, JSON.stringify({ server: { port: 1002 }, log: { level: 'warn' } }));
  const fromEnv = { OS_SERVER__PORT: '1003', OS_LOG__LEVEL: 'debug' };
  const overrides = { server: { port: 1004 }, log: { level: 'trace' } };
  const layers: [string, LoadConfigOptions, number, string][] = [
    ['schema defaults', { env: { ...secret } }, 8080, 'info'],
    ['config/<NODE_ENV>.json beats defaults', { env: { ...secret, NODE_ENV: 'production' } }, 1001, 'error'],
    [
      'CONFIG_FILES beat config/<NODE_ENV>.json',
      { env: { ...secret, NODE_ENV: 'production', CONFIG_FILES: listed } },
      1002,
      'warn',
    ],
    [
      'the environment beats every file',
      { env: { ...secret, NODE_ENV: 'production', CONFIG_FILES: listed, ...fromEnv } },
      1003,
      'debug',
    ],
    [
      'overrides beat the environment',
      { env: { ...secret, NODE_ENV: 'production', CONFIG_FILES: listed, ...fromEnv }, overrides },
      1004,
      'trace',
    ],
  ];
  for (const [what, options, port, level] of layers) {
    const c = loadConfig({ configDir: dir, ...options });
    assert.equal(c.server.port, port, what);
    assert.equal(c.log.level, level, what);
  }
});

test('overrides beat the environment for every kind of value, and leave the other options alone', () => {
  const c = loadConfig({
    env: {
      ...secret,
      OS_KEYSTONE_AUTHTOKEN__INTERFACE: 'admin',
      OS_SERVER__TRUSTED_PROXIES: '10.0.0.1',
      OS_COMMUNICATION__TIMEOUT: '7',
      OS_COMMUNICATION__CONNECTIONS_PER_ORIGIN: '50',
    },
    configDir: '/nonexistent',
    overrides: {
      keystone_authtoken: { interface: 'public' },
      server: { trusted_proxies: ['10.0.0.2', '10.0.0.3'] },
      communication: { timeout: 3 },
    },
  });
  assert.equal(c.keystone_authtoken.interface, 'public', 'an override beats the environment for an enum');
  assert.deepEqual(c.server.trusted_proxies, ['10.0.0.2', '10.0.0.3'], 'an override beats the environment for a list');
  assert.equal(c.communication.timeout, 3, 'an override beats the environment for a number');
  assert.equal(
    c.communication.connections_per_origin,
    50,
    "an option without an override keeps the environment's value",
  );
  assert.equal(c.keystone_authtoken.password, 'pw', 'the password from the environment stays');
});

test('environment values are coerced: numbers, booleans, lists', () => {
  const c = loadConfig({
    env: {
      ...secret,
      OS_COMMUNICATION__TIMEOUT: '2.5',
      OS_KEYSTONE_AUTHTOKEN__DELAY_AUTH_DECISION: 'true',
      OS_KEYSTONE_AUTHTOKEN__SERVICE_TOKEN_ROLES: 'service, admin',
    },
    configDir: '/nonexistent',
  });
  assert.equal(c.communication.timeout, 2.5, 'a decimal number from the environment');
  assert.equal(c.keystone_authtoken.delay_auth_decision, true, 'a boolean from the environment');
  assert.deepEqual(
    c.keystone_authtoken.service_token_roles,
    ['service', 'admin'],
    'a comma-separated list from the environment, items trimmed',
  );
});

test('every problem is reported at once, each naming its key and env var', () => {
  const found = problems(() =>
    loadConfig({
      env: {
        OS_SERVER__PORT: '99999',
        OS_KEYSTONE_AUTHTOKEN__AUTH_URL: 'keystone:5000',
        OS_COMMUNICATION__TIMEOUT: '0',
        OS_LOG__LEVEL: 'loud',
      },
      configDir: '/nonexistent',
    }),
  );
  const expect = [
    'server.port',
    'OS_SERVER__PORT',
    'keystone_authtoken.auth_url',
    'OS_KEYSTONE_AUTHTOKEN__AUTH_URL',
    'communication.timeout',
    'log.level',
    'keystone_authtoken.password',
  ];
  for (const word of expect)
    assert.ok(
      found.some((p) => p.includes(word)),
      `${word} not in ${found.join('\n')}`,
    );
});

test('unknown keys, unreadable files, a strategy without a key, half a client certificate', () => {
  assert.ok(
    problems(() => loadConfig({ env: secret, configDir: '/nonexistent', overrides: { server: { prot: 1 } } })).some(
      (p) => p.includes('server.prot: unknown option'),
    ),
    'a misspelt option in a group is refused by name',
  );
  assert.ok(
    problems(() => loadConfig({ env: secret, configDir: '/nonexistent', overrides: { servre: { port: 1 } } })).some(
      (p) => p.includes('servre.port: unknown option'),
    ),
    'a misspelt group is refused by name',
  );
  assert.ok(
    problems(() =>
      loadConfig({
        env: secret,
        configDir: '/nonexistent',
        files: [tmpJson({ image: { size: 1 } }).file('unknown.json')],
      }),
    ).some((p) => p.includes('image.size: unknown option')),
    'an unknown option in a file is refused by name',
  );
  assert.ok(
    problems(() =>
      loadConfig({ env: { ...secret, CONFIG_FILES: '/nonexistent/x.json' }, configDir: '/nonexistent' }),
    ).some((p) => p.startsWith('/nonexistent/x.json')),
    'a CONFIG_FILES file that cannot be read is named',
  );
  const bad = tmpJson('{').file('bad.json');
  fs.writeFileSync(bad, '{ not json');
  assert.ok(
    problems(() => loadConfig({ env: { ...secret, CONFIG_FILES: bad }, configDir: '/nonexistent' })).some((p) =>
      p.startsWith(bad),
    ),
    'a file that is not JSON is named',
  );
  assert.ok(
    problems(() =>
      loadConfig({
        env: { ...secret, OS_KEYSTONE_AUTHTOKEN__MEMCACHE_SECURITY_STRATEGY: 'ENCRYPT' },
        configDir: '/nonexistent',
      }),
    ).some((p) => p.includes('memcache_secret_key')),
    'ENCRYPT without memcache_secret_key is refused',
  );
  assert.ok(
    problems(() =>
      loadConfig({
        env: { ...secret, OS_KEYSTONE_AUTHTOKEN__MEMCACHED_SERVERS: 'mc1:11211,mc2' },
        configDir: '/nonexistent',
      }),
    ).some((p) => p.includes('"mc2" is not host:port')),
    'a memcached server without a port is refused, naming it',
  );
  const certfile = tmpJson({}).file('cert.pem');
  assert.ok(
    problems(() =>
      loadConfig({ env: { ...secret, OS_COMMUNICATION__CERTFILE: certfile }, configDir: '/nonexistent' }),
    ).some((p) => p.includes('certfile and communication.keyfile')),
    'a client certificate without its key is refused',
  );
  assert.ok(
    problems(() =>
      loadConfig({ env: { ...secret, OS_COMMUNICATION__CAFILE: '/nonexistent/ca.pem' }, configDir: '/nonexistent' }),
    ).some((p) => p.includes('communication.cafile')),
    'a CA file that does not exist is refused',
  );
});

test('secrets never appear in errors or in the effective-config line', () => {
  const found = problems(() =>
    loadConfig({
      env: { OS_KEYSTONE_AUTHTOKEN__PASSWORD: 'hunter2-secret', OS_SERVER__PORT: 'x' },
      configDir: '/nonexistent',
    }),
  );
  assert.doesNotMatch(found.join('\n'), /hunter2-secret/, 'the secret is not repeated in any problem');
  const c = loadConfig({ env: { OS_KEYSTONE_AUTHTOKEN__PASSWORD: 'hunter2-secret' }, configDir: '/nonexistent' });
  const masked = JSON.stringify(maskedConfig(c));
  assert.doesNotMatch(masked, /hunter2-secret/, 'nor in the effective-config line');
  assert.equal(maskedConfig(c).keystone_authtoken!.password, '***', 'the password is masked as ***');
});

const booleanOptions = describeOptions().filter((o) => o.format === 'boolean');

test("booleans: oslo.config's spellings in any case, for every boolean option; 0 is false", () => {
  assert.ok(booleanOptions.length >= 5, 'the boolean options');
  const spellings: [string, boolean][] = [
    ...['true', 'TRUE', 'True', 'yes', 'Yes', 'YES', 'on', 'ON', 'oN', '1'].map((s): [string, boolean] => [s, true]),
    ...['false', 'FALSE', 'False', 'no', 'No', 'NO', 'off', 'OFF', 'Off', '0'].map((s): [string, boolean] => [
      s,
      false,
    ]),
  ];
  for (const o of booleanOptions)
    for (const [text, value] of spellings) {
      const values: Readonly<Record<string, Readonly<Record<string, unknown>>>> = loadConfig({
        env: { ...secret, [o.env]: text },
        configDir: '/nonexistent',
      });
      assert.equal(values[o.group]?.[o.key], value, `${o.env}=${text}`);
    }
  // The finding: convict's Boolean read these as true, turning TLS verification off.
  for (const text of ['0', 'no', 'off', 'false'])
    assert.equal(
      loadConfig({ env: { ...secret, OS_COMMUNICATION__INSECURE: text }, configDir: '/nonexistent' }).communication
        .insecure,
      false,
      `OS_COMMUNICATION__INSECURE=${text} keeps TLS verification on`,
    );
});

test('booleans: anything else stops the start, naming the key and the variable', () => {
  for (const o of booleanOptions)
    for (const text of ['', ' true', 'y', 'enabled', '2', 'nope', 'true!']) {
      const found = problems(() => loadConfig({ env: { ...secret, [o.env]: text }, configDir: '/nonexistent' }));
      assert.ok(
        found.some((p) => p.startsWith(`${o.group}.${o.key}: must be true or false`) && p.endsWith(`(env ${o.env})`)),
        `${o.env}=${JSON.stringify(text)}: ${found.join('\n')}`,
      );
    }
});

test('booleans in files: JSON true/false or the same words; a number is refused', () => {
  const file = (value: unknown) => tmpJson({ communication: { insecure: value } }).file('b.json');
  const insecure = (value: unknown) =>
    loadConfig({ env: secret, configDir: '/nonexistent', files: [file(value)] }).communication.insecure;
  assert.equal(insecure(true), true, 'JSON true');
  assert.equal(insecure(false), false, 'JSON false');
  assert.equal(insecure('Off'), false, 'the word "Off"');
  for (const value of [0, 1, null, 'maybe'])
    assert.ok(
      problems(() => loadConfig({ env: secret, configDir: '/nonexistent', files: [file(value)] })).some((p) =>
        p.startsWith('communication.insecure: must be true or false'),
      ),
      `${JSON.stringify(value)} in a file is refused`,
    );
});

test('numbers are written plainly in the environment, or refused naming the key and the variable', () => {
  const cases: [string, string][] = [
    ['OS_COMMUNICATION__CONNECTIONS_PER_ORIGIN', '0x10'],
    ['OS_COMMUNICATION__CONNECTIONS_PER_ORIGIN', '1e3'],
    ['OS_COMMUNICATION__CONNECTIONS_PER_ORIGIN', ''],
    ['OS_SERVER__PORT', '80abc'],
    ['OS_COMMUNICATION__TIMEOUT', '1e3'],
    ['OS_COMMUNICATION__TIMEOUT', ' 30'],
    ['OS_COMMUNICATION__MAX_RESPONSE_BYTES', '0'],
    ['OS_COMMUNICATION__CONNECTIONS_PER_ORIGIN', '0'],
    ['OS_SERVER__MAX_HEADER_SIZE', '0'],
    ['OS_KEYSTONE_AUTHTOKEN__VALIDATION_QUEUE_SIZE', '-1'],
  ];
  for (const [name, text] of cases) {
    const key = name.slice(3).toLowerCase().replace('__', '.');
    const found = problems(() => loadConfig({ env: { ...secret, [name]: text }, configDir: '/nonexistent' }));
    assert.ok(
      found.some((p) => p.startsWith(`${key}: must be a`) && p.endsWith(`(env ${name})`)),
      `${name}=${JSON.stringify(text)}: ${found.join('\n')}`,
    );
  }
});

test('a timeout above 2^31-1 ms is refused rather than becoming 1 ms', () => {
  const found = problems(() =>
    loadConfig({ env: { ...secret, OS_COMMUNICATION__TIMEOUT: '2147484' }, configDir: '/nonexistent' }),
  );
  assert.ok(
    found.some((p) => p.includes('communication.timeout: must be a number from 0.001 to 2147483')),
    found.join('\n'),
  );
  const c = loadConfig({ env: { ...secret, OS_COMMUNICATION__TIMEOUT: '2147483' }, configDir: '/nonexistent' });
  assert.ok(sessionOptionsFromConfig(c.communication).timeoutMs <= 2 ** 31 - 1, 'the largest timeout fits a timer');
});

test('an OS_<GROUP>__<OPTION> variable naming no option stops the start; openrc and the mocks do not', () => {
  const found = problems(() =>
    loadConfig({ env: { ...secret, OS_KEYSTONE_AUTHTOKEN__AUTHURL: 'http://k/v3' }, configDir: '/nonexistent' }),
  );
  assert.deepEqual(
    found,
    [
      'keystone_authtoken.authurl: unknown option (env OS_KEYSTONE_AUTHTOKEN__AUTHURL; did you mean OS_KEYSTONE_AUTHTOKEN__AUTH_URL?)',
    ],
    'the typo, and nothing else',
  );
  const shared = {
    ...secret,
    OS_AUTH_URL: 'http://k/v3',
    OS_PASSWORD: 'x',
    OS_PROJECT_NAME: 'demo',
    OS_MOCK_KEYSTONE__PORT: '5000',
    OS_MOCK_GLANCE__TYPO: 'x',
  };
  assert.equal(loadConfig({ env: shared, configDir: '/nonexistent' }).server.port, 8080, 'openrc and OS_MOCK_*');
});

test('memcached without a strategy stops the start unless memcache_allow_unprotected opts in', () => {
  const env = { ...secret, OS_KEYSTONE_AUTHTOKEN__MEMCACHED_SERVERS: 'mc:11211' };
  const found = problems(() => loadConfig({ env, configDir: '/nonexistent' }));
  assert.equal(found.length, 1, found.join('\n'));
  assert.match(
    found[0]!,
    /^keystone_authtoken\.memcache_security_strategy: None with memcached_servers/,
    'memcached without a strategy stops the start, naming the option',
  );
  assert.match(
    found[0]!,
    /\(env OS_KEYSTONE_AUTHTOKEN__MEMCACHE_SECURITY_STRATEGY, OS_KEYSTONE_AUTHTOKEN__MEMCACHE_ALLOW_UNPROTECTED\)$/,
    'names both ways out',
  );
  const allowed = loadConfig({
    env: { ...env, OS_KEYSTONE_AUTHTOKEN__MEMCACHE_ALLOW_UNPROTECTED: 'true' },
    configDir: '/nonexistent',
  });
  assert.equal(allowed.keystone_authtoken.memcache_allow_unprotected, true, 'the explicit opt-in starts');
  assert.equal(
    problems(() =>
      loadConfig({
        env: { ...env, OS_KEYSTONE_AUTHTOKEN__MEMCACHE_ALLOW_UNPROTECTED: 'no' },
        configDir: '/nonexistent',
      }),
    ).length,
    1,
    'allow_unprotected = no is no opt-in',
  );
  const protectedEnv = { ...env, OS_KEYSTONE_AUTHTOKEN__MEMCACHE_SECURITY_STRATEGY: 'MAC' };
  const mac = loadConfig({
    env: { ...protectedEnv, OS_KEYSTONE_AUTHTOKEN__MEMCACHE_SECRET_KEY: 'k' },
    configDir: '/nonexistent',
  });
  assert.equal(mac.keystone_authtoken.memcache_security_strategy, 'MAC', 'a strategy needs no opt-in');
});

test('server: an empty host and headers_timeout over request_timeout are refused', () => {
  const host = problems(() => loadConfig({ env: { ...secret, OS_SERVER__HOST: '' }, configDir: '/nonexistent' }));
  assert.deepEqual(
    host,
    ['server.host: must not be empty (0.0.0.0 or :: listen everywhere) (env OS_SERVER__HOST)'],
    'an empty host is refused, naming its variable',
  );
  const timeouts = problems(() =>
    loadConfig({ env: { ...secret, OS_SERVER__HEADERS_TIMEOUT: '61' }, configDir: '/nonexistent' }),
  );
  assert.deepEqual(
    timeouts,
    [
      'server.headers_timeout: must not exceed server.request_timeout (env OS_SERVER__HEADERS_TIMEOUT, OS_SERVER__REQUEST_TIMEOUT)',
    ],
    'headers_timeout above request_timeout is refused, naming both variables',
  );
});

test('server.metrics_port: -1 (on the API port), 0 or a port; set, it needs metrics on and a port of its own', () => {
  const load = (env: Record<string, string>) => loadConfig({ env: { ...secret, ...env }, configDir: '/nonexistent' });
  assert.equal(load({}).server.metrics_port, -1, 'by default /metrics stays on the API port');
  assert.equal(load({ OS_SERVER__METRICS_PORT: '9464' }).server.metrics_port, 9464, 'a port');
  const both0 = load({ OS_SERVER__PORT: '0', OS_SERVER__METRICS_PORT: '0' }).server;
  assert.deepEqual([both0.port, both0.metrics_port], [0, 0], 'two free ports: the same number, not the same port');
  assert.deepEqual(
    problems(() => load({ OS_SERVER__METRICS_PORT: '-2' })),
    ['server.metrics_port: must be an integer from -1 to 65535: value was -2 (env OS_SERVER__METRICS_PORT)'],
    'below -1 is out of range',
  );
  assert.deepEqual(
    problems(() => load({ OS_SERVER__METRICS_PORT: '9464', OS_SERVER__METRICS_ENABLED: 'false' })),
    [
      'server.metrics_port: set, but metrics_enabled is false: there are no metrics to serve (env OS_SERVER__METRICS_PORT, OS_SERVER__METRICS_ENABLED)',
    ],
    'a metrics port without metrics does not mean one thing',
  );
  assert.deepEqual(
    problems(() => load({ OS_SERVER__METRICS_PORT: '8080' })),
    ['server.metrics_port: must differ from server.port (env OS_SERVER__METRICS_PORT, OS_SERVER__PORT)'],
    'the API port is taken',
  );
});

test('a user or project with neither a domain name nor a domain ID is refused: Keystone would refuse every authentication', () => {
  const load = (env: Record<string, string>) => () =>
    loadConfig({ env: { ...secret, ...env }, configDir: '/nonexistent' });
  assert.deepEqual(
    problems(load({ OS_KEYSTONE_AUTHTOKEN__USER_DOMAIN_NAME: '', OS_KEYSTONE_AUTHTOKEN__PROJECT_DOMAIN_NAME: '' })),
    [
      "keystone_authtoken.user_domain_name: the user's domain is needed: set user_domain_name or user_domain_id (env OS_KEYSTONE_AUTHTOKEN__USER_DOMAIN_NAME, OS_KEYSTONE_AUTHTOKEN__USER_DOMAIN_ID)",
      "keystone_authtoken.project_domain_name: the project's domain is needed: set project_domain_name or project_domain_id (env OS_KEYSTONE_AUTHTOKEN__PROJECT_DOMAIN_NAME, OS_KEYSTONE_AUTHTOKEN__PROJECT_DOMAIN_ID)",
    ],
    'both domains missing: one problem each, naming both ways to fix it',
  );
  const byId = loadConfig({
    env: {
      ...secret,
      OS_KEYSTONE_AUTHTOKEN__USER_DOMAIN_NAME: '',
      OS_KEYSTONE_AUTHTOKEN__USER_DOMAIN_ID: 'default',
      OS_KEYSTONE_AUTHTOKEN__PROJECT_DOMAIN_NAME: '',
      OS_KEYSTONE_AUTHTOKEN__PROJECT_DOMAIN_ID: 'default',
    },
    configDir: '/nonexistent',
  });
  assert.deepEqual(
    [byId.keystone_authtoken.user_domain_id, byId.keystone_authtoken.project_domain_id],
    ['default', 'default'],
    'an ID alone is enough',
  );
});

test('a URL holding a password is refused without repeating it', () => {
  const found = problems(() =>
    loadConfig({
      env: { ...secret, OS_KEYSTONE_AUTHTOKEN__AUTH_URL: 'http://admin:hunter2@k/v3' },
      configDir: '/nonexistent',
    }),
  );
  assert.deepEqual(
    found,
    [
      'keystone_authtoken.auth_url: must not hold a user name or password (value not shown) (env OS_KEYSTONE_AUTHTOKEN__AUTH_URL)',
    ],
    'a URL with credentials is refused without repeating them',
  );
});

test('a value of the wrong type in a file is one problem, not a crash in the cross-checks', () => {
  const file = tmpJson({ keystone_authtoken: { memcached_servers: 5 }, server: { trusted_proxies: true } }).file(
    't.json',
  );
  const found = problems(() => loadConfig({ env: secret, configDir: '/nonexistent', files: [file] }));
  assert.ok(
    found.some((p) => p.startsWith('keystone_authtoken.memcached_servers: must be a list of strings')),
    found.join('\n'),
  );
});

test('strings: no control characters, no surrounding whitespace, a host that is an address or a name', () => {
  const load = (env: Record<string, string>) => () =>
    loadConfig({ env: { ...secret, ...env }, configDir: '/nonexistent' });
  assert.deepEqual(
    problems(load({ OS_SERVER__HOST: '0.0.0.0 ' })),
    ['server.host: must not start or end with whitespace (env OS_SERVER__HOST)'],
    'a host with a trailing space is refused at load, not at listen',
  );
  assert.deepEqual(
    problems(load({ OS_SERVER__HOST: 'my host' })),
    ['server.host: must be an IP address or a host name (env OS_SERVER__HOST)'],
    'a host that is neither',
  );
  for (const host of ['::', '0.0.0.0', '127.0.0.1', 'fd00::1', 'localhost', 'image-names.svc.cluster.local', 'a.b.'])
    assert.equal(
      loadConfig({ env: { ...secret, OS_SERVER__HOST: host }, configDir: '/nonexistent' }).server.host,
      host,
      host,
    );
  assert.deepEqual(
    problems(load({ OS_COMMUNICATION__USER_AGENT: 'ua\r\nX-Injected: 1' })),
    ['communication.user_agent: must not hold control characters (env OS_COMMUNICATION__USER_AGENT)'],
    'a header value with CR LF is refused at load, not at every upstream call',
  );
  assert.deepEqual(
    problems(load({ OS_KEYSTONE_AUTHTOKEN__USERNAME: ' svc ' })),
    ['keystone_authtoken.username: must not start or end with whitespace (env OS_KEYSTONE_AUTHTOKEN__USERNAME)'],
    'a user name with surrounding spaces would be another user',
  );
  assert.deepEqual(
    problems(load({ OS_KEYSTONE_AUTHTOKEN__SERVICE_TOKEN_ROLES: 'service,ad\u0001min' })),
    [
      'keystone_authtoken.service_token_roles: must not hold control characters (env OS_KEYSTONE_AUTHTOKEN__SERVICE_TOKEN_ROLES)',
    ],
    "a list's items too",
  );
  const c = loadConfig({ env: { OS_KEYSTONE_AUTHTOKEN__PASSWORD: ' p\tw ' }, configDir: '/nonexistent' });
  assert.equal(c.keystone_authtoken.password, ' p\tw ', 'a secret is taken as written (a warning says so)');
});

test('a configuration file that is not a regular file of at most 1 MiB is refused naming it', () => {
  const { dir } = tmpJson({});
  const zero = path.join(dir, 'zero.json');
  fs.symlinkSync('/dev/zero', zero);
  assert.deepEqual(
    problems(() => loadConfig({ env: secret, configDir: '/nonexistent', files: [zero] })),
    [`${zero}: not a regular file (a device)`],
    'a JSON file linked to /dev/zero is refused, not read until memory runs out',
  );
});
