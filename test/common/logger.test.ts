// Redaction through a whole flow: a token or a password never appears in any log line at any level (the known
// paths alone: logger.unit.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startService } from '../../src/server.js';
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
