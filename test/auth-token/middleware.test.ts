// The auth_token middleware over real HTTP against the mock Keystone: the decision table, header
// stripping, caching, single-flight, failures of Keystone, service tokens and hostile tokens.
import { after, before, describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { SERVICE_NAME } from '../../src/common/package-info.js';
import { spawn } from 'node:child_process';
import { SPOOFABLE_HEADERS } from '../../src/auth-token/headers.js';
import { requireUser } from '../../src/auth-token/middleware.js';
import { sha256Hex } from '../../src/common/redact.js';
import { buildEcho, echoApp as echoWith, type Echo, type EchoOptions as HelperEchoOptions } from '../helpers/echo.js';
import { closedUrl, waitFor } from '../helpers/net.js';
import {
  addServiceUser,
  appCredToken,
  issueDemoToken,
  releaseHeld,
  setFaults,
  startMocks,
  stats,
  tokenFor,
  tokenWith,
  type Mocks,
  USERS,
} from '../helpers/mocks.js';

let mocks: Mocks;

interface EchoOptions extends Omit<HelperEchoOptions, 'credentials'> {
  serviceUser?: keyof typeof USERS;
  keystoneUrl?: string;
}

/** The echo options for the middleware alone, validating against the mock Keystone as a given service user. */
function echoOptions({ serviceUser = 'service', keystoneUrl, ...options }: EchoOptions = {}): HelperEchoOptions {
  return { ...options, credentials: { authUrl: keystoneUrl ?? mocks.keystoneUrl, ...USERS[serviceUser] } };
}

/** The middleware alone, for a whole suite (closed in its `after`). */
const echoApp = (options: EchoOptions = {}): Promise<Echo> => echoWith(echoOptions(options));

/** The middleware alone, for one test (closed when it ends). */
const echoFor = (t: TestContext, options: EchoOptions = {}): Promise<Echo> => buildEcho(t, echoOptions(options));

async function get(url: string, headers: Record<string, string> = {}) {
  const res = await fetch(url, { headers });
  return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, any> };
}

const UNAUTHORIZED = {
  code: 401,
  title: 'Unauthorized',
  message: 'The request you have made requires authentication.',
};

async function validationsOf(token: string): Promise<number> {
  return (await stats(mocks.keystone.url)).counters[`validations:${sha256Hex(token)}`] ?? 0;
}

const demoToken = (expiresAt?: number) => issueDemoToken(mocks, expiresAt);

/** Calls to the mock Keystone whose caller hung up before the answer. */
async function abandonedAtKeystone(): Promise<number> {
  return (await stats(mocks.keystone.url)).counters.abandoned ?? 0;
}

/**
 * Another OpenStack service calling with its own token (X-Service-Token): a user of the test's own with the
 * roles admin and service, so that these tests need no Glance, nor its user, in the mock Keystone.
 */
const OTHER_SERVICE = {
  username: 'other-service',
  password: 'other-service-pw',
  projectName: 'service',
  userDomainName: 'Default',
  projectDomainName: 'Default',
} as const;
const otherServiceToken = () => tokenWith(mocks.keystoneUrl, OTHER_SERVICE);

before(async () => {
  mocks = await startMocks();
  const other = addServiceUser(mocks, OTHER_SERVICE.username, OTHER_SERVICE.password);
  mocks.keystone.store.seed.assignments.push({ user: other.id, project: 'service', role: 'admin' });
});
after(async () => {
  await mocks.close();
});

describe('decision table', () => {
  let echo: Echo;
  before(async () => {
    echo = await echoApp();
  });
  after(() => echo.close());

  test('no token: 401 with the keystonemiddleware body and WWW-Authenticate', async () => {
    const res = await get(echo.url);
    assert.equal(res.status, 401, 'no token: refused');
    assert.deepEqual(res.body.error, UNAUTHORIZED, 'the error body keystonemiddleware sends');
    assert.equal(
      res.headers.get('www-authenticate'),
      'Keystone uri="http://keystone.example/v3"',
      'the challenge names Keystone as www_authenticate_uri',
    );
    assert.match(res.body.request_id, /^req-/, 'every error carries a request id');
  });

  test('forged identity headers without a token: still 401', async () => {
    const res = await get(echo.url, { 'X-Roles': 'admin', 'X-Identity-Status': 'Confirmed', 'X-User-Id': 'x' });
    assert.equal(res.status, 401, 'forged identity headers are no credential');
  });

  test('valid token: 200, and the handler sees only validated identity headers', async () => {
    const token = await tokenFor(mocks.keystoneUrl, 'demo');
    const forged = Object.fromEntries(SPOOFABLE_HEADERS.map((h) => [h, 'forged']));
    const res = await get(echo.url, { ...forged, 'X-Auth-Token': token });
    assert.equal(res.status, 200, 'a valid token passes');
    const h = res.body.headers;
    assert.equal(h['x-identity-status'], 'Confirmed', 'the identity was confirmed by Keystone');
    assert.equal(h['x-user-id'], '3d4e5f60718293a4b5c6d7e8f90a1b2c', 'the user id from Keystone');
    assert.equal(h['x-user-name'], 'demo', 'the user name from Keystone');
    assert.equal(h['x-user-domain-id'], 'default', "the user's domain id");
    assert.equal(h['x-user-domain-name'], 'Default', "the user's domain name");
    assert.equal(h['x-project-id'], '7f3a9c1e5b2d4f6a8c0e2b4d6f8a0c2e', 'the project id from Keystone');
    assert.equal(h['x-project-name'], 'demo', 'the project name from Keystone');
    assert.equal(h['x-project-domain-id'], 'default', "the project's domain id");
    assert.equal(h['x-project-domain-name'], 'Default', "the project's domain name");
    assert.equal(
      h['x-roles'],
      'member,reader',
      'the roles from Keystone, comma-separated (the mock expands member to member,reader)',
    );
    assert.equal(
      h['x-is-admin-project'],
      'True',
      "the demo project is the admin project (keystonemiddleware's default: True)",
    );
    assert.ok(Array.isArray(JSON.parse(h['x-service-catalog'])), 'X-Service-Catalog is a JSON list');
    // Every forged header is gone or replaced by the validated value.
    for (const [name, value] of Object.entries(h)) assert.notEqual(value, 'forged', `${name} kept a forged value`);
    assert.equal(
      h['openstack-system-scope'],
      undefined,
      'no system scope for a project-scoped token: the forged value is gone',
    );
    assert.equal(
      h['x-service-identity-status'],
      undefined,
      'no service token: the forged service identity status is gone',
    );
    assert.equal(res.body.hasUserToken, true, "the handler's plugin has the user's token");
    assert.equal(res.body.hasServiceToken, false, "the handler's plugin has no service token");
  });

  test('X-Storage-Token is read when X-Auth-Token is absent; surrounding whitespace is trimmed', async () => {
    const token = await tokenFor(mocks.keystoneUrl, 'alt');
    assert.equal(
      (await get(echo.url, { 'X-Storage-Token': token })).body.headers['x-user-name'],
      'alt',
      'X-Storage-Token is read when X-Auth-Token is absent',
    );
    assert.equal(
      (await get(echo.url, { 'X-Auth-Token': `  ${token}\t` })).status,
      200,
      'surrounding whitespace around the token is trimmed',
    );
  });

  test('a token from a non-default domain', async () => {
    const token = await tokenFor(mocks.keystoneUrl, 'wile');
    const res = await get(echo.url, { 'X-Auth-Token': token });
    assert.equal(res.status, 200, 'a token of a user in another domain passes');
    assert.equal(res.body.headers['x-user-domain-name'], 'acme', "the user's domain is acme");
    assert.equal(
      res.body.headers['x-project-domain-id'],
      '9b1f0c5e3a7d4e2f8c6b5a4d3e2f1a0b',
      "the project's domain id is acme's",
    );
  });

  test('garbage, revoked and expired tokens: 401', async () => {
    assert.equal(
      (await get(echo.url, { 'X-Auth-Token': 'gAAAAAnot-a-token' })).status,
      401,
      'a token Keystone does not know: refused',
    );
    const expired = demoToken(Date.now() - 1000);
    assert.equal((await get(echo.url, { 'X-Auth-Token': expired.id })).status, 401, 'an expired token: refused');
    const revoked = demoToken();
    mocks.keystone.store.revoke(revoked.id);
    assert.equal((await get(echo.url, { 'X-Auth-Token': revoked.id })).status, 401, 'a revoked token: refused');
  });

  test('with the rejected-token cache off (invalid_token_cache_time 0), every try with an invalid token asks Keystone', async () => {
    const before = await validationsOf('gAAAAAstill-not-a-token');
    await get(echo.url, { 'X-Auth-Token': 'gAAAAAstill-not-a-token' });
    await get(echo.url, { 'X-Auth-Token': 'gAAAAAstill-not-a-token' });
    assert.equal(
      (await validationsOf('gAAAAAstill-not-a-token')) - before,
      2,
      'two tries with an invalid token, two calls to Keystone',
    );
  });

  test("a cached token ends with its expiry on the service's clock: the next use is a 401", async (t) => {
    const token = demoToken(Date.now() + 60_000);
    let now = Date.now();
    const echo = await echoFor(t, { now: () => now });
    assert.equal((await get(echo.url, { 'X-Auth-Token': token.id })).status, 200, 'a fresh token passes');
    assert.equal(
      (await get(echo.url, { 'X-Auth-Token': token.id })).status,
      200,
      'the second use passes too (from the cache)',
    );
    assert.equal(await validationsOf(token.id), 1, 'the second use came from the cache');
    // Past the expiry on the service's clock (Keystone sends it truncated to whole seconds, so never later). The
    // cache entry ended then; the mock Keystone, on the wall clock, would still call the token valid, and the
    // service's own expiry check refuses it. (A stale entry, from clocks that disagree, is refused without
    // asking Keystone: validator.unit.test.ts.)
    now = token.expiresAt + 1;
    assert.equal(
      (await get(echo.url, { 'X-Auth-Token': token.id })).status,
      401,
      "past its expiry on the service's clock, the cached token is refused",
    );
  });
});

describe('hostile and malformed tokens never reach Keystone', () => {
  let echo: Echo;
  before(async () => {
    echo = await echoApp();
  });
  after(() => echo.close());

  /** Send raw bytes (fetch refuses what we want to test) and read the status line. */
  function rawStatus(url: string, tokenBytes: Buffer): Promise<number> {
    const { port } = new URL(url);
    return new Promise((resolve, reject) => {
      const socket = net.connect(Number(port), '127.0.0.1', () => {
        socket.write(
          Buffer.concat([
            Buffer.from('GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\nX-Auth-Token: '),
            tokenBytes,
            Buffer.from('\r\n\r\n'),
          ]),
        );
      });
      let data = '';
      socket.on('data', (d) => (data += d.toString('latin1')));
      socket.on('end', () => resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(data)?.[1] ?? 0)));
      socket.on('error', reject);
    });
  }

  test('empty, whitespace, 8 KiB, non-ASCII and control characters', async () => {
    const before = (await stats(mocks.keystone.url)).counters.validations ?? 0;
    assert.equal((await get(echo.url, { 'X-Auth-Token': '' })).status, 401, 'an empty token: refused');
    assert.equal((await get(echo.url, { 'X-Auth-Token': '   ' })).status, 401, 'a blank token: refused');
    assert.equal((await get(echo.url, { 'X-Auth-Token': 'a'.repeat(8192) })).status, 401, 'an 8 KiB token: refused');
    assert.equal(
      await rawStatus(echo.url, Buffer.from('gAAAAAé€token', 'utf8')),
      401,
      'a token with UTF-8 bytes: refused',
    );
    assert.equal(
      await rawStatus(echo.url, Buffer.from('gAAAAA\u00e9latin1', 'latin1')),
      401,
      'a token with latin-1 bytes: refused',
    );
    const control = await rawStatus(echo.url, Buffer.from('gAAAAA\x01\x7fctl', 'latin1'));
    assert.ok(control === 401 || control === 400, `control characters: ${control}`);
    const after = (await stats(mocks.keystone.url)).counters.validations ?? 0;
    assert.equal(after, before, 'Keystone was asked about a malformed token');
  });
});

describe('service tokens', () => {
  let echo: Echo;
  before(async () => {
    echo = await echoApp();
  });
  after(() => echo.close());

  test('a valid service token with the service role is confirmed alongside the user', async () => {
    const user = await tokenFor(mocks.keystoneUrl, 'demo');
    const service = await otherServiceToken();
    const res = await get(echo.url, { 'X-Auth-Token': user, 'X-Service-Token': service });
    assert.equal(res.status, 200, 'user and service token both valid');
    assert.equal(
      res.body.headers['x-service-identity-status'],
      'Confirmed',
      "the service token's identity is confirmed",
    );
    assert.equal(
      res.body.headers['x-service-user-name'],
      OTHER_SERVICE.username,
      "the service user's name from the service token",
    );
    assert.equal(
      res.body.headers['x-service-roles'],
      'admin,service',
      "the service user's roles from the service token",
    );
    assert.equal(res.body.hasServiceToken, true, "the handler's plugin carries the service token");
  });

  test('a service token without a service role is rejected when roles are required', async (t) => {
    const user = await tokenFor(mocks.keystoneUrl, 'demo');
    const notService = await tokenFor(mocks.keystoneUrl, 'alt');
    assert.equal(
      (await get(echo.url, { 'X-Auth-Token': user, 'X-Service-Token': notService })).status,
      401,
      'a service token without the service role is refused when roles are required',
    );
    const lenient = await echoFor(t, { serviceTokenRolesRequired: false });
    const res = await get(lenient.url, { 'X-Auth-Token': user, 'X-Service-Token': notService });
    assert.equal(res.status, 200, 'without the role requirement the same pair passes');
    assert.equal(res.body.headers['x-service-identity-status'], 'Confirmed', 'and the service identity is confirmed');
  });

  test('an invalid service token is a 401 even with a valid user token', async () => {
    const user = await tokenFor(mocks.keystoneUrl, 'demo');
    assert.equal(
      (await get(echo.url, { 'X-Auth-Token': user, 'X-Service-Token': 'gAAAAAbogus' })).status,
      401,
      'an invalid service token refuses the request, however valid the user token',
    );
  });

  test('an expired user token passes only with a valid service token holding a service role', async () => {
    const expired = demoToken(Date.now() - 60_000);
    const service = await otherServiceToken();
    const notService = await tokenFor(mocks.keystoneUrl, 'alt');
    assert.equal(
      (await get(echo.url, { 'X-Auth-Token': expired.id, 'X-Service-Token': service })).status,
      200,
      'an expired user token passes with a trusted service token (allow_expired)',
    );
    assert.equal(
      (await get(echo.url, { 'X-Auth-Token': expired.id, 'X-Service-Token': notService })).status,
      401,
      'not with a service token lacking the service role',
    );
    assert.equal((await get(echo.url, { 'X-Auth-Token': expired.id })).status, 401, 'not alone');
  });

  test("a token past its expiry on the service's clock: Keystone decides for a trusted service, nobody else passes", async (t) => {
    const token = demoToken(Date.now() + 60_000);
    let now = Date.now();
    const echo = await echoFor(t, { now: () => now });
    const service = await otherServiceToken();
    assert.equal(
      (await get(echo.url, { 'X-Auth-Token': token.id, 'X-Service-Token': service })).status,
      200,
      'a fresh token with a service token passes',
    );
    assert.equal(
      (await get(echo.url, { 'X-Auth-Token': token.id, 'X-Service-Token': service })).status,
      200,
      'the second use passes from the cache',
    );
    assert.equal(await validationsOf(token.id), 1, 'the second use came from the cache');
    // Upstream would answer from its cache for the rest of token_cache_time; here Keystone is asked again,
    // with allow_expired=1.
    now = token.expiresAt + 1;
    assert.equal(
      (await get(echo.url, { 'X-Auth-Token': token.id, 'X-Service-Token': service })).status,
      200,
      "past its expiry on the service's clock, Keystone decides for the trusted service: valid",
    );
    assert.equal(await validationsOf(token.id), 2, 'Keystone was asked again, with allow_expired');
    assert.equal(
      (await get(echo.url, { 'X-Auth-Token': token.id })).status,
      401,
      'without the service token, the token past its expiry is refused',
    );
  });
});

describe('delay_auth_decision', () => {
  test('nothing is rejected; the request is marked Invalid and carries no user', async (t) => {
    const echo = await echoFor(t, { delayAuthDecision: true });
    const none = await get(echo.url, { 'X-Roles': 'admin' });
    assert.equal(none.status, 200, 'delay_auth_decision: no token still reaches the handler');
    assert.equal(none.body.headers['x-identity-status'], 'Invalid', 'the request is marked Invalid');
    assert.equal(none.body.headers['x-roles'], undefined, 'a forged X-Roles is gone');
    assert.equal(none.body.hasUserToken, false, "the handler's plugin has no user");
    const bad = await get(echo.url, { 'X-Auth-Token': 'gAAAAAbogus' });
    assert.equal(bad.status, 200, 'delay_auth_decision: an invalid token still reaches the handler');
    assert.equal(bad.body.headers['x-identity-status'], 'Invalid', 'the request is marked Invalid');
  });
});

describe('Keystone failures are 503, bounded in time, and recover by themselves', () => {
  test('Keystone answering 500', async (t) => {
    const echo = await echoFor(t, { cacheTimeMs: 0 });
    try {
      const token = await tokenFor(mocks.keystoneUrl, 'demo');
      assert.equal(
        (await get(echo.url, { 'X-Auth-Token': token })).status,
        200,
        'the service user authenticates while Keystone is healthy',
      );
      await setFaults(mocks.keystone.url, { failStatus: 500, pathPrefix: '/v3/auth/tokens' });
      const res = await get(echo.url, { 'X-Auth-Token': token });
      assert.equal(res.status, 503, "Keystone's 500 is a 503: the identity service is unavailable");
      assert.equal(res.headers.get('www-authenticate'), null, 'a 503 is no challenge: no WWW-Authenticate');
      assert.equal(res.body.error.code, 503, "the error body's code is 503");
      await setFaults(mocks.keystone.url, {});
      assert.equal(
        (await get(echo.url, { 'X-Auth-Token': token })).status,
        200,
        'once the fault is cleared the same token passes again',
      );
    } finally {
      await setFaults(mocks.keystone.url, {});
    }
  });

  test('Keystone slower than the validation timeout', async (t) => {
    // A 2 s validation timeout: short enough for the test, far above what a healthy validation takes even on a
    // loaded machine (the recovery below runs under it too).
    const echo = await echoFor(t, { cacheTimeMs: 0, timeoutMs: 2000 });
    try {
      const token = await tokenFor(mocks.keystoneUrl, 'demo');
      await get(echo.url, { 'X-Auth-Token': token }); // service user authenticated before the fault
      await setFaults(mocks.keystone.url, { latencyMs: 60_000, pathPrefix: '/v3/auth/tokens' });
      const before = await abandonedAtKeystone();
      // Keystone answers (200) after 60 s: a 503 means the service stopped waiting before that, and Keystone saw
      // it hang up. No stopwatch: the latency is the clock, 30 times the timeout so that no stall of a loaded
      // machine lets Keystone's answer arrive first (the mock drops the wait when the caller hangs up).
      assert.equal(
        (await get(echo.url, { 'X-Auth-Token': token })).status,
        503,
        'a validation slower than the timeout is a 503',
      );
      await waitFor(async () => (await abandonedAtKeystone()) > before, 'Keystone sees the service hang up');
      await setFaults(mocks.keystone.url, {});
      assert.equal(
        (await get(echo.url, { 'X-Auth-Token': token })).status,
        200,
        'once the fault is cleared the same token passes again',
      );
    } finally {
      await setFaults(mocks.keystone.url, {});
    }
  });

  test('Keystone hanging', async (t) => {
    const echo = await echoFor(t, { cacheTimeMs: 0, timeoutMs: 2000, logLevel: 'error' });
    try {
      const token = await tokenFor(mocks.keystoneUrl, 'demo');
      await get(echo.url, { 'X-Auth-Token': token });
      await setFaults(mocks.keystone.url, { hang: true, pathPrefix: '/v3/auth/tokens' });
      const before = await abandonedAtKeystone();
      assert.equal((await get(echo.url, { 'X-Auth-Token': token })).status, 503, 'a hanging validation is a 503');
      await waitFor(async () => (await abandonedAtKeystone()) > before, 'Keystone sees the service hang up');
      // Keystone never answers: the log says which deadline ended the wait (the 2 s validation timeout, not the
      // session's 30 s one). No stopwatch.
      const failed = echo.lines.findLast((l) => l.msg === 'token validation failed');
      assert.match(String(failed?.reason), /did not answer within 2000 ms/, 'the validation timeout ended the wait');
    } finally {
      await setFaults(mocks.keystone.url, {});
    }
  });

  test('Keystone not listening', async (t) => {
    const echo = await echoFor(t, { keystoneUrl: await closedUrl('/v3') });
    const res = await get(echo.url, { 'X-Auth-Token': 'gAAAAAwhatever' });
    assert.equal(res.status, 503, 'Keystone unreachable is a 503');
    assert.deepEqual(
      Object.keys(res.body.error).sort(),
      ['code', 'message', 'title'],
      'the usual error body: code, message, title',
    );
  });

  test('Keystone refusing the service user (403) is a 503, not a 401', async (t) => {
    const echo = await echoFor(t, { serviceUser: 'nobody' });
    const token = await tokenFor(mocks.keystoneUrl, 'alt');
    assert.equal(
      (await get(echo.url, { 'X-Auth-Token': token })).status,
      503,
      "a service user Keystone refuses is the service's fault: 503, never the caller's 401",
    );
  });

  test("the service's own token revoked: re-authenticate once and carry on", async (t) => {
    const echo = await echoFor(t, { cacheTimeMs: 0 });
    const token = await tokenFor(mocks.keystoneUrl, 'demo');
    assert.equal(
      (await get(echo.url, { 'X-Auth-Token': token })).status,
      200,
      "the token passes with the service's own token",
    );
    const own = (await echo.serviceAuth.getAccess(undefined as never)).authToken;
    mocks.keystone.store.revoke(own);
    assert.equal(
      (await get(echo.url, { 'X-Auth-Token': token })).status,
      200,
      'the service re-authenticated once its own token was revoked: the request still passes',
    );
    assert.notEqual(
      (await echo.serviceAuth.getAccess(undefined as never)).authToken,
      own,
      'the service holds a new token of its own',
    );
  });
});

describe('concurrency', () => {
  test('single-flight: 100 concurrent requests with one new token make one Keystone call', async (t) => {
    const echo = await echoFor(t);
    const token = await tokenFor(mocks.keystoneUrl, 'demo');
    const results = await Promise.all(Array.from({ length: 100 }, () => get(echo.url, { 'X-Auth-Token': token })));
    assert.ok(
      results.every((r) => r.status === 200),
      'all 100 requests pass',
    );
    assert.equal(await validationsOf(token), 1, '100 concurrent requests with one token: one validation');
  });

  test('no cross-user leakage: 50 users in parallel each see only themselves', async (t) => {
    const store = mocks.keystone.store;
    const users = Array.from({ length: 50 }, (_, i) => {
      const id = `leak${String(i).padStart(28, '0')}`;
      store.seed.users.push({ id, name: `leak-user-${i}`, domain_id: 'default', password: `pw-${i}` });
      store.seed.projects.push({
        id: `proj${String(i).padStart(28, '0')}`,
        name: `leak-project-${i}`,
        domain_id: 'default',
      });
      store.seed.assignments.push({ user: id, project: `proj${String(i).padStart(28, '0')}`, role: 'member' });
      return { id, token: store.issue(id, ['password'], { project: `proj${String(i).padStart(28, '0')}` }).id };
    });
    const echo = await echoFor(t);
    const rounds = await Promise.all(
      [...users, ...users, ...users].map(async (u) => ({ u, res: await get(echo.url, { 'X-Auth-Token': u.token }) })),
    );
    for (const { u, res } of rounds) {
      assert.equal(res.status, 200, `${u.id}: passes`);
      assert.equal(res.body.userId, u.id, `${u.id}: the handler sees this user, nobody else`);
      assert.equal(res.body.headers['x-user-id'], u.id, `${u.id}: X-User-Id is this user's`);
      assert.equal(res.body.serialized.user.token, u.token, `${u.id}: the serialized plugin carries this user's token`);
    }
  });
});

describe('keystone.token_auth serializes', () => {
  test('a plugin rebuilt in another process calls Keystone as the user', async (t) => {
    const echo = await echoFor(t);
    const token = await tokenFor(mocks.keystoneUrl, 'demo');
    const { body } = await get(echo.url, { 'X-Auth-Token': token });
    const script = `
      import { UserAuthPlugin } from './src/auth-token/user-plugin.ts';
      import { Session } from './src/keystoneauth/session.ts';
      import { sessionOptionsFromConfig } from './src/keystoneauth/conf.ts';
      import { RequestScope } from './src/common/request-scope.ts';
      import { defaultConfig } from './src/config/load.ts';
      import { createLogger } from './src/common/logger.ts';
      let input = '';
      for await (const chunk of process.stdin) input += chunk;
      const auth = UserAuthPlugin.deserialize(JSON.parse(input));
      const session = new Session(sessionOptionsFromConfig(defaultConfig().communication), new RequestScope(createLogger({ level: 'silent' })));
      const res = await session.request('auth/projects', { auth, endpointFilter: { serviceType: 'identity', interface: 'public' }, service: 'keystone' });
      process.stdout.write(JSON.stringify({ status: res.status, projects: res.json().projects.map((p) => p.name), userId: auth.user.subject.userId }));
      await session.close();
    `;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    child.stdin.end(JSON.stringify(body.serialized));
    let out = '';
    for await (const chunk of child.stdout) out += chunk;
    const result = JSON.parse(out) as { status: number; projects: string[]; userId: string };
    assert.equal(result.status, 200, 'the plugin rebuilt in another process is accepted by Keystone');
    assert.deepEqual(result.projects, ['demo'], 'and acts as the user: the projects of demo');
    assert.equal(result.userId, body.userId, 'the rebuilt plugin is the same user');
  });
});

describe('headers exactly as keystonemiddleware sets them', () => {
  let echo: Echo;
  before(async () => {
    echo = await echoApp();
  });
  after(() => echo.close());

  test('the deprecated aliases copy the headers they stand for (X-Tenant is the project name)', async () => {
    const res = await get(echo.url, {
      'X-Auth-Token': await tokenFor(mocks.keystoneUrl, 'demo'),
      'X-Tenant': 'forged',
      'X-Role': 'admin',
    });
    const h = res.body.headers;
    assert.equal(h['x-role'], h['x-roles'], 'X-Role copies X-Roles');
    assert.equal(h['x-role'], 'member,reader', 'X-Role holds the roles from Keystone, not the forged one');
    assert.equal(h['x-user'], 'demo', 'X-User is the user name');
    assert.equal(h['x-tenant-id'], '7f3a9c1e5b2d4f6a8c0e2b4d6f8a0c2e', 'X-Tenant-Id is the project id');
    assert.equal(h['x-tenant-name'], 'demo', 'X-Tenant-Name is the project name');
    assert.equal(h['x-tenant'], 'demo', 'X-Tenant is the project name, not the forged value');
  });

  test('X-Service-Catalog is the v2 catalog: type, name, endpoints per region with <interface>URL', async () => {
    const res = await get(echo.url, { 'X-Auth-Token': await tokenFor(mocks.keystoneUrl, 'demo') });
    const catalog = JSON.parse(res.body.headers['x-service-catalog']) as {
      type: string;
      name: string;
      endpoints: Record<string, string>[];
    }[];
    const identity = catalog.find((s) => s.type === 'identity')!;
    assert.deepEqual(Object.keys(identity), ['type', 'name', 'endpoints'], 'a v2 catalog entry: type, name, endpoints');
    const url = `${mocks.keystone.url}/v3/`;
    assert.deepEqual(
      identity.endpoints,
      [{ region: 'RegionOne', publicURL: url, internalURL: url, adminURL: url }],
      'one RegionOne endpoint with publicURL, internalURL and adminURL',
    );
    // Python's separators, as upstream's jsonutils.dumps writes them.
    assert.match(
      res.body.headers['x-service-catalog'],
      /^\[\{"type": "identity", "name": "keystone", "endpoints": \[\{"region": "RegionOne", "publicURL": /,
      'Python\'s separators (", " and ": "), as upstream\'s jsonutils.dumps writes them',
    );
  });

  test('X-Service-Catalog when Keystone sent an empty catalog ("[]"), and none when it sent no catalog', async (t) => {
    const store = mocks.keystone.store;
    const demo = store.findUser({ name: 'demo', domain: { id: 'default' } })!;
    // An unscoped token has no catalog key at all; a client-sent header must not survive either.
    const unscoped = store.issue(demo.id, ['password'], { unscoped: true });
    const bare = await get(echo.url, { 'X-Auth-Token': unscoped.id, 'X-Service-Catalog': '[{"forged": true}]' });
    assert.equal(bare.status, 200, 'an unscoped token passes');
    assert.equal(
      bare.body.headers['x-service-catalog'],
      undefined,
      'no catalog from Keystone: no X-Service-Catalog, and the forged one is gone',
    );
    // A scoped token whose catalog is empty (endpoint filtering can leave none): upstream sends "[]".
    const scoped = demoToken();
    t.mock.method(store, 'catalog', () => []);
    const empty = await get(echo.url, { 'X-Auth-Token': scoped.id });
    assert.equal(empty.status, 200, 'a scoped token with an empty catalog passes');
    assert.equal(
      empty.body.headers['x-service-catalog'],
      '[]',
      'an empty catalog from Keystone: X-Service-Catalog is "[]", as upstream sends',
    );
  });

  test('an empty X-Auth-Token does not fall back to X-Storage-Token', async () => {
    const token = await tokenFor(mocks.keystoneUrl, 'alt');
    assert.equal(
      (await get(echo.url, { 'X-Auth-Token': '', 'X-Storage-Token': token })).status,
      401,
      'an empty X-Auth-Token is an empty token: no fallback to X-Storage-Token',
    );
    assert.equal((await get(echo.url, { 'X-Storage-Token': token })).status, 200, 'X-Storage-Token alone passes');
  });

  test('service-token roles are matched case-sensitively, as upstream matches them', async (t) => {
    const strict = await echoFor(t);
    const capital = await buildEcho(t, {
      credentials: { authUrl: mocks.keystoneUrl, ...USERS.service },
      serviceTokenRoles: ['Service'],
    });
    const user = await tokenFor(mocks.keystoneUrl, 'demo');
    const service = await otherServiceToken(); // roles admin, service
    assert.equal(
      (await get(strict.url, { 'X-Auth-Token': user, 'X-Service-Token': service })).status,
      200,
      'the service role matches the role "service"',
    );
    assert.equal(
      (await get(capital.url, { 'X-Auth-Token': user, 'X-Service-Token': service })).status,
      401,
      '"Service" does not match "service": roles are case-sensitive',
    );
  });

  test('an invalid service token decides the 401 alone: the user token is not sent to Keystone', async () => {
    const user = await tokenFor(mocks.keystoneUrl, 'demo');
    const res = await get(echo.url, { 'X-Auth-Token': user, 'X-Service-Token': 'gAAAAAnot-a-service-token' });
    assert.equal(res.status, 401, 'an invalid service token is a 401');
    assert.equal(
      res.headers.get('www-authenticate'),
      'Keystone uri="http://keystone.example/v3"',
      "with Keystone's challenge",
    );
    assert.equal(await validationsOf(user), 0, 'the user token was never sent to Keystone');
    const notService = await tokenFor(mocks.keystoneUrl, 'alt');
    assert.equal(
      (await get(echo.url, { 'X-Auth-Token': user, 'X-Service-Token': notService })).status,
      401,
      'a service token without the service role is a 401',
    );
    assert.equal(await validationsOf(user), 0, 'the user token was still never sent to Keystone');
  });
});

describe('WWW-Authenticate on every 401 that leaves the service', () => {
  test('a route needing a user under delay_auth_decision, and a route answering 401 itself', async (t) => {
    const echo = await buildEcho(t, {
      credentials: { authUrl: mocks.keystoneUrl, ...USERS.service },
      delayAuthDecision: true,
      routes: async (ctx, next) => {
        if (ctx.path === '/needs-user') {
          requireUser(ctx.state.tokenAuth);
          ctx.body = { ok: true };
        } else if (ctx.path === '/plain-401') {
          ctx.status = 401;
          ctx.body = { error: 'upstream said no' };
        } else if (ctx.path === '/own-challenge') {
          ctx.status = 401;
          ctx.set('WWW-Authenticate', 'Basic realm="files"');
          ctx.body = { error: 'basic auth needed' };
        } else if (ctx.path === '/act-as-caller') {
          // The plugin itself refuses to act without a user: a 401, never a 403.
          await ctx.state.tokenAuth.getHeaders(undefined as never);
        } else await next();
      },
    });
    for (const path of ['/needs-user', '/plain-401', '/act-as-caller']) {
      const res = await get(`${echo.url}${path}`);
      assert.equal(res.status, 401, path);
      assert.equal(res.headers.get('www-authenticate'), 'Keystone uri="http://keystone.example/v3"', path);
    }
    // A route's own challenge stays, and Keystone's is appended (upstream's headers.extend).
    const own = await get(`${echo.url}/own-challenge`);
    assert.equal(own.status, 401, "a route's own 401 with its own challenge");
    assert.equal(
      own.headers.get('www-authenticate'),
      'Basic realm="files", Keystone uri="http://keystone.example/v3"',
      "the route's challenge stays and Keystone's is appended",
    );
    const ok = await get(`${echo.url}/needs-user`, { 'X-Auth-Token': await tokenFor(mocks.keystoneUrl, 'demo') });
    assert.equal(ok.status, 200, 'the same route with a user passes');
    assert.equal(ok.headers.get('www-authenticate'), null, 'no challenge on a success');
  });
});

describe('the short cache of rejected tokens', () => {
  test('a revoked token sent 20 times costs one validation per TTL; the TTL runs on the injected clock', async (t) => {
    let now = Date.now();
    const echo = await echoFor(t, { invalidCacheTimeMs: 5000, now: () => now });
    const revoked = demoToken();
    mocks.keystone.store.revoke(revoked.id);
    for (let i = 0; i < 20; i++)
      assert.equal(
        (await get(echo.url, { 'X-Auth-Token': revoked.id })).status,
        401,
        `try ${i + 1}: the revoked token is refused`,
      );
    assert.equal(await validationsOf(revoked.id), 1, 'twenty tries within the TTL: one validation');
    now += 5001;
    assert.equal(
      (await get(echo.url, { 'X-Auth-Token': revoked.id })).status,
      401,
      'past the TTL on the injected clock: still refused',
    );
    assert.equal(await validationsOf(revoked.id), 2, 'past the TTL Keystone was asked once more');
  });

  test('keyed with allow_expired: a token rejected as expired still passes with a trusted service token (keystonemiddleware bug 1987355)', async (t) => {
    const echo = await echoFor(t, { invalidCacheTimeMs: 60_000 });
    const expired = demoToken(Date.now() - 60_000);
    assert.equal((await get(echo.url, { 'X-Auth-Token': expired.id })).status, 401, 'an expired token is refused');
    assert.equal(
      (await get(echo.url, { 'X-Auth-Token': expired.id })).status,
      401,
      'and refused again from the rejected-token cache',
    );
    assert.equal(await validationsOf(expired.id), 1, 'the second try came from the rejected-token cache');
    // Nova finishing a long operation for the user: Keystone is asked again, with allow_expired.
    const service = await otherServiceToken();
    assert.equal(
      (await get(echo.url, { 'X-Auth-Token': expired.id, 'X-Service-Token': service })).status,
      200,
      'with a trusted service token the expired token passes: allow_expired is another key',
    );
    assert.equal(await validationsOf(expired.id), 2, 'Keystone was asked again, with allow_expired');
  });

  test('Keystone failures are never cached', async (t) => {
    const echo = await echoFor(t, { invalidCacheTimeMs: 60_000, cacheTimeMs: 0 });
    try {
      const token = await tokenFor(mocks.keystoneUrl, 'demo');
      assert.equal(
        (await get(echo.url, { 'X-Auth-Token': token })).status,
        200,
        'the service user authenticates while Keystone is healthy',
      ); // the service user is authenticated
      await setFaults(mocks.keystone.url, { failStatus: 500, pathPrefix: '/v3/auth/tokens' });
      assert.equal((await get(echo.url, { 'X-Auth-Token': token })).status, 503, "Keystone's 500 is a 503");
      await setFaults(mocks.keystone.url, {});
      assert.equal(
        (await get(echo.url, { 'X-Auth-Token': token })).status,
        200,
        'the failure was not cached: once Keystone is back the token passes',
      );
    } finally {
      await setFaults(mocks.keystone.url, {});
    }
  });
});

describe('validation calls to an overloaded Keystone', () => {
  test('a 503 from Keystone is not retried (one call, like keystonemiddleware)', async (t) => {
    const echo = await echoFor(t, { cacheTimeMs: 0 });
    try {
      const token = await tokenFor(mocks.keystoneUrl, 'demo');
      assert.equal(
        (await get(echo.url, { 'X-Auth-Token': token })).status,
        200,
        'the service user authenticates while Keystone is healthy',
      );
      await setFaults(mocks.keystone.url, { failStatus: 503, pathPrefix: '/v3/auth/tokens' });
      const before = (await stats(mocks.keystone.url)).counters.requests ?? 0;
      assert.equal(
        (await get(echo.url, { 'X-Auth-Token': token })).status,
        503,
        "Keystone's 503 is a 503 for the caller",
      );
      assert.equal(
        ((await stats(mocks.keystone.url)).counters.requests ?? 0) - before,
        1,
        'one call to Keystone: a 503 is not retried',
      );
    } finally {
      await setFaults(mocks.keystone.url, {});
    }
  });

  test('admission: past the limit a request is shed at once with 503 + Retry-After and never reaches Keystone; cached tokens never wait', async (t) => {
    // The held validation lasts until the test releases it (the mock's /__mock/release), not until a deadline.
    const echo = await echoFor(t, { admission: { maxInflight: 1, maxQueuedPerClient: 0, maxQueued: 0 } });
    try {
      const cached = await tokenFor(mocks.keystoneUrl, 'alt');
      assert.equal(
        (await get(echo.url, { 'X-Auth-Token': cached })).status,
        200,
        'the cached token passes before the hold',
      );
      const holder = await tokenFor(mocks.keystoneUrl, 'demo');
      const shed = await tokenFor(mocks.keystoneUrl, 'wile');
      await setFaults(mocks.keystone.url, { hang: true, pathPrefix: '/v3/auth/tokens' });
      const heldBefore = (await stats(mocks.keystone.url)).counters.held ?? 0;
      const holding = get(echo.url, { 'X-Auth-Token': holder });
      await waitFor(
        async () => ((await stats(mocks.keystone.url)).counters.held ?? 0) > heldBefore,
        "the holder's validation held at Keystone",
      );
      const requestsBefore = (await stats(mocks.keystone.url)).counters.requests ?? 0;
      const res = await get(echo.url, { 'X-Auth-Token': shed });
      assert.equal(res.status, 503, 'past the limit the validation is shed at once');
      assert.equal(res.headers.get('retry-after'), '1', 'shed with Retry-After: 1');
      assert.equal(res.headers.get('www-authenticate'), null, 'a 503 is no challenge: no WWW-Authenticate');
      assert.match(res.body.error.message, /Too many token validations/, 'the message says validations are overloaded');
      assert.equal(
        ((await stats(mocks.keystone.url)).counters.requests ?? 0) - requestsBefore,
        0,
        'the shed request never reached Keystone',
      );
      // The slot is still held by the hanging validation: a cached token does not care.
      assert.equal(
        (await get(echo.url, { 'X-Auth-Token': cached })).status,
        200,
        'a cached token needs no validation slot: it passes while the slot is held',
      );
      await setFaults(mocks.keystone.url, {});
      await releaseHeld(mocks.keystone.url);
      assert.equal((await holding).status, 200, 'released, the held validation completes: the holder passes');
      assert.equal(
        (await get(echo.url, { 'X-Auth-Token': shed })).status,
        200,
        'with the slot free, the token once shed passes',
      );
    } finally {
      await setFaults(mocks.keystone.url, {});
      await releaseHeld(mocks.keystone.url);
    }
  });

  test('admission counts a request against its client: the socket peer, or X-Forwarded-For only from a trusted proxy', async (t) => {
    // Nobody may queue and one validation may run: once it hangs, every new token is shed at once, and the
    // shed line names the client the request was counted against. The hold lasts until the test releases it
    // (the mock's /__mock/release), however long the shed requests take on a loaded machine.
    const admission = { maxInflight: 1, maxQueuedPerClient: 0, maxQueued: 0 };
    const behindProxy = await echoFor(t, { admission, trustedProxies: ['127.0.0.1'], logLevel: 'warn' });
    const direct = await echoFor(t, { admission, logLevel: 'warn' });
    const tokens = await Promise.all(Array.from({ length: 8 }, () => tokenFor(mocks.keystoneUrl, 'demo')));
    const shedClient = async (echo: Echo, token: string, forwardedFor?: string) => {
      const headers: Record<string, string> = { 'X-Auth-Token': token };
      if (forwardedFor !== undefined) headers['X-Forwarded-For'] = forwardedFor;
      const res = await get(echo.url, headers);
      assert.equal(res.status, 503, `shed at once (X-Forwarded-For ${forwardedFor ?? 'absent'})`);
      assert.equal(res.headers.get('retry-after'), '1', 'shed with Retry-After: 1');
      const line = echo.lines.findLast((l) => l.msg === 'token validation shed: too many validations waiting');
      assert.ok(line, 'no shed line');
      return line.client;
    };
    try {
      await setFaults(mocks.keystone.url, { hang: true, pathPrefix: '/v3/auth/tokens' });
      const heldBefore = (await stats(mocks.keystone.url)).counters.held ?? 0;
      const holding = [
        get(behindProxy.url, { 'X-Auth-Token': tokens[0]! }),
        get(direct.url, { 'X-Auth-Token': tokens[1]! }),
      ];
      await waitFor(
        async () => ((await stats(mocks.keystone.url)).counters.held ?? 0) >= heldBefore + 2,
        'both holders held at Keystone',
      );

      // Behind a trusted proxy: the right-most hop that is not a trusted proxy.
      assert.equal(
        await shedClient(behindProxy, tokens[2]!, '10.0.0.1'),
        '10.0.0.1',
        'behind a trusted proxy: the client X-Forwarded-For names',
      );
      // Hops left of it are written by the client: never believed.
      assert.equal(
        await shedClient(behindProxy, tokens[3]!, '203.0.113.9, 10.0.0.1'),
        '10.0.0.1',
        "hops left of the last untrusted one are the client's to write: never believed",
      );
      // Trusted proxies in the chain are skipped.
      assert.equal(
        await shedClient(behindProxy, tokens[4]!, '10.0.0.7, 127.0.0.1'),
        '10.0.0.7',
        'trusted proxies in the chain are skipped',
      );
      // No header: the proxy itself.
      assert.equal(
        await shedClient(behindProxy, tokens[5]!),
        '127.0.0.1',
        'behind a trusted proxy without X-Forwarded-For: the proxy itself',
      );
      // Not behind a trusted proxy: X-Forwarded-For is ignored, the peer counts.
      assert.equal(
        await shedClient(direct, tokens[6]!, '10.0.0.1'),
        '127.0.0.1',
        'not behind a trusted proxy: X-Forwarded-For is ignored, the peer counts',
      );
      assert.equal(
        await shedClient(direct, tokens[7]!, '10.0.0.2, 10.0.0.3'),
        '127.0.0.1',
        'not behind a trusted proxy: any X-Forwarded-For chain is ignored',
      );

      await setFaults(mocks.keystone.url, {});
      await releaseHeld(mocks.keystone.url);
      for (const res of await Promise.all(holding))
        assert.equal(res.status, 200, "released, each holder's validation completes: it passes");
    } finally {
      await setFaults(mocks.keystone.url, {});
      await releaseHeld(mocks.keystone.url);
    }
  });
});

describe('application-credential access rules (against the mock Keystone)', () => {
  const call = (url: string, method: string, headers: Record<string, string>) =>
    fetch(url, { method, headers }).then(async (r) => {
      const text = await r.text(); // HEAD: no body
      return { status: r.status, body: (text ? JSON.parse(text) : {}) as Record<string, any> };
    });

  test('service_type set: only what a rule allows passes', async (t) => {
    const echo = await echoFor(t, { serviceType: SERVICE_NAME });
    const images = await appCredToken(mocks.keystoneUrl, 'demo-images-only');
    assert.equal(
      (await call(`${echo.url}/images`, 'GET', { 'X-Auth-Token': images })).status,
      200,
      'GET /images is what the rule allows',
    );
    assert.equal(
      (await call(`${echo.url}/images?visibility=public`, 'GET', { 'X-Auth-Token': images })).status,
      200,
      'the query is not part of the path the rule matches',
    );
    for (const [method, path] of [
      ['GET', '/'],
      ['GET', '/images/'],
      ['POST', '/images'],
      ['HEAD', '/images'],
      ['GET', '/imagesx'],
    ] as const) {
      assert.equal(
        (await call(`${echo.url}${path}`, method, { 'X-Auth-Token': images })).status,
        401,
        `${method} ${path}`,
      );
    }
    // Percent-encoding does not get round a rule: compared as webob quotes it.
    assert.equal(
      (await call(`${echo.url}/imag%65s`, 'GET', { 'X-Auth-Token': images })).status,
      200,
      'percent-encoding does not get round a rule: /imag%65s is /images',
    );
    const compute = await appCredToken(mocks.keystoneUrl, 'demo-compute-only');
    assert.equal(
      (await call(`${echo.url}/images`, 'GET', { 'X-Auth-Token': compute })).status,
      401,
      'a token whose rules name another service: refused',
    );
    const unrestricted = await appCredToken(mocks.keystoneUrl, 'demo-no-rules');
    const ok = await call(`${echo.url}/anything`, 'POST', { 'X-Auth-Token': unrestricted });
    assert.equal(ok.status, 200, 'a credential without rules: anything passes');
    assert.equal(ok.body.headers['x-roles'], 'reader', "with the credential's role");
  });

  test('service_type unset: every token with access rules is a 401, others pass', async (t) => {
    const echo = await echoFor(t);
    assert.equal(
      (
        await call(`${echo.url}/images`, 'GET', {
          'X-Auth-Token': await appCredToken(mocks.keystoneUrl, 'demo-images-only'),
        })
      ).status,
      401,
      'service_type unset: a token with access rules is refused',
    );
    assert.equal(
      (
        await call(`${echo.url}/images`, 'GET', {
          'X-Auth-Token': await appCredToken(mocks.keystoneUrl, 'demo-compute-only'),
        })
      ).status,
      401,
      'service_type unset: any token with access rules is refused',
    );
    assert.equal(
      (
        await call(`${echo.url}/images`, 'GET', {
          'X-Auth-Token': await appCredToken(mocks.keystoneUrl, 'demo-no-rules'),
        })
      ).status,
      200,
      'service_type unset: a credential without rules passes',
    );
  });

  test('service_type not in the token catalog: 401 even for a chain of service calls', async (t) => {
    const echo = await echoFor(t, { serviceType: 'no-such-service' });
    const service = await otherServiceToken();
    assert.equal(
      (
        await call(`${echo.url}/images`, 'GET', {
          'X-Auth-Token': await appCredToken(mocks.keystoneUrl, 'demo-images-only'),
          'X-Service-Token': service,
        })
      ).status,
      401,
      "service_type missing from the token's catalog: refused, even with a service token",
    );
  });

  test('a chain of service calls skips the rules only with a confirmed service token holding a service role', async (t) => {
    const echo = await echoFor(t, { serviceType: SERVICE_NAME });
    const delayed = await echoFor(t, { serviceType: SERVICE_NAME, delayAuthDecision: true });
    const lenient = await echoFor(t, { serviceType: SERVICE_NAME, serviceTokenRolesRequired: false });
    const restricted = await appCredToken(mocks.keystoneUrl, 'demo-compute-only');
    const service = await otherServiceToken();
    assert.equal(
      (await call(`${echo.url}/images`, 'GET', { 'X-Auth-Token': restricted, 'X-Service-Token': service })).status,
      200,
      'a confirmed service token with the service role skips the rules',
    );
    // Upstream skips the rules for any X-Service-Token under delay_auth_decision; here a garbage one does not.
    const garbage = await call(`${delayed.url}/images`, 'GET', {
      'X-Auth-Token': restricted,
      'X-Service-Token': 'gAAAAAgarbage',
    });
    assert.equal(garbage.status, 200, 'delay_auth_decision: the request reaches the handler');
    assert.equal(
      garbage.body.headers['x-identity-status'],
      'Invalid',
      'but not as the user: the garbage service token skips no rule',
    );
    assert.equal(garbage.body.hasUserToken, false, "the handler's plugin has no user");
    // Nor the restricted token posing as its own service token, even where roles are not required.
    const self = await call(`${lenient.url}/images`, 'GET', {
      'X-Auth-Token': restricted,
      'X-Service-Token': restricted,
    });
    assert.equal(self.status, 401, 'a restricted token posing as its own service token is refused');
  });
});
