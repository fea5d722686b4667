// The mock Keystone over real HTTP: every endpoint and error path, expiry, revocation, permissions,
// application credentials with access rules, and the validation concurrency counter.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SERVICE_NAME } from '../../src/common/package-info.js';
import { releaseHeld, setFaults, startMocks, stats, tokenFor, type Mocks, USERS } from '../helpers/mocks.js';
import { waitFor } from '../helpers/net.js';

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
      identity: {
        methods: ['password'],
        password: { user: { name: u.username, password: password ?? u.password, domain: { name: u.userDomainName } } },
      },
      ...(scope === undefined ? {} : { scope }),
    },
  };
}

async function post(path: string, body: unknown, raw?: string) {
  const res = await fetch(`${ks}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: raw ?? JSON.stringify(body),
  });
  return { status: res.status, headers: res.headers, body: (await res.json()) as any };
}

function assertKeystoneError(body: any, code: number) {
  assert.deepEqual(
    Object.keys(body.error).sort(),
    ['code', 'message', 'title'],
    "Keystone's error shape: code, message, title",
  );
  assert.equal(body.error.code, code, `the error body's code is ${code}`);
}

describe('version documents', () => {
  test('GET / is 300 with the version list; GET /v3 is the v3 document', async () => {
    const root = await fetch(mocks.keystone.url, { redirect: 'manual' });
    assert.equal(root.status, 300, "GET / is Keystone's 300 Multiple Choices");
    assert.equal(root.headers.get('location'), `${ks}/`, 'Location points at /v3/');
    const versions = (await root.json()) as any;
    assert.equal(versions.versions.values[0].id, 'v3.14', 'v3.14 first, as the Keystone this mock stands for');
    const v3 = (await (await fetch(ks)).json()) as any;
    assert.equal(v3.version.status, 'stable', 'the v3 document says stable');
    assert.equal(v3.version.links[0].href, `${ks}/`, 'its self link is /v3/');
    assert.equal(
      v3.version['media-types'][0].type,
      'application/vnd.openstack.identity-v3+json',
      "Keystone's media type",
    );
  });
});

describe('POST /v3/auth/tokens', () => {
  test('password, project scope by name: 201, X-Subject-Token and a full token body', async () => {
    const res = await post(
      '/auth/tokens',
      passwordBody('demo', { project: { name: 'demo', domain: { name: 'Default' } } }),
    );
    assert.equal(res.status, 201, 'password, project by name: 201 Created');
    const token = res.headers.get('x-subject-token')!;
    assert.match(token, /^gAAAAA[A-Za-z0-9_-]{170,}$/, 'X-Subject-Token looks like a Fernet token');
    const t = res.body.token;
    assert.deepEqual(t.methods, ['password'], 'the method used');
    assert.deepEqual(t.user.domain, { id: 'default', name: 'Default' }, "the user's domain by id and name");
    assert.equal(t.project.name, 'demo', 'the project asked for');
    assert.deepEqual(
      t.roles.map((r: any) => r.name).sort(),
      ['member', 'reader'],
      'the roles on the project, member implying reader',
    );
    assert.ok(
      t.catalog.some(
        (s: any) =>
          s.type === 'image' &&
          s.endpoints.every((e: any) => e.url === mocks.glance.url && e.region_id === 'RegionOne'),
      ),
      'the catalog points the image service at the mock Glance in RegionOne',
    );
    assert.match(
      t.expires_at,
      /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000000Z$/,
      "expires_at in Keystone's format: microseconds, always .000000",
    );
    assert.ok(Array.isArray(t.audit_ids) && t.audit_ids.length === 1, 'one audit id');
  });

  test('user by id, project by id, ?nocatalog', async () => {
    const res = await post('/auth/tokens?nocatalog', {
      auth: {
        identity: {
          methods: ['password'],
          password: { user: { id: '4e5f60718293a4b5c6d7e8f90a1b2c3d', password: 'altpw' } },
        },
        scope: { project: { id: 'c4e6a8b0d2f4a6c8e0b2d4f6a8c0e2b4' } },
      },
    });
    assert.equal(res.status, 201, 'user and project by id: 201');
    assert.equal(res.body.token.catalog, undefined, '?nocatalog: no catalog key');
    assert.equal(res.body.token.project.name, 'alt', 'the project found by id');
  });

  test('domain scope and unscoped', async () => {
    const domain = await post('/auth/tokens', passwordBody('admin', { domain: { name: 'Default' } }));
    assert.equal(domain.status, 201, 'domain scope: 201');
    assert.deepEqual(domain.body.token.domain, { id: 'default', name: 'Default' }, 'the domain');
    assert.equal(domain.body.token.project, undefined, 'no project in a domain-scoped token');
    const unscoped = await post('/auth/tokens', passwordBody('demo'));
    assert.equal(unscoped.status, 201, 'unscoped: 201');
    assert.equal(unscoped.body.token.roles, undefined, 'no roles in an unscoped token');
    assert.equal(unscoped.body.token.catalog, undefined, 'no catalog in an unscoped token');
  });

  test("domains by ID as Keystone takes them; given both, the name is used (Keystone's _lookup_domain)", async () => {
    const ACME_ID = '9b1f0c5e3a7d4e2f8c6b5a4d3e2f1a0b'; // config/mock-keystone.json
    const auth = (userDomain: unknown, projectDomain: unknown) => ({
      auth: {
        identity: {
          methods: ['password'],
          password: { user: { name: 'glance', password: USERS.glance.password, domain: userDomain } },
        },
        scope: { project: { name: 'service', domain: projectDomain } },
      },
    });
    const byId = await post('/auth/tokens', auth({ id: 'default' }, { id: 'default' }));
    assert.equal(byId.status, 201, "Keystone's default domain has the ID default, as kolla-ansible writes it");
    assert.deepEqual(byId.body.token.user.domain, { id: 'default', name: 'Default' }, 'the user in Default');
    assert.deepEqual(byId.body.token.project.domain, { id: 'default', name: 'Default' }, 'the project in Default');
    const nameWins = await post(
      '/auth/tokens',
      auth({ id: ACME_ID, name: 'Default' }, { id: ACME_ID, name: 'Default' }),
    );
    assert.equal(nameWins.status, 201, 'a name beside an ID: the name is looked up, so glance is found in Default');
    const wrongName = await post('/auth/tokens', auth({ id: 'default', name: 'acme' }, { name: 'Default' }));
    assert.equal(wrongName.status, 401, 'the name acme is looked up, not the ID default: no glance there');
    const emptyName = await post('/auth/tokens', auth({ id: 'default', name: '' }, { id: 'default', name: '' }));
    assert.equal(emptyName.status, 201, 'an empty name is no name: the ID is used');
    const unknownId = await post('/auth/tokens', auth({ id: 'Default' }, { id: 'default' }));
    assert.equal(unknownId.status, 401, 'an ID is matched exactly: Default is a name, not an ID');
  });

  test('token method rescopes an unscoped token and keeps its expiry', async () => {
    const unscoped = await post('/auth/tokens', passwordBody('demo'));
    const rescoped = await post('/auth/tokens', {
      auth: {
        identity: { methods: ['token'], token: { id: unscoped.headers.get('x-subject-token') } },
        scope: { project: { name: 'demo', domain: { id: 'default' } } },
      },
    });
    assert.equal(rescoped.status, 201, 'rescoping with the token method: 201');
    assert.deepEqual(rescoped.body.token.methods, ['password', 'token'], 'both methods listed');
    assert.equal(
      rescoped.body.token.expires_at,
      unscoped.body.token.expires_at,
      "the rescoped token keeps the first one's expiry",
    );
  });

  test('wrong password, unknown user, no role on the scope: 401 in Keystone shape', async () => {
    const wrong = await post('/auth/tokens', passwordBody('demo', undefined, 'nope'));
    assert.equal(wrong.status, 401, 'a wrong password: 401');
    assertKeystoneError(wrong.body, 401);
    assert.match(wrong.headers.get('www-authenticate')!, /^Keystone uri=/, "with Keystone's challenge");
    const unknown = await post('/auth/tokens', {
      auth: {
        identity: {
          methods: ['password'],
          password: { user: { name: 'ghost', password: 'x', domain: { name: 'Default' } } },
        },
      },
    });
    assert.equal(unknown.status, 401, 'an unknown user: 401');
    const norole = await post(
      '/auth/tokens',
      passwordBody('alt', { project: { name: 'demo', domain: { name: 'Default' } } }),
    );
    assert.equal(norole.status, 401, 'a user without a role on the project: 401');
  });

  test('malformed bodies: 400; huge bodies: 413', async () => {
    const bad = await post('/auth/tokens', undefined, '{not json');
    assert.equal(bad.status, 400, 'not JSON: 400');
    assertKeystoneError(bad.body, 400);
    assert.equal((await post('/auth/tokens', { auth: {} })).status, 400, 'no identity: 400');
    assert.equal(
      (
        await post('/auth/tokens', {
          auth: { identity: { methods: ['password'], password: { user: { name: 'demo' } } } },
        })
      ).status,
      400,
      'a password user without a password: 400',
    );
    const huge = await post('/auth/tokens', { pad: 'x'.repeat(100_000) });
    assert.equal(huge.status, 413, 'a body over the limit: 413');
  });
});

describe('validate, check, revoke', () => {
  async function call(method: string, caller: string | undefined, subject: string | undefined, query = '') {
    const headers: Record<string, string> = {};
    if (caller) headers['x-auth-token'] = caller;
    if (subject) headers['x-subject-token'] = subject;
    const res = await fetch(`${ks}/auth/tokens${query}`, { method, headers });
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
  }

  test('a service user validates any token; the echo header comes back; nocatalog is honoured', async () => {
    const service = await tokenFor(ks, 'glance');
    const user = await tokenFor(ks, 'demo');
    const res = await call('GET', service, user);
    assert.equal(res.status, 200, "a service user validates the user's token");
    assert.equal(res.headers.get('x-subject-token'), user, 'the subject token is echoed back');
    assert.equal(res.body.token.user.name, 'demo', "the token body is the user's");
    assert.ok(res.body.token.catalog, 'with its catalog');
    assert.equal(
      (await call('GET', service, user, '?nocatalog')).body.token.catalog,
      undefined,
      '?nocatalog leaves it out',
    );
    assert.equal((await call('HEAD', service, user)).status, 200, 'HEAD checks the token: 200');
  });

  test("policies: the service role may validate (GET) but not check (HEAD) or revoke others' tokens", async () => {
    const serviceOnly = await tokenFor(ks, 'service');
    const user = await tokenFor(ks, 'demo');
    assert.equal((await call('GET', serviceOnly, user)).status, 200, 'the service role may validate');
    assert.equal((await call('HEAD', serviceOnly, user)).status, 403, 'but not check (HEAD): 403');
    assert.equal((await call('DELETE', serviceOnly, user)).status, 403, 'nor revoke: 403');
    assert.equal((await call('HEAD', user, user)).status, 200, 'a user may check its own token');
  });

  test('the owner may validate its own token; another plain user may not (403)', async () => {
    const demo = await tokenFor(ks, 'demo');
    const alt = await tokenFor(ks, 'alt');
    assert.equal((await call('GET', demo, demo)).status, 200, 'the owner may validate its own token');
    const denied = await call('GET', alt, demo);
    assert.equal(denied.status, 403, 'another plain user may not: 403');
    assertKeystoneError(denied.body, 403);
  });

  test("the caller's own bad token: 401; unknown or missing subject: 404", async () => {
    const service = await tokenFor(ks, 'glance');
    assert.equal((await call('GET', 'gAAAAAbogus', service)).status, 401, 'a bad caller token: 401');
    assert.equal((await call('GET', undefined, service)).status, 401, 'no caller token: 401');
    const missing = await call('GET', service, 'gAAAAAbogus');
    assert.equal(missing.status, 404, 'an unknown subject: 404');
    assertKeystoneError(missing.body, 404);
    assert.equal((await call('HEAD', service, 'gAAAAAbogus')).status, 404, 'HEAD with an unknown subject: 404');
    assert.equal((await call('GET', service, undefined)).status, 404, 'no subject: 404');
    assert.doesNotMatch(missing.body.error.message, /gAAAAAbogus/, 'Keystone never echoes a token');
  });

  test('revocation: DELETE is 204 and later validations are 404', async () => {
    const service = await tokenFor(ks, 'glance');
    const user = await tokenFor(ks, 'demo');
    assert.equal((await call('DELETE', service, user)).status, 204, 'revocation: 204');
    assert.equal((await call('GET', service, user)).status, 404, 'a revoked token is unknown afterwards: 404');
    assert.equal(
      (await call('GET', service, user, '?allow_expired=1')).status,
      404,
      'allow_expired does not bring a revoked token back',
    );
  });

  test('expiry follows the clock; allow_expired shows expired (not revoked) tokens', async () => {
    const service = await tokenFor(ks, 'glance');
    const store = mocks.keystone.store;
    const expired = store.issue(
      '3d4e5f60718293a4b5c6d7e8f90a1b2c',
      ['password'],
      { project: '7f3a9c1e5b2d4f6a8c0e2b4d6f8a0c2e' },
      Date.now() - 1,
    );
    assert.equal((await call('GET', service, expired.id)).status, 404, 'an expired token is unknown: 404');
    assert.equal(
      (await call('GET', service, expired.id, '?allow_expired=1')).status,
      200,
      'allow_expired shows it: 200',
    );
  });

  test('catalog and projects of the caller', async () => {
    const demo = await tokenFor(ks, 'demo');
    const catalog = (await (await fetch(`${ks}/auth/catalog`, { headers: { 'x-auth-token': demo } })).json()) as any;
    assert.ok(
      catalog.catalog.some((s: any) => s.type === 'identity'),
      "the caller's catalog lists the identity service",
    );
    const projects = (await (await fetch(`${ks}/auth/projects`, { headers: { 'x-auth-token': demo } })).json()) as any;
    assert.deepEqual(
      projects.projects.map((p: any) => p.name),
      ['demo'],
      "the caller's projects: demo's one",
    );
  });

  test('unknown paths and methods: JSON errors', async () => {
    const missing = await fetch(`${ks}/nope`);
    assert.equal(missing.status, 404, 'an unknown path: 404');
    assertKeystoneError(await missing.json(), 404);
    const method = await fetch(`${ks}/auth/tokens`, { method: 'PUT' });
    assert.equal(method.status, 405, 'an unknown method: 405');
    assertKeystoneError(await method.json(), 405);
  });
});

describe('mock-only operations', () => {
  test('off unless enabled', async () => {
    const { startMockKeystone } = await import('../../src/mocks/keystone/main.js');
    const { loadMockConfig } = await import('../../src/mocks/config.js');
    const plain = await startMockKeystone(loadMockConfig({}, { mock_keystone: { port: 0 } }).mock_keystone);
    try {
      assert.equal(
        (await fetch(`${plain.url}/__mock/stats`)).status,
        404,
        'without control enabled /__mock/ does not exist',
      );
    } finally {
      await plain.close();
    }
  });
});

test('the stats list the User-Agents received', async () => {
  await fetch(`${ks}/`, { headers: { 'user-agent': 'probe-agent/1.0' } });
  const seen = (await stats(mocks.keystone.url)) as unknown as { user_agents: string[] };
  assert.ok(seen.user_agents.includes('probe-agent/1.0'), `the User-Agent is recorded: ${seen.user_agents.join()}`);
});

describe("the seed's placeholders: this project's service by its name", () => {
  test('the service user, its type in the catalog and in access rules follow service_name', async () => {
    const { startMockKeystone } = await import('../../src/mocks/keystone/main.js');
    const { loadMockConfig } = await import('../../src/mocks/config.js');
    const config = loadMockConfig({}, { mock_keystone: { port: 0, service_name: 'flavor-names' } }).mock_keystone;
    const renamed = await startMockKeystone(config, { service_url: 'http://flavor-names.example' });
    try {
      const { users, assignments, services, application_credentials } = renamed.store.seed;
      const user = users.find((u) => u.name === 'flavor-names');
      assert.equal(user?.password, 'flavor-names-pw', 'the user is the name, its password the name and -pw');
      assert.ok(!users.some((u) => u.name.includes('{')), 'no placeholder is left in user names');
      assert.ok(
        assignments.some((a) => a.user === 'flavor-names'),
        "the service user's role follows it",
      );
      const own = services.find((s) => s.type === 'flavor-names');
      assert.ok(own, 'the catalog has an entry of type service_name');
      assert.equal(own.name, 'flavor-names', 'the catalog entry is named after it too');
      assert.ok(
        own.endpoints.every((e) => e.url === '{service_url}'),
        'URLs stay catalog variables, filled per token',
      );
      const rules = (application_credentials ?? []).flatMap((c) => c.access_rules ?? []);
      assert.ok(
        rules.some((r) => r.service === 'flavor-names'),
        'access rules name its type',
      );
      const text = JSON.stringify(renamed.store.seed);
      assert.ok(!/\{service_(name|password)\}/.test(text), 'no name or password placeholder is left');
    } finally {
      await renamed.close();
    }
  });

  test('service_password, when set, is the service user password', async () => {
    const { startMockKeystone } = await import('../../src/mocks/keystone/main.js');
    const { loadMockConfig } = await import('../../src/mocks/config.js');
    const env = { OS_MOCK_KEYSTONE__SERVICE_PASSWORD: 'from-compose' };
    const set = await startMockKeystone(loadMockConfig(env, { mock_keystone: { port: 0 } }).mock_keystone);
    try {
      const user = set.store.seed.users.find((u) => u.name === USERS.service.username);
      assert.equal(user?.password, 'from-compose', 'the variable sets the password');
    } finally {
      await set.close();
    }
  });

  test("glance_password, when set, is the glance user's password; by default the mock Glance's", async () => {
    const { startMockKeystone } = await import('../../src/mocks/keystone/main.js');
    const { loadMockConfig } = await import('../../src/mocks/config.js');
    const defaults = loadMockConfig({});
    assert.equal(
      defaults.mock_keystone.glance_password,
      defaults.mock_glance.password,
      'the two mocks agree out of the box',
    );
    const env = { OS_MOCK_KEYSTONE__GLANCE_PASSWORD: 'from-compose' };
    const set = await startMockKeystone(loadMockConfig(env, { mock_keystone: { port: 0 } }).mock_keystone);
    try {
      const user = set.store.seed.users.find((u) => u.name === USERS.glance.username);
      assert.equal(user?.password, 'from-compose', 'the variable sets the password');
      assert.ok(!JSON.stringify(set.store.seed).includes('{glance_password}'), 'no placeholder is left');
    } finally {
      await set.close();
    }
  });
});

// The seeded credentials of src/mocks/keystone/seed.json (demo in project demo).
const DEMO_ID = '3d4e5f60718293a4b5c6d7e8f90a1b2c';
const DEMO_PROJECT = '7f3a9c1e5b2d4f6a8c0e2b4d6f8a0c2e';
const SEEDED = {
  images: { id: 'b1d3f5a7c9e1b3d5f7a9c1e3b5d7f9a1', name: 'demo-images-only', secret: 'demo-images-only-secret' },
  compute: { id: 'b2e4a6c8d0f2b4e6a8c0d2f4b6e8a0c2', name: 'demo-compute-only', secret: 'demo-compute-only-secret' },
  plain: { id: 'b3f5b7d9e1a3b5f7b9d1e3a5b7f9b1d3', name: 'demo-no-rules', secret: 'demo-no-rules-secret' },
};
const IMAGES_RULE = { id: 'c2e4a6b8d0f2c4e6a8b0d2f4c6e8a0b2', service: SERVICE_NAME, path: '/images', method: 'GET' };
/** The token's application_credential block for SEEDED.images. */
const IMAGES_CREDENTIAL_BLOCK = {
  id: SEEDED.images.id,
  name: SEEDED.images.name,
  restricted: true,
  access_rules: [IMAGES_RULE],
};

const appCredBody = (block: unknown, scope?: unknown) => ({
  auth: {
    identity: { methods: ['application_credential'], application_credential: block },
    ...(scope === undefined ? {} : { scope }),
  },
});

async function appCredToken(block: unknown): Promise<string> {
  const res = await post('/auth/tokens', appCredBody(block));
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.headers.get('x-subject-token')!;
}

async function tokensCall(
  method: string,
  caller: string | undefined,
  subject: string | undefined,
  extra: Record<string, string> = {},
  query = '',
) {
  const headers: Record<string, string> = { ...extra };
  if (caller) headers['x-auth-token'] = caller;
  if (subject) headers['x-subject-token'] = subject;
  const res = await fetch(`${ks}/auth/tokens${query}`, { method, headers });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
}

async function createAppCred(token: string, body: unknown, userId = DEMO_ID) {
  const res = await fetch(`${ks}/users/${userId}/application_credentials`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-auth-token': token },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as any };
}

describe('application credentials: authentication', () => {
  test('by id and secret: project scope and roles of the credential, and the application_credential block', async () => {
    const res = await post('/auth/tokens', appCredBody({ id: SEEDED.images.id, secret: SEEDED.images.secret }));
    assert.equal(res.status, 201, 'an application credential by id and secret: 201');
    assert.match(res.headers.get('x-subject-token')!, /^gAAAAA/, 'a Fernet-looking token');
    const t = res.body.token;
    assert.deepEqual(t.methods, ['application_credential'], 'the method used');
    assert.equal(t.user.id, DEMO_ID, "the credential's user");
    assert.equal(t.project.id, DEMO_PROJECT, "the credential's project");
    assert.deepEqual(t.roles.map((r: any) => r.name).sort(), ['member', 'reader'], "the credential's roles");
    assert.ok(Array.isArray(t.catalog), 'with a catalog');
    assert.deepEqual(
      t.application_credential,
      IMAGES_CREDENTIAL_BLOCK,
      'the application_credential block with its rules',
    );
    // Keystone's key order, for whoever prints it.
    assert.deepEqual(
      Object.keys(t),
      [
        'methods',
        'user',
        'audit_ids',
        'expires_at',
        'issued_at',
        'project',
        'is_domain',
        'roles',
        'catalog',
        'application_credential',
      ],
      "Keystone's key order in the token",
    );
    assert.deepEqual(
      Object.keys(t.application_credential.access_rules[0]),
      ['id', 'service', 'path', 'method'],
      "Keystone's key order in an access rule",
    );
  });

  test('by name with the user by id, or by name and domain', async () => {
    for (const user of [
      { id: DEMO_ID },
      { name: 'demo', domain: { name: 'Default' } },
      { name: 'demo', domain: { id: 'default' } },
    ]) {
      const res = await post(
        '/auth/tokens?nocatalog',
        appCredBody({ name: SEEDED.compute.name, secret: SEEDED.compute.secret, user }),
      );
      assert.equal(res.status, 201, JSON.stringify(user));
      assert.equal(
        res.body.token.application_credential.id,
        SEEDED.compute.id,
        `${JSON.stringify(user)}: the credential asked for`,
      );
      assert.equal(res.body.token.catalog, undefined, `${JSON.stringify(user)}: ?nocatalog honoured`);
    }
  });

  test('a credential without rules: no access_rules key; roles are those of the credential', async () => {
    const res = await post('/auth/tokens', appCredBody({ id: SEEDED.plain.id, secret: SEEDED.plain.secret }));
    assert.equal(res.status, 201, 'a credential without rules: 201');
    assert.deepEqual(
      res.body.token.application_credential,
      {
        id: SEEDED.plain.id,
        name: 'demo-no-rules',
        restricted: true,
      },
      'no access_rules key at all, as Keystone sends',
    );
    assert.deepEqual(
      res.body.token.roles.map((r: any) => r.name),
      ['reader'],
      "the credential's own role, not all of the user's",
    );
  });

  test('errors: statuses and texts of the real Keystone', async () => {
    const wrong = await post('/auth/tokens', appCredBody({ id: SEEDED.images.id, secret: 'nope' }));
    assert.equal(wrong.status, 401, 'a wrong secret: 401');
    assertKeystoneError(wrong.body, 401);
    assert.match(wrong.headers.get('www-authenticate')!, /^Keystone uri=/, "with Keystone's challenge");
    assert.equal((await post('/auth/tokens', appCredBody({ id: SEEDED.images.id }))).status, 401, 'no secret: 401');
    const unknown = await post('/auth/tokens', appCredBody({ id: '0'.repeat(32), secret: 'x' }));
    assert.equal(unknown.status, 404, 'an unknown credential: 404');
    assert.equal(
      unknown.body.error.message,
      `Could not find Application Credential: ${'0'.repeat(32)}.`,
      "Keystone's message names the id",
    );
    const neither = await post('/auth/tokens', appCredBody({ secret: 'x' }));
    assert.equal(neither.status, 400, 'neither id nor name: 400');
    assert.match(
      neither.body.error.message,
      /^Expecting to find name or ID in application credential\./,
      "Keystone's message",
    );
    const noUser = await post('/auth/tokens', appCredBody({ name: SEEDED.images.name, secret: SEEDED.images.secret }));
    assert.equal(noUser.status, 400, 'a name without the user: 400');
    assert.match(
      noUser.body.error.message,
      /^Expecting to find user in application credential\./,
      "Keystone's message",
    );
    assert.equal(
      (await post('/auth/tokens', appCredBody({ name: 'ghost', secret: 'x', user: { id: DEMO_ID } }))).status,
      401,
      'an unknown credential name: 401',
    );
    assert.equal(
      (
        await post(
          '/auth/tokens',
          appCredBody({ name: SEEDED.images.name, secret: SEEDED.images.secret, user: { id: '0'.repeat(32) } }),
        )
      ).status,
      401,
      'a credential name for an unknown user: 401',
    );
    const noBlock = await post('/auth/tokens', { auth: { identity: { methods: ['application_credential'] } } });
    assert.equal(noBlock.status, 400, 'no application_credential block: 400');
    assert.match(
      noBlock.body.error.message,
      /^Expecting to find application_credential in identity\./,
      "Keystone's message",
    );
  });

  test('asking for any scope: 401 with the extra identity key', async () => {
    for (const scope of [{ project: { id: DEMO_PROJECT } }, { domain: { id: 'default' } }, 'unscoped']) {
      const res = await post(
        '/auth/tokens',
        appCredBody({ id: SEEDED.images.id, secret: SEEDED.images.secret }, scope),
      );
      assert.equal(res.status, 401, `${JSON.stringify(scope)}: an application credential may not ask for a scope: 401`);
      assert.deepEqual(
        res.body,
        {
          error: {
            code: 401,
            identity: {},
            message:
              'Error authenticating with application credential: Application credentials cannot request a scope.',
            title: 'Unauthorized',
          },
        },
        `${JSON.stringify(scope)}: Keystone's body, with its extra identity key`,
      );
      assert.match(
        res.headers.get('www-authenticate')!,
        /^Keystone uri=/,
        `${JSON.stringify(scope)}: with Keystone's challenge`,
      );
    }
  });

  test('app-cred tokens cannot be rescoped: 404 with access rules, 403 without', async () => {
    const rescope = async (token: string) =>
      post('/auth/tokens', {
        auth: { identity: { methods: ['token'], token: { id: token } }, scope: { project: { id: DEMO_PROJECT } } },
      });
    const restricted = await rescope(await appCredToken({ id: SEEDED.images.id, secret: SEEDED.images.secret }));
    assert.equal(restricted.status, 404, 'a token with access rules cannot be rescoped: 404');
    assert.equal(restricted.body.error.message, 'Failed to validate token', "Keystone's message");
    const plain = await rescope(await appCredToken({ id: SEEDED.plain.id, secret: SEEDED.plain.secret }));
    assert.equal(plain.status, 403, 'a token of a credential without rules: 403');
    assert.match(
      plain.body.error.message,
      /Using a delegated token to create another token is not allowed/,
      "Keystone's message",
    );
  });
});

describe('application credentials: validation and the OpenStack-Identity-Access-Rules header', () => {
  const RULES = 'openstack-identity-access-rules';
  let service: string;
  let restricted: string;
  let plain: string;
  before(async () => {
    service = await tokenFor(ks, 'service');
    restricted = await appCredToken({ id: SEEDED.images.id, secret: SEEDED.images.secret });
    plain = await appCredToken({ id: SEEDED.plain.id, secret: SEEDED.plain.secret });
  });

  test('a token with access rules: 404 "Failed to validate token" without the header, 200 with it', async () => {
    const without = await tokensCall('GET', service, restricted);
    assert.equal(without.status, 404, 'a token with access rules, validated without the header: 404');
    assert.deepEqual(
      without.body,
      { error: { code: 404, message: 'Failed to validate token', title: 'Not Found' } },
      "Keystone's exact body",
    );
    const withIt = await tokensCall('GET', service, restricted, { [RULES]: '1' });
    assert.equal(withIt.status, 200, 'with OpenStack-Identity-Access-Rules: 200');
    assert.equal(withIt.headers.get('x-subject-token'), restricted, 'the subject token is echoed back');
    assert.deepEqual(
      withIt.body.token.application_credential,
      IMAGES_CREDENTIAL_BLOCK,
      'the application_credential block with its rules',
    );
    assert.deepEqual(
      withIt.body.token.roles.map((r: any) => r.name).sort(),
      ['member', 'reader'],
      "the credential's roles",
    );
  });

  test('header values: a Python float of at least 1.0 (or nan); below, empty: 404; not a float: 500', async () => {
    for (const value of ['1', '1.0', '1.1', '2', '1e0', '10_0', 'inf', 'nan', 'Infinity']) {
      assert.equal((await tokensCall('GET', service, restricted, { [RULES]: value })).status, 200, value);
    }
    for (const value of ['0', '0.9', '-1', '-inf', '']) {
      assert.equal((await tokensCall('GET', service, restricted, { [RULES]: value })).status, 404, value);
    }
    for (const value of ['yes', 'true', 'v1', '1.0.0', '0x1']) {
      const res = await tokensCall('GET', service, restricted, { [RULES]: value });
      assert.equal(res.status, 500, value);
      assertKeystoneError(res.body, 500);
    }
  });

  test('tokens of a credential without rules ignore the header', async () => {
    for (const extra of [{}, { [RULES]: '1' }, { [RULES]: '0' }, { [RULES]: 'yes' }] as Record<string, string>[]) {
      const res = await tokensCall('GET', service, plain, extra);
      assert.equal(res.status, 200, JSON.stringify(extra));
      assert.deepEqual(
        res.body.token.application_credential,
        {
          id: SEEDED.plain.id,
          name: 'demo-no-rules',
          restricted: true,
        },
        `${JSON.stringify(extra)}: the application_credential block without access_rules`,
      );
    }
    assert.equal((await tokensCall('HEAD', plain, plain)).status, 200, 'HEAD on its own token: 200');
  });

  test('HEAD, allow_expired and the owner: the same refusal, before policy', async () => {
    assert.equal((await tokensCall('HEAD', restricted, restricted)).status, 404, 'HEAD without the header: 404');
    assert.equal(
      (await tokensCall('HEAD', restricted, restricted, { [RULES]: '1' })).status,
      200,
      'HEAD with the header: 200',
    );
    assert.equal(
      (await tokensCall('GET', service, restricted, {}, '?allow_expired=1')).status,
      404,
      'allow_expired without the header: 404',
    );
    assert.equal(
      (await tokensCall('GET', service, restricted, { [RULES]: '1' }, '?allow_expired=1')).status,
      200,
      'allow_expired with the header: 200',
    );
    // Another plain user: 404 without the header (the token check comes first), 403 with it.
    const alt = await tokenFor(ks, 'alt');
    assert.equal(
      (await tokensCall('GET', alt, restricted)).status,
      404,
      'another user without the header: 404, the token check first',
    );
    assert.equal(
      (await tokensCall('GET', alt, restricted, { [RULES]: '1' })).status,
      403,
      'another user with the header: 403, the policy',
    );
  });

  test('a restricted token works as the caller on Keystone itself', async () => {
    assert.equal(
      (await tokensCall('GET', restricted, plain)).status,
      200,
      'a restricted token may validate another token as the caller',
    );
    const projects = await fetch(`${ks}/auth/projects`, { headers: { 'x-auth-token': restricted } });
    assert.equal(projects.status, 200, 'and list its projects');
  });

  test('DELETE never revokes a token with access rules (404 even with the header); others are revoked', async () => {
    const admin = await tokenFor(ks, 'admin');
    const token = await appCredToken({ id: SEEDED.compute.id, secret: SEEDED.compute.secret });
    assert.equal((await tokensCall('DELETE', admin, token)).status, 404, 'DELETE of a token with access rules: 404');
    const withHeader = await tokensCall('DELETE', admin, token, { [RULES]: '1' });
    assert.equal(withHeader.status, 404, 'even with the header: 404');
    assert.equal(withHeader.body.error.message, 'Failed to validate token', "Keystone's message");
    assert.equal(
      (await tokensCall('GET', admin, token, { [RULES]: '1' })).status,
      200,
      'the token was not revoked: still valid with the header',
    );
    const other = await appCredToken({ id: SEEDED.plain.id, secret: SEEDED.plain.secret });
    assert.equal((await tokensCall('DELETE', admin, other)).status, 204, 'a token without rules is revoked: 204');
    assert.equal((await tokensCall('GET', admin, other)).status, 404, 'and unknown afterwards');
  });
});

describe('application credentials: POST /v3/users/{user_id}/application_credentials', () => {
  test('with access rules: 201, the secret once, rule ids; its token carries them', async () => {
    const demo = await tokenFor(ks, 'demo');
    const res = await createAppCred(demo, {
      application_credential: {
        name: 'mine-images',
        access_rules: [{ service: SERVICE_NAME, method: 'GET', path: '/images/*' }],
      },
    });
    assert.equal(res.status, 201, 'created: 201');
    const c = res.body.application_credential;
    assert.deepEqual(
      Object.keys(c),
      [
        'id',
        'name',
        'description',
        'user_id',
        'project_id',
        'system',
        'expires_at',
        'unrestricted',
        'roles',
        'access_rules',
        'secret',
        'links',
      ],
      "Keystone's key order in a created credential",
    );
    assert.match(c.id, /^[0-9a-f]{32}$/, 'a 32-hex id');
    assert.match(c.secret, /^[A-Za-z0-9_-]{86}$/, 'the secret, shown once');
    assert.equal(c.user_id, DEMO_ID, 'the creating user');
    assert.equal(c.project_id, DEMO_PROJECT, "the token's project");
    assert.equal(c.unrestricted, null, 'unrestricted: null when not asked for');
    assert.equal(c.description, null, 'description: null when not given');
    assert.deepEqual(c.roles.map((r: any) => r.name).sort(), ['member', 'reader'], "the token's roles");
    assert.equal(c.access_rules.length, 1, 'one rule');
    assert.match(c.access_rules[0].id, /^[0-9a-f]{32}$/, 'with an id of its own');
    assert.deepEqual(
      c.access_rules[0],
      {
        id: c.access_rules[0].id,
        service: SERVICE_NAME,
        path: '/images/*',
        method: 'GET',
      },
      'the rule as asked, with its id',
    );
    assert.equal(c.links.self, `${ks}/application_credentials/${c.id}`, 'the self link');
    const issued = await post('/auth/tokens', appCredBody({ id: c.id, secret: c.secret }));
    assert.equal(issued.status, 201, 'the new credential authenticates: 201');
    assert.deepEqual(
      issued.body.token.application_credential,
      {
        id: c.id,
        name: 'mine-images',
        restricted: true,
        access_rules: c.access_rules,
      },
      'its token carries the rules with their ids',
    );
  });

  test('without rules, or with []: no access_rules key; unrestricted and roles as asked', async () => {
    const demo = await tokenFor(ks, 'demo');
    const none = await createAppCred(demo, { application_credential: { name: 'mine-none' } });
    assert.equal(none.status, 201, 'without rules: 201');
    assert.equal('access_rules' in none.body.application_credential, false, 'without rules: no access_rules key');
    const empty = await createAppCred(demo, {
      application_credential: { name: 'mine-empty', access_rules: [], unrestricted: true, roles: [{ name: 'reader' }] },
    });
    assert.equal(empty.status, 201, 'with []: 201');
    assert.equal('access_rules' in empty.body.application_credential, false, 'with []: no access_rules key either');
    assert.equal(empty.body.application_credential.unrestricted, true, 'unrestricted as asked');
    assert.deepEqual(
      empty.body.application_credential.roles.map((r: any) => r.name),
      ['reader'],
      'only the roles asked for',
    );
    const token = await post(
      '/auth/tokens',
      appCredBody({ name: 'mine-empty', secret: empty.body.application_credential.secret, user: { id: DEMO_ID } }),
    );
    assert.deepEqual(
      token.body.token.application_credential,
      {
        id: empty.body.application_credential.id,
        name: 'mine-empty',
        restricted: false,
      },
      'its token: restricted false, no rules',
    );
    assert.deepEqual(
      token.body.token.roles.map((r: any) => r.name),
      ['reader'],
      "its token has only the credential's role",
    );
  });

  test("a user's identical rules share one id; a rule may be named by id alone", async () => {
    const demo = await tokenFor(ks, 'demo');
    const again = await createAppCred(demo, {
      application_credential: {
        name: 'mine-again',
        access_rules: [{ service: SERVICE_NAME, method: 'GET', path: '/images' }],
      },
    });
    assert.equal(again.status, 201, 'the same rules again: 201');
    assert.deepEqual(
      again.body.application_credential.access_rules,
      [IMAGES_RULE],
      'the identical rule gets the existing id',
    );
    const byId = await createAppCred(demo, {
      application_credential: { name: 'mine-by-id', access_rules: [{ id: IMAGES_RULE.id }] },
    });
    assert.equal(byId.status, 201, 'a rule named by id alone: 201');
    assert.deepEqual(byId.body.application_credential.access_rules, [IMAGES_RULE], 'it is the existing rule');
  });

  test('the service type is not checked against the catalog', async () => {
    const demo = await tokenFor(ks, 'demo');
    const res = await createAppCred(demo, {
      application_credential: {
        name: 'mine-compute',
        access_rules: [{ service: 'compute', method: 'GET', path: '/v2.1/servers' }],
      },
    });
    assert.equal(res.status, 201, 'a service type not in the catalog is accepted, as Keystone does');
  });

  test('from an unscoped token: no project, no roles, and unscoped tokens', async () => {
    const unscoped = await post('/auth/tokens', passwordBody('demo'));
    const res = await createAppCred(unscoped.headers.get('x-subject-token')!, {
      application_credential: { name: 'mine-unscoped' },
    });
    assert.equal(res.status, 201, 'from an unscoped token: 201');
    assert.equal(res.body.application_credential.project_id, null, 'no project');
    assert.deepEqual(res.body.application_credential.roles, [], 'no roles');
    const token = await post(
      '/auth/tokens',
      appCredBody({ id: res.body.application_credential.id, secret: res.body.application_credential.secret }),
    );
    assert.equal(token.status, 201, 'its credential authenticates: 201');
    assert.equal(token.body.token.project, undefined, 'to an unscoped token: no project');
    assert.equal(token.body.token.roles, undefined, 'no roles');
    assert.equal(token.body.token.application_credential.name, 'mine-unscoped', "the credential's name");
  });

  test('who may create: only the user, and not with a restricted app-cred token', async () => {
    const demo = await tokenFor(ks, 'demo');
    const admin = await tokenFor(ks, 'admin');
    const forOther = await createAppCred(admin, { application_credential: { name: 'x1' } });
    assert.equal(forOther.status, 403, 'creating for another user: 403');
    assert.equal(
      forOther.body.error.message,
      'You are not authorized to perform the requested action: identity:create_application_credential.',
      "Keystone's policy message",
    );
    const restricted = await appCredToken({ id: SEEDED.plain.id, secret: SEEDED.plain.secret });
    const fromCred = await createAppCred(restricted, { application_credential: { name: 'x2' } });
    assert.equal(fromCred.status, 403, "creating with a restricted credential's token: 403");
    assert.match(
      fromCred.body.error.message,
      /Using method 'application_credential' is not allowed for managing additional application credentials\.\.$/,
      "Keystone's message (with its two dots)",
    );
    const unrestricted = await createAppCred(demo, { application_credential: { name: 'x3', unrestricted: true } });
    const fromUnrestricted = await createAppCred(
      await appCredToken({
        id: unrestricted.body.application_credential.id,
        secret: unrestricted.body.application_credential.secret,
      }),
      { application_credential: { name: 'x4' } },
    );
    assert.equal(fromUnrestricted.status, 201, "an unrestricted credential's token may create: 201");
    const noToken = await fetch(`${ks}/users/${DEMO_ID}/application_credentials`, { method: 'POST', body: '{}' });
    assert.equal(noToken.status, 401, 'no token: 401');
  });

  test('bad bodies: 400; a duplicate name: 409; a role the token lacks: 400', async () => {
    const demo = await tokenFor(ks, 'demo');
    const bad: unknown[] = [
      {},
      { application_credential: {} },
      { application_credential: { name: 'b', access_rules: [{ service: 'image', method: 'OPTIONS', path: '/x' }] } },
      { application_credential: { name: 'b', access_rules: [{ service: 'image', method: 'get', path: '/x' }] } },
      { application_credential: { name: 'b', access_rules: [{ service: 'image', method: 'GET', path: 'x' }] } },
      { application_credential: { name: 'b', access_rules: [{ service: 'image', method: 'GET', path: '/x', x: 1 }] } },
      { application_credential: { name: 'b', access_rules: [{ service: 'im age', method: 'GET', path: '/x' }] } },
      { application_credential: { name: 'b', access_rules: [{ method: 'GET', path: '/x' }] } },
      { application_credential: { name: 'b', access_rules: {} } },
    ];
    for (const body of bad) {
      const res = await createAppCred(demo, body);
      assert.equal(res.status, 400, JSON.stringify(body));
      assertKeystoneError(res.body, 400);
    }
    const dup = await createAppCred(demo, { application_credential: { name: 'demo-images-only' } });
    assert.equal(dup.status, 409, 'a duplicate name: 409');
    assert.equal(
      dup.body.error.message,
      'Conflict occurred attempting to store application_credential - Duplicate entry found with name demo-images-only.',
      "Keystone's message",
    );
    const role = await createAppCred(demo, { application_credential: { name: 'b', roles: [{ name: 'admin' }] } });
    assert.equal(role.status, 400, 'a role the token lacks: 400');
    assert.equal(
      role.body.error.message,
      'Invalid application credential: Cannot create an application credential with unassigned role',
      "Keystone's message",
    );
  });
});

describe('validations in flight', () => {
  test('the peak counts concurrent GET /v3/auth/tokens including injected faults; reset clears it', async () => {
    const base = mocks.keystone.url;
    await fetch(`${base}/__mock/reset`, { method: 'POST' });
    const service = await tokenFor(ks, 'service');
    const user = await tokenFor(ks, 'demo');
    try {
      await setFaults(base, { hang: true });
      const running = Array.from({ length: 5 }, () => tokensCall('GET', service, user));
      // Poll until all five are inside the mock, held by the hang until released: exactly five, never more.
      let during: any;
      await waitFor(async () => {
        during = await (await fetch(`${base}/__mock/stats`)).json();
        return during.validations_inflight === 5;
      }, 'five validations held inside the mock');
      assert.equal(during.counters.validations_inflight_peak, 5, 'the peak saw all five at once');
      await setFaults(base, {});
      assert.equal(await releaseHeld(base), 5, 'the five held validations are released');
      for (const res of await Promise.all(running))
        assert.equal(res.status, 200, 'each released validation answers 200');
      // Other requests do not count.
      await Promise.all([tokenFor(ks, 'demo'), tokensCall('HEAD', service, user), tokensCall('HEAD', service, user)]);
      const after = (await (await fetch(`${base}/__mock/stats`)).json()) as any;
      assert.equal(after.validations_inflight, 0, 'none in flight afterwards');
      assert.equal(after.counters.validations_inflight_peak, 5, 'the peak stays 5');
    } finally {
      await setFaults(base, {});
      await releaseHeld(base);
      await fetch(`${base}/__mock/reset`, { method: 'POST' });
    }
    assert.equal((await stats(base)).counters.validations_inflight_peak, undefined, 'reset cleared the peak');
    assert.equal((await tokensCall('GET', service, user)).status, 200, 'one validation');
    assert.equal((await stats(base)).counters.validations_inflight_peak, 1, 'peak 1');
    // Failed validations count too (the window is the request's).
    await tokensCall('GET', service, 'gAAAAAbogus');
    assert.equal(
      (await stats(base)).counters.validations_inflight_peak,
      1,
      'a failed validation counts in the peak too, which stays 1',
    );
  });
});
