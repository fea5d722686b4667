// keystone.token_auth (UserAuthPlugin): acts as the caller with the caller's token, adds this service's own
// token as X-Service-Token when given one (send_service_user_token), finds endpoints in the caller's
// catalog, never renews, and serializes for a worker without carrying this service's credentials.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AccessInfo } from '../../src/keystoneauth/access-info.js';
import { UserAuthPlugin } from '../../src/auth-token/user-plugin.js';
import { format, inspect } from 'node:util';
import { InvalidTokenError, SerializedAuthError } from '../../src/auth-token/errors.js';
import { redactToken } from '../../src/common/redact.js';
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
  assert.deepEqual(
    await plugin.getHeaders(noSession),
    {
      'X-Auth-Token': 'user-token',
      'X-Service-Token': 'own-token',
    },
    "the user's token, and this service's own token as X-Service-Token",
  );
  assert.equal(own.calls.headers, 1, "this service's own token is asked for once");
  // Without a service identity ([service_user] send_service_user_token off, the default), only the user's token.
  const bare = new UserAuthPlugin(AccessInfo.fromBody(body(), 'user-token'), undefined);
  assert.deepEqual(
    await bare.getHeaders(noSession),
    { 'X-Auth-Token': 'user-token' },
    "without a service identity, only the user's token",
  );
});

test("the caller's X-Service-Token is never forwarded as this service's", async () => {
  const plugin = new UserAuthPlugin(
    AccessInfo.fromBody(body(), 'user-token'),
    AccessInfo.fromBody(body(), 'callers-service-token'),
  );
  assert.deepEqual(
    await plugin.getHeaders(noSession),
    { 'X-Auth-Token': 'user-token' },
    "the caller's service token is theirs: it is not sent onwards as ours",
  );
});

test("endpoints come from the caller's catalog, by interface and region", async () => {
  const plugin = new UserAuthPlugin(AccessInfo.fromBody(body(), 'user-token'), undefined);
  assert.equal(
    await plugin.getEndpoint(noSession, { serviceType: 'image', interface: 'public' }),
    'http://glance.one',
    "the public image endpoint of the caller's catalog",
  );
  assert.equal(
    await plugin.getEndpoint(noSession, { serviceType: 'image', interface: 'internal', regionName: 'Two' }),
    'http://glance.two.internal',
    'the internal image endpoint in region Two',
  );
});

test('without a confirmed user token (a service token alone, or anonymous): no headers, no endpoint', async () => {
  const own = ownIdentity();
  for (const plugin of [
    new UserAuthPlugin(undefined, AccessInfo.fromBody(body(), 'service-token'), own.plugin),
    new UserAuthPlugin(undefined, undefined, own.plugin),
  ]) {
    assert.equal(plugin.hasUserToken, false, 'no user token: hasUserToken is false');
    await assert.rejects(plugin.getHeaders(noSession), InvalidTokenError, 'no user token: no headers to act as anyone');
    await assert.rejects(
      plugin.getEndpoint(noSession, { serviceType: 'image' }),
      InvalidTokenError,
      'no user token: no endpoint either',
    );
  }
  // The service's own token is not fetched for a request that cannot be made.
  assert.equal(own.calls.headers, 0, "this service's token is not fetched for a request that cannot be made");
});

test("a user's token is never renewed on their behalf, and the plugin cannot be changed", () => {
  const plugin = new UserAuthPlugin(AccessInfo.fromBody(body(), 'user-token'), undefined);
  assert.equal(plugin.invalidate(), false, "the caller's token is not renewed: invalidate() refuses");
  assert.ok(Object.isFrozen(plugin), 'the plugin is frozen: a route cannot change whom it acts as');
});

test('round-trips through serialize() and JSON; the serialized form carries tokens, never the service credentials', async () => {
  const own = ownIdentity('worker-own-token');
  const plugin = new UserAuthPlugin(
    AccessInfo.fromBody(body(), 'user-token'),
    AccessInfo.fromBody(body(), 'service-token'),
    ownIdentity('api-own-token').plugin,
  );
  const json = JSON.stringify(plugin.serialize());
  assert.doesNotMatch(json, /api-own-token/, "the API process's own service token is not serialized");
  const copy = UserAuthPlugin.deserialize(JSON.parse(json), own.plugin);
  assert.equal(copy.user?.authToken, 'user-token', "the user's token survives the round trip");
  assert.equal(copy.service?.authToken, 'service-token', "the caller's service token survives the round trip");
  assert.equal(copy.user?.subject.userId, 'u1', "the user's identity survives the round trip");
  assert.equal(copy.hasServiceToken, true, 'the copy still knows it has a service token');
  assert.equal(copy.invalidate(), false, "the copy cannot renew the user's token either");
  // The worker sends its own identity along, not the API process's.
  assert.deepEqual(
    await copy.getHeaders(noSession),
    {
      'X-Auth-Token': 'user-token',
      'X-Service-Token': 'worker-own-token',
    },
    "the copy sends the worker's own token as X-Service-Token, not the API process's",
  );
  assert.equal(
    await copy.getEndpoint(noSession, { serviceType: 'image' }),
    'http://glance.one',
    "the copy's endpoints come from the same catalog",
  );
});

test('deserialize refuses anything that is not a version-1 serialization with token bodies, as SerializedAuthError', () => {
  const user = (part: unknown) => ({ version: 1, user: part });
  for (const [what, bad] of [
    ['null', null],
    ['an empty object', {}],
    ['version 2', { version: 2 }],
    ['a string', 'x'],
    ['a null user', user(null)],
    ['a user without a token', user({ body: body() })],
    ['a user with an empty token', user({ token: '', body: body() })],
    // What the middleware refuses from a caller: a header with CR/LF in it, non-ASCII, over 4096 characters.
    ['a token with CR/LF', user({ token: 't\r\nX-Injected: 1', body: body() })],
    ['a non-ASCII token', user({ token: 'tök', body: body() })],
    ['a 4097-character token', user({ token: 't'.repeat(4097), body: body() })],
    ['a service token with a space', { version: 1, service: { token: 'a b', body: body() } }],
    ['a user whose body is not a token', user({ token: 't', body: { token: {} } })],
    ['a body that cannot be cloned', user({ token: 't', body: { token: { f: () => 1 } } })],
  ] as const)
    assert.throws(() => UserAuthPlugin.deserialize(bad), SerializedAuthError, `refused: ${what}`);
});

test('deserialize does not share or freeze the data it was given', () => {
  const data = JSON.parse(
    JSON.stringify(new UserAuthPlugin(AccessInfo.fromBody(body(), 'user-token'), undefined).serialize()),
  ) as {
    user: { body: { token: { roles: unknown[] } } };
  };
  const copy = UserAuthPlugin.deserialize(data);
  assert.equal(Object.isFrozen(data.user.body), false, "the caller's data is not frozen by deserialize");
  data.user.body.token.roles.push({ id: 'r9', name: 'admin' });
  assert.deepEqual(
    copy.user?.subject.roleNames,
    ['member'],
    "changing the caller's data afterwards does not change the copy",
  );
});

test('JSON.stringify and util.inspect show whose tokens, each as {SHA256}<hex>, never a token', () => {
  const plugin = new UserAuthPlugin(
    AccessInfo.fromBody(body(), 'user-token'),
    AccessInfo.fromBody(body(), 'service-token'),
    ownIdentity('own-token').plugin,
  );
  for (const [how, text] of [
    ['JSON.stringify', JSON.stringify({ deep: { deeper: { plugin } } })],
    ['util.inspect', inspect({ deep: { deeper: { plugin } } }, { depth: Infinity })],
    ['util.format %o', format('%o', plugin)],
    ['util.format %j', format('%j', plugin)],
  ] as const) {
    assert.doesNotMatch(text, /user-token|service-token|own-token/, `${how}: no token in ${text}`);
    assert.ok(text.includes(redactToken('user-token')), `${how}: the user token as {SHA256}<hex>`);
    assert.ok(text.includes(redactToken('service-token')), `${how}: the service token as {SHA256}<hex>`);
  }
  assert.match(inspect(plugin), /^UserAuthPlugin \{/, 'util.inspect names the class');
  assert.equal(inspect({ plugin }, { depth: 0 }), '{ plugin: [UserAuthPlugin] }', 'util.inspect honours depth');
});
