// The mock Keystone over real HTTP: every endpoint and error path, expiry, revocation, permissions.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startMocks, tokenFor, type Mocks, USERS } from '../helpers/stack.js';

let mocks: Mocks;
let ks: string;
before(async () => {
  mocks = await startMocks();
  ks = mocks.keystoneUrl;
});
after(() => mocks.close());

function passwordBody(user: keyof typeof USERS, scope?: unknown, password?: string) {
  const u = USERS[user];
  return {
    auth: {
      identity: { methods: ['password'], password: { user: { name: u.username, password: password ?? u.password, domain: { name: u.userDomainName } } } },
      ...(scope === undefined ? {} : { scope }),
    },
  };
}

async function post(path: string, body: unknown, raw?: string) {
  const res = await fetch(`${ks}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: raw ?? JSON.stringify(body) });
  return { status: res.status, headers: res.headers, body: (await res.json()) as any };
}

function assertKeystoneError(body: any, code: number) {
  assert.deepEqual(Object.keys(body.error).sort(), ['code', 'message', 'title']);
  assert.equal(body.error.code, code);
}

describe('version documents', () => {
  test('GET / is 300 with the version list; GET /v3 is the v3 document', async () => {
    const root = await fetch(mocks.keystone.url, { redirect: 'manual' });
    assert.equal(root.status, 300);
    assert.equal(root.headers.get('location'), `${ks}/`);
    const versions = (await root.json()) as any;
    assert.equal(versions.versions.values[0].id, 'v3.14');
    const v3 = (await (await fetch(ks)).json()) as any;
    assert.equal(v3.version.status, 'stable');
    assert.equal(v3.version.links[0].href, `${ks}/`);
    assert.equal(v3.version['media-types'][0].type, 'application/vnd.openstack.identity-v3+json');
  });
});

describe('POST /v3/auth/tokens', () => {
  test('password, project scope by name: 201, X-Subject-Token and a full token body', async () => {
    const res = await post('/auth/tokens', passwordBody('demo', { project: { name: 'demo', domain: { name: 'Default' } } }));
    assert.equal(res.status, 201);
    const token = res.headers.get('x-subject-token')!;
    assert.match(token, /^gAAAAA[A-Za-z0-9_-]{170,}$/);
    const t = res.body.token;
    assert.deepEqual(t.methods, ['password']);
    assert.deepEqual(t.user.domain, { id: 'default', name: 'Default' });
    assert.equal(t.project.name, 'demo');
    assert.deepEqual(t.roles.map((r: any) => r.name).sort(), ['member', 'reader']);
    assert.ok(t.catalog.some((s: any) => s.type === 'image' && s.endpoints.every((e: any) => e.url === mocks.glance.url && e.region_id === 'RegionOne')));
    assert.match(t.expires_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000000Z$/);
    assert.ok(Array.isArray(t.audit_ids) && t.audit_ids.length === 1);
  });

  test('user by id, project by id, ?nocatalog', async () => {
    const res = await post('/auth/tokens?nocatalog', {
      auth: { identity: { methods: ['password'], password: { user: { id: '4e5f60718293a4b5c6d7e8f90a1b2c3d', password: 'altpw' } } }, scope: { project: { id: 'c4e6a8b0d2f4a6c8e0b2d4f6a8c0e2b4' } } },
    });
    assert.equal(res.status, 201);
    assert.equal(res.body.token.catalog, undefined);
    assert.equal(res.body.token.project.name, 'alt');
  });

  test('domain scope and unscoped', async () => {
    const domain = await post('/auth/tokens', passwordBody('admin', { domain: { name: 'Default' } }));
    assert.equal(domain.status, 201);
    assert.deepEqual(domain.body.token.domain, { id: 'default', name: 'Default' });
    assert.equal(domain.body.token.project, undefined);
    const unscoped = await post('/auth/tokens', passwordBody('demo'));
    assert.equal(unscoped.status, 201);
    assert.equal(unscoped.body.token.roles, undefined);
    assert.equal(unscoped.body.token.catalog, undefined);
  });

  test('token method rescopes an unscoped token and keeps its expiry', async () => {
    const unscoped = await post('/auth/tokens', passwordBody('demo'));
    const rescoped = await post('/auth/tokens', {
      auth: { identity: { methods: ['token'], token: { id: unscoped.headers.get('x-subject-token') } }, scope: { project: { name: 'demo', domain: { id: 'default' } } } },
    });
    assert.equal(rescoped.status, 201);
    assert.deepEqual(rescoped.body.token.methods, ['password', 'token']);
    assert.equal(rescoped.body.token.expires_at, unscoped.body.token.expires_at);
  });

  test('wrong password, unknown user, no role on the scope: 401 in Keystone shape', async () => {
    const wrong = await post('/auth/tokens', passwordBody('demo', undefined, 'nope'));
    assert.equal(wrong.status, 401);
    assertKeystoneError(wrong.body, 401);
    assert.match(wrong.headers.get('www-authenticate')!, /^Keystone uri=/);
    const unknown = await post('/auth/tokens', { auth: { identity: { methods: ['password'], password: { user: { name: 'ghost', password: 'x', domain: { name: 'Default' } } } } } });
    assert.equal(unknown.status, 401);
    const norole = await post('/auth/tokens', passwordBody('alt', { project: { name: 'demo', domain: { name: 'Default' } } }));
    assert.equal(norole.status, 401);
  });

  test('malformed bodies: 400; huge bodies: 413', async () => {
    const bad = await post('/auth/tokens', undefined, '{not json');
    assert.equal(bad.status, 400);
    assertKeystoneError(bad.body, 400);
    assert.equal((await post('/auth/tokens', { auth: {} })).status, 400);
    assert.equal((await post('/auth/tokens', { auth: { identity: { methods: ['password'], password: { user: { name: 'demo' } } } } })).status, 400);
    const huge = await post('/auth/tokens', { pad: 'x'.repeat(100_000) });
    assert.equal(huge.status, 413);
  });
});

describe('validate, check, revoke', () => {
  async function call(method: string, caller: string | undefined, subject: string | undefined, query = '') {
    const headers: Record<string, string> = {};
    if (caller) headers['x-auth-token'] = caller;
    if (subject) headers['x-subject-token'] = subject;
    const res = await fetch(`${ks}/auth/tokens${query}`, { method, headers });
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: text ? (JSON.parse(text) as any) : undefined };
  }

  test('a service user validates any token; the echo header comes back; nocatalog is honoured', async () => {
    const service = await tokenFor(ks, 'glance');
    const user = await tokenFor(ks, 'demo');
    const res = await call('GET', service, user);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('x-subject-token'), user);
    assert.equal(res.body.token.user.name, 'demo');
    assert.ok(res.body.token.catalog);
    assert.equal((await call('GET', service, user, '?nocatalog')).body.token.catalog, undefined);
    assert.equal((await call('HEAD', service, user)).status, 200);
  });

  test("policies: the service role may validate (GET) but not check (HEAD) or revoke others' tokens", async () => {
    const serviceOnly = await tokenFor(ks, 'service');
    const user = await tokenFor(ks, 'demo');
    assert.equal((await call('GET', serviceOnly, user)).status, 200);
    assert.equal((await call('HEAD', serviceOnly, user)).status, 403);
    assert.equal((await call('DELETE', serviceOnly, user)).status, 403);
    assert.equal((await call('HEAD', user, user)).status, 200);
  });

  test('the owner may validate its own token; another plain user may not (403)', async () => {
    const demo = await tokenFor(ks, 'demo');
    const alt = await tokenFor(ks, 'alt');
    assert.equal((await call('GET', demo, demo)).status, 200);
    const denied = await call('GET', alt, demo);
    assert.equal(denied.status, 403);
    assertKeystoneError(denied.body, 403);
  });

  test("the caller's own bad token: 401; unknown or missing subject: 404", async () => {
    const service = await tokenFor(ks, 'glance');
    assert.equal((await call('GET', 'gAAAAAbogus', service)).status, 401);
    assert.equal((await call('GET', undefined, service)).status, 401);
    const missing = await call('GET', service, 'gAAAAAbogus');
    assert.equal(missing.status, 404);
    assertKeystoneError(missing.body, 404);
    assert.equal((await call('HEAD', service, 'gAAAAAbogus')).status, 404);
    assert.equal((await call('GET', service, undefined)).status, 404);
    assert.doesNotMatch(missing.body.error.message, /gAAAAAbogus/, 'Keystone never echoes a token');
  });

  test('revocation: DELETE is 204 and later validations are 404', async () => {
    const service = await tokenFor(ks, 'glance');
    const user = await tokenFor(ks, 'demo');
    assert.equal((await call('DELETE', service, user)).status, 204);
    assert.equal((await call('GET', service, user)).status, 404);
    assert.equal((await call('GET', service, user, '?allow_expired=1')).status, 404);
  });

  test('expiry follows the clock; allow_expired shows expired (not revoked) tokens', async () => {
    const service = await tokenFor(ks, 'glance');
    const store = mocks.keystone.store;
    const expired = store.issue('3d4e5f60718293a4b5c6d7e8f90a1b2c', ['password'], { project: '7f3a9c1e5b2d4f6a8c0e2b4d6f8a0c2e' }, Date.now() - 1);
    assert.equal((await call('GET', service, expired.id)).status, 404);
    assert.equal((await call('GET', service, expired.id, '?allow_expired=1')).status, 200);
  });

  test('catalog and projects of the caller', async () => {
    const demo = await tokenFor(ks, 'demo');
    const catalog = (await (await fetch(`${ks}/auth/catalog`, { headers: { 'x-auth-token': demo } })).json()) as any;
    assert.ok(catalog.catalog.some((s: any) => s.type === 'identity'));
    const projects = (await (await fetch(`${ks}/auth/projects`, { headers: { 'x-auth-token': demo } })).json()) as any;
    assert.deepEqual(projects.projects.map((p: any) => p.name), ['demo']);
  });

  test('unknown paths and methods: JSON errors', async () => {
    const missing = await fetch(`${ks}/nope`);
    assert.equal(missing.status, 404);
    assertKeystoneError(await missing.json(), 404);
    const method = await fetch(`${ks}/auth/tokens`, { method: 'PUT' });
    assert.equal(method.status, 405);
    assertKeystoneError(await method.json(), 405);
  });
});

describe('mock-only operations', () => {
  test('off unless enabled', async () => {
    const { startMockKeystone } = await import('../../src/mocks/keystone.js');
    const { loadMockConfig } = await import('../../src/mocks/config.js');
    const plain = await startMockKeystone(loadMockConfig({}, { mock_keystone: { port: 0 } }).mock_keystone);
    try {
      assert.equal((await fetch(`${plain.url}/__mock/stats`)).status, 404);
    } finally {
      await plain.close();
    }
  });
});
