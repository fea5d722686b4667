// createServices: the one wiring point. It builds every long-lived dependency from the config without
// touching the network, picks the token cache and metrics the config asks for, and close() releases them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { createServices } from '../src/services.js';
import { MemcacheTokenCache } from '../src/auth-token/memcache.js';
import { MemoryTokenCache, NoTokenCache } from '../src/auth-token/cache.js';
import { NO_METRICS } from '../src/common/metrics.js';
import { captureLogger } from './helpers/logs.js';
import { startMocks } from './helpers/mocks.js';
import { closedUrl } from './helpers/net.js';
import { serviceConfig } from './helpers/service.js';

const { logger } = captureLogger('silent');

test('construction does no I/O: no socket is opened until something needs the network', async (t) => {
  // Every TCP client in this process (undici's and memjs's) connects through net.Socket#connect.
  const connect = t.mock.method(net.Socket.prototype, 'connect');
  const mocks = await startMocks();
  t.after(() => mocks.close());
  const baseline = connect.mock.callCount();
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
  assert.equal(connect.mock.callCount(), baseline, 'createServices opened a socket');
  // The spy does see I/O: the readiness check authenticates the service user against the mock Keystone.
  const report = await services.readiness.report();
  assert.equal(report.checks.keystone?.ok, true);
  assert.ok(connect.mock.callCount() > baseline);
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
  const sessionClose = t.mock.method(services.session, 'close');
  const cacheClose = t.mock.method(services.tokenCache as MemcacheTokenCache, 'close');
  await services.close();
  assert.equal(sessionClose.mock.callCount(), 1);
  assert.equal(cacheClose.mock.callCount(), 1);
  await assert.rejects(services.session.request(await closedUrl('/')));
});
