// TokenValidator (keystonemiddleware's _identity.py) as a unit: the request it makes, single-flight, the token
// cache, the short cache of rejected tokens and its key, failures that are never cached, and admission by
// client. Keystone is a fake session that records every call; the clock is injected.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TokenValidator, type TokenValidatorOptions } from '../../src/auth-token/validator.js';
import { AdmissionControl } from '../../src/auth-token/admission.js';
import { InvalidTokenCache, MemoryTokenCache, type TokenCache } from '../../src/auth-token/cache.js';
import { IdentityUnavailableError, InvalidTokenError, ValidationOverloadedError } from '../../src/auth-token/errors.js';
import { NO_METRICS } from '../../src/common/metrics.js';
import { RequestScope } from '../../src/common/request-scope.js';
import { NotFoundError, ProtocolError, ServerError, TimeoutError } from '../../src/keystoneauth/errors.js';
import type { AuthPlugin, PluginRequestOptions } from '../../src/keystoneauth/plugin.js';
import type { Session } from '../../src/keystoneauth/session.js';
import { captureLogger } from '../helpers/logs.js';
import { waitFor } from '../helpers/net.js';

const T0 = Date.parse('2030-01-01T00:00:00Z');

const body = (expiresAt: number) => ({
  token: {
    methods: ['password'],
    user: { id: 'u1', name: 'demo', domain: { id: 'default', name: 'Default' } },
    project: { id: 'p1', name: 'demo', domain: { id: 'default', name: 'Default' } },
    roles: [{ id: 'r1', name: 'member' }],
    expires_at: new Date(expiresAt).toISOString(),
    catalog: [],
  },
});

interface Call {
  url: string;
  options: PluginRequestOptions & { auth?: AuthPlugin };
}

/** Keystone as a session: `answer` decides each call; calls are recorded; `gate` holds answers back. */
function fakeKeystone(answer: (call: Call) => unknown) {
  const calls: Call[] = [];
  let release: (() => void) | undefined;
  let gate: Promise<void> | undefined;
  const session = {
    request: async (url: string, options: Call['options']) => {
      const call = { url, options };
      calls.push(call);
      if (gate) await gate;
      const result = answer(call);
      if (result instanceof Error) throw result;
      return { status: 200, headers: {}, requestId: 'req-1', json: () => structuredClone(result) };
    },
  };
  return {
    session: session as unknown as Session,
    calls,
    hold: () => {
      gate = new Promise<void>((resolve) => (release = resolve));
    },
    release: () => {
      gate = undefined;
      release?.();
    },
  };
}

const serviceAuth: AuthPlugin = {
  getHeaders: () => Promise.resolve({ 'X-Auth-Token': 'service-user-token' }),
  getEndpoint: () => Promise.resolve('http://keystone.test:5000/v3'),
  invalidate: () => true,
};

function validator(session: Session, overrides: Partial<TokenValidatorOptions> = {}) {
  let now = T0;
  const clock = () => now;
  const v = new TokenValidator({
    session,
    serviceAuth,
    cache: new MemoryTokenCache({ maxEntries: 100, maxBytes: 1 << 20 }),
    invalidCache: new InvalidTokenCache({ ttlMs: 5000, max: 100, now: clock }),
    admission: new AdmissionControl({ maxInflight: 16, maxQueuedPerClient: 100, maxQueued: 100, maxWaitMs: 60_000 }),
    scope: new RequestScope(captureLogger('silent').logger),
    metrics: NO_METRICS,
    identity: { interface: 'internal' },
    includeCatalog: true,
    cacheTimeMs: 300_000,
    timeoutMs: 10_000,
    connectRetries: 3,
    now: clock,
    ...overrides,
  });
  return { v, advance: (ms: number) => (now += ms) };
}

test("the request: GET {identity}/v3/auth/tokens as the service user, keystonemiddleware's headers and query", async () => {
  const keystone = fakeKeystone(() => body(T0 + 3_600_000));
  const { v } = validator(keystone.session);
  await v.validate('tok-1');
  await v.validate('tok-2', { allowExpired: true });
  const [plain, expired] = keystone.calls;
  assert.equal(plain?.url, 'http://keystone.test:5000/v3/auth/tokens', 'GET /v3/auth/tokens on the identity endpoint');
  assert.equal(plain?.options.auth, serviceAuth, 'sent as the service user');
  assert.deepEqual(
    plain?.options.headers,
    { 'X-Subject-Token': 'tok-1', 'OpenStack-Identity-Access-Rules': '1' },
    "keystonemiddleware's headers: X-Subject-Token and OpenStack-Identity-Access-Rules",
  );
  assert.equal(plain?.options.query?.toString(), '', 'no query for a plain validation with the catalog');
  assert.equal(expired?.options.query?.get('allow_expired'), '1', 'allow_expired=1 when a trusted service asks');
  // Only calls that never reached Keystone are retried; a status (503) never is.
  assert.equal(plain?.options.connectRetries, 3, 'connect_retries as configured');
  assert.equal(plain?.options.statusCodeRetries, 0, 'no retry on a status: a 503 means Keystone is overloaded');
  assert.equal(plain?.options.timeoutMs, 10_000, 'the validation timeout as configured');
  assert.equal(plain?.options.service, 'keystone', 'named as the password plugin names Keystone, in logs');
  assert.equal(plain?.options.displayName, 'identity service', 'and to callers');

  const noCatalog = fakeKeystone(() => body(T0 + 3_600_000));
  await validator(noCatalog.session, { includeCatalog: false }).v.validate('tok-3');
  assert.equal(noCatalog.calls[0]?.options.query?.has('nocatalog'), true, 'include_service_catalog off: ?nocatalog');
});

test('single-flight: concurrent validations of one uncached token make one call and share its answer', async () => {
  const keystone = fakeKeystone(() => body(T0 + 3_600_000));
  const { v } = validator(keystone.session);
  keystone.hold();
  const all = Array.from({ length: 50 }, (_, i) => v.validate('tok', { client: `10.0.0.${i}` }));
  await waitFor(() => keystone.calls.length === 1, 'the one call to Keystone made and held');
  keystone.release();
  const results = await Promise.all(all);
  assert.equal(keystone.calls.length, 1, 'fifty concurrent validations of one token make one call to Keystone');
  assert.ok(
    results.every((r) => r === results[0]),
    'all fifty share the one answer',
  );
});

test('kept for token_cache_time, never past the expiry: the lifetime handed to the cache', async (t) => {
  const keystone = fakeKeystone((call) =>
    body(call.options.headers?.['X-Subject-Token'] === 'short' ? T0 + 60_000 : T0 + 3_600_000),
  );
  const cache = new MemoryTokenCache({ maxEntries: 100, maxBytes: 1 << 20, now: () => T0 });
  const set = t.mock.method(cache, 'set');
  const { v } = validator(keystone.session, { cache });
  await v.validate('short');
  await v.validate('long');
  assert.deepEqual(
    set.mock.calls.map((c) => c.arguments[2]),
    [60_000, 300_000],
    'cached until the token expires (60 s) or for token_cache_time (300 s), whichever comes first',
  );
  await v.validate('short');
  assert.equal(keystone.calls.length, 2, 'answered from the cache');

  const uncached = fakeKeystone(() => body(T0 + 60_000));
  const off = validator(uncached.session, { cacheTimeMs: 0 }).v;
  await off.validate('tok');
  await off.validate('tok');
  assert.equal(uncached.calls.length, 2, 'with token_cache_time 0 every validation asks Keystone');
});

test('the cache on the same clock: asked again after token_cache_time', async () => {
  const keystone = fakeKeystone(() => body(T0 + 3_600_000));
  let now = T0;
  const clock = () => now;
  const { v } = validator(keystone.session, {
    now: clock,
    cache: new MemoryTokenCache({ maxEntries: 100, maxBytes: 1 << 20, now: clock }),
  });
  await v.validate('tok');
  now += 299_999;
  await v.validate('tok');
  assert.equal(keystone.calls.length, 1, '1 ms before token_cache_time the token comes from the cache');
  now += 2;
  await v.validate('tok');
  assert.equal(keystone.calls.length, 2, 'past token_cache_time Keystone is asked again');
});

test('a stale entry (clocks that disagree) is re-checked for expiry: refused without asking, or Keystone decides for a trusted service', async () => {
  const keystone = fakeKeystone(() => body(T0 + 60_000));
  const entry = await validator(keystone.session).v.validate('tok');
  // A cache that hands the entry back whatever the clocks say.
  const stale: TokenCache = { get: () => Promise.resolve(entry), set: () => Promise.resolve() };
  const { v, advance } = validator(keystone.session, { cache: stale });
  const calls = keystone.calls.length;
  assert.equal(await v.validate('tok'), entry, 'still valid on this clock');
  assert.equal(keystone.calls.length, calls, 'a still-valid entry is used without asking Keystone');
  advance(60_001);
  await assert.rejects(
    v.validate('tok'),
    (e: unknown) => e instanceof InvalidTokenError && e.reason === 'expired',
    'an entry past its expiry on this clock is refused as expired',
  );
  assert.equal(keystone.calls.length, calls, 'refused from the entry, without asking Keystone');
  // A trusted service may use an expired token, but only Keystone says so, never a cache entry.
  await v.validate('tok', { allowExpired: true });
  assert.equal(keystone.calls.length, calls + 1, 'allow_expired goes to Keystone, never to a cache entry');
  assert.equal(
    keystone.calls.at(-1)?.options.query?.get('allow_expired'),
    '1',
    'and asks Keystone with allow_expired=1',
  );
});

test("a rejected token is remembered for the TTL, keyed by token and allow_expired; Keystone's failures never", async () => {
  let outcome: unknown = new NotFoundError('no such token', { status: 404 });
  const keystone = fakeKeystone(() => outcome);
  const { v, advance } = validator(keystone.session);
  for (let i = 0; i < 20; i++)
    await assert.rejects(
      v.validate('revoked'),
      InvalidTokenError,
      `attempt ${i + 1}: Keystone's 404 is an invalid token`,
    );
  assert.equal(keystone.calls.length, 1, 'twenty tries of a rejected token ask Keystone once');
  // The same token with allow_expired (a trusted service) is another question: Keystone is asked.
  await assert.rejects(
    v.validate('revoked', { allowExpired: true }),
    InvalidTokenError,
    'allow_expired: still invalid',
  );
  assert.equal(keystone.calls.length, 2, 'allow_expired is another cache key: Keystone is asked');
  advance(5001);
  await assert.rejects(v.validate('revoked'), InvalidTokenError, 'past the TTL: still invalid');
  assert.equal(keystone.calls.length, 3, 'asked again after the TTL');

  for (const failure of [
    new ServerError('overloaded', { status: 503 }),
    new TimeoutError('slow'),
    new ProtocolError('not JSON'),
  ]) {
    outcome = failure;
    const before: number = keystone.calls.length;
    await assert.rejects(
      v.validate(`flaky-${failure.name}`),
      IdentityUnavailableError,
      `${failure.name}: first try, identity service unavailable`,
    );
    await assert.rejects(
      v.validate(`flaky-${failure.name}`),
      IdentityUnavailableError,
      `${failure.name}: second try, unavailable again (not cached as rejected)`,
    );
    assert.equal(keystone.calls.length - before, 2, `${failure.name} was cached`);
  }
  // After a failure the token is still judged on its merits.
  outcome = body(T0 + 3_600_000);
  assert.equal(
    (await v.validate(`flaky-ServerError`)).subject.userId,
    'u1',
    'after the failures the token is judged on its merits: valid',
  );
});

test('with the rejected-token cache off, every try asks Keystone', async () => {
  const keystone = fakeKeystone(() => new NotFoundError('no such token', { status: 404 }));
  const { v } = validator(keystone.session, { invalidCache: new InvalidTokenCache({ ttlMs: 0, max: 100 }) });
  await assert.rejects(v.validate('bad'), InvalidTokenError, 'first try: invalid');
  await assert.rejects(v.validate('bad'), InvalidTokenError, 'second try: invalid');
  assert.equal(keystone.calls.length, 2, 'with the cache off both tries asked Keystone');
});

test('admission: past the limit a validation is shed before reaching Keystone; cached tokens never wait', async () => {
  const keystone = fakeKeystone(() => body(T0 + 3_600_000));
  const admission = new AdmissionControl({ maxInflight: 1, maxQueuedPerClient: 1, maxQueued: 10, maxWaitMs: 60_000 });
  const { v } = validator(keystone.session, { admission });
  await v.validate('cached');
  keystone.hold();
  const running = v.validate('a1', { client: 'A' });
  await waitFor(() => keystone.calls.length === 2, "a1's call made: it holds the one slot");
  const queued = v.validate('a2', { client: 'A' });
  await assert.rejects(
    v.validate('a3', { client: 'A' }),
    ValidationOverloadedError,
    'a3 is shed at once: A already has a validation queued',
  );
  const otherClient = v.validate('b1', { client: 'B' });
  assert.equal(
    (await v.validate('cached', { client: 'A' })).subject.userId,
    'u1',
    'a cached token is answered while the one slot is held',
  );
  keystone.release();
  await Promise.all([running, queued, otherClient]);
  assert.deepEqual(
    keystone.calls.map((c) => c.options.headers?.['X-Subject-Token']),
    ['cached', 'a1', 'b1', 'a2'],
    'a3 never reached Keystone; B, with fewer validations outstanding than A, went before a2',
  );
});
