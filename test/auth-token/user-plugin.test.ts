// keystone.token_auth (UserAuthPlugin): acts as the caller with the caller's token, adds this service's own
// token as X-Service-Token when given one (send_service_user_token), finds endpoints in the caller's
// catalog, never renews, and serializes for a worker without carrying this service's credentials.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AccessInfo } from '../../src/keystoneauth/access-info.js';
import { UserAuthPlugin } from '../../src/auth-token/user-plugin.js';
import { InvalidTokenError } from '../../src/auth-token/errors.js';
import { ProtocolError } from '../../src/keystoneauth/errors.js';
import type { AuthPlugin, PluginSession } from '../../src/keystoneauth/plugin.js';

const body = () => ({
  token: {
    methods: ['password'],
    user: { id: 'u1', name: 'demo', domain: { id: 'default', name: 'Default' } },
    project: { id: 'p1', name: 'demo', domain: { id: 'default', name: 'Default' } },
    roles: [{ id: 'r1', name: 'member' }],
    expires_at: '2030-01-01T00:00:00.000000Z',
    issued_at: '2029-12-31T23:00:00.000000Z',
    audit_ids: ['a1'],
    catalog: [
      {
        type: 'image',
        name: 'glance',
        endpoints: [
          { interface: 'public', region_id: 'One', region: 'One', url: 'http://glance.one' },
          { interface: 'internal', region_id: 'Two', region: 'Two', url: 'http://glance.two.internal' },
        ],
      },
    ],
  },
});

// A plugin never touches the network here: a session that fails if it is used.
const noSession: PluginSession = {
  request: () => Promise.reject(new Error('no I/O expected')),
};

/** This service's own identity, counting how often it is asked. */
function ownIdentity(token = 'own-token') {
  const calls = { headers: 0 };
  const plugin: AuthPlugin = {
    getHeaders: () => {
      calls.headers++;
      return Promise.resolve({ 'X-Auth-Token': token });
    },
    getEndpoint: () => Promise.reject(new Error('not used')),
    invalidate: () => true,
  };
  return { plugin, calls };
}

test("acts as the caller: the user's token, and this service's own token as X-Service-Token when given one", async () => {
  const own = ownIdentity();
  const plugin = new UserAuthPlugin(AccessInfo.fromBody(body(), 'user-token'), undefined, own.plugin);
  assert.deepEqual(await plugin.getHeaders(noSession), {
    'X-Auth-Token': 'user-token',
    'X-Service-Token': 'own-token',
  });
  assert.equal(own.calls.headers, 1);
  // Without a service identity ([service_user] send_service_user_token off, the default), only the user's token.
  const bare = new UserAuthPlugin(AccessInfo.fromBody(body(), 'user-token'), undefined);
  assert.deepEqual(await bare.getHeaders(noSession), { 'X-Auth-Token': 'user-token' });
});

test("the caller's X-Service-Token is never forwarded as this service's", async () => {
  const plugin = new UserAuthPlugin(
    AccessInfo.fromBody(body(), 'user-token'),
    AccessInfo.fromBody(body(), 'callers-service-token'),
  );
  assert.deepEqual(await plugin.getHeaders(noSession), { 'X-Auth-Token': 'user-token' });
});

test("endpoints come from the caller's catalog, by interface and region", async () => {
  const plugin = new UserAuthPlugin(AccessInfo.fromBody(body(), 'user-token'), undefined);
  assert.equal(await plugin.getEndpoint(noSession, { serviceType: 'image', interface: 'public' }), 'http://glance.one');
  assert.equal(
    await plugin.getEndpoint(noSession, { serviceType: 'image', interface: 'internal', regionName: 'Two' }),
    'http://glance.two.internal',
  );
});

test('without a confirmed user token (a service token alone, or anonymous): no headers, no endpoint', async () => {
  const own = ownIdentity();
  for (const plugin of [
    new UserAuthPlugin(undefined, AccessInfo.fromBody(body(), 'service-token'), own.plugin),
    new UserAuthPlugin(undefined, undefined, own.plugin),
  ]) {
    assert.equal(plugin.hasUserToken, false);
    await assert.rejects(plugin.getHeaders(noSession), InvalidTokenError);
    await assert.rejects(plugin.getEndpoint(noSession, { serviceType: 'image' }), InvalidTokenError);
  }
  // The service's own token is not fetched for a request that cannot be made.
  assert.equal(own.calls.headers, 0);
});

test("a user's token is never renewed on their behalf, and the plugin cannot be changed", () => {
  const plugin = new UserAuthPlugin(AccessInfo.fromBody(body(), 'user-token'), undefined);
  assert.equal(plugin.invalidate(), false);
  assert.ok(Object.isFrozen(plugin));
});

test('round-trips through JSON; the serialized form carries tokens, never the service credentials', async () => {
  const own = ownIdentity('worker-own-token');
  const plugin = new UserAuthPlugin(
    AccessInfo.fromBody(body(), 'user-token'),
    AccessInfo.fromBody(body(), 'service-token'),
    ownIdentity('api-own-token').plugin,
  );
  const json = JSON.stringify(plugin);
  assert.doesNotMatch(json, /api-own-token/);
  const copy = UserAuthPlugin.fromJSON(JSON.parse(json), own.plugin);
  assert.equal(copy.user?.authToken, 'user-token');
  assert.equal(copy.service?.authToken, 'service-token');
  assert.equal(copy.user?.subject.userId, 'u1');
  assert.equal(copy.hasServiceToken, true);
  assert.equal(copy.invalidate(), false);
  // The worker sends its own identity along, not the API process's.
  assert.deepEqual(await copy.getHeaders(noSession), {
    'X-Auth-Token': 'user-token',
    'X-Service-Token': 'worker-own-token',
  });
  assert.equal(await copy.getEndpoint(noSession, { serviceType: 'image' }), 'http://glance.one');
});

test('fromJSON refuses anything that is not a version-1 serialization, and bodies that are not tokens', () => {
  for (const bad of [null, {}, { version: 2 }, 'x']) assert.throws(() => UserAuthPlugin.fromJSON(bad), ProtocolError);
  assert.throws(
    () => UserAuthPlugin.fromJSON({ version: 1, user: { token: 't', body: { token: {} } } }),
    ProtocolError,
  );
});

test('fromJSON does not share or freeze the data it was given', () => {
  const data = JSON.parse(JSON.stringify(new UserAuthPlugin(AccessInfo.fromBody(body(), 'user-token'), undefined))) as {
    user: { body: { token: { roles: unknown[] } } };
  };
  const copy = UserAuthPlugin.fromJSON(data);
  assert.equal(Object.isFrozen(data.user.body), false);
  data.user.body.token.roles.push({ id: 'r9', name: 'admin' });
  assert.deepEqual(copy.user?.subject.roleNames, ['member']);
});
