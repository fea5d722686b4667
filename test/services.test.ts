// createServices: the one wiring point. It builds every long-lived dependency from its options without
// touching the network, picks the token cache and metrics they ask for, and close() releases them; and
// optionsFromConfig, the one place the configuration becomes those options.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createApp } from '../src/app.js';
import { defaultConfig, loadConfiguration } from '../src/config/load.js';
import { schema, type Config } from '../src/config/schema.js';
import { createServices, optionsFromConfig } from '../src/services.js';
import { MemcacheTokenCache } from '../src/auth-token/memcache.js';
import { MemoryTokenCache, NoTokenCache } from '../src/auth-token/cache.js';
import { NO_METRICS } from '../src/common/metrics.js';
import { PasswordPlugin } from '../src/keystoneauth/password.js';
import { Session } from '../src/keystoneauth/session.js';
import { captureLogger } from './helpers/logs.js';
import { startMocks, stats, USERS } from './helpers/mocks.js';
import { closedUrl, listen } from './helpers/net.js';
import { serviceOptions } from './helpers/service.js';

const { logger } = captureLogger('silent');

test('construction does no I/O: nothing reaches Keystone or memcached until something needs the network', async (t) => {
  const mocks = await startMocks();
  t.after(() => mocks.close());
  // Every way out: the session's calls, the service user's authentication, the shared cache, any TCP socket
  // (undici's and memjs's both connect through net.Socket#connect). Spied on the prototypes, so calls made
  // inside createServices are seen too.
  const spies = [
    t.mock.method(Session.prototype, 'request'),
    t.mock.method(PasswordPlugin.prototype, 'getAccess'),
    t.mock.method(MemcacheTokenCache.prototype, 'get'),
    t.mock.method(MemcacheTokenCache.prototype, 'set'),
    t.mock.method(net.Socket.prototype, 'connect'),
  ];
  const calls = () => spies.map((spy) => spy.mock.callCount());
  const keystoneRequests = async () => (await stats(mocks.keystone.url)).counters.requests ?? 0;
  const keystoneBefore = await keystoneRequests();
  const before = { calls: calls(), keystone: keystoneBefore };
  const services = createServices(
    serviceOptions(mocks.keystoneUrl, {
      keystone_authtoken: {
        memcached_servers: ['127.0.0.1:1'],
        memcache_security_strategy: 'ENCRYPT',
        memcache_secret_key: 'a-test-secret-of-enough-length',
      },
    }),
    logger,
  );
  t.after(() => services.close());
  assert.deepEqual(calls(), before.calls, 'createServices called out');
  // Nothing deferred either: after a few turns of the event loop, no spy but the socket one (for the stats call
  // itself) has fired, and the mock Keystone has had no request.
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
  const statsCalls = calls()[4]! - before.calls[4]!; // the stats request's own socket, if a new one
  assert.deepEqual(
    calls().slice(0, 4),
    before.calls.slice(0, 4),
    'no session request, authentication or memcached call deferred to later turns of the event loop',
  );
  assert.equal(await keystoneRequests(), before.keystone, 'something reached the mock Keystone'); // /__mock/ calls are not counted
  assert.ok(statsCalls <= 1, "at most the stats request's own socket was opened");
  // The spies do see I/O: the readiness check authenticates the service user against the mock Keystone.
  const report = await services.readiness.report();
  assert.equal(report.checks.keystone?.ok, true, 'the readiness check reaches the mock Keystone');
  assert.ok(
    spies[1]!.mock.callCount() > before.calls[1]! && spies[0]!.mock.callCount() > before.calls[0]!,
    'the spies do see I/O: readiness authenticated the service user through the session',
  );
});

test('the token cache and metrics the options ask for', async (t) => {
  const keystone = await closedUrl('/v3');
  const build = (overrides: Record<string, Record<string, unknown>>) => {
    const services = createServices(serviceOptions(keystone, overrides), logger);
    t.after(() => services.close());
    return services;
  };
  assert.ok(build({}).tokenCache instanceof MemoryTokenCache, 'by default the token cache is in memory');
  assert.notEqual(build({}).metrics, NO_METRICS, 'by default metrics are on');
  assert.ok(
    build({ keystone_authtoken: { token_cache_time: 0 } }).tokenCache instanceof NoTokenCache,
    'token_cache_time 0: no token cache',
  );
  assert.ok(
    build({ keystone_authtoken: { token_cache_size: 0 } }).tokenCache instanceof NoTokenCache,
    'token_cache_size 0: no token cache',
  );
  const shared = build({
    keystone_authtoken: {
      memcached_servers: ['127.0.0.1:1'],
      memcache_security_strategy: 'MAC',
      memcache_secret_key: 'a-test-secret-of-enough-length',
    },
  });
  assert.ok(shared.tokenCache instanceof MemcacheTokenCache, 'memcached_servers set: the shared memcached cache');
  assert.equal(build({ server: { metrics_enabled: false } }).metrics, NO_METRICS, 'metrics_enabled false: no metrics');
});

test('close() releases the session and the shared cache; the session cannot be used after it', async (t) => {
  const upstream = await listen((_req, res) => res.end('{}'));
  t.after(() => upstream.close());
  const services = createServices(
    serviceOptions(await closedUrl('/v3'), {
      keystone_authtoken: {
        memcached_servers: ['127.0.0.1:1'],
        memcache_security_strategy: 'MAC',
        memcache_secret_key: 'a-test-secret-of-enough-length',
      },
    }),
    logger,
  );
  const cacheClose = t.mock.method(services.tokenCache as MemcacheTokenCache, 'close');
  assert.equal((await services.session.request(upstream.url)).status, 200, 'the session works before close()');
  await services.close();
  assert.equal(cacheClose.mock.callCount(), 1, 'close() closes the shared cache once');
  // The same live upstream: refused by the closed session itself, never sent.
  await assert.rejects(
    services.session.request(upstream.url),
    /closed|destroyed/i,
    'after close() the session refuses to send, even to a live upstream',
  );
});

// Read by server.ts (listening, logging) or only when the config is loaded (a start-time check), never mapped.
const NOT_MAPPED = new Set([
  'server.host',
  'server.port',
  'server.keep_alive_timeout',
  'server.headers_timeout',
  'server.request_timeout',
  'server.max_header_size',
  'server.shutdown_grace',
  'log.level',
  'keystone_authtoken.auth_type', // one value: password
  'keystone_authtoken.memcache_allow_unprotected', // loadConfig refuses memcached without protection unless set
]);
const ALL_OPTIONS = Object.entries(schema).flatMap(([group, options]) =>
  Object.keys(options).map((key) => `${group}.${key}`),
);

/** `config` whose groups count every read of their options, into `reads`. */
function counted(config: Config, reads: Map<string, number>): Config {
  const groups = Object.entries(config).map(([group, values]) => [
    group,
    new Proxy(values as object, {
      get(target, key, receiver) {
        if (typeof key === 'string' && key in target)
          reads.set(`${group}.${key}`, (reads.get(`${group}.${key}`) ?? 0) + 1);
        return Reflect.get(target, key, receiver) as unknown;
      },
    }),
  ]);
  return Object.fromEntries(groups) as Config;
}

test('optionsFromConfig reads each option once; createServices, createApp and the routes never read config', () => {
  const reads = new Map<string, number>();
  const options = optionsFromConfig(counted(defaultConfig(), reads));
  for (const name of ALL_OPTIONS) {
    const expected = NOT_MAPPED.has(name) ? 0 : 1;
    assert.equal(
      reads.get(name) ?? 0,
      expected,
      `${name} read ${expected === 0 ? 'never' : 'once'} in optionsFromConfig`,
    );
  }
  assert.equal(reads.get('keystone_authtoken.include_service_catalog'), 1, 'include_service_catalog: one place');
  const before = new Map(reads);
  const services = createServices(options, logger);
  createApp(services);
  assert.deepEqual(reads, before, 'nothing kept a reference to the config and read it later');
  return services.close();
});

/** A value of `name`'s format other than `current`. */
function otherValue(name: string, current: unknown, file: string): unknown {
  const [group, key] = name.split('.') as [keyof typeof schema, string];
  const spec = (schema[group] as Record<string, { format: unknown; max?: number }>)[key]!;
  if (Array.isArray(spec.format)) return (spec.format as string[]).find((v) => v !== current);
  if (typeof current === 'boolean') return !current;
  if (typeof current === 'number') return current + 1 <= (spec.max ?? Infinity) ? current + 1 : current - 1;
  if (Array.isArray(current)) return [...(current as string[]), '504'];
  if (String(spec.format).endsWith('file')) return file;
  if (String(spec.format).endsWith('url')) return 'http://elsewhere.example:5000/v3';
  return `${String(current)}-changed`;
}

test('every mapped option reaches the options: changing it changes them', (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'services-test-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'some.pem');
  fs.writeFileSync(file, 'not a real PEM: read, never parsed here');
  const base = defaultConfig();
  const baseOptions = optionsFromConfig(base);
  const mapped = ALL_OPTIONS.filter((name) => !NOT_MAPPED.has(name));
  assert.ok(mapped.length >= 40, `the schema's options, not an empty list (${mapped.length})`);
  for (const name of mapped) {
    const [group, key] = name.split('.') as [keyof Config, string];
    const values = base[group] as Record<string, unknown>;
    const changed = { ...base, [group]: { ...values, [key]: otherValue(name, values[key], file) } } as Config;
    assert.notDeepStrictEqual(optionsFromConfig(changed), baseOptions, `${name} changed nothing in the options`);
  }
});

test("kolla-ansible's [keystone_authtoken] as it is: the service user authenticates by its domain IDs", async (t) => {
  const mocks = await startMocks();
  t.after(() => mocks.close());
  const kolla = path.join(import.meta.dirname, 'config', 'fixtures', 'kolla-ansible-glance-api.conf');
  const authenticate = async (env: Record<string, string>) => {
    // Only where Keystone is and the secret come from elsewhere: the mock's, for the file's 192.0.2.10 and stand-in.
    const { config } = loadConfiguration({
      env: { OS_KEYSTONE_AUTHTOKEN__AUTH_URL: mocks.keystone.url, ...env },
      configDir: '/nonexistent',
      sources: [{ kind: 'file', path: kolla }],
    });
    const services = createServices(optionsFromConfig(config), logger);
    t.after(() => services.close());
    return (await services.serviceAuth.getAccess(services.session)).subject;
  };
  const glance = await authenticate({ OS_KEYSTONE_AUTHTOKEN__PASSWORD: USERS.glance.password });
  assert.deepEqual(
    [glance.userName, glance.userDomainId, glance.projectName, glance.projectDomainId],
    ['glance', 'default', 'service', 'default'],
    "glance on service, both in Keystone's default domain, as kolla-ansible names them",
  );
  // The seed's acme domain by ID, its names left at Default: only the IDs can find wile and dev.
  const acme = '9b1f0c5e3a7d4e2f8c6b5a4d3e2f1a0b';
  const wile = await authenticate({
    OS_KEYSTONE_AUTHTOKEN__USERNAME: USERS.wile.username,
    OS_KEYSTONE_AUTHTOKEN__PASSWORD: USERS.wile.password,
    OS_KEYSTONE_AUTHTOKEN__PROJECT_NAME: USERS.wile.projectName,
    OS_KEYSTONE_AUTHTOKEN__USER_DOMAIN_ID: acme,
    OS_KEYSTONE_AUTHTOKEN__PROJECT_DOMAIN_ID: acme,
  });
  assert.deepEqual(
    [wile.userName, wile.userDomainName, wile.projectName, wile.projectDomainName],
    ['wile', 'acme', 'dev', 'acme'],
    'the IDs reached Keystone, not the default names (Default would not find wile)',
  );
});
