// oslo.config files through loadConfiguration: precedence against the other sources, values parsed like the
// environment's, and real configuration text (test/config/fixtures/, each saying where it comes from).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, loadConfiguration, type LoadConfigOptions } from '../../src/config/load.js';
import type { ConfigSource } from '../../src/config/oslo-files.js';
import { schema } from '../../src/config/schema.js';
import { AUTHTOKEN_ALIASES, AUTHTOKEN_IGNORED, AUTHTOKEN_REFUSED } from '../../src/config/upstream-options.js';

const FIXTURES = path.join(import.meta.dirname, 'fixtures');
const DEVSTACK = path.join(FIXTURES, 'devstack-glance-api.conf');
const KSM_SAMPLE = path.join(FIXTURES, 'keystonemiddleware-auth-token.conf.sample');
const KOLLA = path.join(FIXTURES, 'kolla-ansible-glance-api.conf');
const secret = { OS_KEYSTONE_AUTHTOKEN__PASSWORD: 'pw' };

function confFile(text: string, name = 'x.conf'): string {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'oslo-load-')), name);
  fs.writeFileSync(file, text);
  return file;
}

const files = (...paths: string[]): ConfigSource[] => paths.map((p) => ({ kind: 'file', path: p }));

function problems(options: LoadConfigOptions): string[] {
  try {
    loadConfiguration(options);
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return [...err.problems];
  }
  assert.fail('expected a ConfigError');
}

test('precedence: defaults < files in command-line order < OS_* < the command line (overrides)', () => {
  const first = confFile('[server]\nport = 1001\n[log]\nlevel = error\n');
  const dir = path.dirname(confFile('[server]\nport = 1002\n[log]\nlevel = warn\n', 'a.conf'));
  const fromEnv = { OS_SERVER__PORT: '1003', OS_LOG__LEVEL: 'debug' };
  const overrides = { server: { port: 1004 }, log: { level: 'trace' } };
  const sources: ConfigSource[] = [...files(first), { kind: 'dir', path: dir }];
  const layers: [string, LoadConfigOptions, number, string][] = [
    ['schema defaults', { env: secret }, 8080, 'info'],
    ['a file beats the defaults', { env: secret, sources: files(first) }, 1001, 'error'],
    ['a later source (the directory) beats an earlier file', { env: secret, sources }, 1002, 'warn'],
    ['OS_* beats every file', { env: { ...secret, ...fromEnv }, sources }, 1003, 'debug'],
    ['the command line beats OS_*', { env: { ...secret, ...fromEnv }, sources, overrides }, 1004, 'trace'],
    ['order is the order given', { env: secret, sources: [...sources].reverse() }, 1001, 'error'],
  ];
  for (const [what, options, port, level] of layers) {
    const { config } = loadConfiguration({ configDir: '/nonexistent', ...options });
    assert.equal(config.server.port, port, what);
    assert.equal(config.log.level, level, what);
  }
});

test('the oslo files come after the deprecated JSON files, which still load with a warning each', () => {
  const json = confFile(JSON.stringify({ server: { port: 1001, host: '0.0.0.0' } }), 'old.json');
  const ini = confFile('[server]\nport = 1002\n');
  const { config, warnings } = loadConfiguration({
    env: { ...secret, CONFIG_FILES: json },
    configDir: '/nonexistent',
    sources: files(ini),
  });
  assert.equal(config.server.host, '0.0.0.0', 'the JSON file still applies');
  assert.equal(config.server.port, 1002, 'the oslo file beats it');
  assert.deepEqual(
    warnings,
    [
      `${json}: JSON configuration files (config/<NODE_ENV>.json, CONFIG_FILES) are deprecated and will be removed: use --config-file with an oslo.config file (docs/deploy.md#configuration)`,
    ],
    'one deprecation warning naming the file',
  );
});

test("a file's values are parsed as strictly as the environment's, and a bad one names its file and line", () => {
  const good = confFile('[communication]\ninsecure = off\n[server]\ntrusted_proxies = 10.0.0.1,\n  10.0.0.2\n');
  const { config } = loadConfiguration({ env: secret, configDir: '/nonexistent', sources: files(good) });
  assert.equal(config.communication.insecure, false, "oslo's boolean words");
  assert.deepEqual(config.server.trusted_proxies, ['10.0.0.1', '10.0.0.2'], 'a list over two lines');
  const bad = confFile('[keystone_authtoken]\ntoken_cache_time = 1e3\ninterface = Internal\n');
  assert.deepEqual(
    problems({ env: secret, configDir: '/nonexistent', sources: files(bad) }),
    [
      `keystone_authtoken.interface: must be one of the possible values: ["public","internal","admin"]: value was "Internal" (env OS_KEYSTONE_AUTHTOKEN__INTERFACE) (set at ${bad}:3 [keystone_authtoken] interface)`,
      `keystone_authtoken.token_cache_time: must be a number from 0 to 86400, written plainly (digits and an optional decimal point): value was "1e3" (env OS_KEYSTONE_AUTHTOKEN__TOKEN_CACHE_TIME) (set at ${bad}:2 [keystone_authtoken] token_cache_time)`,
    ],
    'each refused like the same text in the environment, with where it was set',
  );
  const fixed = { ...secret, OS_KEYSTONE_AUTHTOKEN__TOKEN_CACHE_TIME: '60', OS_KEYSTONE_AUTHTOKEN__INTERFACE: 'admin' };
  const { config: overridden } = loadConfiguration({ env: fixed, configDir: '/nonexistent', sources: files(bad) });
  assert.equal(overridden.keystone_authtoken.token_cache_time, 60, 'the environment replaces a bad file value');
});

test('devstack: the [keystone_authtoken] of glance-api.conf loads; what stops it is this service being stricter', () => {
  const found = problems({ env: {}, configDir: '/nonexistent', sources: files(DEVSTACK) });
  assert.deepEqual(
    found.map((p) => p.replace(/ \(env .*$/, '')),
    [
      'communication.cafile: file not found: /opt/stack/data/ca-bundle.pem: value was "/opt/stack/data/ca-bundle.pem"',
      'keystone_authtoken.memcache_security_strategy: None with memcached_servers leaves the cache entries unprotected: whoever can write to memcached can pose as any user. Set MAC or ENCRYPT and a memcache_secret_key, or accept the risk with memcache_allow_unprotected',
    ],
    'only the CA bundle that is not on this machine, and unprotected memcached',
  );
  assert.match(
    found[0]!,
    new RegExp(`set at ${DEVSTACK}:15 \\[keystone_authtoken\\] cafile\\)$`),
    'where cafile came from',
  );
});

test("devstack: with the operator's own file after it, every value devstack wrote is in effect", () => {
  const ca = confFile('not checked here', 'ca.pem');
  const own = confFile(
    `[communication]\ncafile = ${ca}\n[keystone_authtoken]\nmemcache_security_strategy = ENCRYPT\nmemcache_secret_key = k3y\n`,
  );
  const { config, warnings } = loadConfiguration({ env: {}, configDir: '/nonexistent', sources: files(DEVSTACK, own) });
  const ka = config.keystone_authtoken;
  assert.deepEqual(
    {
      auth_type: ka.auth_type,
      auth_url: ka.auth_url,
      www_authenticate_uri: ka.www_authenticate_uri,
      username: ka.username,
      password: ka.password,
      user_domain_name: ka.user_domain_name,
      project_name: ka.project_name,
      project_domain_name: ka.project_domain_name,
      interface: ka.interface,
      memcached_servers: ka.memcached_servers,
    },
    {
      auth_type: 'password',
      auth_url: 'http://192.0.2.10/identity',
      www_authenticate_uri: 'http://192.0.2.10/identity',
      username: 'glance',
      password: 'devstack-Service-Pw-5f2c',
      user_domain_name: 'Default',
      project_name: 'service',
      project_domain_name: 'Default',
      interface: 'public',
      memcached_servers: ['localhost:11211'],
    },
    "devstack's values, unchanged",
  );
  assert.equal(config.communication.cafile, ca, 'the later file wins over the alias');
  assert.deepEqual(
    warnings,
    [
      `${DEVSTACK}:15: [keystone_authtoken] cafile: deprecated name, use [communication] cafile (the TLS settings of every upstream call live with the session here, as keystoneauth has them)`,
    ],
    'the one deprecated name devstack writes',
  );
});

test('kolla-ansible: the [keystone_authtoken] of glance-api.conf loads unchanged, its domains by ID', () => {
  const { config, warnings } = loadConfiguration({ env: {}, configDir: '/nonexistent', sources: files(KOLLA) });
  const ka = config.keystone_authtoken;
  assert.deepEqual(
    {
      service_type: ka.service_type,
      www_authenticate_uri: ka.www_authenticate_uri,
      auth_url: ka.auth_url,
      auth_type: ka.auth_type,
      project_domain_id: ka.project_domain_id,
      user_domain_id: ka.user_domain_id,
      project_name: ka.project_name,
      username: ka.username,
      password: ka.password,
      region_name: ka.region_name,
      memcache_security_strategy: ka.memcache_security_strategy,
      memcache_secret_key: ka.memcache_secret_key,
      memcached_servers: ka.memcached_servers,
    },
    {
      service_type: 'image',
      www_authenticate_uri: 'http://192.0.2.10:5000',
      auth_url: 'http://192.0.2.10:5000',
      auth_type: 'password',
      project_domain_id: 'default',
      user_domain_id: 'default',
      project_name: 'service',
      username: 'glance',
      password: 'kolla-Gl4nce-Pw-9d1e',
      region_name: 'RegionOne',
      memcache_security_strategy: 'ENCRYPT',
      memcache_secret_key: 'kolla-Memc4che-Key-73ab',
      memcached_servers: ['192.0.2.11:11211', '192.0.2.12:11211', '192.0.2.13:11211'],
    },
    "kolla-ansible's values, unchanged",
  );
  assert.equal(config.communication.cafile, '', "openstack_cacert's default: no CA bundle, the system store");
  assert.deepEqual(
    warnings,
    [
      `${KOLLA}:22: [keystone_authtoken] cafile: deprecated name, use [communication] cafile (the TLS settings of every upstream call live with the session here, as keystoneauth has them)`,
    ],
    'the one deprecated name kolla-ansible writes; nothing about the domain names left at their defaults',
  );
});

/** Lines `#name = default` of an oslo-config-generator sample, uncommented; `<None>` ones left out. */
function uncommentDefaults(text: string): { text: string; names: string[] } {
  const names: string[] = [];
  const lines = text.split('\n').map((line) => {
    const m = /^#([a-z_]+) =(.*)$/.exec(line);
    if (!m || m[2] === ' <None>') return line;
    names.push(m[1]!);
    return line.slice(1);
  });
  return { text: lines.join('\n'), names };
}

test("keystonemiddleware's sample options: every name is known here (an option, an alias, ignored or refused)", () => {
  const names = [...fs.readFileSync(KSM_SAMPLE, 'utf8').matchAll(/^#([a-z_]+) =/gm)].map((m) => m[1]!);
  assert.equal(names.length, 37, "keystonemiddleware 13.0.0's 35 options, auth_type and auth_section");
  const unknown = names.filter(
    (n) =>
      !Object.hasOwn(schema.keystone_authtoken, n) &&
      !Object.hasOwn(AUTHTOKEN_ALIASES, n) &&
      !AUTHTOKEN_IGNORED.has(n) &&
      !Object.hasOwn(AUTHTOKEN_REFUSED, n),
  );
  assert.deepEqual(unknown, [], 'no upstream option is an unknown key here');
});

test("keystonemiddleware's sample options: as generated it sets nothing; with its defaults uncommented it loads", () => {
  const asIs = loadConfiguration({ env: secret, configDir: '/nonexistent', sources: files(KSM_SAMPLE) });
  assert.deepEqual(asIs.warnings, [], 'all commented out: nothing to say');
  assert.equal(asIs.config.keystone_authtoken.token_cache_time, 300, 'our default');
  const { text, names } = uncommentDefaults(fs.readFileSync(KSM_SAMPLE, 'utf8'));
  const file = confFile(text);
  const { config, warnings } = loadConfiguration({ env: secret, configDir: '/nonexistent', sources: files(file) });
  const ka = config.keystone_authtoken;
  assert.deepEqual(
    [ka.interface, ka.delay_auth_decision, ka.http_request_max_retries, ka.token_cache_time],
    ['internal', false, 3, 300],
    "upstream's defaults, read as upstream reads them",
  );
  assert.deepEqual(
    [ka.memcache_security_strategy, ka.memcache_pool_socket_timeout, ka.include_service_catalog],
    ['None', 3, true],
    'memcache_pool_socket_timeout: seconds in both',
  );
  assert.deepEqual([ka.service_token_roles, ka.service_token_roles_required], [['service'], true], 'service tokens');
  assert.equal(config.communication.insecure, false, 'insecure, through its alias');
  const ignored = names.filter((n) => AUTHTOKEN_IGNORED.has(n) || Object.hasOwn(AUTHTOKEN_REFUSED, n));
  assert.equal(warnings.length, 2, warnings.join('\n'));
  assert.match(
    warnings[0]!,
    /: \[keystone_authtoken\] insecure: deprecated name, use \[communication\] insecure/,
    'insecure under [keystone_authtoken]: a warning naming [communication] insecure',
  );
  assert.equal(
    warnings[1]!.replace(/ \([^)]*:\d+\)/g, ''),
    `keystone_authtoken: keystonemiddleware options this service does not implement, ignored (docs/upstream-differences.md): ${ignored.join(', ')}`,
    'one warning lists every ignored option',
  );
});

test("keystonemiddleware's TLS names in the environment stay unknown, with where the option is here", () => {
  assert.deepEqual(
    problems({ env: { ...secret, OS_KEYSTONE_AUTHTOKEN__CAFILE: '/ca.pem' }, configDir: '/nonexistent' }),
    [
      "keystone_authtoken.cafile: unknown option (env OS_KEYSTONE_AUTHTOKEN__CAFILE); keystonemiddleware's cafile is OS_COMMUNICATION__CAFILE here",
    ],
    'refused, pointing at OS_COMMUNICATION__CAFILE',
  );
});
