// Liveness, readiness (with the Keystone check reported but not failing) and metrics.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startMocks, tokenFor, type Mocks } from '../helpers/mocks.js';
import { build, serviceConfig, startService, type Service } from '../helpers/service.js';
import { getJson } from '../helpers/http.js';
import { closedUrl } from '../helpers/net.js';

let mocks: Mocks;
let service: Service;
before(async () => {
  mocks = await startMocks();
  service = await startService(serviceConfig(mocks.keystoneUrl));
});
after(async () => {
  await service.close();
  await mocks.close();
});

test('healthz needs no token and is not access-logged', async () => {
  const res = await getJson(`${service.url}/healthz`, { 'X-Roles': 'admin' });
  assert.equal(res.status, 200);
  assert.deepEqual(res.body, { status: 'ok' });
  assert.equal(
    service.lines.filter((l) => l.msg === 'request completed' && (l.req as { url: string }).url === '/healthz').length,
    0,
  );
});

test('readyz reports Keystone; 503 once shutting down', async () => {
  const ready = await getJson(`${service.url}/readyz`);
  assert.equal(ready.status, 200);
  const body = ready.body as { status: string; checks: Record<string, { ok: boolean; critical: boolean }> };
  assert.equal(body.status, 'ready');
  assert.deepEqual([body.checks.keystone!.ok, body.checks.keystone!.critical], [true, false]);
  service.readiness.markShuttingDown();
  const draining = await getJson(`${service.url}/readyz`);
  assert.equal(draining.status, 503);
  assert.equal((draining.body as { status: string }).status, 'shutting_down');
});

test('readyz stays 200 while Keystone is down, and says so', async (t) => {
  const alone = await build(t, serviceConfig(await closedUrl('/v3'), { communication: { connect_retries: 0 } }));
  const res = await getJson(`${alone.url}/readyz`);
  assert.equal(res.status, 200);
  assert.equal((res.body as { checks: { keystone: { ok: boolean } } }).checks.keystone.ok, false);
});

test('metrics: Prometheus text with auth and cache counters', async () => {
  const token = await tokenFor(mocks.keystoneUrl, 'demo');
  await fetch(`${service.url}/`, { headers: { 'X-Auth-Token': token } });
  await fetch(`${service.url}/`, { headers: { 'X-Auth-Token': token } });
  const res = await fetch(`${service.url}/metrics`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /text\/plain/);
  const text = await res.text();
  assert.match(text, /auth_token_decisions_total\{outcome="confirmed"\} [1-9]/);
  assert.match(text, /auth_token_cache_lookups_total\{result="hit"\} [1-9]/);
  assert.match(text, /keystone_token_validations_total\{outcome="valid"\} [1-9]/);
  assert.match(text, /http_request_duration_seconds_count\{method="GET",route="\/",status="200"\} [1-9]/);
});
