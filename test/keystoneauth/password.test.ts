// PasswordPlugin against the mock Keystone over real HTTP.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultConfig } from '../../src/config/load.js';
import { UnauthorizedError } from '../../src/keystoneauth/errors.js';
import { RequestScope } from '../../src/common/request-scope.js';
import { Session } from '../../src/keystoneauth/session.js';
import { sessionOptionsFromConfig } from '../../src/keystoneauth/conf.js';
import { PasswordPlugin } from '../../src/keystoneauth/password.js';
import { captureLogger } from '../helpers/logs.js';
import { passwordPlugin, startMocks, stats, type Mocks, USERS } from '../helpers/mocks.js';

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
  assert.equal(first.subject.projectName, 'service');
  assert.deepEqual(await plugin.getHeaders(session), { 'X-Auth-Token': first.authToken });
  assert.equal((await plugin.getAccess(session)).authToken, first.authToken);
  assert.equal((await issued()) - before, 1);
  assert.match(await plugin.getEndpoint(session, { serviceType: 'identity', interface: 'internal' }), /\/v3\/$/);
});

test('re-authenticates shortly before expiry', async () => {
  let now = Date.now();
  const plugin = passwordPlugin(mocks.keystoneUrl, 'service', { now: () => now, expiryMarginMs: 30_000 });
  const first = await plugin.getAccess(session);
  now = first.expiresAt.getTime() - 10_000; // inside the margin
  const second = await plugin.getAccess(session);
  assert.notEqual(second.authToken, first.authToken);
});

test('100 concurrent callers share one authentication', async () => {
  const plugin = passwordPlugin(mocks.keystoneUrl, 'service');
  const before = await issued();
  const tokens = await Promise.all(Array.from({ length: 100 }, () => plugin.getAccess(session)));
  assert.equal(new Set(tokens.map((t) => t.authToken)).size, 1);
  assert.equal((await issued()) - before, 1);
});

test('after a 401 the session invalidates and the plugin gets a new token', async () => {
  const plugin = passwordPlugin(mocks.keystoneUrl, 'service');
  const old = (await plugin.getAccess(session)).authToken;
  mocks.keystone.store.revoke(old);
  const res = await session.request(`${mocks.keystoneUrl}/auth/projects`, { auth: plugin, service: 'keystone' });
  assert.equal(res.status, 200);
  assert.notEqual((await plugin.getAccess(session)).authToken, old);
});

test('wrong credentials: UnauthorizedError, and no token kept', async () => {
  const plugin = new PasswordPlugin({ authUrl: mocks.keystoneUrl, ...USERS.service, password: 'wrong' });
  await assert.rejects(plugin.getAccess(session), UnauthorizedError);
  await assert.rejects(
    plugin.getAccess(session),
    (err: Error) =>
      err instanceof UnauthorizedError && err.service === 'keystone' && err.displayName === 'identity service',
    "named as every identity call names Keystone (IDENTITY_SERVICE): 'keystone' in logs, 'identity service' to callers",
  );
});
