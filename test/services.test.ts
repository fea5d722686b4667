// createServices: the one wiring point. It builds every long-lived dependency from the config without
// touching the network, picks the token cache and metrics the config asks for, and close() releases them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { createServices } from '../src/services.js';
import { MemcacheTokenCache } from '../src/auth-token/memcache.js';
import { MemoryTokenCache, NoTokenCache } from '../src/auth-token/cache.js';
import { NO_METRICS } from '../src/common/metrics.js';
import { PasswordPlugin } from '../src/keystoneauth/password.js';
import { Session } from '../src/keystoneauth/session.js';
import { captureLogger } from './helpers/logs.js';
import { startMocks, stats } from './helpers/mocks.js';
import { closedUrl, listen } from './helpers/net.js';
import { serviceConfig } from './helpers/service.js';

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
    serviceConfig(mocks.keystoneUrl, {
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
  assert.deepEqual(calls().slice(0, 4), before.calls.slice(0, 4));
  assert.equal(await keystoneRequests(), before.keystone, 'something reached the mock Keystone'); // /__mock/ calls are not counted
  assert.ok(statsCalls <= 1);
  // The spies do see I/O: the readiness check authenticates the service user against the mock Keystone.
  const report = await services.readiness.report();
  assert.equal(report.checks.keystone?.ok, true);
  assert.ok(spies[1]!.mock.callCount() > before.calls[1]! && spies[0]!.mock.callCount() > before.calls[0]!);
});

test('the token cache and metrics the config asks for', async (t) => {
  const keystone = await closedUrl('/v3');
  const build = (overrides: Record<string, Record<string, unknown>>) => {
    const services = createServices(serviceConfig(keystone, overrides), logger);
    t.after(() => services.close());
    return services;
  };
  assert.ok(build({}).tokenCache instanceof MemoryTokenCache);
  assert.notEqual(build({}).metrics, NO_METRICS);
  assert.ok(build({ keystone_authtoken: { token_cache_time: 0 } }).tokenCache instanceof NoTokenCache);
  assert.ok(build({ keystone_authtoken: { token_cache_size: 0 } }).tokenCache instanceof NoTokenCache);
  const shared = build({
    keystone_authtoken: {
      memcached_servers: ['127.0.0.1:1'],
      memcache_security_strategy: 'MAC',
      memcache_secret_key: 'a-test-secret-of-enough-length',
    },
  });
  assert.ok(shared.tokenCache instanceof MemcacheTokenCache);
  assert.equal(build({ server: { metrics_enabled: false } }).metrics, NO_METRICS);
});

test('close() releases the session and the shared cache; the session cannot be used after it', async (t) => {
  const upstream = await listen((_req, res) => res.end('{}'));
  t.after(() => upstream.close());
  const services = createServices(
    serviceConfig(await closedUrl('/v3'), {
      keystone_authtoken: {
        memcached_servers: ['127.0.0.1:1'],
        memcache_security_strategy: 'MAC',
        memcache_secret_key: 'a-test-secret-of-enough-length',
      },
    }),
    logger,
  );
  const cacheClose = t.mock.method(services.tokenCache as MemcacheTokenCache, 'close');
  assert.equal((await services.session.request(upstream.url)).status, 200);
  await services.close();
  assert.equal(cacheClose.mock.callCount(), 1);
  // The same live upstream: refused by the closed session itself, never sent.
  await assert.rejects(services.session.request(upstream.url), /closed|destroyed/i);
});
