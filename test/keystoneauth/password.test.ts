// PasswordPlugin against the mock Keystone over real HTTP.
import { after, before, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { redactToken } from '../../src/common/redact.js';
import { defaultConfig } from '../../src/config/load.js';
import {
  BadRequestError,
  ConnectionError,
  ForbiddenError,
  NotFoundError,
  ServerError,
  TimeoutError,
  UnauthorizedError,
} from '../../src/keystoneauth/errors.js';
import { RequestScope } from '../../src/common/request-scope.js';
import { Session } from '../../src/keystoneauth/session.js';
import { sessionOptionsFromConfig } from '../../src/keystoneauth/conf.js';
import { PasswordPlugin, isCredentialRefusal, type PasswordCredentials } from '../../src/keystoneauth/password.js';
import { captureLogger } from '../helpers/logs.js';
import { addServiceUser, passwordPlugin, setFaults, startMocks, stats, type Mocks, USERS } from '../helpers/mocks.js';
import { listen } from '../helpers/net.js';

let mocks: Mocks;
let session: Session;
before(async () => {
  mocks = await startMocks();
  session = new Session(
    sessionOptionsFromConfig(defaultConfig().communication),
    new RequestScope(captureLogger('silent').logger),
  );
});
after(async () => {
  await session.close();
  await mocks.close();
});

const issued = async () => (await stats(mocks.keystone.url)).counters.tokens_issued ?? 0;

test('authenticates, then reuses the token', async () => {
  const plugin = passwordPlugin(mocks.keystoneUrl, 'service');
  const before = await issued();
  const first = await plugin.getAccess(session);
  assert.equal(first.subject.projectName, 'service', "the service user's project");
  assert.deepEqual(
    await plugin.getHeaders(session),
    { 'X-Auth-Token': first.authToken },
    "the plugin's header is the token it holds",
  );
  assert.equal((await plugin.getAccess(session)).authToken, first.authToken, 'a second call reuses the token');
  assert.equal((await issued()) - before, 1, 'one authentication for all of it');
  assert.match(
    await plugin.getEndpoint(session, { serviceType: 'identity', interface: 'internal' }),
    /\/v3\/$/,
    "the internal identity endpoint from the token's catalog",
  );
});

test('JSON.stringify and util.inspect show whose identity, never the password, the token as {SHA256}<hex>', async () => {
  const plugin = passwordPlugin(mocks.keystoneUrl, 'service');
  const token = (await plugin.getAccess(session)).authToken;
  for (const [how, text] of [
    ['JSON.stringify', JSON.stringify({ deep: { deeper: { deepest: plugin } } })],
    ['util.inspect', inspect(plugin, { depth: Infinity, showHidden: true })],
  ] as const) {
    assert.ok(!text.includes(token), `${how}: no token in ${text}`);
    assert.ok(!text.includes(USERS.service.password), `${how}: no password`);
    assert.ok(text.includes(redactToken(token)), `${how}: the token as {SHA256}<hex>`);
    assert.ok(text.includes(USERS.service.username), `${how}: whose identity it is`);
  }
});

test('the password is in no own property: a spread, Object.entries or an inspect without the hook never see it', () => {
  const plugin = passwordPlugin(mocks.keystoneUrl, 'service');
  for (const [how, text] of [
    ['spread', JSON.stringify({ ...plugin })],
    ['Object.entries', inspect(Object.entries(plugin), { depth: Infinity })],
    [
      'util.inspect without customInspect',
      inspect(plugin, { depth: Infinity, showHidden: true, customInspect: false }),
    ],
  ] as const)
    assert.ok(!text.includes(USERS.service.password), `${how}: no password in ${text}`);
});

test('re-authenticates shortly before expiry', async () => {
  let now = Date.now();
  const plugin = passwordPlugin(mocks.keystoneUrl, 'service', { now: () => now, expiryMarginMs: 30_000 });
  const first = await plugin.getAccess(session);
  now = first.expiresAt.getTime() - 10_000; // inside the margin
  const second = await plugin.getAccess(session);
  assert.notEqual(second.authToken, first.authToken, 'inside the expiry margin the plugin authenticates again');
});

test('100 concurrent callers share one authentication', async () => {
  const plugin = passwordPlugin(mocks.keystoneUrl, 'service');
  const before = await issued();
  const tokens = await Promise.all(Array.from({ length: 100 }, () => plugin.getAccess(session)));
  assert.equal(new Set(tokens.map((t) => t.authToken)).size, 1, 'all 100 got the same token');
  assert.equal((await issued()) - before, 1, 'one authentication for 100 concurrent callers');
});

test('after a 401 the session invalidates and the plugin gets a new token', async () => {
  const plugin = passwordPlugin(mocks.keystoneUrl, 'service');
  const old = (await plugin.getAccess(session)).authToken;
  mocks.keystone.store.revoke(old);
  const res = await session.request(`${mocks.keystoneUrl}/auth/projects`, { auth: plugin, service: 'keystone' });
  assert.equal(res.status, 200, 'the request passes after the session re-authenticated');
  assert.notEqual((await plugin.getAccess(session)).authToken, old, 'the revoked token was replaced');
});

test('wrong credentials: UnauthorizedError, and no token kept', async () => {
  const plugin = new PasswordPlugin({ authUrl: mocks.keystoneUrl, ...USERS.service, password: 'wrong' });
  await assert.rejects(
    plugin.getAccess(session),
    UnauthorizedError,
    "wrong credentials: Keystone's 401 as UnauthorizedError",
  );
  await assert.rejects(
    plugin.getAccess(session),
    (err: Error) =>
      err instanceof UnauthorizedError && err.service === 'keystone' && err.displayName === 'identity service',
    "named as every identity call names Keystone (IDENTITY_SERVICE): 'keystone' in logs, 'identity service' to callers",
  );
});

/** The mock Keystone behind a proxy that keeps every request body: what the plugin sends, as Keystone gets it. */
async function recordingKeystone(t: TestContext): Promise<{ url: string; bodies: unknown[] }> {
  const bodies: unknown[] = [];
  const proxy = await listen(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    bodies.push(JSON.parse(text));
    const upstream = await fetch(`${mocks.keystone.url}${req.url}`, {
      method: req.method!,
      headers: { 'content-type': 'application/json' },
      body: text,
    });
    res.writeHead(upstream.status, {
      'content-type': 'application/json',
      'x-subject-token': upstream.headers.get('x-subject-token') ?? '',
    });
    res.end(await upstream.text());
  });
  t.after(() => proxy.close());
  return { url: `${proxy.url}/v3`, bodies };
}

const DEFAULT_DOMAIN_ID = 'default'; // Keystone's own, and the mock seed's (config/mock-keystone.json)
const ACME_DOMAIN_ID = '9b1f0c5e3a7d4e2f8c6b5a4d3e2f1a0b'; // the seed's acme domain, wile's

test("domains by ID or by name, as keystoneauth's v3.Password sends them; the mock Keystone takes either", async (t) => {
  const keystone = await recordingKeystone(t);
  const sent = async (credentials: Partial<PasswordCredentials>) => {
    const plugin = new PasswordPlugin({ authUrl: keystone.url, ...USERS.glance, ...credentials });
    const access = await plugin.getAccess(session);
    const { auth } = keystone.bodies.at(-1) as {
      auth: { identity: { password: { user: { domain: unknown } } }; scope: { project: { domain: unknown } } };
    };
    return {
      user: auth.identity.password.user.domain,
      project: auth.scope.project.domain,
      token: [access.subject.userDomainId, access.subject.projectDomainId],
    };
  };
  assert.deepEqual(
    await sent({}),
    { user: { name: 'Default' }, project: { name: 'Default' }, token: ['default', 'default'] },
    'no IDs: the names, as before',
  );
  assert.deepEqual(
    await sent({ userDomainId: DEFAULT_DOMAIN_ID, projectDomainId: DEFAULT_DOMAIN_ID }),
    { user: { id: 'default' }, project: { id: 'default' }, token: ['default', 'default'] },
    "kolla-ansible's IDs: each ID instead of its name, never both (keystoneauth's PasswordMethod and Auth)",
  );
  assert.deepEqual(
    await sent({ userDomainId: DEFAULT_DOMAIN_ID, projectDomainId: '' }),
    { user: { id: 'default' }, project: { name: 'Default' }, token: ['default', 'default'] },
    "each domain on its own; an empty ID is no ID (keystoneauth tests truthiness, so does oslo's empty value)",
  );
});

test('an ID wins over a name that disagrees with it: the user and project are found in the domain the ID names', async (t) => {
  const keystone = await recordingKeystone(t);
  const wile = { ...USERS.wile, userDomainName: 'Default', projectDomainName: 'Default' };
  const byName = new PasswordPlugin({ authUrl: keystone.url, ...wile });
  await assert.rejects(byName.getAccess(session), UnauthorizedError, 'wile is not in Default: the names alone fail');
  const byId = new PasswordPlugin({
    authUrl: keystone.url,
    ...wile,
    userDomainId: ACME_DOMAIN_ID,
    projectDomainId: ACME_DOMAIN_ID,
  });
  const access = await byId.getAccess(session);
  assert.deepEqual(
    [
      access.subject.userName,
      access.subject.userDomainName,
      access.subject.projectName,
      access.subject.projectDomainName,
    ],
    ['wile', 'acme', 'dev', 'acme'],
    "the IDs were sent, not the names: wile's token on dev in acme",
  );
});

/** Calls that reached the mock Keystone (its /__mock/ controls aside). */
const keystoneCalls = async () => (await stats(mocks.keystone.url)).counters.requests ?? 0;

test('Keystone refusing the credentials (400, 401, 403) is a refusal; outages and other answers are not', () => {
  const details = { status: 0 };
  for (const err of [
    new UnauthorizedError('401', { ...details, status: 401 }),
    new ForbiddenError('403', { ...details, status: 403 }),
    new BadRequestError('400', { ...details, status: 400 }),
  ])
    assert.equal(isCredentialRefusal(err), true, `${err.status}: the credentials are refused`);
  for (const err of [
    new ServerError('500', { status: 500 }),
    new NotFoundError('404: a wrong auth_url path, or an ingress without its backend', { status: 404 }),
    new ConnectionError('refused'),
    new TimeoutError('slow'),
    new Error('anything else'),
    undefined,
  ])
    assert.equal(isCredentialRefusal(err), false, `${String(err)}: not a refusal`);
});

test('a refusal is held: neither callers nor time within the hold reach Keystone; the hold doubles, up to its cap', async () => {
  let now = Date.now();
  const plugin = new PasswordPlugin(
    { authUrl: mocks.keystoneUrl, ...USERS.service, password: 'wrong' },
    { now: () => now, refusalHold: { initialMs: 1000, maxMs: 3000 } },
  );
  const before = await keystoneCalls();
  const first = await plugin.getAccess(session).catch((e: unknown) => e);
  assert.ok(first instanceof UnauthorizedError, 'Keystone refused the password');
  await Promise.all(
    Array.from({ length: 20 }, () =>
      assert.rejects(plugin.getAccess(session), (e) => e === first, 'the held refusal, not a new call'),
    ),
  );
  now += 999;
  await assert.rejects(plugin.getAccess(session), UnauthorizedError, 'still held 1 ms before the hold ends');
  assert.equal((await keystoneCalls()) - before, 1, 'one call to Keystone for 22 callers within the hold');
  // Held for 1 s, then 2 s, then 3 s (the cap) and 3 s: each hold ends with one call.
  for (const [i, holdMs] of [1000, 2000, 3000, 3000].entries()) {
    now += holdMs === 1000 ? 1 : holdMs;
    await assert.rejects(plugin.getAccess(session), UnauthorizedError, `hold ${i + 1} over: asked again, refused`);
    assert.equal((await keystoneCalls()) - before, i + 2, `hold ${i + 1}: exactly one more call`);
  }
  now += 2999;
  await assert.rejects(plugin.getAccess(session), UnauthorizedError, 'capped hold: held');
  assert.equal((await keystoneCalls()) - before, 5, 'within the capped hold: no call');
});

test('after a refusal, a fix in Keystone is picked up when the hold ends, and the next refusal starts short again', async () => {
  let now = Date.now();
  const user = addServiceUser(mocks, 'hold-recovery', 'old-password');
  const plugin = new PasswordPlugin(
    { authUrl: mocks.keystoneUrl, ...USERS.service, username: user.name, password: 'new-password' },
    { now: () => now, refusalHold: { initialMs: 1000, maxMs: 60_000 } },
  );
  for (let i = 0; i < 3; i++) {
    await assert.rejects(
      plugin.getAccess(session),
      UnauthorizedError,
      `refusal ${i + 1}: Keystone has the old password`,
    );
    now += 1000 * 2 ** i;
  }
  user.password = 'new-password';
  const access = await plugin.getAccess(session);
  assert.equal(access.subject.userName, user.name, 'the hold over, the fixed password gets a token');
  user.password = 'changed-again';
  plugin.invalidate();
  await assert.rejects(plugin.getAccess(session), UnauthorizedError, 'refused again');
  const before = await keystoneCalls();
  now += 1000;
  await assert.rejects(plugin.getAccess(session), UnauthorizedError, 'asked again after the initial hold');
  assert.equal((await keystoneCalls()) - before, 1, 'a token in between reset the hold to its initial length');
});

test('an outage is never held: after a 5xx Keystone is asked again at once', async () => {
  const plugin = passwordPlugin(mocks.keystoneUrl, 'service');
  await setFaults(mocks.keystone.url, { failStatus: 503, pathPrefix: '/v3/auth/tokens' });
  try {
    const before = await keystoneCalls();
    for (let i = 0; i < 3; i++)
      await assert.rejects(plugin.getAccess(session), ServerError, `call ${i + 1}: Keystone answers 503`);
    assert.equal((await keystoneCalls()) - before, 3, 'every call asked Keystone: an outage is not held');
  } finally {
    await setFaults(mocks.keystone.url, {});
  }
  assert.equal((await plugin.getAccess(session)).subject.projectName, 'service', 'Keystone back: a token at once');
});
