// Liveness, readiness and metrics. Readiness through the app: Keystone out (down, slow, 5xx) is reported but
// leaves the replica ready; Keystone refusing the service user's credentials makes it not ready, until the
// refusal ends; the cause is only ever in the log.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { addServiceUser, setFaults, startMocks, stats, tokenFor, type Mocks } from '../helpers/mocks.js';
import { build, serviceOptions, startApp, type Service } from '../helpers/service.js';
import { getJson } from '../helpers/http.js';
import { closedUrl, listen } from '../helpers/net.js';

let mocks: Mocks;
let service: Service;
before(async () => {
  mocks = await startMocks();
  service = await startApp(serviceOptions(mocks.keystoneUrl));
});
after(async () => {
  await service.close();
  await mocks.close();
});

test('healthz needs no token and is not access-logged', async () => {
  const res = await getJson(`${service.url}/healthz`, { 'X-Roles': 'admin' });
  assert.equal(res.status, 200, 'healthz answers without a token');
  assert.deepEqual(res.body, { status: 'ok' }, 'with a body that says ok and nothing else');
  assert.equal(
    service.lines.filter((l) => l.msg === 'request completed' && (l.req as { url: string }).url === '/healthz').length,
    0,
    'probes do not fill the access log',
  );
});

test('readyz reports Keystone; 503 once shutting down', async () => {
  const ready = await getJson(`${service.url}/readyz`);
  assert.equal(ready.status, 200, 'ready while Keystone answers');
  const body = ready.body as { status: string; checks: Record<string, { ok: boolean; critical: boolean }> };
  assert.equal(body.status, 'ready', 'the status says ready');
  assert.deepEqual(
    [body.checks.keystone!.ok, body.checks.keystone!.critical],
    [true, false],
    'Keystone checked, and passing; not critical',
  );
  service.readiness.markShuttingDown();
  const draining = await getJson(`${service.url}/readyz`);
  assert.equal(draining.status, 503, 'shutting down: 503, so the load balancer stops sending');
  assert.equal((draining.body as { status: string }).status, 'shutting_down', 'the status says shutting_down');
});

/**
 * The /readyz body's text has nothing of `url` (host, port, scheme) and no error code or upstream status;
 * the keystone check says `detail` and nothing more.
 */
function assertGeneric(
  body: unknown,
  url: string,
  extra: readonly string[] = [],
  detail: 'unavailable' | 'misconfigured' = 'unavailable',
) {
  const text = JSON.stringify(body);
  const { hostname, port } = new URL(url);
  for (const internal of [hostname, port, 'http', 'v3', 'ECONN', 'connection_failed', ...extra])
    assert.ok(!text.includes(internal), `the readiness body does not carry ${internal}: ${text}`);
  assert.deepEqual(
    (body as { checks: unknown }).checks,
    { keystone: { ok: false, detail, critical: false } },
    `keystone: ${detail}, and nothing more`,
  );
}

const failingLines = (s: Service) => s.lines.filter((l) => l.msg === 'readiness check failing');

test('readyz stays 200 while Keystone is down, says only "unavailable", and logs why once', async (t) => {
  const keystone = await closedUrl('/v3');
  const alone = await build(t, serviceOptions(keystone, { communication: { connect_retries: 0 } }));
  for (let i = 0; i < 3; i++) {
    const res = await getJson(`${alone.url}/readyz`);
    assert.equal(res.status, 200, 'Keystone is not critical: still ready');
    assertGeneric(res.body, keystone);
  }
  const lines = failingLines(alone);
  assert.equal(lines.length, 1, 'three probes of one failure: one log line');
  assert.match(String(lines[0]!.reason), /ECONNREFUSED/, 'the log has the error code');
  assert.equal(lines[0]!.url, `${keystone}/auth/tokens`, 'the log has the URL');
});

test('Keystone refuses the service password: 503 not_ready, "misconfigured" and nothing more; the status in the log', async (t) => {
  const options = serviceOptions(mocks.keystoneUrl, { keystone_authtoken: { password: 'wrong' } });
  const alone = await build(t, options);
  for (let i = 0; i < 3; i++) {
    const res = await getJson(`${alone.url}/readyz`);
    assert.equal(res.status, 503, `probe ${i + 1}: a refused password is this deployment's error: not ready`);
    assert.equal((res.body as { status: string }).status, 'not_ready', 'the body says not_ready');
    assertGeneric(res.body, mocks.keystoneUrl, ['401', 'Unauthorized', 'unauthorized', 'password'], 'misconfigured');
  }
  const lines = failingLines(alone);
  assert.equal(lines.length, 1, 'three probes of one refusal: one log line');
  assert.equal(lines[0]?.upstream_status, 401, "the log has Keystone's status");
  assert.equal(lines[0]?.detail, 'misconfigured', 'the log says which kind of failure');
  assert.equal(lines[0]?.level, 50, 'logged as an error: it lasts until someone fixes it');
});

test('auth_url redirecting to another origin: the password stays, readyz says unavailable, requests get 503', async (t) => {
  // A front for the mock Keystone that sends every request to it with a 307 (which would resend the body).
  const front = await listen((req, res) => {
    res.writeHead(307, { location: `${mocks.keystoneUrl.replace(/\/v3$/, '')}${req.url}` });
    res.end();
  });
  t.after(() => front.close());
  const alone = await build(t, serviceOptions(`${front.url}/v3`));
  const token = await tokenFor(mocks.keystoneUrl, 'demo');
  const issued = async () => (await stats(mocks.keystone.url)).counters.tokens_issued ?? 0;
  const before = await issued();
  const res = await getJson(`${alone.url}/readyz`);
  assertGeneric(res.body, front.url, ['307', 'redirect']);
  const [line] = failingLines(alone);
  assert.equal(line?.code, 'redirect_refused', 'the log says the redirect was refused');
  assert.match(String(line?.reason), /never sent to another origin/, 'and why');
  const answer = await getJson(`${alone.url}/`, { 'X-Auth-Token': token });
  assert.equal(answer.status, 503, 'no service token, no validation: 503');
  assert.equal((await issued()) - before, 0, 'the mock Keystone never got the service password');
});

test('metrics: Prometheus text with auth and cache counters', async () => {
  const token = await tokenFor(mocks.keystoneUrl, 'demo');
  await fetch(`${service.url}/`, { headers: { 'X-Auth-Token': token } });
  await fetch(`${service.url}/`, { headers: { 'X-Auth-Token': token } });
  const res = await fetch(`${service.url}/metrics`);
  assert.equal(res.status, 200, 'metrics are served');
  assert.match(res.headers.get('content-type') ?? '', /text\/plain/, 'in Prometheus text format');
  const text = await res.text();
  assert.match(text, /auth_token_decisions_total\{outcome="confirmed"\} [1-9]/, 'a confirmed auth decision counted');
  assert.match(
    text,
    /auth_token_cache_lookups_total\{result="hit"\} [1-9]/,
    'a token cache hit counted (the second request)',
  );
  assert.match(
    text,
    /keystone_token_validations_total\{outcome="valid"\} [1-9]/,
    'a valid Keystone validation counted',
  );
  assert.match(
    text,
    /http_request_duration_seconds_count\{method="GET",route="\/",status="200"\} [1-9]/,
    "the request's duration counted under its route and status",
  );
});

test('Keystone answering 500, then too slow: still ready, keystone "unavailable"; back again, "available" at the next probe', async (t) => {
  const alone = await build(t, serviceOptions(mocks.keystoneUrl, { keystone_authtoken: { timeout: 0.2 } }));
  t.after(() => setFaults(mocks.keystone.url, {}));
  await setFaults(mocks.keystone.url, { failStatus: 500, pathPrefix: '/v3/auth/tokens' });
  const failing = await getJson(`${alone.url}/readyz`);
  assert.equal(failing.status, 200, 'a 500 from Keystone is an outage: still ready');
  assertGeneric(failing.body, mocks.keystoneUrl, ['500', 'server_error']);
  await setFaults(mocks.keystone.url, { hang: true, pathPrefix: '/v3/auth/tokens' });
  const slow = await getJson(`${alone.url}/readyz`);
  assert.equal(slow.status, 200, 'Keystone not answering within keystone_authtoken.timeout is an outage too');
  assertGeneric(slow.body, mocks.keystoneUrl, ['timeout']);
  await setFaults(mocks.keystone.url, {});
  const back = await getJson(`${alone.url}/readyz`);
  assert.equal(back.status, 200, 'Keystone back: ready');
  assert.deepEqual(
    (back.body as { checks: unknown }).checks,
    { keystone: { ok: true, detail: 'available', critical: false } },
    'an outage is not held: the first probe after it asks Keystone and passes',
  );
  assert.deepEqual(
    failingLines(alone).map((l) => [l.detail, l.code, l.level]),
    [
      ['unavailable', 'server_error', 40],
      ['unavailable', 'timeout', 40],
    ],
    'each outage logged once, as a warning',
  );
  assert.equal(alone.lines.filter((l) => l.msg === 'readiness check passes again').length, 1, 'the recovery, once');
});

test('a refusal holds: probes and requests do not ask Keystone again; fixed in Keystone, ready once the hold ends', async (t) => {
  const user = addServiceUser(mocks, 'readiness-recovery', 'what-keystone-has');
  let now = Date.now();
  const options = serviceOptions(mocks.keystoneUrl, {
    keystone_authtoken: { username: user.name, password: 'what-the-pod-has' },
  });
  const alone = await build(t, options, { now: () => now });
  const token = await tokenFor(mocks.keystoneUrl, 'demo');
  const keystoneCalls = async () => (await stats(mocks.keystone.url)).counters.requests ?? 0;
  const before = await keystoneCalls();
  for (let i = 0; i < 5; i++) {
    assert.equal((await getJson(`${alone.url}/readyz`)).status, 503, `probe ${i + 1}: refused, not ready`);
    const answer = await getJson(`${alone.url}/`, { 'X-Auth-Token': token });
    assert.equal(answer.status, 503, `request ${i + 1}: 503, no token of its own to validate the caller's with`);
  }
  assert.equal((await keystoneCalls()) - before, 1, 'one call to Keystone: the others reuse its refusal (2 s hold)');
  user.password = 'what-the-pod-has';
  assert.equal((await getJson(`${alone.url}/readyz`)).status, 503, 'fixed in Keystone, but still held');
  now += 2000;
  const ready = await getJson(`${alone.url}/readyz`);
  assert.equal(ready.status, 200, 'the hold over, Keystone accepts the password: ready');
  assert.deepEqual(
    (ready.body as { checks: unknown }).checks,
    { keystone: { ok: true, detail: 'available', critical: false } },
    'keystone available again',
  );
  assert.equal((await getJson(`${alone.url}/`, { 'X-Auth-Token': token })).status, 200, 'requests served again');
  assert.equal(alone.lines.filter((l) => l.msg === 'readiness check passes again').length, 1, 'the recovery, logged');
});
