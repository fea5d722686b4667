// Redaction through a whole flow: a token or a password never appears in any log line at any level (the known
// paths alone: logger.unit.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startService } from '../../src/server.js';
import type { UserAuthPlugin } from '../../src/auth-token/user-plugin.js';
import { redactToken } from '../../src/common/redact.js';
import { echoApp } from '../helpers/echo.js';
import { captureLogger } from '../helpers/logs.js';
import { startMocks, tokenFor, USERS } from '../helpers/mocks.js';
import { serviceConfig } from '../helpers/service.js';

test('a whole flow at trace level: start-up, validation, Glance paging, failures', async () => {
  const mocks = await startMocks({ generate: 30 });
  const { logger, raw } = captureLogger('trace');
  // With our own token sent to Glance too, so that its X-Service-Token is in the upstream debug lines.
  const config = serviceConfig(mocks.keystoneUrl, {
    image: { page_size: 7 },
    service_user: { send_service_user_token: true },
  });
  const service = await startService(config, logger);
  try {
    const user = await tokenFor(mocks.keystoneUrl, 'demo');
    const serviceToken = await tokenFor(mocks.keystoneUrl, 'glance');
    assert.equal(
      (await fetch(`${service.url}/`, { headers: { 'X-Auth-Token': user } })).status,
      200,
      "a user's request passes",
    );
    assert.equal(
      (await fetch(`${service.url}/`, { headers: { 'X-Auth-Token': user, 'X-Service-Token': serviceToken } })).status,
      200,
      "a user's request with this service's own token as X-Service-Token passes",
    );
    assert.equal(
      (await fetch(`${service.url}/`, { headers: { 'X-Auth-Token': 'gAAAAAinvalid-secret-token' } })).status,
      401,
      'an invalid token is refused (and logged)',
    );
    assert.equal(
      (await fetch(`${service.url}/`, { headers: { 'X-Auth-Token': user, 'X-OpenStack-Request-ID': 'bogus' } })).status,
      200,
      'a bogus request id is replaced, and the request passes',
    );
    await new Promise<void>((resolve) => logger.flush(() => resolve()));
    const all = raw.join('\n');
    assert.ok(raw.length > 20, 'expected a chatty trace log');
    for (const secret of [
      user,
      serviceToken,
      'gAAAAAinvalid-secret-token',
      USERS.service.password,
      USERS.demo.password,
      USERS.glance.password,
      ...mocks.keystone.store.tokenIds(),
    ]) {
      assert.equal(all.includes(secret), false, `a secret leaked into the log`);
    }
    assert.match(all, /\{SHA256\}[0-9a-f]{64}/, 'tokens appear in the trace log only as {SHA256}<hex>');
  } finally {
    await service.shutdown('test');
    await mocks.close();
  }
});

test('objects that hold tokens, logged whole at any depth: ctx.state.tokenAuth, an AccessInfo, the service user', async () => {
  const mocks = await startMocks();
  const seen: UserAuthPlugin[] = [];
  const echo = await echoApp({
    credentials: { authUrl: mocks.keystoneUrl, ...USERS.service },
    routes: async (ctx, next) => {
      seen.push(ctx.state.tokenAuth);
      await next();
    },
  });
  try {
    const user = await tokenFor(mocks.keystoneUrl, 'demo');
    const res = await fetch(`${echo.url}/`, { headers: { 'X-Auth-Token': user } });
    assert.equal(res.status, 200, "a user's request passes (the service user authenticated to validate it)");
    const auth = seen[0];
    assert.ok(auth?.user, 'the route saw the validated user token');
    const own = (await echo.serviceAuth.getAccess(echo.session)).authToken;
    const { logger, raw } = captureLogger('trace');
    logger.info({ auth }, 'keystone.token_auth');
    logger.info({ access: auth.user }, 'its AccessInfo');
    logger.info({ plugin: echo.serviceAuth }, 'the service user');
    logger.info({ a: { b: { c: { d: { auth, plugin: echo.serviceAuth } } } } }, 'deeper than any redact path');
    logger.info(auth.user, 'an AccessInfo as the merging object');
    logger.info(echo.serviceAuth, 'the service user as the merging object');
    await new Promise<void>((resolve) => logger.flush(() => resolve()));
    const all = raw.join('\n');
    assert.equal(raw.length, 6, 'six lines logged');
    for (const [what, secret] of [
      ["the caller's token", user],
      ["the service user's token", own],
      ["the service user's password", USERS.service.password],
    ] as const) {
      assert.equal(all.includes(secret), false, `${what} is not in the log`);
    }
    assert.ok(all.includes(redactToken(user)), "the caller's token appears as {SHA256}<hex>");
    assert.ok(all.includes(redactToken(own)), "the service user's token appears as {SHA256}<hex>");
  } finally {
    await echo.close();
    await mocks.close();
  }
});
