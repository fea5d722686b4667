// Metrics on an injected registry (two apps in one process stay apart), and the no-op set used when metrics
// are off (GET /metrics end to end: test/routes/health.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import { createMetrics, NO_METRICS } from '../../src/common/metrics.js';

const NAMES = [
  'http_request_duration_seconds',
  'auth_token_decisions_total',
  'auth_token_cache_lookups_total',
  'keystone_token_validations_total',
  'keystone_token_validation_duration_seconds',
];

test('every metric is registered on the registry given, with the default process metrics', async () => {
  const registry = new Registry();
  const metrics = createMetrics(registry);
  assert.equal(metrics.registry, registry, 'the registry given is the one served');
  const names = (await registry.getMetricsAsJSON()).map((m) => m.name);
  for (const name of NAMES) assert.ok(names.includes(name), `${name} is registered`);
  assert.ok(names.includes('process_cpu_user_seconds_total'), "prom-client's default metrics are collected too");
});

test('two registries count apart, so apps built in one process do not share counts', async () => {
  const one = createMetrics(new Registry());
  const two = createMetrics(new Registry());
  one.authDecisions.inc({ outcome: 'confirmed' });
  one.authDecisions.inc({ outcome: 'confirmed' });
  two.authDecisions.inc({ outcome: 'rejected' });
  const text = async (m: typeof one) => m.registry!.getSingleMetricAsString('auth_token_decisions_total');
  assert.match(await text(one), /auth_token_decisions_total\{outcome="confirmed"\} 2/, 'the first counted its two');
  assert.doesNotMatch(await text(one), /outcome="rejected"/, "the first did not see the second's");
  assert.match(await text(two), /auth_token_decisions_total\{outcome="rejected"\} 1/, 'the second its one');
});

test('NO_METRICS takes the same calls and does nothing; it cannot be changed', () => {
  assert.equal(NO_METRICS.registry, undefined, 'nothing to serve at /metrics');
  NO_METRICS.httpRequestDuration.observe({ method: 'GET', route: '/', status: '200' }, 0.1);
  NO_METRICS.authDecisions.inc({ outcome: 'confirmed' });
  NO_METRICS.tokenCacheLookups.inc({ result: 'hit' });
  NO_METRICS.keystoneValidations.inc({ outcome: 'valid' });
  NO_METRICS.keystoneValidationDuration.observe(0.1);
  assert.ok(Object.isFrozen(NO_METRICS), 'frozen: a caller cannot swap in a real counter for everyone');
});
